"""Status changes of a case: one function, a transition table held as data, the bus in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Table
from sqlalchemy.orm import Session

from anju.core.outbox import outbox_enqueue
from anju.core.timeutil import utcnow
from anju.core.vocab import housing_office_name
from anju.housing.models import Case, CaseEvent

TRANSITIONS_FILE = Path(__file__).with_name("transitions.yaml")
BUS_PATH = "/v1/bus/status-events"


@dataclass(frozen=True)
class Transition:
    """One allowed change."""

    event: str
    from_status: str
    to_status: str
    roles: frozenset[str]


@lru_cache(maxsize=1)
def transitions() -> dict[tuple[str, str], Transition]:
    """The transition table, keyed by (from status, event)."""
    rows = yaml.safe_load(TRANSITIONS_FILE.read_text(encoding="utf-8"))["transitions"]
    table: dict[tuple[str, str], Transition] = {}
    for row in rows:
        t = Transition(
            event=row["event"], from_status=row["from"], to_status=row["to"], roles=frozenset(row["roles"])
        )
        table[(t.from_status, t.event)] = t
    return table


class TransitionRefused(Exception):
    """The change is not allowed from this status or for this role."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def allowed_events(*, status: str, role: str) -> list[str]:
    """Events this role may take on a case in this status (for showing only allowed actions)."""
    return [t.event for (frm, _), t in transitions().items() if frm == status and role in t.roles]


def case_transition(
    *,
    session: Session,
    case: Case,
    event: str,
    actor: str,
    actor_role: str,
    outbox: Table,
    reason: str = "",
    channel: str = "",
    notify: bool = True,
) -> CaseEvent:
    """The only way a case changes status: check the table, write the event, queue the bus message."""
    current = case.status if case.id is not None and case.status else ""
    rule = transitions().get((current, event))
    if rule is None:
        raise TransitionRefused(
            "transition_not_allowed", "当前状态下不能进行这项操作，请刷新页面查看最新状态。"
        )
    if actor_role not in rule.roles:
        raise TransitionRefused("role_not_allowed", "您的岗位无权进行这项操作。")
    now = utcnow()
    case.event_seq = (case.event_seq or 0) + 1
    case.status = rule.to_status
    if rule.to_status == "accepted":
        case.accepted_at = now
    record = CaseEvent(
        case_id=case.id,
        seq=case.event_seq,
        event=event,
        from_status=current,
        to_status=rule.to_status,
        actor=actor,
        actor_role=actor_role,
        reason=reason,
        channel=channel,
        occurred_at=now,
    )
    session.add(record)
    if notify:
        outbox_enqueue(
            session,
            outbox,
            topic="case.status",
            destination="platform",
            path=BUS_PATH,
            payload=status_event_payload(case=case, record=record),
            case_no=case.case_no,
            acting_user=actor,
            purpose="办件状态告知申请人",
        )
    return record


def status_event_payload(*, case: Case, record: CaseEvent) -> dict[str, Any]:
    """A status change as the platform's bus receives it (docs/interfaces/platform-bus.openapi.json)."""
    return {
        "case_no": case.case_no,
        "seq": record.seq,
        "status": record.to_status,
        "event": record.event,
        "occurred_at": record.occurred_at.isoformat(),
        "office": office_name(case.city_code),
        "reason": record.reason,
    }


def office_name(city_code: str) -> str:
    """The office that handles a city's cases, as shown to the applicant."""
    return housing_office_name(city_code)
