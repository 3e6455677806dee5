"""A household situation from what an application carries: the household, each register's answer about
each member (with its status), and the applicant's answers — the same shapes the platform sends in a case
(docs/interfaces/housing-intake.openapi.json) and in a pre-check. One mapping, used for both.

A register that answered "no record" gives an explicit empty value; one that failed, was not asked, or
was paused gives unknown (None), which no rule treats as a pass.
"""

from __future__ import annotations

from typing import Any

from anju.housing.eligibility.situation import Situation

ASSISTANCE_KINDS = {"dibao": "低保", "tekun": "特困", "低保": "低保", "特困": "特困"}


def _register(
    evidence: dict[tuple[str, str], dict[str, Any]], number: str, source: str
) -> dict[str, Any] | None:
    """The fields a register gave about a person; {} for "no record"; None when it did not answer."""
    item = evidence.get((number, source))
    if item is None:
        return None
    if item["status"] == "found":
        return dict(item.get("fields") or {})
    if item["status"] == "no_record":
        return {}
    return None


def _listing(fields: dict[str, Any] | None, key: str) -> list[dict[str, Any]] | None:
    return None if fields is None else list(fields.get(key) or [])


def _int(value: Any) -> int | None:
    return None if value in (None, "") else int(value)


def situation_from(
    *,
    city_code: str,
    household: list[dict[str, Any]],
    evidence: list[dict[str, Any]],
    answers: dict[str, Any],
) -> Situation:
    """The Situation of a case or draft (raises pydantic.ValidationError when it cannot be one)."""
    found = {(e["id_number"], e["source"]): e for e in evidence}
    member_answers: dict[str, dict[str, Any]] = answers.get("members") or {}
    application: dict[str, Any] = answers.get("application") or {}
    members = []
    vehicles: list[int] | None = []
    for person in household:
        number = person["id_number"]
        mine = member_answers.get(number, {})
        hukou = _register(found, number, "hukou")
        permits = _listing(_register(found, number, "residence_permit"), "permits")
        statuses = _listing(_register(found, number, "dibao"), "statuses")
        degrees = _listing(_register(found, number, "education"), "degrees")
        contributions = _listing(_register(found, number, "social_insurance"), "contributions")
        homes = _listing(_register(found, number, "property"), "homes")
        records = _listing(_register(found, number, "assistance"), "records")
        cars = _listing(_register(found, number, "vehicle"), "vehicles")
        if vehicles is not None:
            vehicles = None if cars is None else [*vehicles, *(int(v["purchase_value_fen"]) for v in cars)]
        members.append(
            {
                "relation": person["relation"]
                if person["relation"] in ("本人", "配偶", "子女", "父母")
                else "其他",
                "birth_date": person["birth_date"],
                "marital_status": mine.get("marital_status") or None,
                "monthly_income_fen": _int(mine.get("monthly_income")),
                "hukou": (
                    {"city_code": hukou["county_code"], "since": hukou["moved_in"]}
                    if hukou and hukou.get("county_code") and hukou.get("moved_in")
                    else None
                ),
                "residence_permits": None
                if permits is None
                else [
                    {"city_code": p["city_code"], "since": p["valid_from"], "valid_until": p["valid_to"]}
                    for p in permits
                ],
                "degrees": None
                if degrees is None
                else [
                    {
                        "level": d["level"],
                        "full_time": bool(d["full_time"]),
                        "graduated_on": d["graduated_on"],
                    }
                    for d in degrees
                    if d.get("level") in ("中专", "大专", "本科", "硕士", "博士")
                ],
                "contributions": None
                if contributions is None
                else [
                    {"month": c["month"], "city_code": c["city_code"], "base_fen": c.get("base_fen")}
                    for c in contributions
                ],
                "homes": None
                if homes is None
                else [
                    {
                        "city_code": h["city_code"],
                        "area_centi_m2": int(h["area_centi_m2"]),
                        "acquired_on": h.get("acquired_on"),
                        "disposed_on": h.get("disposed_on"),
                    }
                    for h in homes
                ],
                "assistance": None
                if statuses is None
                else [
                    {
                        "kind": ASSISTANCE_KINDS[s["kind"]],
                        "city_code": s["city_code"],
                        "valid_until": s["valid_to"],
                    }
                    for s in statuses
                    if s.get("kind") in ASSISTANCE_KINDS
                ],
                "receiving_housing_assistance": None
                if records is None
                else any(r.get("current") for r in records),
            }
        )
    declared_vehicles = _int(application.get("vehicle_value"))
    return Situation.model_validate(
        {
            "city_code": city_code,
            "members": members,
            "declared": {
                "deposits_fen": _int(application.get("deposits")),
                "securities_fen": _int(application.get("securities")),
                "companies_fen": _int(application.get("company_capital")) or 0,  # optional: blank means none
                "vehicles_fen": declared_vehicles
                if declared_vehicles is not None
                else (sum(vehicles) if vehicles is not None else None),
            },
        }
    )
