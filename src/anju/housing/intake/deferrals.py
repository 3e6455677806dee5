"""容缺受理 as each city allows it (intake/deferrals.yaml, provisional data): whether a counter window may
accept a case with a non-essential proof promised later, which proofs, and within how many working days.
Housing owns the rule; the platform reads it through the guide facts and the applicant signs the promise,
so the promise and its limit travel with the case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from anju.core.refusals import Refused
from anju.housing.models import Case, CaseDeferralReceived, StaffUser

RULES_FILE = Path(__file__).with_name("deferrals.yaml")


@dataclass(frozen=True)
class DeferralRule:
    """One city's 容缺受理 rule."""

    allowed: bool
    limit: int
    unit: Literal["workdays", "calendar_days"]
    materials: tuple[str, ...]
    provisional: bool
    source: str
    effective_from: date

    def as_facts(self) -> dict[str, Any]:
        """As the guide facts publish it."""
        return {
            "allowed": self.allowed,
            "limit": self.limit,
            "unit": self.unit,
            "materials": list(self.materials),
            "provisional": self.provisional,
            "source": self.source,
            "effective_from": self.effective_from.isoformat(),
        }


@lru_cache(maxsize=1)
def _table() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    return data


def deferral_for(city_code: str) -> DeferralRule:
    """The 容缺受理 rule in force in a city (the defaults, with the city's own values over them)."""
    table = _table()
    row = {**table["defaults"], **(table.get("cities") or {}).get(city_code, {})}
    return DeferralRule(
        allowed=bool(row["allowed"]),
        limit=int(row["limit"]),
        unit=row["unit"],
        materials=tuple(row["materials"]),
        provisional=bool(row["provisional"]),
        source=str(row["source"]),
        effective_from=date.fromisoformat(str(table["effective_from"])),
    )


DEFERRAL_ROLES = frozenset({"street_reviewer", "district_reviewer", "city_approver"})  # who takes papers in


class DeferralRefused(Refused):
    """The material cannot be recorded as brought: what the staff member reads."""


def deferral_received_record(
    *, session: Session, case: Case, item: int, promised: int, staff: StaffUser
) -> CaseDeferralReceived:
    """Record that promised material ``item`` (of ``promised``) was brought; once (a second time returns
    the first record)."""
    if staff.role not in DEFERRAL_ROLES:
        raise DeferralRefused("您的角色不能登记补交材料。")
    if not 0 <= item < promised:
        raise DeferralRefused("没有这项容缺材料。")
    existing = session.scalar(
        select(CaseDeferralReceived).where(
            CaseDeferralReceived.case_id == case.id, CaseDeferralReceived.item == item
        )
    )
    if existing is not None:
        return existing
    row = CaseDeferralReceived(case_id=case.id, item=item, received_by=staff.display_name or staff.username)
    session.add(row)
    session.flush()
    return row


def deferrals_received(*, session: Session, case: Case) -> dict[int, CaseDeferralReceived]:
    """The promised materials recorded as brought, by item."""
    return {
        r.item: r
        for r in session.scalars(select(CaseDeferralReceived).where(CaseDeferralReceived.case_id == case.id))
    }
