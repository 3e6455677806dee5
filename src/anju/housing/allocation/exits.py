"""退出: a tenancy ends for a reason the tenancy rules name (allocation/tenancy.yaml), after a 搬迁期 in
working days (the time limit `vacate`, per city) that sets the 腾退 date. The household is told in a sealed
退出通知书 with the reason, the date, what it pays until then and its rights; a person decides every step.

The day the flat is handed back the tenancy ends, each member's 保障性住房记录 ends with it (which starts the
city's waiting period after an exit, households/service.py) and the flat returns to the stock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from anju.core.audit import AuditChain
from anju.core.refusals import Refused
from anju.housing.allocation.models import HousingUnit, Tenancy
from anju.housing.allocation.tenancy import tenancy_of, tenancy_rule, tenancy_rules
from anju.housing.allocation.units import monthly_rent_fen, percent_of, yuan
from anju.housing.households.models import CaseMember
from anju.housing.models import Case
from anju.housing.records.models import AssistanceRecord
from anju.housing.review.service import case_transition

EXIT_ROLES = frozenset({"city_admin"})
NOTICE_FROM = frozenset({"allocated", "closed", "reverifying"})
DETAILS_MIN_CHARS = 4


class ExitRefused(Refused):
    """The exit step cannot be taken; ``message`` says why."""


@dataclass(frozen=True)
class ExitReason:
    code: str
    label: str
    hint: str


def exit_reasons() -> dict[str, ExitReason]:
    """The grounds a tenancy may end on, in the order staff choose them."""
    return {
        code: ExitReason(code, str(row["label"]), str(row["hint"]))
        for code, row in tenancy_rules()["exit_reasons"].items()
    }


def exit_reason_label(code: str) -> str:
    """What a reason code reads as ("" for none)."""
    reason = exit_reasons().get(code)
    return reason.label if reason else ""


def exit_reasons_source() -> str:
    return str(tenancy_rules()["exit_reasons_source"])


def _current(session: Session, case: Case) -> Tenancy:
    lease = tenancy_of(session=session, case=case)
    if lease is None or lease.ended_on is not None:
        raise ExitRefused("这件申请没有正在履行的租赁。")
    return lease


def _transition_rent(lease: Tenancy, case: Case, session: Session, on: date) -> tuple[int | None, str]:
    """What the household pays until the 腾退 date, and the sentence that says so."""
    percent = tenancy_rule(case.city_code, on).transition_rent_percent
    if percent is None:
        return None, f"腾退前按租赁合同约定的租金缴纳（每月应缴 {yuan(lease.payable_fen)} 元）。"
    unit = session.get(HousingUnit, lease.unit_id)
    assert unit is not None
    fen = percent_of(monthly_rent_fen(unit), percent)
    return fen, f"自通知之日起至腾退，按当地规定每月缴纳过渡期租金 {yuan(fen)} 元，不再享受租金补贴。"


def _step(
    session: Session,
    case: Case,
    event: str,
    reason: str,
    *,
    actor: str,
    outbox: Table,
    audit: AuditChain,
    today: date,
) -> None:
    """A 退出 step, taken by the city administrator at the counter, with what the tenant is told."""
    case_transition(
        session=session,
        case=case,
        event=event,
        actor=actor,
        actor_role="city_admin",
        outbox=outbox,
        audit=audit,
        reason=reason,
        channel="counter",
        today=today,
    )


def exit_notice(
    *,
    session: Session,
    case: Case,
    reason_code: str,
    details: str,
    actor: str,
    outbox: Table,
    audit: AuditChain,
    today: date,
) -> Tenancy:
    """Tell the household its tenancy ends: the reason (one of exit_reasons, with the facts), the 腾退 date
    after the city's 搬迁期, and the rent until then. Raises ExitRefused with what to fix."""
    lease = _current(session, case)
    if case.status not in NOTICE_FROM:
        raise ExitRefused("这件申请现在不能办理退出（已在退出中，或尚未配租）。")
    reason = exit_reasons().get(reason_code)
    if reason is None:
        raise ExitRefused("请选择退出原因。")
    details = " ".join(details.split())
    if len(details) < DETAILS_MIN_CHARS:
        raise ExitRefused("请写明退出的具体情况（将写入退出通知书，告知承租人）。")
    fen, rent_sentence = _transition_rent(lease, case, session, today)
    _step(
        session,
        case,
        "exit_notice",
        f"{reason.label}：{details}。{rent_sentence}",
        actor=actor,
        outbox=outbox,
        audit=audit,
        today=today,
    )
    lease.exit_reason = reason.code
    lease.exit_noticed_on = today
    lease.vacate_by = case.due_on
    lease.transition_rent_fen = fen
    return lease


def exit_withdraw(
    *, session: Session, case: Case, reason: str, actor: str, outbox: Table, audit: AuditChain, today: date
) -> None:
    """Take the notice back (the tenant's explanation accepted, a mistake): the tenancy goes on as before."""
    lease = _current(session, case)
    if case.status != "exiting":
        raise ExitRefused("这件申请没有正在办理的退出。")
    reason = " ".join(reason.split())
    if len(reason) < DETAILS_MIN_CHARS:
        raise ExitRefused("撤销退出须写明理由，将告知承租人。")
    _step(
        session,
        case,
        "exit_withdrawn",
        f"撤销退出：{reason}。租赁按原合同继续履行。",
        actor=actor,
        outbox=outbox,
        audit=audit,
        today=today,
    )
    lease.exit_reason, lease.exit_noticed_on, lease.vacate_by, lease.transition_rent_fen = (
        "",
        None,
        None,
        None,
    )


def exit_vacated(
    *,
    session: Session,
    case: Case,
    vacated_on: str,
    actor: str,
    outbox: Table,
    audit: AuditChain,
    today: date,
) -> Tenancy:
    """The flat was handed back on ``vacated_on`` (YYYY-MM-DD; not in the future, not before the notice):
    the tenancy and the members' 保障性住房记录 end that day, and the flat is free again."""
    lease = _current(session, case)
    if case.status != "exiting" or lease.exit_noticed_on is None:
        raise ExitRefused("请先办理退出通知，再登记腾退。")
    try:
        day = date.fromisoformat(vacated_on.strip())
    except ValueError:
        raise ExitRefused("请填写实际腾退日期（如 2027-03-01）。") from None
    if day > today or day < lease.exit_noticed_on:
        raise ExitRefused(f"腾退日期应在 {lease.exit_noticed_on} 至今天（{today}）之间。")
    late = f"（晚于腾退期限 {lease.vacate_by}）" if lease.vacate_by and day > lease.vacate_by else ""
    _step(
        session,
        case,
        "vacated",
        f"已于 {day} 腾退{late}，租赁终止；家庭成员的保障性住房记录截止于同日。",
        actor=actor,
        outbox=outbox,
        audit=audit,
        today=today,
    )
    lease.ended_on = day
    members = select(CaseMember.person_bidx).where(CaseMember.case_id == case.id)
    session.execute(
        update(AssistanceRecord)
        .where(
            AssistanceRecord.person_bidx.in_(members),
            AssistanceRecord.city_code == case.city_code,
            AssistanceRecord.kind == "public_rental",
            AssistanceRecord.valid_from == lease.starts_on,
            AssistanceRecord.valid_to.is_(None),
        )
        .values(valid_to=day)
    )
    session.execute(update(HousingUnit).where(HousingUnit.id == lease.unit_id).values(state="available"))
    return lease
