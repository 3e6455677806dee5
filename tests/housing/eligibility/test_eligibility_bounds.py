"""Every threshold of every group in every jurisdiction, at the bound and one unit past it on each side,
built from the reference table in tests/housing/eligibility/data/eligibility_cases.yaml (not from the parameter files)."""

from __future__ import annotations

import copy
import math
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from anju.core import periods, regions
from anju.housing.eligibility.assess import eligibility_assess
from anju.housing.eligibility.situation import Situation
from tests.housing.eligibility.test_eligibility_cases import DATA, fill, months

REF = date(2026, 11, 27)
DAY = timedelta(days=1)


def county(city: str) -> str:
    """A county of the city (平潭 is its own)."""
    counties = regions.counties_of(city)
    return counties[0].code if counties else city


def base(city: str, kind: str) -> dict[str, Any]:
    body = fill(copy.deepcopy(DATA["bases"][kind]), city)
    body["city_code"] = city
    member = body["members"][0]
    member["monthly_income_fen"] = 200000  # under every city's lines: only the rule under test decides
    if kind == "graduate":
        member["contributions"] = months("2026-05", 6, county(city))
    if kind == "migrant":
        member["contributions"] = months("2024-01", 24, county(city), step=1)[-24:]
        member["residence_permits"] = [
            {"city_code": county(city), "since": "2020-01-01", "valid_until": "2027-06-30"}
        ]
    return body


def cases() -> list[tuple[str, str, dict[str, Any], str, str]]:
    """(id, city, situation, group, expected outcome)."""
    out: list[tuple[str, str, dict[str, Any], str, str]] = []
    for city, row in DATA["jurisdictions"].items():
        out += city_cases(city, row)
    return out


