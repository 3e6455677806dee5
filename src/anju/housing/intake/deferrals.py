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
