"""The platform's bus endpoint: signed status events, idempotent, order-safe."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from anju.core.timeutil import utcnow
from anju.platform.models import Application, ApplicationEvent
from tests.conftest import Systems
from tests.support.factories import submit_application
from tests.support.signed import signed_post


def submitted(systems: Systems) -> str:
    return submit_application(
        systems.runtimes["platform"],
        subject="fj-1",
        name="陈美华",
        id_number="350203198507080422",
        phone="13905920002",
        city_code="350200",
        district_code="350203",
        applicant_group="low_income",
        household_size=3,
        address="思明区厦禾路 1 号",
    )


def event(number: str, seq: int, status: str) -> dict[str, Any]:
    occurred = utcnow() + timedelta(minutes=seq)  # after the submission, in the order of seq
    return {
        "case_no": number,
        "seq": seq,
        "status": status,
        "event": "x",
        "occurred_at": occurred.isoformat(),
        "office": "厦门市住房保障部门",
    }


def state(systems: Systems, number: str) -> tuple[str, list[str]]:
    with systems.runtimes["platform"].db.transaction() as session:
        app = session.scalar(select(Application).where(Application.application_no == number))
        assert app is not None
        events = session.scalars(
            select(ApplicationEvent.status)
            .where(ApplicationEvent.application_id == app.id)
            .order_by(ApplicationEvent.occurred_at)
        ).all()
        return app.status, list(events)


def test_repeated_message_is_acknowledged_once(systems: Systems) -> None:
    number = submitted(systems)
    client, housing = systems.client("platform"), systems.runtimes["housing"]
    first = signed_post(
        client,
        as_system=housing,
        path="/v1/bus/status-events",
        payload=event(number, 1, "accepted"),
        message_id="bus-1",
    )
    assert first.status_code == 200 and first.json() == {
        "case_no": number,
        "accepted": True,
        "duplicate": False,
    }
    again = signed_post(
        client,
        as_system=housing,
        path="/v1/bus/status-events",
        payload=event(number, 1, "accepted"),
        message_id="bus-1",
    )
    assert again.json()["duplicate"] is True
    assert state(systems, number) == ("accepted", ["submitted", "accepted"])


def test_events_arriving_out_of_order_keep_the_latest_status(systems: Systems) -> None:
    number = submitted(systems)
    client, housing = systems.client("platform"), systems.runtimes["housing"]
    signed_post(
        client, as_system=housing, path="/v1/bus/status-events", payload=event(number, 2, "first_review")
    )
    signed_post(client, as_system=housing, path="/v1/bus/status-events", payload=event(number, 1, "accepted"))
    current, timeline = state(systems, number)
    assert current == "first_review"
    assert timeline == ["submitted", "accepted", "first_review"]


def test_only_housing_may_push_statuses(systems: Systems) -> None:
    number = submitted(systems)
    response = signed_post(
        systems.client("platform"),
        as_system=systems.runtimes["sandbox"],
        path="/v1/bus/status-events",
        payload=event(number, 1, "accepted"),
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "caller_not_allowed"
    assert state(systems, number)[0] == "submitted"


def test_unknown_case_and_unknown_status_are_refused_with_codes(systems: Systems) -> None:
    number = submitted(systems)
    client, housing = systems.client("platform"), systems.runtimes["housing"]
    unknown = signed_post(
        client,
        as_system=housing,
        path="/v1/bus/status-events",
        payload=event("GZF-350200-20261127-999999", 1, "accepted"),
    )
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "case_unknown"
    bad = signed_post(
        client, as_system=housing, path="/v1/bus/status-events", payload=event(number, 1, "teleported")
    )
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "status_unknown"
    # A refused message is not remembered as processed: the corrected event still gets through.
    fixed = signed_post(
        client, as_system=housing, path="/v1/bus/status-events", payload=event(number, 1, "accepted")
    )
    assert fixed.status_code == 200
    assert state(systems, number)[0] == "accepted"


def test_submission_queues_the_case_in_the_same_transaction(systems: Systems) -> None:
    number = submitted(systems)
    platform = systems.runtimes["platform"]
    with platform.db.transaction() as session:
        rows = session.execute(select(platform.tables.outbox)).mappings().all()
    assert [(r["case_no"], r["destination"], r["path"], r["status"]) for r in rows] == [
        (number, "housing", "/v1/cases", "pending")
    ]
    assert "350203198507080422" not in str(state(systems, number))  # sanity: state helper shows no PII


def test_a_provisional_deadline_is_kept_with_its_note_and_its_recount_is_not_texted(systems: Systems) -> None:
    from anju.platform.applications.notify import SMS_PATH
    from anju.platform.progress.view import timeline_entries

    number = submitted(systems)
    client, housing, platform = (
        systems.client("platform"),
        systems.runtimes["housing"],
        systems.runtimes["platform"],
    )
    note = "暂按周末计算：2027年法定节假日安排尚未录入，录入后重新计算。"
    provisional = {**event(number, 1, "submitted"), "due_on": "2027-01-04", "due_note": note}
    assert (
        signed_post(client, as_system=housing, path="/v1/bus/status-events", payload=provisional).status_code
        == 200
    )
    recounted = {
        **event(number, 2, "submitted"),
        "event": "deadline_recounted",
        "due_on": "2027-01-05",
        "reason": "法定节假日安排已录入，本环节期限确定为 2027-01-05。",
    }
    assert (
        signed_post(client, as_system=housing, path="/v1/bus/status-events", payload=recounted).status_code
        == 200
    )
    table = platform.tables.outbox
    with platform.db.transaction() as session:
        app = session.scalars(select(Application).where(Application.application_no == number)).one()
        events = session.scalars(
            select(ApplicationEvent)
            .where(ApplicationEvent.application_id == app.id)
            .order_by(ApplicationEvent.seq)
        ).all()
        entries = timeline_entries(list(events))
        texts = session.scalars(select(table.c.id).where(table.c.path == SMS_PATH)).all()
    assert [(e["due_on"], e["due_note"]) for e in entries[-2:]] == [
        (date(2027, 1, 4), note),
        (date(2027, 1, 5), ""),
    ]
    assert len(texts) == 1  # the receipt with its (provisional) date; the recount is on the timeline only
