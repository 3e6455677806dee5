"""配租: a flat from the stock offered to a waiting household, and answered once — online by the
applicant, or recorded at the counter by the city administrator. A flat is never offered to two households
at once: the flat is claimed by a conditional update, and the database keeps at most one open offer per
flat and per case (partial unique indexes), whatever the number of clerks and replicas."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Table, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from anju.core import crypto
from anju.core.audit import AuditChain
from anju.core.refusals import Refused
from anju.core.timeutil import utcnow
from anju.housing.allocation.models import CasePriority, HousingOffer, HousingProject, HousingUnit
from anju.housing.allocation.tenancy import tenancy_start
from anju.housing.allocation.units import unit_facts
from anju.housing.intake.service import case_household
from anju.housing.models import Case
from anju.housing.review.service import case_transition

RULES_FILE = Path(__file__).with_name("offers.yaml")
OFFER_ROLES = frozenset({"city_admin"})


class OfferRefused(Refused):
    """The offer or its answer cannot be taken; ``message`` says why."""


@dataclass(frozen=True)
class OfferRule:
    """A city's 配租 rule from a date."""

    effective_from: date
    source: str
    provisional: bool
    rooms: dict[int, tuple[int, int]]
    refusals_before_requeue: int

    def rooms_for(self, household_size: int) -> tuple[int, int]:
        """The fewest and most rooms a flat offered to a household of this size may have."""
        return self.rooms[min(household_size, max(self.rooms))]


@lru_cache(maxsize=1)
def _rules() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    return data


def offer_rule(city_code: str, on: date) -> OfferRule:
    """The city's rule in force on ``on``."""
    rows = _rules()["cities"].get(city_code, []) + _rules()["defaults"]
    row = max((r for r in rows if r["effective_from"] <= on), key=lambda r: r["effective_from"])
    return OfferRule(
        effective_from=row["effective_from"],
        source=str(row["source"]),
        provisional=bool(row["provisional"]),
        rooms={int(k): (int(v[0]), int(v[1])) for k, v in row["rooms"].items()},
        refusals_before_requeue=int(row["refusals_before_requeue"]),
    )


def _needs_access(session: Session, case: Case) -> bool:
    return bool(
        session.scalar(
            select(func.count())
            .select_from(CasePriority)
            .where(
                CasePriority.case_id == case.id,
                CasePriority.fact == "disabled",
                CasePriority.withdrawn_at.is_(None),
            )
        )
    )


def units_matching(
    *, session: Session, case: Case, on: date, limit: int = 50
) -> list[tuple[HousingProject, HousingUnit]]:
    """Up to ``limit`` of the city's free flats the household may be offered (rooms for its size); for a
    household with a recorded disability, accessible flats first."""
    low, high = offer_rule(case.city_code, on).rooms_for(case.household_size)
    order: list[Any] = [HousingProject.name, HousingUnit.building, HousingUnit.unit_no]
    if _needs_access(session, case):
        order.insert(0, HousingUnit.accessible.desc())
    query = (
        select(HousingProject, HousingUnit)
        .join(HousingUnit, HousingUnit.project_id == HousingProject.id)
        .where(
            HousingProject.city_code == case.city_code,
            HousingUnit.state == "available",
            HousingUnit.rooms.between(low, high),
        )
        .order_by(*order)
        .limit(limit)
    )
    return [(p, u) for p, u in session.execute(query)]


def offer_open(*, session: Session, case: Case) -> HousingOffer | None:
    """The case's offer awaiting an answer, if any."""
    return session.scalar(
        select(HousingOffer).where(HousingOffer.case_id == case.id, HousingOffer.state == "open")
    )


