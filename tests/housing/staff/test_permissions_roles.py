"""Permission matrix by role: for every role in 福州 and in 厦门, on a 福州 case in every status the table
knows, which pages open and which actions the console takes — generated from the transition table, so a
new row is covered the day it is added. A 厦门 account cannot see or act on a 福州 case at all."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from anju.housing.models import Case
from anju.housing.review.service import FORM_PANELS, transitions
from tests.conftest import Systems
from tests.housing.staff.test_permissions_staff_scope import sign_in
from tests.support.factories import case_submission
from tests.support.journey import csrf_of
from tests.support.signed import signed_post

ACCOUNTS = {  # username → role (the demo accounts of both cities)
    f"{prefix}.{city}": role
    for city in ("350100", "350200")
    for prefix, role in (
        ("shouli", "street_reviewer"),
        ("shenhe", "district_reviewer"),
        ("shenpi", "city_approver"),
        ("guanli", "city_admin"),
        ("shenji", "auditor"),
    )
}
STAFF_ROWS = [
    t for t in transitions().values() if t.from_status and t.roles - {"applicant", "system"} and not t.form
]
# Rows taken on a form of their own (配租: tests/housing/allocation/test_stock_and_offers.py), never as a
# plain action, whatever the role.
FORM_ROWS = [t for t in transitions().values() if t.form and t.roles - {"applicant", "system"}]


def case_in(systems: Systems, status: str, n: int) -> str:
    case_no = f"GZF-350100-20261102-{n:06d}"
    response = signed_post(
        systems.client("housing"),
        as_system=systems.runtimes["platform"],
        path="/v1/cases",
        payload=case_submission(case_no=case_no),
    )
    assert response.status_code == 201
    with systems.runtimes["housing"].db.transaction() as session:
        case = session.scalars(select(Case).where(Case.case_no == case_no)).one()
        case.status = status  # test set-up: the state under test
        case.due_on = case.notice_ends_on = date(2026, 11, 1)  # every guard's time has come
    return case_no


def take(client: TestClient, case_no: str, event: str, page: str) -> Any:
    """A staff member takes an action on the case page, ticking its confirmation, with a reason."""
    return client.post(
        f"/staff/cases/{case_no}/events",
        data={"csrf_token": csrf_of(page), "event": event, "reason": "依据核查结果", "confirm": "yes"},
        follow_redirects=False,
    )


def status_of(systems: Systems, case_no: str) -> str:
    with systems.runtimes["housing"].db.transaction() as session:
        return str(session.scalars(select(Case.status).where(Case.case_no == case_no)).one())


@pytest.mark.parametrize("row", STAFF_ROWS, ids=lambda t: f"{t.from_status}-{t.event}")
def test_each_staff_action_is_taken_only_by_its_roles_in_its_own_city(systems: Systems, row) -> None:  # type: ignore[no-untyped-def]
    case_no = case_in(systems, row.from_status, STAFF_ROWS.index(row) + 1)
    clients: dict[str, TestClient] = {u: sign_in(systems, u) for u in ACCOUNTS}
    allowed_here = [u for u, role in ACCOUNTS.items() if role in row.roles and u.endswith("350100")]
    for username, client in clients.items():
        page = client.get(f"/staff/cases/{case_no}")
        if username.endswith("350200"):
            assert page.status_code == 404 and case_no not in page.text, username  # not even its existence
        else:
            assert page.status_code == 200, username
            offered = f'name="event" value="{row.event}"' in page.text
            assert offered == (username in allowed_here), (username, row.event)
        if username in allowed_here:
            continue
        refused = client.post(
            f"/staff/cases/{case_no}/events",
            data={
                "csrf_token": csrf_of(page.text or client.get("/staff/").text),
                "event": row.event,
                "reason": "核实",
                "confirm": "yes",
            },
        )
        assert refused.status_code in (404, 409), (username, refused.status_code)
        assert status_of(systems, case_no) == row.from_status
    actor = allowed_here[0]
    page = clients[actor].get(f"/staff/cases/{case_no}")
    done = take(clients[actor], case_no, row.event, page.text)
    assert done.status_code == 303, (actor, done.text[-300:])
    assert status_of(systems, case_no) != row.from_status


@pytest.mark.parametrize("row", FORM_ROWS, ids=lambda t: f"{t.from_status}-{t.event}")
def test_an_action_with_a_form_of_its_own_is_never_a_plain_action(systems: Systems, row) -> None:  # type: ignore[no-untyped-def]
    case_no = case_in(systems, row.from_status, 900 + FORM_ROWS.index(row))
    admin = sign_in(systems, "guanli.350100")
    page = admin.get(f"/staff/cases/{case_no}")
    assert f'name="event" value="{row.event}"' not in page.text
    refused = take(admin, case_no, row.event, page.text)
    where = f"请在办件页的{FORM_PANELS[row.form]}栏目中办理"
    assert refused.status_code in (400, 409) and where in refused.text
    assert status_of(systems, case_no) == row.from_status


def test_only_the_auditor_and_the_administrator_read_the_reveal_log(systems: Systems) -> None:
    for username, role in ACCOUNTS.items():
        response = sign_in(systems, username).get("/staff/audit/reveals")
        assert response.status_code == (200 if role in ("auditor", "city_admin") else 403), username
