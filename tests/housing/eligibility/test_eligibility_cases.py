"""The eligibility tests written as data (tests/housing/eligibility/data/eligibility_cases.yaml), plus dated values,
the date before any rule, and bad situations refused with a reason."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from anju.housing.eligibility.assess import eligibility_assess
from anju.housing.eligibility.params import PARAMS_DIR, NoRuleInForce, all_parameters, parameters_load
from anju.housing.eligibility.situation import Situation

DATA = yaml.safe_load((Path(__file__).parent / "data" / "eligibility_cases.yaml").read_text(encoding="utf-8"))
REF = date(2026, 11, 27)


def months(
    first: str, count: int, city: str, *, step: int = 1, base: int | None = None
) -> list[dict[str, Any]]:
    year, month = map(int, first.split("-"))
    out = []
    for i in range(count):
        index = year * 12 + month - 1 + i * step
        out.append({"month": f"{index // 12:04d}-{index % 12 + 1:02d}", "city_code": city, "base_fen": base})
    return out


PLACEHOLDERS: dict[str, Any] = {
    "RUN_6": months("2026-05", 6, "350102"),  # May–October 2026: 6 continuous months before November
    "RUN_5": months("2026-06", 5, "350102"),
    "RUN_3_SANMING": months("2026-08", 3, "350404"),
    "RUN_6_XIAMEN": months("2026-05", 6, "350203"),
    "CUMULATIVE_12": months("2024-01", 12, "350102", step=2),  # every other month from January 2024
    "CUMULATIVE_11": months("2024-01", 11, "350102", step=2),
    "CUMULATIVE_12_BASE_700000": months(
        "2024-01", 12, "350102", step=2, base=700000
    ),  # none in the last year
    "XIAMEN_24": months("2024-11", 24, "350203"),  # November 2024 to October 2026: 24 of the last 36
    "CURRENT_12_BASE_700000": months("2025-11", 12, "350102", base=700000),  # November 2025 to October 2026
    # 12 months in 福州 now at a modest base, after a 2015 year in 厦门 at 20,000 元
    "XIAMEN_2015_BASE_2000000": months("2015-01", 12, "350203", base=2000000)
    + months("2025-11", 12, "350102", base=300000),
}


def fill(value: Any, city: str) -> Any:
    if value == "CITY":
        return city
    if isinstance(value, str) and value in PLACEHOLDERS:
        return copy.deepcopy(PLACEHOLDERS[value])
    if isinstance(value, dict):
        return {k: fill(v, city) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, city) for v in value]
    return value


def situation_of(case: dict[str, Any]) -> dict[str, Any]:
    city = case["city"]
    body = fill(copy.deepcopy(DATA["bases"][case["base"]]), city)
    for path, value in (case.get("set") or {}).items():
        target: Any = body
        *parents, last = path.split(".")
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        target[int(last) if last.isdigit() else last] = fill(value, city)
    return {**body, "city_code": city}


@pytest.mark.parametrize("case", DATA["cases"], ids=lambda c: c["name"])
def test_case(case: dict[str, Any]) -> None:
    result = eligibility_assess(Situation.model_validate(situation_of(case)), on=REF)
    for group, outcome in case["expect"].items():
        assert result["groups"][group]["outcome"] == outcome, (group, result["groups"][group]["rules"])
    rules = {r["rule"]: r for g in case["expect"] for r in result["groups"][g]["rules"]}
    for rule, outcome in (case.get("rules") or {}).items():
        assert rules[rule]["outcome"] == outcome, rules[rule]
    if "proof" in case:
        group = next(iter(case["expect"]))
        assert case["proof"] in result["groups"][group]["proofs_needed"]
    assert result["ruleset"].startswith(case["city"] + "/") and result["provisional"] is True


def test_every_rule_names_its_threshold_parameter_source_and_date() -> None:
    result = eligibility_assess(Situation.model_validate(situation_of(DATA["cases"][0])), on=REF)
    income = next(r for r in result["groups"]["low_income"]["rules"] if r["rule"] == "low_income")
    assert income["threshold"].startswith("3,500.00 元（60000 元 × 0.7 ÷ 12）")
    assert {p["name"] for p in income["parameters"]} == {"reference_income_yuan", "low_income_factor"}
    assert all(p["effective_from"] == "2024-10-01" and p["provisional"] for p in income["parameters"])
    assert all("待核实" in p["source"] for p in income["parameters"])


def test_every_jurisdiction_has_every_parameter_and_only_the_defaults_so_far() -> None:
    params = all_parameters()
    assert sorted(params) == sorted(
        ["350100", "350200", "350300", "350400", "350500", "350600", "350700", "350800", "350900", "350128"]
    )
    assert params["350200"].in_force("reference_income_yuan", REF).value == 78000
    assert params["350128"].in_force("hukou_years", REF).value == 1


def test_a_new_dated_value_changes_the_result_from_its_date_only(tmp_path: Path) -> None:
    source = PARAMS_DIR / "350100.yaml"
    text = source.read_text(encoding="utf-8").replace(
        "  reference_income_yuan:\n",
        "  reference_income_yuan:\n    - {value: 66000, effective_from: 2026-07-01, source: 福州市统计公报（测试）, provisional: false}\n",
    )
    (tmp_path / "350100.yaml").write_text(text, encoding="utf-8")
    updated = parameters_load(tmp_path / "350100.yaml")
    household = Situation.model_validate(
        situation_of({"city": "350100", "base": "single", "set": {"members.0.monthly_income_fen": 370000}})
    )
    before = eligibility_assess(household, on=date(2026, 6, 30), parameters=updated)
    after = eligibility_assess(household, on=date(2026, 7, 1), parameters=updated)
    assert before["groups"]["low_income"]["outcome"] == "not_eligible"  # 3,500.00 元 line
    assert after["groups"]["low_income"]["outcome"] == "eligible"  # 0.7 × 66000 ÷ 12 = 3,850.00 元
    assert before["ruleset"] != after["ruleset"]


def test_a_date_before_any_rule_is_an_error_not_a_guess() -> None:
    household = Situation.model_validate(situation_of({"city": "350100", "base": "single"}))
    with pytest.raises(NoRuleInForce) as refused:
        eligibility_assess(household, on=date(2024, 9, 30))
    assert "尚无生效的规定" in refused.value.message


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"members.0.monthly_income_fen": -1}, "收入不能为负数"),
        ({"members.0.birth_date": "1990-02-30"}, "date"),
        ({"members.0.marital_status": "已婚"}, "配偶必须作为家庭成员共同申请"),
    ],
)
def test_bad_situations_are_refused_with_a_reason(change: dict[str, Any], words: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Situation.model_validate(situation_of({"city": "350100", "base": "single", "set": change}))
    assert words in str(refused.value)


def test_an_unknown_city_is_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        Situation.model_validate(
            {**situation_of({"city": "350100", "base": "single"}), "city_code": "110100"}
        )
    assert "不是受理公租房申请的设区市" in str(refused.value)


def test_the_command_prints_the_result_as_json_and_names_the_ruleset(tmp_path: Path) -> None:
    path = tmp_path / "situation.json"
    path.write_text(
        json.dumps(situation_of({"city": "350100", "base": "single"}), ensure_ascii=False), encoding="utf-8"
    )
    anju = str(Path(sys.executable).parent / "anju")
    done = subprocess.run(
        [anju, "eligibility", "assess", "--city", "350100", "--on", "2026-11-27", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["ruleset"].startswith("350100/") and result["groups"]["low_income"]["outcome"] == "eligible"
    bad = subprocess.run(
        [anju, "eligibility", "assess", "--city", "350100", "--on", "2026-02-30", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2 and "不是 YYYY-MM-DD" in bad.stderr


def test_a_child_nobody_declared_an_income_for_earns_nothing_but_a_contribution_base_still_counts() -> None:
    # The form asks income of adults only: a family with a child must not have an unknown per-capita income.
    case = {"city": "350100", "base": "single", "set": {"members.0.monthly_income_fen": 600000}}
    household = situation_of(case)
    child = {
        **copy.deepcopy(household["members"][0]),
        "relation": "子女",
        "birth_date": "2018-05-20",
        "monthly_income_fen": None,
    }
    household["members"].append(child)
    result = eligibility_assess(Situation.model_validate(household), on=REF)
    assert result["facts"]["per_capita_income"] == 300000
    assert result["groups"]["lower_middle_income"]["outcome"] == "eligible"
    # An adult with nothing declared and no base is still unknown.
    household["members"].append({**child, "relation": "父母", "birth_date": "1960-01-01"})
    result = eligibility_assess(Situation.model_validate(household), on=REF)
    assert result["facts"]["per_capita_income"] is None


def test_each_group_has_one_name_on_every_page_and_in_every_system() -> None:
    from anju.core.vocab import APPLICANT_GROUP_LABELS
    from anju.platform.catalog.service import form_catalog

    result = eligibility_assess(Situation.model_validate(situation_of(DATA["cases"][0])), on=REF)
    assert {g: spec["label"] for g, spec in result["groups"].items()} == APPLICANT_GROUP_LABELS
    assert form_catalog().code_tables["applicant_group"] == APPLICANT_GROUP_LABELS