def offer_make(
    *, session: Session, case: Case, unit_id: int, actor: str, outbox: Table, audit: AuditChain, today: date
) -> HousingOffer:
    """Offer a free flat that fits the household, claim it, and tell the applicant (raises OfferRefused)."""
    if case.status != "waitlisted":
        raise OfferRefused("只能向轮候中的家庭配租。")
    found = session.execute(
        select(HousingProject, HousingUnit)
        .join(HousingUnit, HousingUnit.project_id == HousingProject.id)
        .where(HousingUnit.id == unit_id, HousingProject.city_code == case.city_code)
    ).one_or_none()
    if found is None:
        raise OfferRefused("没有这套房源，或它不属于本市。")
    project, unit = found
    low, high = offer_rule(case.city_code, today).rooms_for(case.household_size)
    if not low <= unit.rooms <= high:
        raise OfferRefused(
            f"{case.household_size} 人家庭可配 {low}–{high} 室的房源，这套是 {unit.rooms} 室。"
        )
    claimed = session.execute(
        update(HousingUnit)
        .where(HousingUnit.id == unit.id, HousingUnit.state == "available")
        .values(state="offered")
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise OfferRefused("这套房源刚刚已配给其他家庭，请重新选择。")
    offer = HousingOffer(
        unit_id=unit.id, case_id=case.id, offered_by=actor, offered_at=utcnow(), reply_due_on=today
    )
    session.add(offer)
    try:
        session.flush()
    except IntegrityError as exc:  # pragma: no cover - the conditional update above already refused
        raise OfferRefused("这套房源刚刚已配给其他家庭，请重新选择。") from exc
    facts = unit_facts(project, unit)
    case_transition(
        session=session,
        case=case,
        event="offer",
        actor=actor,
        actor_role="city_admin",
        outbox=outbox,
        audit=audit,
        reason=f"配租房源：{facts['label']}（{facts['district']}），建筑面积 {facts['area_m2']} 平方米，"
        f"{facts['rooms']} 室，{facts['floor']} 层，月租金 {facts['monthly_rent']} 元（未计租金补贴）。"
        "请在期限内确认是否接受，逾期视为放弃。",
        channel="counter",
        today=today,
    )
    offer.reply_due_on = case.due_on or today
    return offer


def _close(session: Session, offer: HousingOffer, state: str, actor: str, via: str, reason: str) -> None:
    offer.state, offer.answered_by, offer.answered_via = state, actor, via
    offer.answered_at, offer.reason = utcnow(), reason[:200]
    unit = session.get(HousingUnit, offer.unit_id)
    assert unit is not None
    unit.state = "let" if state == "accepted" else "available"


def refusals_of(*, session: Session, case: Case) -> int:
    """How many offers the household refused or let lapse."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(HousingOffer)
            .where(HousingOffer.case_id == case.id, HousingOffer.state.in_(("refused", "lapsed")))
        )
        or 0
    )


def _requeue_note(session: Session, case: Case, today: date, now: datetime) -> str:
    """Apply the city's refusal rule; the sentence that tells the applicant what it did, or ""."""
    rule = offer_rule(case.city_code, today)
    refusals = refusals_of(session=session, case=case)
    if refusals < rule.refusals_before_requeue:
        return f"已放弃 {refusals} 次；累计放弃 {rule.refusals_before_requeue} 次的，轮候顺序将调整到同一顺位的最后。"
    case.waitlist_since = now
    pending = "（该规则待核实）" if rule.provisional else ""
    return f"已累计放弃 {refusals} 次，按当地配租规则{pending}，轮候顺序调整到同一顺位的最后。"


def offer_answer(
    *,
    session: Session,
    case: Case,
    accept: bool,
    reason: str,
    actor: str,
    role: str,
    via: str,
    outbox: Table,
    audit: AuditChain,
    today: date,
    cipher: crypto.FieldCipher,
    index: crypto.BlindIndex,
) -> HousingOffer:
    """The household's answer to its open offer, once (raises OfferRefused when there is none); an
    acceptance starts the tenancy (allocation/tenancy.py), whose terms the applicant is told."""
    offer = offer_open(session=session, case=case)
    if offer is None or case.status != "offered":
        raise OfferRefused("这件申请没有待确认的配租房源。")
    reason = " ".join(reason.split())
    _close(session, offer, "accepted" if accept else "refused", actor, via, reason)
    session.flush()
    terms = ""
    if accept:
        household = case_household(case=case, cipher=cipher)
        _, terms = tenancy_start(
            session=session, case=case, offer=offer, via=via, index=index, household=household, today=today
        )
    note = "" if accept else _requeue_note(session, case, today, utcnow())
    case_transition(
        session=session,
        case=case,
        event="accept_offer" if accept else "refuse_offer",
        actor=actor,
        actor_role=role,
        outbox=outbox,
        audit=audit,
        reason=(
            f"接受配租。{terms}请按通知签订租赁合同。"
            if accept
            else f"放弃配租{('：' + reason) if reason else ''}。{note}"
        ),
        channel=via,
        today=today,
    )
    return offer


def offer_withdraw(
    *, session: Session, case: Case, reason: str, actor: str, outbox: Table, audit: AuditChain, today: date
) -> None:
    """The city administrator takes an open offer back, with the reason (not counted against the household)."""
    offer = offer_open(session=session, case=case)
    if offer is None:
        raise OfferRefused("这件申请没有待确认的配租房源。")
    reason = " ".join(reason.split())
    if len(reason) < 4:
        raise OfferRefused("撤回配租须写明理由，将告知申请人。")
    _close(session, offer, "withdrawn", actor, "counter", reason)
    case_transition(
        session=session,
        case=case,
        event="withdraw_offer",
        actor=actor,
        actor_role="city_admin",
        outbox=outbox,
        audit=audit,
        reason=f"撤回配租：{reason}（不计入放弃次数）",
        channel="counter",
        today=today,
    )


def offers_lapse(*, session: Session, outbox: Table, audit: AuditChain, today: date) -> list[str]:
    """Offers whose reply date has passed (never on a provisional date) lapse: counted as a refusal."""
    due = (
        select(Case)
        .where(
            Case.status == "offered",
            Case.due_on.is_not(None),
            Case.due_on < today,
            Case.due_provisional.is_(False),
        )
        .order_by(Case.id)
        .with_for_update(skip_locked=True)
    )
    lapsed = []
    for case in session.scalars(due):
        offer = offer_open(session=session, case=case)
        if offer is not None:
            _close(session, offer, "lapsed", "system", "system", "逾期未确认")
            session.flush()
        note = _requeue_note(session, case, today, utcnow())
        case_transition(
            session=session,
            case=case,
            event="offer_lapsed",
            actor="system",
            actor_role="system",
            outbox=outbox,
            audit=audit,
            reason=f"配租确认期限（{case.due_on}）届满未确认，视为放弃。{note}",
            channel="system",
            today=today,
        )
        lapsed.append(case.case_no)
    return lapsed
