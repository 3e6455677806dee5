"""The staff console as a clerk meets it: sign-in, lockout, CSRF, session, acceptance, masking."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select

from anju.core.outbox import outbox_payload
from anju.housing.models import Case, CaseEvent, StaffUser
from tests.conftest import Systems
from tests.support.journey import csrf_of
from tests.support.signed import signed_post

PASSWORD = "anju-staff-demo"
CASE_NO = "GZF-350100-20261127-000001"
ID_NUMBER = "350182198802290158"
ID_MASKED = "350182********0158"
PHONE = "18605910006"
PHONE_MASKED = "186****0006"
NAME = "王𠈌"
NAME_MASKED = "王*"
WRONG_CREDENTIALS = "用户名或密码不正确"
STATUS_TAG = '<span class="tag" id="case-status">{}</span>'


# ---------------------------------------------------------------- helpers


def submit_case(systems: Systems, *, case_no: str = CASE_NO, **extra: Any) -> None:
    """Send one case to housing, signed as the platform (as the intake tests do); ``extra``: more of the
    case (its proofs, say)."""
    payload: dict[str, Any] = {
        "case_no": case_no,
        "city_code": "350100",
        "district_code": "350102",
        "channel": "web",
        "submitted_at": "2026-11-27T02:00:00+00:00",
        "applicant": {"name": NAME, "id_number": ID_NUMBER, "phone": PHONE, "real_name_level": 3},
        "applicant_group": "low_income",
        "household_size": 3,
        "address": "鼓楼区五四路 123 号",
        **extra,
    }
    response = signed_post(
        systems.client("housing"), as_system=systems.runtimes["platform"], path="/v1/cases", payload=payload
    )
    assert response.status_code == 201, response.text


def login(client: TestClient, username: str, password: str = PASSWORD) -> httpx.Response:
    """Open the login page and post the form with its CSRF token (redirects not followed)."""
    page = client.get("/staff/login")
    assert page.status_code == 200
    response: httpx.Response = client.post(
        "/staff/login",
        data={"csrf_token": csrf_of(page.text), "username": username, "password": password},
        follow_redirects=False,
    )
    return response


def signed_in_client(systems: Systems, username: str = "shouli.350100") -> TestClient:
    client = systems.client("housing")
    response = login(client, username)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/staff/"
    return client


def assert_signed_out(client: TestClient) -> None:
    """The queue sends a signed-out browser to the login page."""
    queue = client.get("/staff/", follow_redirects=False)
    assert queue.status_code == 303
    assert queue.headers["location"] == "/staff/login"


def staff_user(systems: Systems, username: str) -> StaffUser:
    with systems.runtimes["housing"].db.transaction() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.username == username))
        assert user is not None
        return user


def case_events(systems: Systems, case_no: str = CASE_NO) -> list[CaseEvent]:
    with systems.runtimes["housing"].db.transaction() as session:
        case_id = session.scalar(select(Case.id).where(Case.case_no == case_no))
        assert case_id is not None
        return list(
            session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq))
        )


def case_status(systems: Systems, case_no: str = CASE_NO) -> str:
    with systems.runtimes["housing"].db.transaction() as session:
        status = session.scalar(select(Case.status).where(Case.case_no == case_no))
        assert status is not None
        return str(status)


def outbox_rows(systems: Systems) -> list[dict[str, Any]]:
    runtime = systems.runtimes["housing"]
    table = runtime.tables.outbox
    with runtime.db.transaction() as session:
        return [dict(row) for row in session.execute(select(table).order_by(table.c.id)).mappings()]


def payload_of(systems: Systems, row: dict[str, Any]) -> dict[str, Any]:
    """What a housing outbox row carries (payloads are encrypted at rest)."""
    return outbox_payload(systems.runtimes["housing"].tables.outbox, row["payload"])


def told(systems: Systems) -> list[str]:
    """The statuses queued for the platform, in order."""
    return [payload_of(systems, m)["status"] for m in outbox_rows(systems)]


def post_event(client: TestClient, case_no: str, event: str) -> httpx.Response:
    page = client.get(f"/staff/cases/{case_no}")
    assert page.status_code == 200, page.text
    response: httpx.Response = client.post(
        f"/staff/cases/{case_no}/events",
        data={"csrf_token": csrf_of(page.text), "event": event, "confirm": "yes"},
        follow_redirects=False,
    )
    return response


def error_code_of(html: str) -> str:
    marker = 'data-error-code="'
    assert marker in html, html
    return html.split(marker, 1)[1].split('"', 1)[0]


def login_error_of(html: str) -> str:
    """The message in the login page's error summary."""
    assert 'id="error-summary"' in html, html
    return html.split('<a href="#username">', 1)[1].split("</a>", 1)[0]


