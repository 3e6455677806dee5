"""The waiting list (轮候) in order, by each city's published rule (allocation/waitlist.yaml): priority
groups first, then the date of approval. The order is computed when the list is read, never stored, so a
new rule, a member's birthday or a checked fact re-orders the list without touching a case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import ColumnElement, case, exists, func, literal, select
from sqlalchemy.orm import Session

from anju.core import periods, regions
from anju.core.refusals import Refused
from anju.core.timeutil import utcnow
from anju.core.vocab import FINAL_STATUSES
from anju.housing.allocation.models import CasePriority
from anju.housing.models import Case

RULES_FILE = Path(__file__).with_name("waitlist.yaml")
# Facts a reviewer checks and records, with what the record must name (allocation/models.CasePriority).
RECORDED_FACTS = {"disabled": "持证残疾人", "veteran": "优抚对象"}
PRIORITY_ROLES = frozenset({"street_reviewer", "district_reviewer", "city_approver", "city_admin"})
THEN = "审批通过的先后"


@dataclass(frozen=True)
class Priority:
    """One priority group, and what puts a household in it (exactly one of the three)."""

    code: str
    label: str
    applicant_group: str = ""
    member_age_at_least: int = 0
    recorded: str = ""


@dataclass(frozen=True)
class WaitlistRule:
    """A city's order from a date: the groups in turn, then the date of approval."""

    city_code: str
    effective_from: date
    source: str
    provisional: bool
    priorities: tuple[Priority, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "effective_from": self.effective_from.isoformat(),
            "source": self.source,
            "provisional": self.provisional,
            "groups": [p.label for p in self.priorities],
            "then": THEN,
        }


def _rule(city_code: str, row: dict[str, Any]) -> WaitlistRule:
    priorities = tuple(Priority(**p) for p in row["priorities"])
    for p in priorities:
        if sum(bool(x) for x in (p.applicant_group, p.member_age_at_least, p.recorded)) != 1:
            raise ValueError(f"waitlist {city_code} {p.code}: name exactly one condition")
        if p.recorded and p.recorded not in RECORDED_FACTS:
            raise ValueError(f"waitlist {city_code} {p.code}: unknown recorded fact {p.recorded}")
    return WaitlistRule(
        city_code=city_code,
        effective_from=row["effective_from"],
        source=str(row["source"]),
        provisional=bool(row["provisional"]),
        priorities=priorities,
    )


@lru_cache(maxsize=1)
def waitlist_rules() -> dict[str, list[WaitlistRule]]:
    """Every city's dated rules, oldest first (a city without its own has the defaults)."""
    data = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    rules = {}
    for city in regions.jurisdictions():
        rows = data["cities"].get(city.code, []) + data["defaults"]
        rules[city.code] = sorted((_rule(city.code, r) for r in rows), key=lambda r: r.effective_from)
    return rules


def waitlist_rule(city_code: str, on: date) -> WaitlistRule:
    """The city's rule in force on ``on`` (the newest that began on or before it)."""
    in_force = [r for r in waitlist_rules()[city_code] if r.effective_from <= on]
    if not in_force:
        raise ValueError(f"no waiting-list rule for {city_code} on {on}")
    return in_force[-1]


def _condition(p: Priority, on: date) -> ColumnElement[bool]:
    if p.applicant_group:
        return Case.applicant_group == p.applicant_group
    if p.member_age_at_least:
        return Case.eldest_born_on <= periods.years_before(on, p.member_age_at_least)
    return exists(
        select(CasePriority.id).where(
            CasePriority.case_id == Case.id,
            CasePriority.fact == p.recorded,
            CasePriority.withdrawn_at.is_(None),
        )
    )


def _tier(rule: WaitlistRule, on: date) -> ColumnElement[int]:
    """The index of the first group a case is in; past the last for none."""
    whens = [(_condition(p, on), i) for i, p in enumerate(rule.priorities)]
    return case(*whens, else_=len(rule.priorities)) if whens else literal(0)


def _since() -> ColumnElement[Any]:
    """When a household began to wait: its approval, or when a refusal rule sent it to the back."""
    return func.coalesce(Case.waitlist_since, Case.decided_at)


