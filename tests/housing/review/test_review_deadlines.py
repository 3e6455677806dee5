"""Time limits in working days (National Day 2026 with its make-up Saturday), the deemed acceptance after
5 working days (行政许可法 art. 32), and the office's clock stopping while the applicant has the case."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from anju.core.runtime import Runtime
from anju.housing.intake.schemas import CaseSubmission
from anju.housing.intake.service import case_receive
from anju.housing.models import Case, CaseEvent
from anju.housing.review import deadlines
from anju.housing.review.service import case_transition, deadlines_enforce
from tests.conftest import Systems
from tests.support.factories import case_submission

CASE_NO = "GZF-350100-20260930-000001"


def received(housing: Runtime, on: date, **changes: Any) -> None:
    with housing.db.transaction() as session:
        case_receive(
            session=session,
            submission=CaseSubmission.model_validate(case_submission(case_no=CASE_NO, **changes)),
            cipher=housing.cipher,
            index=housing.blind_index,
            outbox=housing.tables.outbox,
            audit=housing.audit,
            registry=housing.registry,
            today=on,
        )


def act(housing: Runtime, event: str, on: date, *, role: str = "street_reviewer", reason: str = "") -> Case:
    with housing.db.transaction() as session:
        case = session.scalars(select(Case).where(Case.case_no == CASE_NO)).one()
        case_transition(
            session=session,
            case=case,
            event=event,
            actor="tester",
            actor_role=role,
            outbox=housing.tables.outbox,
            audit=housing.audit,
            reason=reason,
            today=on,
        )
        session.expunge(case)
        return case


def the_case(housing: Runtime) -> Case:
    with housing.db.transaction() as session:
        case = session.scalars(select(Case).where(Case.case_no == CASE_NO)).one()
        session.expunge(case)
        return case


def test_five_working_days_skip_national_day_and_count_the_make_up_saturday(systems: Systems) -> None:
    housing = systems.runtimes["housing"]
    received(housing, date(2026, 9, 30))  # Wed; 10-01..10-07 off, Sat 10-10 a working day
    assert the_case(housing).due_on == date(2026, 10, 13)  # 10-08, 10-09, 10-10, 10-12, 10-13


def test_a_case_nobody_decided_counts_as_accepted_the_day_after_its_due_date(systems: Systems) -> None:
    housing = systems.runtimes["housing"]
    received(housing, date(2026, 9, 30))
    with housing.db.transaction() as session:
        assert (
            deadlines_enforce(
                session=session, outbox=housing.tables.outbox, audit=housing.audit, today=date(2026, 10, 13)
            )
            == []
        )
    with housing.db.transaction() as session:
        done = deadlines_enforce(
            session=session, outbox=housing.tables.outbox, audit=housing.audit, today=date(2026, 10, 14)
        )
    assert done == [(CASE_NO, "deem_accept")]
    case = the_case(housing)
    assert case.status == "first_review" and case.accepted_at is not None
    with housing.db.transaction() as session:
        events = session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
        )
        rows = [(e.event, e.actor, e.reason) for e in events]
    assert rows[1][0:2] == ("deem_accept", "system") and "第三十二条" in rows[1][2]
    assert rows[2][0] == "begin_first_review"
    # 初审's own limit (10 working days, provisional) starts on the day of acceptance.
    assert case.due_on == date(2026, 10, 28)


def test_the_office_clock_stops_during_corrections_and_resumes_with_what_was_left(systems: Systems) -> None:
    housing = systems.runtimes["housing"]
    received(housing, date(2026, 9, 28))  # Mon: due 10-10 (the make-up Saturday)
    assert the_case(housing).due_on == date(2026, 10, 10)
    case = act(housing, "request_corrections", date(2026, 9, 29), reason="请补充：工作单位出具的收入证明。")
    assert case.office_days_left == 4  # 09-30, 10-08, 10-09, 10-10
    assert case.due_on == date(2026, 10, 19)  # the applicant's 10 working days
    case = act(housing, "corrections_supplied", date(2026, 10, 12), role="applicant")
    assert case.status == "submitted" and case.office_days_left is None
    assert case.due_on == date(2026, 10, 16)  # 4 working days from 10-12


def test_unanswered_corrections_lapse_into_not_accepted_with_the_applicants_rights(systems: Systems) -> None:
    housing = systems.runtimes["housing"]
    received(housing, date(2026, 9, 28))
    act(housing, "request_corrections", date(2026, 9, 29), reason="请补充收入证明。")
    with housing.db.transaction() as session:
        done = deadlines_enforce(
            session=session, outbox=housing.tables.outbox, audit=housing.audit, today=date(2026, 10, 20)
        )
    assert done == [(CASE_NO, "corrections_expired")]
    case = the_case(housing)
    assert case.status == "not_accepted" and case.decided_at is not None and case.closed_at is not None


def test_a_due_date_in_a_year_without_a_holiday_arrangement_is_provisional_and_never_enforced(
    systems: Systems,
) -> None:
    housing = systems.runtimes["housing"]
    received(housing, date(2026, 12, 28))  # 5 working days reach into 2027
    case = the_case(housing)
    assert case.due_on == date(2027, 1, 4) and case.due_provisional  # Monday to Friday, said so
    assert "2027年法定节假日安排尚未录入" in case.due_note
    with housing.db.transaction() as session:  # and nothing is deemed accepted on a guess
        assert (
            deadlines_enforce(
                session=session, outbox=housing.tables.outbox, audit=housing.audit, today=date(2027, 1, 30)
            )
            == []
        )


def test_xiamen_publishes_for_ten_days_everyone_else_for_seven() -> None:
    assert deadlines.limits_for("350200")["public_notice"].limit == 10
    assert deadlines.limits_for("350100")["public_notice"].limit == 7
    assert deadlines.limits_for("350100")["public_notice"].unit == "calendar_days"
    limits = deadlines.limits_for("350100")
    assert not limits["submitted"].provisional  # the law
    assert limits["first_review"].provisional and limits["first_review"].source == "待核实"