# ---------------------------------------------------------------- passwords and sign-in


def test_stored_password_hashes_are_argon2id_and_never_the_password(systems: Systems) -> None:
    with systems.runtimes["housing"].db.transaction() as session:
        users = list(session.scalars(select(StaffUser)))
    assert len(users) == 19  # 10 jurisdictions + 鼓楼区 + 4 more roles in 福州 and in 厦门
    hasher = PasswordHasher()
    for user in users:
        assert user.password_hash.startswith("$argon2id$"), user.username
        assert PASSWORD not in user.password_hash
        assert hasher.verify(user.password_hash, PASSWORD)


def test_wrong_password_and_unknown_username_get_the_same_message(systems: Systems) -> None:
    client = systems.client("housing")
    wrong_password = login(client, "shouli.350100", "not-the-password")
    unknown_user = login(client, "shouli.999999", "not-the-password")
    for response in (wrong_password, unknown_user):
        assert response.status_code == 401
        assert WRONG_CREDENTIALS in response.text
        assert "锁定" not in response.text
    assert login_error_of(wrong_password.text) == login_error_of(unknown_user.text)
    assert 'value="shouli.350100"' in wrong_password.text  # what was typed is kept
    assert_signed_out(client)


def test_fewer_wrong_passwords_than_the_limit_do_not_lock(systems: Systems) -> None:
    client = systems.client("housing")
    for _ in range(systems.settings.staff_max_failed_logins - 1):
        assert login(client, "shouli.350100", "not-the-password").status_code == 401
    signed_in = login(client, "shouli.350100")
    assert signed_in.status_code == 303
    assert staff_user(systems, "shouli.350100").failed_logins == 0


def test_wrong_passwords_slow_that_computer_without_locking_the_rightful_user_out(systems: Systems) -> None:
    from fastapi.testclient import TestClient

    assert systems.settings.staff_max_failed_logins == 5
    guesser = TestClient(systems.apps["housing"], base_url="http://testserver", client=("10.0.0.66", 40000))
    for _ in range(5):
        assert login(guesser, "shouli.350100", "not-the-password").status_code == 401
    slowed = login(guesser, "shouli.350100", PASSWORD)
    assert slowed.status_code == 429, "that computer must wait, even with the right password"
    assert "这个账号在这台电脑上连续登录失败" in slowed.text
    assert_signed_out(guesser)

    # The clerk at her own computer signs in, and is told someone failed on her account.
    clerk = TestClient(systems.apps["housing"], base_url="http://testserver", client=("10.0.0.10", 40000))
    assert login(clerk, "shouli.350100").status_code == 303
    queue = clerk.get("/staff/")
    assert "自您上次登录以来，有 5 次使用您账号的登录失败" in queue.text
    assert "自您上次登录以来" not in clerk.get("/staff/").text  # said once
    assert staff_user(systems, "shouli.350100").failed_logins == 0
    # Another account from the guesser's computer is not affected either.
    assert login(guesser, "shouli.350200").status_code == 303


@pytest.mark.parametrize("token", [None, "forged-token"], ids=["missing", "wrong"])
def test_login_without_the_forms_csrf_token_is_refused(systems: Systems, token: str | None) -> None:
    client = systems.client("housing")
    assert client.get("/staff/login").status_code == 200  # the browser has a session
    data = {"username": "shouli.350100", "password": PASSWORD}
    if token is not None:
        data["csrf_token"] = token
    response = client.post("/staff/login", data=data, follow_redirects=False)
    assert response.status_code == 403
    assert error_code_of(response.text) == "csrf_invalid"
    assert "为保护您的信息安全，这个表单需要重新提交" in response.text
    assert_signed_out(client)


# ---------------------------------------------------------------- session


def test_signed_in_clerk_sees_the_queue_and_sign_out_ends_the_session(systems: Systems) -> None:
    client = signed_in_client(systems, "shouli.350100")
    queue = client.get("/staff/", follow_redirects=False)
    assert queue.status_code == 200
    assert "待办办件" in queue.text
    assert "福州市受理窗口" in queue.text
    assert "福建省福州市" in queue.text

    refused = client.post("/staff/logout", data={}, follow_redirects=False)  # no CSRF: refused
    assert refused.status_code == 403
    assert client.get("/staff/", follow_redirects=False).status_code == 200  # still signed in

    out = client.post("/staff/logout", data={"csrf_token": csrf_of(queue.text)}, follow_redirects=False)
    assert out.status_code == 303
    assert out.headers["location"] == "/staff/login"
    assert_signed_out(client)
    assert client.get("/staff/").url.path == "/staff/login"  # followed: the login form


