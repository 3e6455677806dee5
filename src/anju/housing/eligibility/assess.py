"""The evaluator: facts of a household on a reference date, each rule's outcome with its value, threshold,
parameter and source, and per group eligible / not eligible / undetermined. It explains; it never decides
for the reviewer, and unknown never counts as pass (OpenFisca's habit: dated parameters and a trace)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from anju.core import idcard, periods, regions
from anju.core.vocab import APPLICANT_GROUP_LABELS
from anju.housing.eligibility.params import CityParameters, Value, parameters_for
from anju.housing.eligibility.situation import EDUCATION_LEVELS, Permit, Situation

RULES_FILE = Path(__file__).with_name("rules.yaml")


@lru_cache(maxsize=1)
def rule_table() -> dict[str, Any]:
    """rules.yaml, as data."""
    data: dict[str, Any] = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    for group, spec in data["groups"].items():  # one name for each group, everywhere (core/vocab.py)
        spec["label"] = APPLICANT_GROUP_LABELS[group]
    return data


# ------------------------------------------------------------------------------------------- facts


@lru_cache(maxsize=4096)  # a few hundred division codes, asked about for every month of every member
def _in_city(code: str, city: str) -> bool:
    try:
        return regions.jurisdiction_of(code).code == city
    except regions.RegionNotFound:
        return False


BASE_WINDOW_MONTHS = 12  # provisional reading of "a base on record" (eligibility-defaults.md): a current one


def current_contribution_base(contributions: list[Any] | None, *, city: str, on: date) -> int | None:
    """The contribution base that speaks for a member's income now: the latest month with a base, in the
    city applied to, within the 12 months up to the reference month. An old base, or one from another
    city, says nothing about income today (a 2015 厦门 base once made a 福州 couple ineligible)."""
    last = periods.month_index(on)
    first, latest = periods.month_key(last - BASE_WINDOW_MONTHS + 1), periods.month_key(last)
    recent = [  # "YYYY-MM" strings compare as the months do; the window first, as it rules out most
        c
        for c in contributions or []
        if c.base_fen is not None and first <= c.month <= latest and _in_city(c.city_code, city)
    ]
    return max(recent, key=lambda c: c.month).base_fen if recent else None


def _permits_held_since(permits: list[Permit], *, city: str, on: date) -> date | None:
    """Since when the applicant has held a residence permit of the city without a break, through the permit
    valid on ``on``: a permit renewed back to back (the next one starting by the day after the last one
    ends) continues the holding; a day without one starts it again. None when none is valid on ``on``."""
    here = sorted((p for p in permits if _in_city(p.city_code, city)), key=lambda p: p.since)
    current = [p for p in here if p.since <= on <= p.valid_until]
    if not current:
        return None
    start = min(p.since for p in current)
    changed = True
    while changed:  # walk back over permits that end no earlier than the day before the run starts
        changed = False
        for p in here:
            if p.since < start and p.valid_until >= start - timedelta(days=1):
                start, changed = p.since, True
    return start


def household_facts(s: Situation, on: date) -> dict[str, Any]:
    """Every fact of eligibility-defaults.md for this household on ``on``; None where unknown."""
    city, members, applicant = s.city_code, s.members, s.members[0]
    n = len(members)
    facts: dict[str, Any] = {
        "n": n,
        "single": n == 1,
        "age": periods.whole_years(applicant.birth_date, on=on),
    }

    incomes: list[int] = []
    from_base = 0
    for m in members:
        base = current_contribution_base(m.contributions, city=city, on=on)
        known = [v for v in (m.monthly_income_fen, base) if v is not None]
        if not known and periods.whole_years(m.birth_date, on=on) < idcard.ADULT_AGE:
            # The unified form asks income of adults only: a child nobody declared an income for, with no
            # contribution base, earns nothing (provisional reading; without it every family with a child
            # had an unknown per-capita income).
            known = [0]
        if not known:
            incomes = []
            break
        incomes.append(max(known))
        if base is not None and (m.monthly_income_fen is None or base > m.monthly_income_fen):
            from_base += 1
    facts["per_capita_income"] = sum(incomes) // n if len(incomes) == n else None
    facts["income_from_base"] = from_base  # members whose contribution base counted instead of the declared

    homes_known = all(m.homes is not None for m in members)
    owned = [h for m in members for h in m.homes or [] if h.owned_on(on) and _in_city(h.city_code, city)]
    facts["per_capita_area"] = sum(h.area_centi_m2 for h in owned) // n if homes_known else None
    facts["owns_home_in_city"] = bool(owned) if homes_known else None

    facts["hukou_years"] = (
        None
        if applicant.hukou is None
        else periods.whole_years(applicant.hukou.since, on=on)
        if _in_city(applicant.hukou.city_code, city) and applicant.hukou.since <= on
        else 0
    )
    permits = applicant.residence_permits
    held_since = None if permits is None else _permits_held_since(permits, city=city, on=on)
    facts["permit_years"] = (
        None if permits is None else periods.whole_years(held_since, on=on) if held_since else 0
    )
    if any(m.assistance is None for m in members):
        facts["dibao"] = (
            None if not any(_valid_assistance(m.assistance or [], city, on) for m in members) else True
        )
    else:
        facts["dibao"] = any(_valid_assistance(m.assistance or [], city, on) for m in members)

    degrees = applicant.degrees
    full_time = sorted(
        (d for d in degrees or [] if d.full_time),
        key=lambda d: (EDUCATION_LEVELS.index(d.level), d.graduated_on),
    )
    facts["education_rank"] = (
        None if degrees is None else (EDUCATION_LEVELS.index(full_time[-1].level) if full_time else -1)
    )
    facts["education_level"] = full_time[-1].level if full_time else None
    facts["graduation_months"] = (
        None
        if degrees is None or not full_time
        else periods.graduation_months(full_time[-1].graduated_on, on=on)
    )
    contributions = applicant.contributions
    continuous, cumulative = (
        periods.insurance_months((c.month for c in contributions if _in_city(c.city_code, city)), on=on)
        if contributions is not None
        else (None, None)
    )
    facts["insurance_continuous"], facts["insurance_cumulative"] = continuous, cumulative

    assisted = [m.receiving_housing_assistance for m in members]
    facts["receiving_assistance"] = (
        True if any(a is True for a in assisted) else (None if None in assisted else False)
    )

    d = s.declared
    parts = [d.deposits_fen, d.securities_fen, d.companies_fen, d.vehicles_fen]
    facts["assets"] = sum(p for p in parts if p is not None) if None not in parts else None
    return facts


def _valid_assistance(statuses: list[Any], city: str, on: date) -> bool:
    return any(_in_city(a.city_code, city) and a.valid_until >= on for a in statuses)


def _sold_recently(s: Situation, on: date, years: int) -> bool | None:
    if any(m.homes is None for m in s.members):
        return None
    cutoff = periods.years_before(on, years)
    return any(
        h.disposed_on is not None and cutoff <= h.disposed_on <= on and _in_city(h.city_code, s.city_code)
        for m in s.members
        for h in m.homes or []
    )


# -------------------------------------------------------------------------------------- thresholds


@dataclass(frozen=True)
class Threshold:
    """A bound to compare a fact with, exactly (a fraction), and where it comes from."""

    value: Fraction
    text: str
    parameters: list[Value]


def _yuan(fen: Fraction) -> str:
    amount = (Decimal(fen.numerator) / Decimal(fen.denominator) / 100).quantize(Decimal("0.01"), ROUND_FLOOR)
    return f"{amount:,.2f} 元"


def thresholds(p: CityParameters, on: date) -> dict[str, Threshold]:
    """Every bound the rules use, computed exactly from the parameters in force on ``on``."""

    def v(name: str) -> Value:
        return p.in_force(name, on)

    def plain(name: str, unit: str) -> Threshold:
        value = v(name)
        return Threshold(Fraction(value.value), f"{value.value} {unit}", [value])

    def income(factor: str) -> Threshold:
        r, k = v("reference_income_yuan"), v(factor)
        limit = Fraction(k.value) * Fraction(r.value) * 100 / 12  # fen per month
        return Threshold(limit, f"{_yuan(limit)}（{r.value} 元 × {k.value} ÷ 12）", [r, k])

    def assets(factor: str) -> Threshold:
        r, m = v("reference_income_yuan"), v(factor)
        limit = Fraction(m.value) * Fraction(r.value) * 100
        return Threshold(limit, f"{_yuan(limit)}（{r.value} 元 × {m.value}）", [r, m])

    area = v("area_limit_m2")
    return {
        "hukou_years": plain("hukou_years", "年"),
        "dibao_hukou_years": plain("dibao_hukou_years", "年"),
        "permit_years": plain("permit_years", "年"),
        "graduation_months_max": plain("graduation_months_max", "个月"),
        "graduate_insurance_months": plain("graduate_insurance_months", "个月"),
        "migrant_insurance_months": plain("migrant_insurance_months", "个月"),
        "area_limit": Threshold(Fraction(area.value) * 100, f"{area.value} 平方米", [area]),
        "low_income_limit": income("low_income_factor"),
        "lower_middle_income_limit": income("lower_middle_income_factor"),
        "low_assets_limit": assets("low_asset_factor"),
        "lower_middle_assets_limit": assets("lower_middle_asset_factor"),
        "junior_college": Threshold(Fraction(EDUCATION_LEVELS.index("大专")), "大专", []),
        "adult_age": Threshold(Fraction(idcard.ADULT_AGE), f"{idcard.ADULT_AGE} 岁", []),
    }


# ------------------------------------------------------------------------------------------ rules


@dataclass
class RuleResult:
    """One rule's outcome, with everything that explains it."""

    rule: str
    label: str
    outcome: str  # pass | fail | unknown
    value: Any
    value_text: str
    comparison: str
    threshold: str
    parameters: list[dict[str, Any]] = field(default_factory=list)
    proof: str = ""
    note: str = (
        ""  # what a reader needs to follow the value (e.g. a contribution base replaced a declaration)
    )

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return dict(self.__dict__)