def _waiting(city_code: str) -> tuple[ColumnElement[bool], ...]:
    return (Case.city_code == city_code, Case.status == "waitlisted")


@dataclass(frozen=True)
class Standing:
    """A waiting case's place: its position (from 1), the group it stands in, of how many."""

    case: Case
    position: int
    group: str  # the group's label, or "" for none
    total: int


def _group(rule: WaitlistRule, tier: int) -> str:
    return rule.priorities[tier].label if tier < len(rule.priorities) else ""


def waitlist_count(*, session: Session, city_code: str) -> int:
    """How many households wait in the city."""
    return int(session.scalar(select(func.count()).select_from(Case).where(*_waiting(city_code))) or 0)


def waitlist_page(
    *, session: Session, city_code: str, on: date, offset: int, limit: int, total: int | None = None
) -> tuple[list[Standing], int]:
    """A stretch of the city's waiting list in order, and how many wait (counted unless ``total`` is given)."""
    rule = waitlist_rule(city_code, on)
    tier = _tier(rule, on).label("tier")
    total = waitlist_count(session=session, city_code=city_code) if total is None else total
    rows = session.execute(
        select(Case, tier)
        .where(*_waiting(city_code))
        .order_by(tier, _since(), Case.waitlist_no, Case.id)
        .offset(offset)
        .limit(limit)
    )
    return [
        Standing(case=c, position=offset + i + 1, group=_group(rule, t), total=total)
        for i, (c, t) in enumerate(rows)
    ], total


def waitlist_standing(*, session: Session, case: Case, on: date) -> Standing | None:
    """Where a waiting case stands in its city's list today (None when it is not waiting)."""
    if case.status != "waitlisted":
        return None
    rule = waitlist_rule(case.city_code, on)
    tier = _tier(rule, on)
    ranked = (
        select(
            Case.id.label("id"),
            tier.label("tier"),
            func.row_number().over(order_by=(tier, _since(), Case.waitlist_no, Case.id)).label("position"),
            func.count().over().label("total"),
        )
        .where(*_waiting(case.city_code))
        .subquery()
    )
    row = session.execute(
        select(ranked.c.position, ranked.c.tier, ranked.c.total).where(ranked.c.id == case.id)
    ).one()
    return Standing(
        case=case, position=int(row.position), group=_group(rule, int(row.tier)), total=int(row.total)
    )


class PriorityRefused(Refused):
    """The fact cannot be recorded or withdrawn; ``message`` says why."""


def priority_facts(*, session: Session, case: Case) -> list[CasePriority]:
    """Every fact recorded on a case, the withdrawn ones too, oldest first."""
    return list(
        session.scalars(
            select(CasePriority).where(CasePriority.case_id == case.id).order_by(CasePriority.recorded_at)
        )
    )


def priority_record(*, session: Session, case: Case, fact: str, proof: str, actor: str) -> CasePriority:
    """Record a checked fact of the household, naming the proof (raises PriorityRefused)."""
    if case.status in FINAL_STATUSES:
        raise PriorityRefused("办件已终结，不能再登记。")
    if fact not in RECORDED_FACTS:
        raise PriorityRefused("请选择要登记的情况。")
    proof = " ".join(proof.split())
    if not 4 <= len(proof) <= 200:
        raise PriorityRefused("请写明核验的证件或证明，例如“残疾人证（已核验原件）”，4 到 200 个字。")
    if any(p.fact == fact and p.withdrawn_at is None for p in priority_facts(session=session, case=case)):
        raise PriorityRefused(f"已登记为{RECORDED_FACTS[fact]}。")
    row = CasePriority(case_id=case.id, fact=fact, proof=proof, recorded_by=actor, recorded_at=utcnow())
    session.add(row)
    session.flush()
    return row


def priority_withdraw(
    *, session: Session, case: Case, priority_id: int, actor: str, now: datetime | None = None
) -> None:
    """Withdraw a recorded fact (kept, marked withdrawn; raises PriorityRefused when there is none)."""
    row = session.get(CasePriority, priority_id)
    if row is None or row.case_id != case.id or row.withdrawn_at is not None:
        raise PriorityRefused("没有这项登记，或已撤销。")
    row.withdrawn_by, row.withdrawn_at = actor, now or utcnow()