def city_cases(city: str, row: list[Any]) -> list[tuple[str, str, dict[str, Any], str, str]]:
    """Every bound of one jurisdiction."""
    out = []
    r, k_low, k_mid, m_low, m_mid, a, h, h_dibao, y, single_age, g, s_grad, p, s_mig = row
    here = county(city)

    def add(label: str, kind: str, group: str, outcome: str, change: Any) -> None:
        body = base(city, kind)
        change(body)
        out.append((f"{city}-{label}", city, body, group, outcome))

    def income(member: dict[str, Any], fen: int) -> None:
        member["monthly_income_fen"] = fen

    for group, k in (("low_income", k_low), ("lower_middle_income", k_mid)):
        line = Fraction(k) * r * 100 / 12
        top = math.floor(line)
        add(f"{group}-at", "single", group, "eligible", lambda b, t=top: income(b["members"][0], t))
        add(f"{group}-below", "single", group, "eligible", lambda b, t=top: income(b["members"][0], t - 1))
        add(
            f"{group}-above", "single", group, "not_eligible", lambda b, t=top: income(b["members"][0], t + 1)
        )
    for label, area, outcome in (
        ("area-at", a * 100, "not_eligible"),
        ("area-below", a * 100 - 1, "eligible"),
    ):
        add(
            label,
            "single",
            "low_income",
            outcome,
            lambda b, x=area: b["members"][0].update(homes=[{"city_code": here, "area_centi_m2": x}]),
        )
    for label, since, outcome in (
        ("hukou-at", periods.years_before(REF, h), "eligible"),
        ("hukou-short", periods.years_before(REF, h) + DAY, "not_eligible"),
    ):
        add(
            label,
            "single",
            "low_income",
            outcome,
            lambda b, d=since: b["members"][0]["hukou"].update(since=d.isoformat()),
        )
    for group, m in (("low_income", m_low), ("lower_middle_income", m_mid)):
        limit = m * r * 100
        add(
            f"{group}-assets-at",
            "single",
            group,
            "eligible",
            lambda b, x=limit: b["declared"].update(deposits_fen=x),
        )
        add(
            f"{group}-assets-above",
            "single",
            group,
            "not_eligible",
            lambda b, x=limit: b["declared"].update(deposits_fen=x + 1),
        )
    for label, since, outcome in (
        ("dibao-at", periods.years_before(REF, h_dibao), "eligible"),
        ("dibao-short", periods.years_before(REF, h_dibao) + DAY, "not_eligible"),
    ):

        def dibao(b: dict[str, Any], d: date = since) -> None:
            b["members"][0]["hukou"]["since"] = d.isoformat()
            b["members"][0]["assistance"] = [{"kind": "低保", "city_code": here, "valid_until": "2027-06-30"}]

        add(label, "single", "dibao", outcome, dibao)
    # graduation months: G exactly (graduated in the month G + 1 before REF's month) and G + 1
    for label, extra, outcome in (("grad-at", 0, "eligible"), ("grad-over", 1, "not_eligible")):
        index = periods.month_index(REF) - (g + extra) - 1
        grad = date(index // 12, index % 12 + 1, 15).isoformat()
        add(
            label,
            "graduate",
            "new_graduate",
            outcome,
            lambda b, d=grad: b["members"][0].update(
                degrees=[{"level": "大专", "full_time": True, "graduated_on": d}]
            ),
        )
    for label, n, outcome in (
        ("grad-insurance-at", s_grad, "eligible"),
        ("grad-insurance-short", s_grad - 1, "not_eligible"),
    ):
        first = periods.month_key(periods.month_index(REF) - n)
        add(
            label,
            "graduate",
            "new_graduate",
            outcome,
            lambda b, f=first, c=n: b["members"][0].update(contributions=months(f, c, here)),
        )
    for label, since, outcome in (
        ("permit-at", periods.years_before(REF, p), "eligible"),
        ("permit-short", periods.years_before(REF, p) + DAY, "not_eligible"),
    ):
        add(
            label,
            "migrant",
            "migrant_worker",
            outcome,
            lambda b, d=since: b["members"][0]["residence_permits"][0].update(since=d.isoformat()),
        )
    for label, n, outcome in (
        ("migrant-insurance-at", s_mig, "eligible"),
        ("migrant-insurance-short", s_mig - 1, "not_eligible"),
    ):
        first = periods.month_key(periods.month_index(REF) - 36)  # spread over the window, every other month
        add(
            label,
            "migrant",
            "migrant_worker",
            outcome,
            lambda b, f=first, c=n: b["members"][0].update(
                contributions=months(f, c, here, step=2 if c <= 18 else 1)
            ),
        )
    for label, sold, outcome in (
        ("sold-at", periods.years_before(REF, y), "not_eligible"),
        ("sold-before", periods.years_before(REF, y) - DAY, "eligible"),
    ):
        add(
            label,
            "single",
            "low_income",
            outcome,
            lambda b, d=sold: b["members"][0].update(
                homes=[{"city_code": here, "area_centi_m2": 9000, "disposed_on": d.isoformat()}]
            ),
        )
    for label, born, outcome in (
        ("single-age-at", periods.years_before(REF, single_age), "eligible"),
        ("single-age-young", periods.years_before(REF, single_age) + DAY, "not_eligible"),
    ):
        add(
            label,
            "single",
            "low_income",
            outcome,
            lambda b, d=born: b["members"][0].update(birth_date=d.isoformat()),
        )
    return out


CASES = cases()


@pytest.mark.parametrize(
    ("city", "body", "group", "outcome"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bound(city: str, body: dict[str, Any], group: str, outcome: str) -> None:
    result = eligibility_assess(Situation.model_validate(body), on=REF)
    assert result["groups"][group]["outcome"] == outcome, [
        (r["rule"], r["outcome"], r["value_text"], r["threshold"]) for r in result["groups"][group]["rules"]
    ]


def test_the_table_covers_all_ten_jurisdictions_and_every_group() -> None:
    assert len(DATA["jurisdictions"]) == 10
    groups = {c[3] for c in CASES}
    assert groups == {"dibao", "low_income", "lower_middle_income", "new_graduate", "migrant_worker"}
    assert Path(__file__).exists()
