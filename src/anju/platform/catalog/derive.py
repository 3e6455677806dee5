"""How a register's answer becomes a form value (the `derive` names in form.yaml).

Each function takes the fields a register returned for one person (or, for application-scope fields,
for every member) and the reference date, and gives the value in the form's own terms, or None when
the register's answer does not settle it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from anju.core import periods, regions

LEVELS = ["中专", "大专", "本科", "硕士", "博士"]
MARITAL = {
    "已婚": "已婚",
    "离婚": "离婚",
    "丧偶": "丧偶",
    "married": "已婚",
    "divorced": "离婚",
    "widowed": "丧偶",
}


def _direct(key: str) -> Callable[[dict[str, Any], date], Any]:
    def derive(fields: dict[str, Any], today: date) -> Any:
        return fields.get(key)

    return derive


def marital_status(fields: dict[str, Any], today: date) -> str | None:
    """The marriage register's latest status; no record is not evidence of being unmarried."""
    return MARITAL.get(str(fields.get("status", ""))) if fields else None


def _full_time(fields: dict[str, Any]) -> list[dict[str, Any]]:
    return [d for d in fields.get("degrees", []) if d.get("full_time") and d.get("level") in LEVELS]


def highest_full_time_level(fields: dict[str, Any], today: date) -> str | None:
    """The highest full-time level on record (中专 < 大专 < 本科 < 硕士 < 博士)."""
    degrees = _full_time(fields)
    return max((d["level"] for d in degrees), key=LEVELS.index) if degrees else None


def highest_full_time_graduation(fields: dict[str, Any], today: date) -> str | None:
    """The graduation date of the highest full-time degree."""
    degrees = _full_time(fields)
    if not degrees:
        return None
    best = max(degrees, key=lambda d: (LEVELS.index(d["level"]), d["graduated_on"]))
    return str(best["graduated_on"])


def current_permit_city(fields: dict[str, Any], today: date) -> str | None:
    """The city of a residence permit valid today."""
    for permit in fields.get("permits", []):
        if permit["valid_from"] <= today.isoformat() <= permit["valid_to"]:
            return str(permit["city_code"])
    return None


def currently_assisted(fields: dict[str, Any], today: date) -> str:
    """Whether 低保 or 特困 support is in force today ("yes"/"no")."""
    current = any(s["valid_from"] <= today.isoformat() <= s["valid_to"] for s in fields.get("statuses", []))
    return "yes" if current else "no"


def latest_employer(fields: dict[str, Any], today: date) -> str | None:
    """The employer of the most recent contribution month."""
    months = fields.get("contributions", [])
    return str(months[-1]["employer"]) if months else None


def insured_months_36(fields: dict[str, Any], today: date) -> int:
    """Months with a contribution among the 36 months before today's month (cumulative rule)."""
    return periods.insurance_months((m["month"] for m in fields.get("contributions", [])), on=today)[1]


# Application-scope derivations see every member's answer: {id_number: fields}.
def owns_home(members: dict[str, dict[str, Any]], today: date) -> str:
    """Whether any member owns a home now ("yes"/"no")."""
    return (
        "yes"
        if any(h.get("disposed_on") is None for f in members.values() for h in f.get("homes", []))
        else "no"
    )


def owned_area(members: dict[str, dict[str, Any]], today: date) -> int | None:
    """Total building area of homes owned now, in hundredths of m² (None when there are none)."""
    total = sum(
        int(h["area_centi_m2"])
        for f in members.values()
        for h in f.get("homes", [])
        if h.get("disposed_on") is None
    )
    return total or None


def sold_within_5_years(members: dict[str, dict[str, Any]], today: date) -> str:
    """Whether any member sold or transferred a home in the 5 years before today ("yes"/"no")."""
    cutoff = periods.years_before(today, 5).isoformat()
    sold = any(
        h.get("disposed_on") and h["disposed_on"] >= cutoff
        for f in members.values()
        for h in f.get("homes", [])
    )
    return "yes" if sold else "no"


