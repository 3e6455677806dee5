"""Permission matrix: which cases each reviewer's scope shows, opens and lets them act on.

One row per staff account (role street_reviewer × one region). Each row asserts both sides: the
cases it may see and accept, and the cases it must not see, open or change. 平潭综合实验区 (350128)
is its own jurisdiction although its code sits in 福州's range.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from anju.housing.models import Case, CaseEvent
from tests.conftest import Systems
from tests.support.factories import case_submission
from tests.support.journey import csrf_of
from tests.support.signed import signed_post

# name → (case number, city code, district code)
CASES: dict[str, tuple[str, str, str]] = {
    "福州鼓楼": ("GZF-350100-20261127-000001", "350100", "350102"),
    "福州仓山": ("GZF-350100-20261127-000002", "350100", "350104"),
    "厦门思明": ("GZF-350200-20261127-000001", "350200", "350203"),
    "平潭": ("GZF-350128-20261127-000001", "350128", "350128"),
}

MATRIX = [
    pytest.param("shouli.350100", {"福州鼓楼", "福州仓山"}, id="fuzhou_city-sees_gulou_cangshan_not_pingtan"),
    pytest.param("shouli.350102", {"福州鼓楼"}, id="gulou_district-sees_gulou_only"),
    pytest.param("shouli.350200", {"厦门思明"}, id="xiamen_city-sees_siming_only"),
    pytest.param("shouli.350128", {"平潭"}, id="pingtan-sees_pingtan_only"),
]

CASE_NO = re.compile(r"GZF-\d{6}-\d{8}-\d{6}")


def submit_all(systems: Systems) -> None:
    client = systems.client("housing")
    for case_no, city, district in CASES.values():
        payload = case_submission(
            case_no=case_no, city_code=city, district_code=district, household_size=2, address="测试地址 1 号"
        )
        response = signed_post(
            client, as_system=systems.runtimes["platform"], path="/v1/cases", payload=payload
        )
        assert response.status_code == 201, response.text


def sign_in(systems: Systems, username: str) -> TestClient:
    client = systems.client("housing")
    page = client.get("/staff/login")
    response = client.post(
        "/staff/login",
        data={"csrf_token": csrf_of(page.text), "username": username, "password": "anju-staff-demo"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client


def state_of(systems: Systems, case_no: str) -> tuple[str, int]:
    """The case's status and how many events it has."""
    with systems.runtimes["housing"].db.transaction() as session:
        case = session.scalar(select(Case).where(Case.case_no == case_no))
        assert case is not None
        events = session.scalar(
            select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case.id)
        )
        return case.status, int(events or 0)


def outbox_count(systems: Systems) -> int:
    runtime = systems.runtimes["housing"]
    with runtime.db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(runtime.tables.outbox)) or 0)


@pytest.mark.parametrize(("username", "allowed"), MATRIX)
def test_staff_scope(systems: Systems, username: str, allowed: set[str]) -> None:
    submit_all(systems)
    received = outbox_count(systems)  # each case's receipt, told to its applicant
    assert received == len(CASES)
    client = sign_in(systems, username)
    refused = set(CASES) - allowed
    assert allowed and refused

    # The queue lists exactly the cases in scope.
    queue = client.get("/staff/")
    assert queue.status_code == 200
    assert set(CASE_NO.findall(queue.text)) == {CASES[name][0] for name in allowed}

    # Case pages: 200 in scope, 404 outside — and a 404 outside scope looks exactly like a case that
    # does not exist, so nothing tells the clerk that the case is there.
    missing = client.get("/staff/cases/GZF-350100-20261127-999999")
    assert missing.status_code == 404
    for name, (case_no, _city, _district) in CASES.items():
        page = client.get(f"/staff/cases/{case_no}")
        if name in allowed:
            assert page.status_code == 200, f"{username} should open {name}"
            assert f"办件 {case_no}" in page.text
        else:
            assert page.status_code == 404, f"{username} must not open {name}"
            assert case_no not in page.text
            assert "不属于您负责的辖区" in page.text
            assert page.text == missing.text

    token = csrf_of(queue.text)

    # Acting on a case outside scope: 404 and nothing changes.
    for name in sorted(refused):
        case_no = CASES[name][0]
        response = client.post(
            f"/staff/cases/{case_no}/events",
            data={"csrf_token": token, "event": "accept", "confirm": "yes"},
            follow_redirects=False,
        )
        assert response.status_code == 404, f"{username} must not accept {name}"
        assert 'data-error-code="not_found"' in response.text
        assert state_of(systems, case_no) == ("submitted", 1)
    assert outbox_count(systems) == received

    # Acting on a case in scope works.
    for name in sorted(allowed):
        case_no = CASES[name][0]
        response = client.post(
            f"/staff/cases/{case_no}/events",
            data={"csrf_token": token, "event": "accept", "confirm": "yes"},
            follow_redirects=False,
        )
        assert response.status_code == 303, f"{username} should accept {name}"
        assert state_of(systems, case_no) == ("first_review", 3)  # 受理, then 初审 begins at once
    assert outbox_count(systems) == received + 2 * len(allowed)  # both changes go to the applicant
    for name in refused:
        assert state_of(systems, CASES[name][0]) == ("submitted", 1)