# ---------------------------------------------------------------- acceptance


def test_accepting_a_case_records_it_and_tells_the_platform_once(systems: Systems) -> None:
    submit_case(systems)
    client = signed_in_client(systems, "shouli.350100")
    assert CASE_NO in client.get("/staff/").text
    (receipt,) = outbox_rows(systems)  # the receipt tells the applicant the acceptance deadline
    received = payload_of(systems, receipt)
    assert (received["status"], received["event"], received["seq"]) == ("submitted", "receive", 1)
    assert received["due_on"] and received["office"] == "福州市住房保障部门"

    accepted = post_event(client, CASE_NO, "accept")
    assert accepted.status_code == 303
    assert accepted.headers["location"] == f"/staff/cases/{CASE_NO}?done=1"
    page = client.get(accepted.headers["location"])
    assert page.status_code == 200
    assert STATUS_TAG.format("初审中") in page.text  # 受理, and 初审 begins at once
    assert "已办理，结果已推送给申请人" in page.text
    assert 'name="event" value="accept"' not in page.text  # no acceptance offered any more
    assert 'name="event" value="first_review_pass"' in page.text  # the street's next step is
    assert 'id="case-due"' in page.text

    events = case_events(systems)
    assert [(e.event, e.from_status, e.to_status) for e in events] == [
        ("receive", "", "submitted"),
        ("accept", "submitted", "accepted"),
        ("begin_first_review", "accepted", "first_review"),
    ]
    accept = events[1]
    assert accept.actor == "shouli.350100"
    assert accept.actor_role == "street_reviewer"
    assert accept.channel == "staff_console"
    assert events[2].actor == "system"
    assert case_status(systems) == "first_review"

    messages = outbox_rows(systems)[1:]
    assert len(messages) == 2
    assert payload_of(systems, messages[1])["status"] == "first_review"
    message = messages[0]
    assert message["topic"] == "case.status"
    assert message["destination"] == "platform"
    assert message["path"] == "/v1/bus/status-events"
    assert message["case_no"] == CASE_NO
    assert message["acting_user"] == "shouli.350100"
    assert message["status"] == "pending"
    payload = payload_of(systems, message)
    assert payload["case_no"] == CASE_NO
    assert payload["status"] == "accepted"
    assert payload["event"] == "accept"
    assert payload["seq"] == accept.seq
    assert payload["office"] == "福州市住房保障部门"

    again = client.post(
        f"/staff/cases/{CASE_NO}/events",
        data={"csrf_token": csrf_of(page.text), "event": "accept", "confirm": "yes"},
        follow_redirects=False,
    )
    assert again.status_code == 409
    assert "当前状态下不能进行这项操作" in again.text
    assert len(case_events(systems)) == 3
    assert told(systems) == ["submitted", "accepted", "first_review"]


def test_an_unknown_event_is_refused_and_nothing_is_written(systems: Systems) -> None:
    submit_case(systems)
    client = signed_in_client(systems, "shouli.350100")
    refused = post_event(client, CASE_NO, "approve")
    assert refused.status_code == 409
    assert "当前状态下不能进行这项操作" in refused.text and "transition_not_allowed" not in refused.text
    assert case_status(systems) == "submitted"
    assert [e.event for e in case_events(systems)] == ["receive"]
    assert told(systems) == ["submitted"]  # the receipt only
    page = client.get(f"/staff/cases/{CASE_NO}")
    assert STATUS_TAG.format("已提交") in page.text


def test_an_event_without_the_forms_csrf_token_is_refused(systems: Systems) -> None:
    submit_case(systems)
    client = signed_in_client(systems, "shouli.350100")
    refused = client.post(
        f"/staff/cases/{CASE_NO}/events", data={"event": "accept", "confirm": "yes"}, follow_redirects=False
    )
    assert refused.status_code == 403
    assert error_code_of(refused.text) == "csrf_invalid"
    assert case_status(systems) == "submitted"
    assert told(systems) == ["submitted"]  # the receipt only


