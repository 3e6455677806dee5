"""Status changes of a case: one function, a transition table held as data, the bus in the same transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from anju.core import messages
from anju.core.audit import AuditChain
from anju.core.outbox import outbox_enqueue
from anju.core.timeutil import shanghai_date, utcnow
from anju.core.vocab import DECISION_STATUSES, FINAL_STATUSES, housing_office_name
from anju.housing.models import Case, CaseEvent
from anju.housing.review import deadlines, documents
from anju.housing.review.holidays import calendar_load

TRANSITIONS_FILE = Path(__file__).with_name("transitions.yaml")
BUS_PATH = "/v1/bus/status-events"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Transition:
    """One allowed change."""

    event: str
    from_status: str
    to_status: str
    roles: frozenset[str]
    guard: str = ""
    reason_required: bool = False
    then: str = ""
    label: str = ""
    confirm: str = ""
    form: str = ""  # taken on a page of its own (e.g. "offer": allocation/offers.py), not as a plain action


@lru_cache(maxsize=1)
def transitions() -> dict[tuple[str, str], Transition]:
    """The transition table, keyed by (from status, event)."""
    rows = yaml.safe_load(TRANSITIONS_FILE.read_text(encoding="utf-8"))["transitions"]
    table: dict[tuple[str, str], Transition] = {}
    for row in rows:
        t = Transition(
            event=row["event"],
            from_status=row["from"],
            to_status=row["to"],
            roles=frozenset(row["roles"]),
            guard=row.get("guard", ""),
            reason_required=row.get("reason") == "required",
            then=row.get("then", ""),
            label=row.get("label", row["event"]),
            confirm=row.get("confirm", ""),
            form=row.get("form", ""),
        )
        if t.guard and t.guard not in GUARDS:
            raise ValueError(f"transition {t.event}: unknown guard {t.guard}")
        table[(t.from_status, t.event)] = t
    return table


class TransitionRefused(Exception):
    """The change is not allowed from this status or for this role."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _acceptance_overdue(case: Case, today: date) -> str:
    if case.due_on is None or today <= case.due_on:
        return "受理期限尚未届满。"
    return ""


def _corrections_overdue(case: Case, today: date) -> str:
    if case.due_on is None or today <= case.due_on:
        return "补正期限尚未届满。"
    return ""


def _notice_period_over(case: Case, today: date) -> str:
    if case.notice_ends_on is None or today <= case.notice_ends_on:
        return f"公示期至 {case.notice_ends_on} 届满，届满后才能审批。"
    return ""


# Named guards of the table: each returns "" when the change may go ahead, or why it may not.
GUARDS: dict[str, Callable[[Case, date], str]] = {
    "acceptance_overdue": _acceptance_overdue,
    "corrections_overdue": _corrections_overdue,
    "notice_period_over": _notice_period_over,
}


NOT_STAFF = frozenset({"system", "applicant"})  # who acts on a case without reading its files


def proofs_wait(case: Case) -> str:
    """Why staff must wait while files the applicant sent are still being fetched from the platform
    (decision 0035): nobody decides on a case without everything it carries; "" when all are here."""
    if case.proofs_pending > 0:
        return f"申请人上传的材料正在从平台获取（还有 {case.proofs_pending} 份），获取完成后才能办理。"
    return ""


def allowed_events(*, status: str, role: str) -> list[str]:
    """Events this role may take on a case in this status as plain actions (a row with a form of its own,
    such as an offer, is taken on that form)."""
    return [
        t.event for (frm, _), t in transitions().items() if frm == status and role in t.roles and not t.form
    ]


@dataclass(frozen=True)
class Action:
    """What a staff member may do on a case now, as the console offers it."""

    transition: Transition
    blocked: str  # why it cannot be taken yet (a guard's answer), or ""


def actions_for(*, case: Case, role: str, today: date) -> list[Action]:
    """Every change this role may make to the case, each with the reason it must wait, if any: the console
    says why instead of offering a button that would only fail after the click."""
    actions = []
    for event in allowed_events(status=case.status, role=role):
        rule = transitions()[(case.status, event)]
        blocked = proofs_wait(case) or (GUARDS[rule.guard](case, today) if rule.guard else "")
        actions.append(Action(transition=rule, blocked=blocked))
    return actions