def _show(value: Any, unit: str) -> str:
    if value is None:
        return "未知"
    if unit == "money":
        return _yuan(Fraction(value))
    if unit == "area":
        return f"{Decimal(value) / 100:.2f} 平方米"
    if unit == "education":
        return EDUCATION_LEVELS[value] if 0 <= value < len(EDUCATION_LEVELS) else "无全日制学历"
    if isinstance(value, bool):
        return "是" if value else "否"
    return f"{value} {unit}".strip()


COMPARE = {">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b, "<": lambda a, b: a < b}


def _rule(code: str, facts: dict[str, Any], bounds: dict[str, Threshold]) -> RuleResult:
    spec = rule_table()["rules"][code]
    value = facts.get(spec["fact"])
    unit = spec.get("unit", "")
    compare = spec["compare"]
    if compare in ("is_true", "is_false"):
        wanted = compare == "is_true"
        outcome = "unknown" if value is None else ("pass" if value is wanted else "fail")
        return RuleResult(
            rule=code,
            label=spec["label"],
            outcome=outcome,
            value=value,
            value_text=_show(value, ""),
            comparison="是" if wanted else "否",
            threshold="",
            proof=spec["proof"] if outcome == "unknown" else "",
        )
    bound = bounds[spec["threshold"]]
    outcome = (
        "unknown" if value is None else ("pass" if COMPARE[compare](Fraction(value), bound.value) else "fail")
    )
    return RuleResult(
        rule=code,
        label=spec["label"],
        outcome=outcome,
        value=value,
        value_text=_show(value, unit),
        comparison=compare,
        threshold=bound.text,
        parameters=[pv.as_dict() for pv in bound.parameters],
        proof=spec["proof"] if outcome == "unknown" else "",
        note=(
            f"其中 {facts['income_from_base']} 人近一年在本市的社保缴费基数高于申报的月收入，按缴费基数计算"
            if spec["fact"] == "per_capita_income" and facts.get("income_from_base")
            else ""
        ),
    )


def _combine(results: list[RuleResult]) -> str:
    if any(r.outcome == "fail" for r in results):
        return "not_eligible"
    if any(r.outcome == "unknown" for r in results):
        return "undetermined"
    return "eligible"


def eligibility_assess(
    situation: Situation, *, on: date, parameters: CityParameters | None = None, only: str | None = None
) -> dict[str, Any]:
    """The whole result: facts, common disqualifiers, and every group with its rules (raises NoRuleInForce).

    ``parameters`` defaults to the city's file in params/ (a draft set can be tried before it is adopted);
    ``only`` limits the groups to one (the 年审 of a household in its group), which is then the suggestion.
    """
    table = rule_table()
    only = only if only in table["groups"] else None
    p = parameters or parameters_for(situation.city_code)
    bounds = thresholds(p, on)
    facts = household_facts(situation, on)
    sold_years = p.in_force("sold_within_years", on)
    facts["sold_recently"] = _sold_recently(situation, on, int(sold_years.value))
    single_age = p.in_force("single_min_age", on)
    facts["single_age_ok"] = (not facts["single"]) or facts["age"] >= int(single_age.value)

    groups: dict[str, Any] = {}
    for group, spec in table["groups"].items():
        if only is not None and group != only:
            continue
        common = [
            c for c in table["common"] if not (c == "single_age" and group in table["single_age_exempt"])
        ]
        results = [_rule(code, facts, bounds) for code in [*spec["rules"], *common]]
        for r in results:  # the two common rules with a city parameter name it
            if r.rule == "not_sold_recently":
                r.threshold = f"{sold_years.value} 年内"
                r.parameters = [sold_years.as_dict()]
            if r.rule == "single_age":
                r.threshold = f"单身申请人年满 {single_age.value} 周岁"
                r.parameters = [single_age.as_dict()]
        groups[group] = {
            "label": spec["label"],
            "outcome": _combine(results),
            "rules": [r.as_dict() for r in results],
            "proofs_needed": sorted({r.proof for r in results if r.proof}),
        }
    order = {"eligible": 0, "undetermined": 1, "not_eligible": 2}
    ranked = sorted(
        groups,
        key=lambda g: (order[groups[g]["outcome"]], sum(r["outcome"] != "pass" for r in groups[g]["rules"])),
    )
    return {
        "ruleset": p.ruleset(on),
        "rules_version": str(table["version"]),
        "city_code": p.city_code,
        "city": p.city,
        "on": on.isoformat(),
        "provisional": any(
            v.provisional for values in p.values.values() for v in values if v.effective_from <= on
        ),
        "facts": {k: v for k, v in facts.items()},
        "groups": groups,
        "suggested_group": ranked[0],
    }
