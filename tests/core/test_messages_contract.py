"""One contract per bus message, shared by both ends: every reason the staff console accepts, the
platform's bus accepts too (a longer one used to die in the outbox while housing showed the decision)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anju.core.messages import REASON_MAX_CHARS, StatusEvent
from anju.housing.models import Case, CaseEvent
from anju.housing.review.service import TransitionRefused, status_event_payload, transition_input_check


def _case() -> Case:
    return Case(
        case_no="GZF-350100-20261206-000001",
        city_code="350100",
        due_on=date(2027, 1, 4),
        due_note="暂按周末计算：2027年法定节假日安排尚未录入，录入后重新计算。",
    )


@settings(max_examples=300, deadline=None)
@given(
    reason=st.text(max_size=REASON_MAX_CHARS + 300), event=st.sampled_from(["not_accept", "reject", "accept"])
)
def test_whatever_the_console_accepts_the_bus_accepts(reason: str, event: str) -> None:
    status = {"not_accept": "submitted", "reject": "public_notice", "accept": "submitted"}[event]
    try:
        transition_input_check(status=status, event=event, reason=reason, confirmed=True)
    except TransitionRefused:
        assert len(reason.strip()) > REASON_MAX_CHARS  # refused only for what the bus would refuse
        return
    record = CaseEvent(
        seq=2,
        event=event,
        from_status=status,
        to_status="not_accepted",
        reason=reason.strip(),
        occurred_at=datetime(2026, 12, 6, 3, 0, tzinfo=UTC),
    )
    payload = status_event_payload(case=_case(), record=record)  # validated with the receiver's model
    assert StatusEvent.model_validate(payload).reason == reason.strip()


def test_the_sender_refuses_what_the_receiver_would() -> None:
    record = CaseEvent(
        seq=2,
        event="not_accept",
        from_status="submitted",
        to_status="not_accepted",
        reason="x" * (REASON_MAX_CHARS + 1),
        occurred_at=datetime(2026, 12, 6, 3, 0, tzinfo=UTC),
    )
    with pytest.raises(ValueError, match="reason"):
        status_event_payload(case=_case(), record=record)