FORM_PANELS = {
    "offer": "配租",
    "exit": "租赁与退出",
    "reverify": "年审",
    "lease": "租赁合同（由承租人在平台签署）",
}  # where a `form:` row is taken on the case page
REASON_MAX_CHARS = messages.REASON_MAX_CHARS  # what the status bus carries; longer is refused here, not there


def transition_input_check(*, status: str, event: str, reason: str, confirmed: bool) -> None:
    """Refuse, before anything changes, what a staff member must fix: an unticked confirmation or a reason
    longer than the applicant's notice can carry (raises TransitionRefused)."""
    rule = transitions().get((status, event))
    if rule is None:
        return  # case_transition says why
    if rule.form:
        where = FORM_PANELS.get(rule.form, "相应")
        raise TransitionRefused("form_required", f"“{rule.label}”请在办件页的{where}栏目中办理。")
    if rule.confirm and not confirmed:
        raise TransitionRefused("confirmation_missing", f"请先勾选确认：{rule.confirm}。")
    if len(reason.strip()) > REASON_MAX_CHARS:
        raise TransitionRefused(
            "reason_too_long",
            f"理由最多 {REASON_MAX_CHARS} 个字（现在 {len(reason.strip())} 个字），请精简后再提交。",
        )


def transition_for(*, status: str, event: str) -> Transition | None:
    """The table row for an event from a status."""
    return transitions().get((status, event))


def case_transition(
    *,
    session: Session,
    case: Case,
    event: str,
    actor: str,
    actor_role: str,
    outbox: Table,
    audit: AuditChain,
    reason: str = "",
    channel: str = "",
    notify: bool = True,
    today: date | None = None,
) -> CaseEvent:
    """The only way a case changes status: check the table (role, guard, reasons), write the append-only
    event, set the state's timestamp and deadlines, and queue the bus message — in the caller's transaction.
    A row's `then` event follows at once, as the system; the last event is returned."""
    current = case.status if case.id is not None and case.status else ""
    rule = transitions().get((current, event))
    if rule is None:
        raise TransitionRefused(
            "transition_not_allowed", "当前状态下不能进行这项操作，请刷新页面查看最新状态。"
        )
    if actor_role not in rule.roles:
        raise TransitionRefused("role_not_allowed", "您的岗位无权进行这项操作。")
    reason = reason.strip()
    if rule.reason_required and not reason:
        raise TransitionRefused("reason_required", f"“{rule.label}”须写明理由，将书面告知申请人。")
    if len(reason) > REASON_MAX_CHARS:
        raise TransitionRefused("reason_too_long", f"理由最多 {REASON_MAX_CHARS} 个字，请精简后再提交。")
    now = utcnow()
    today = today or shanghai_date(now)
    if actor_role not in NOT_STAFF and proofs_wait(case):
        raise TransitionRefused("proofs_pending", proofs_wait(case))
    if rule.guard:
        refusal = GUARDS[rule.guard](case, today)
        if refusal:
            raise TransitionRefused(f"guard_{rule.guard}", refusal)

    def schedule() -> deadlines.Schedule:
        return deadlines.schedule_after(
            city_code=case.city_code,
            from_status=current,
            to_status=rule.to_status,
            today=today,
            due_on=case.due_on,
            office_days_left=case.office_days_left,
            notice_ends_on=case.notice_ends_on,
        )

    plan = schedule()
    if plan.provisional and calendar_load(session=session):
        plan = schedule()  # another process had entered the year since this one last looked
    case.due_on, case.office_days_left, case.notice_ends_on = (
        plan.due_on,
        plan.office_days_left,
        plan.notice_ends_on,
    )
    case.due_note = plan.note
    deadline_basis_set(case, plan)
    case.event_seq = (case.event_seq or 0) + 1
    case.status = rule.to_status
    case.status_since = now
    if rule.to_status == "accepted":
        case.accepted_at = now
    if rule.to_status in DECISION_STATUSES:
        case.decided_at = now
    if rule.to_status in FINAL_STATUSES:
        case.closed_at = now
    if rule.to_status == "waitlisted":
        case.waitlist_no = _next_waitlist_no(session, case.city_code)
        reason = (
            reason
            or f"轮候编号：{office_name(case.city_code)}第 {case.waitlist_no} 号。轮候位次按当地轮候排序规则每天计算，可在申请进度中查看。"
        )
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
    audit.append(session, record)  # the case history is hash-chained (core/audit)
    documents.document_record(session=session, case=case, record=record)
    if notify:
        status_message_queue(session=session, outbox=outbox, case=case, record=record, actor=actor)
    if rule.then:
        session.flush()
        return case_transition(
            session=session,
            case=case,
            event=rule.then,
            actor="system",
            actor_role="system",
            outbox=outbox,
            audit=audit,
            channel=channel,
            notify=notify,
            today=today,
        )
    return record