def currently_assisted_housing(members: dict[str, dict[str, Any]], today: date) -> str:
    """Whether any member rents public housing or receives a rent subsidy now ("yes"/"no")."""
    return "yes" if any(r.get("current") for f in members.values() for r in f.get("records", [])) else "no"


def vehicle_value(members: dict[str, dict[str, Any]], today: date) -> int:
    """Purchase value of the household's vehicles, in fen."""
    return sum(int(v["purchase_value_fen"]) for f in members.values() for v in f.get("vehicles", []))


def hukou_place(fields: dict[str, Any], today: date) -> str | None:
    """The hukou county if in Fujian, else "outside" (the form does not list other provinces)."""
    code = str(fields.get("county_code") or "")
    if not code:
        return None
    return code if code.startswith("35") else "outside"


# Suggestions (form.yaml `suggest`): values the applicant confirms or corrects, from one person's answer.
def current_permit_address(fields: dict[str, Any], today: date) -> str | None:
    """The address on a residence permit valid today."""
    for permit in fields.get("permits", []):
        if permit["valid_from"] <= today.isoformat() <= permit["valid_to"] and permit.get("address"):
            return str(permit["address"])
    return None


def hukou_city(fields: dict[str, Any], today: date) -> str | None:
    """The Fujian city (or 平潭) of the hukou: most people apply where their hukou is."""
    place = hukou_place(fields, today)
    if place is None or place == "outside":
        return None
    return regions.jurisdiction_of(place).code


def hukou_county(fields: dict[str, Any], today: date) -> str | None:
    """The hukou county, when it is in Fujian."""
    place = hukou_place(fields, today)
    return None if place == "outside" else place


SUGGEST_BASE_MONTHS = 12  # a base older than a year says little about income today


def latest_contribution_base(fields: dict[str, Any], today: date) -> int | None:
    """The contribution base (fen) of the latest month on record within the last 12 months: employers
    declare it from the wage, so it is a fair first figure for the monthly income the applicant confirms."""
    first = periods.month_index(today) - SUGGEST_BASE_MONTHS
    recent = [
        m
        for m in fields.get("contributions", [])
        if m.get("base_fen") is not None
        and periods.month_index(date.fromisoformat(m["month"] + "-01")) >= first
    ]
    return int(max(recent, key=lambda m: m["month"])["base_fen"]) if recent else None


SUGGESTION_DERIVATIONS: dict[str, Callable[[dict[str, Any], date], Any]] = {
    "current_permit_address": current_permit_address,
    "hukou_city": hukou_city,
    "hukou_county": hukou_county,
    "latest_contribution_base": latest_contribution_base,
}


def derive_suggestion(*, derive: str | None, register_field: str, fields: dict[str, Any], today: date) -> Any:
    """A suggested value from one person's register answer (None when it suggests nothing)."""
    if derive is None:
        return _direct(register_field)(fields, today) or None
    return SUGGESTION_DERIVATIONS[derive](fields, today)


MEMBER_DERIVATIONS: dict[str, Callable[[dict[str, Any], date], Any]] = {
    "hukou_place": hukou_place,
    "marital_status": marital_status,
    "highest_full_time_level": highest_full_time_level,
    "highest_full_time_graduation": highest_full_time_graduation,
    "current_permit_city": current_permit_city,
    "currently_assisted": currently_assisted,
    "latest_employer": latest_employer,
    "insured_months_36": insured_months_36,
}
APPLICATION_DERIVATIONS: dict[str, Callable[[dict[str, dict[str, Any]], date], Any]] = {
    "owns_home": owns_home,
    "owned_area": owned_area,
    "sold_within_5_years": sold_within_5_years,
    "currently_assisted_housing": currently_assisted_housing,
    "vehicle_value": vehicle_value,
}


def derive_member_value(
    *, derive: str | None, register_field: str, fields: dict[str, Any], today: date
) -> Any:
    """A member field's value from one register answer."""
    if derive is None:
        return _direct(register_field)(fields, today)
    return MEMBER_DERIVATIONS[derive](fields, today)


def derive_application_value(*, derive: str, members: dict[str, dict[str, Any]], today: date) -> Any:
    """An application field's value from every member's answer."""
    return APPLICATION_DERIVATIONS[derive](members, today)
