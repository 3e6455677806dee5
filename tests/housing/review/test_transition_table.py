"""The transition table, exercised from itself: every row works for each of its roles and for no other;
every (status, event) pair not in the table is refused; reasons the law requires cannot be left out."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from anju.core.vocab import CASE_STATUS_LABELS
from anju.housing.intake.schemas import CaseSubmission
from anju.housing.intake.service import case_receive
from anju.housing.models import Case, CaseEvent
from anju.housing.review.service import TransitionRefused, case_transition, transitions
from anju.housing.staff.service import role_labels
from tests.conftest import Systems
from tests.support.factories import case_submission

ROLES = sorted({*role_labels(), "applicant", "system"})
ROWS = [t for t in transitions().values() if t.from_status]
STATUSES = sorted(CASE_STATUS_LABELS)
EVENTS = sorted({t.event for t in transitions().values()})
LATE = date(2026, 12, 31)  # after every deadline a test case can have, so guards pass


def case_in(systems: Systems, status: str) -> int:
    """A received case put in the given status, with its deadlines passed."""
    housing = systems.runtimes["housing"]
    with housing.db.transaction() as session:
        result = case_receive(
            session=session,
            submission=CaseSubmission.model_validate(case_submission()),
            cipher=housing.cipher,
            index=housing.blind_index,
            outbox=housing.tables.outbox,
            audit=housing.audit,
            registry=housing.registry,
            today=date(2026, 11, 2),
        )
        case = result.case
        case.status = status  # test set-up: the state under test, reached without walking there
        case.due_on = case.notice_ends_on = date(2026, 11, 20)
        return case.id


def attempt(systems: Systems, case_id: int, event: str, role: str, reason: str = "依据材料核实") -> str:
    housing = systems.runtimes["housing"]
    with housing.db.transaction() as session:
        case = session.get(Case, case_id)
        assert case is not None
        try:
            case_transition(
                session=session,
                case=case,
                event=event,
                actor="tester",
                actor_role=role,
                outbox=housing.tables.outbox,
                audit=housing.audit,
                reason=reason,
                today=LATE,
            )
        except TransitionRefused as exc:
            return exc.code
        return case.status


def event_count(systems: Systems, case_id: int) -> int:
    with systems.runtimes["housing"].db.transaction() as session:
        return int(
            session.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case_id))
            or 0
        )


@pytest.mark.parametrize("row", ROWS, ids=lambda t: f"{t.from_status}-{t.event}")
def test_each_row_works_for_its_roles_and_no_other(systems: Systems, row) -> None:  # type: ignore[no-untyped-def]
    for role in ROLES:
        case_id = case_in(systems, row.from_status)
        before = event_count(systems, case_id)
        outcome = attempt(systems, case_id, row.event, role)
        if role in row.roles:
            then = transitions().get((row.to_status, row.then)) if row.then else None
            assert outcome == (then.to_status if then else row.to_status), (row, role)
            assert event_count(systems, case_id) == before + (2 if then else 1)
        else:
            assert outcome == "role_not_allowed", (row, role)
            assert event_count(systems, case_id) == before


@pytest.mark.parametrize("status", STATUSES)
def test_every_event_not_in_the_table_for_a_status_is_refused(systems: Systems, status: str) -> None:
    allowed = {t.event for t in ROWS if t.from_status == status}
    case_id = case_in(systems, status)
    for event in EVENTS:
        if event not in allowed:
            assert attempt(systems, case_id, event, "city_admin") == "transition_not_allowed", (status, event)
    assert event_count(systems, case_id) == 1  # only the receipt


@pytest.mark.parametrize(
    "row", [t for t in ROWS if t.reason_required], ids=lambda t: f"{t.from_status}-{t.event}"
)
def test_decisions_the_law_wants_reasoned_need_a_reason(systems: Systems, row) -> None:  # type: ignore[no-untyped-def]
    case_id = case_in(systems, row.from_status)
    assert attempt(systems, case_id, row.event, sorted(row.roles)[0], reason="  ") == "reason_required"


def test_approval_waits_for_the_end_of_the_public_notice(systems: Systems) -> None:
    housing = systems.runtimes["housing"]
    case_id = case_in(systems, "public_notice")
    with housing.db.transaction() as session:
        case = session.get(Case, case_id)
        assert case is not None
        case.notice_ends_on = date(2027, 6, 1)
    assert attempt(systems, case_id, "approve", "city_approver") == "guard_notice_period_over"


def test_every_status_in_the_table_is_one_the_platform_knows() -> None:
    for t in transitions().values():
        assert t.to_status in CASE_STATUS_LABELS
        assert not t.from_status or t.from_status in CASE_STATUS_LABELS