def test_a_signed_out_browser_cannot_accept(systems: Systems) -> None:
    submit_case(systems)
    client = systems.client("housing")
    token = csrf_of(client.get("/staff/login").text)  # a valid session token, but nobody signed in
    response = client.post(
        f"/staff/cases/{CASE_NO}/events",
        data={"csrf_token": token, "event": "accept", "confirm": "yes"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/login"
    assert case_status(systems) == "submitted"
    assert told(systems) == ["submitted"]  # the receipt only


# ---------------------------------------------------------------- personal information


def test_full_id_number_phone_and_name_are_never_shown(systems: Systems) -> None:
    submit_case(systems)
    client = signed_in_client(systems, "shouli.350100")
    queue = client.get("/staff/")
    case_page = client.get(f"/staff/cases/{CASE_NO}")
    assert queue.status_code == 200 and case_page.status_code == 200
    assert CASE_NO in queue.text
    assert NAME_MASKED in queue.text
    assert ID_MASKED in case_page.text
    assert PHONE_MASKED in case_page.text
    assert NAME_MASKED in case_page.text
    for page in (queue.text, case_page.text):
        assert ID_NUMBER not in page
        assert PHONE not in page
        assert NAME not in page
        assert ID_NUMBER[6:14] not in page  # the birth date part of the ID


def test_many_failed_sign_ins_from_one_address_stop_that_address_and_no_other(systems: Systems) -> None:
    """Password spraying: wrong passwords across many accounts from one address."""
    sprayer = TestClient(systems.apps["housing"], base_url="http://testserver", client=("203.0.113.7", 50000))
    for i in range(20):
        assert login(sprayer, f"guess{i}", "123456").status_code == 401
    refused = login(sprayer, "shenhe.350100")
    assert refused.status_code == 429 and "登录失败次数过多" in refused.text  # even the right password
    office = TestClient(
        systems.apps["housing"], base_url="http://testserver", client=("198.51.100.20", 50000)
    )
    assert login(office, "shenhe.350100").status_code == 303  # another address signs in as usual
    with systems.runtimes["housing"].db.transaction() as session:
        stored = " ".join(
            str(row) for row in session.execute(systems.runtimes["housing"].tables.rates.select())
        )
    assert "203.0.113.7" not in stored  # the address is kept only as a keyed hash


def test_acceptance_needs_the_clerk_to_confirm_the_materials_and_nothing_happens_without_it(
    systems: Systems,
) -> None:
    submit_case(systems)
    client = signed_in_client(systems, "shouli.350100")
    page = client.get(f"/staff/cases/{CASE_NO}")
    form = page.text.split('id="action-accept"')[1].split("</form>")[0]
    assert 'name="confirm" value="yes"' in form and "已核对申请材料齐全、符合法定形式" in form
    one_click = client.post(
        f"/staff/cases/{CASE_NO}/events", data={"csrf_token": csrf_of(page.text), "event": "accept"}
    )
    assert one_click.status_code == 409
    assert "请先勾选确认：已核对申请材料齐全、符合法定形式，决定受理" in one_click.text
    assert 'id="error-summary"' in one_click.text and 'href="#action-accept"' in one_click.text
    assert case_status(systems) == "submitted" and told(systems) == ["submitted"]


def test_a_reason_longer_than_the_notice_can_carry_is_refused_with_what_was_typed_kept(
    systems: Systems,
) -> None:
    submit_case(systems)
    client = signed_in_client(systems, "shouli.350100")
    page = client.get(f"/staff/cases/{CASE_NO}")
    reason = "材料不符合法定形式。" * 300  # 3,000 characters: the bus carries at most 2,000
    refused = client.post(
        f"/staff/cases/{CASE_NO}/events",
        data={"csrf_token": csrf_of(page.text), "event": "not_accept", "reason": reason},
    )
    assert refused.status_code == 409
    assert "理由最多 2000 个字（现在 3000 个字）" in refused.text
    assert reason in refused.text  # kept in the box, to shorten rather than retype
    assert case_status(systems) == "submitted" and told(systems) == ["submitted"]


def test_approval_is_not_offered_during_the_notice_period_and_the_console_says_until_when(
    systems: Systems,
) -> None:
    from datetime import timedelta

    from anju.core.timeutil import today_shanghai

    submit_case(systems)
    ends = today_shanghai() + timedelta(days=5)
    with systems.runtimes["housing"].db.transaction() as session:
        case = session.scalars(select(Case).where(Case.case_no == CASE_NO)).one()
        case.status, case.notice_ends_on = "public_notice", ends
    client = signed_in_client(systems, "shenpi.350100")
    page = client.get(f"/staff/cases/{CASE_NO}")
    assert 'value="approve"' not in page.text and 'value="reject"' not in page.text
    blocked = page.text.split('id="blocked-approve"')[1].split("</div>")[0]
    assert "审批通过" in blocked and f"公示期至 {ends} 届满，届满后才能审批" in blocked
    assert "guard_" not in page.text