def status_message_queue(
    *,
    session: Session,
    outbox: Table,
    case: Case,
    record: CaseEvent,
    actor: str,
    purpose: str = "办件状态告知申请人",
) -> None:
    """Queue a step of the case for the applicant's timeline (the platform's bus), in the caller's
    transaction."""
    outbox_enqueue(
        session,
        outbox,
        topic="case.status",
        destination="platform",
        path=BUS_PATH,
        payload=status_event_payload(case=case, record=record),
        case_no=case.case_no,
        acting_user=actor,
        purpose=purpose,
    )


def deadline_basis_set(case: Case, plan: deadlines.Schedule) -> None:
    """Keep what the due date was counted from, and whether it is provisional (review/calendar.py)."""
    case.due_provisional = plan.provisional
    case.due_from, case.due_days, case.due_unit = plan.basis if plan.basis else (None, None, "")


def _next_waitlist_no(session: Session, city_code: str) -> int:
    """The next number on a city's waiting list: approval order, reproducible from the event history."""
    last = session.scalar(select(func.max(Case.waitlist_no)).where(Case.city_code == city_code))
    return int(last or 0) + 1


def deadlines_enforce(
    *, session: Session, outbox: Table, audit: AuditChain, today: date | None = None
) -> list[tuple[str, str]]:
    """What the law lets the system do by itself once a limit has passed: a case not decided within 5
    working days counts as accepted (行政许可法 第三十二条); an unanswered 补正 lapses into 不予受理."""
    today = today or shanghai_date(utcnow())
    done: list[tuple[str, str]] = []
    # Never on a provisional date: the law's consequence waits until the year's holidays are known.
    due = select(Case).where(
        Case.status.in_(("submitted", "corrections_requested")),
        Case.due_on.is_not(None),
        Case.due_on < today,
        Case.due_provisional.is_(False),
    )
    for case in session.scalars(due.order_by(Case.id).with_for_update(skip_locked=True)):
        if case.status == "submitted":
            case_transition(
                session=session,
                case=case,
                event="deem_accept",
                actor="system",
                actor_role="system",
                outbox=outbox,
                audit=audit,
                reason=f"受理期限（{case.due_on}）内未作出决定，依法视为受理（《中华人民共和国行政许可法》第三十二条）。",
                channel="system",
                today=today,
            )
            done.append((case.case_no, "deem_accept"))
        else:
            case_transition(
                session=session,
                case=case,
                event="corrections_expired",
                actor="system",
                actor_role="system",
                outbox=outbox,
                audit=audit,
                reason=f"补正期限（{case.due_on}）届满，申请人未补正，不予受理。"
                "如对本决定不服，可依法申请行政复议或者提起行政诉讼。",
                channel="system",
                today=today,
            )
            done.append((case.case_no, "corrections_expired"))
    return done


def status_event_payload(*, case: Case, record: CaseEvent) -> dict[str, Any]:
    """A status change as the platform's bus receives it (core/messages.StatusEvent, the one contract both
    ends use): validated here, so what cannot be delivered is refused before anything is saved."""
    return messages.StatusEvent.model_validate(
        {
            "case_no": case.case_no,
            "seq": record.seq,
            "status": record.to_status,
            "event": record.event,
            "occurred_at": record.occurred_at.isoformat(),
            "office": office_name(case.city_code),
            "reason": record.reason,
            "due_on": case.due_on.isoformat() if case.due_on else None,
            "due_note": case.due_note if case.due_on else "",
            "document": documents.document_title(
                documents.document_kind(event=record.event, status=record.to_status)
            ),
        }
    ).model_dump(mode="json")


def office_name(city_code: str) -> str:
    """The office that handles a city's cases, as shown to the applicant."""
    return housing_office_name(city_code)
