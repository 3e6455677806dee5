"""受理条件 in words, made from the city's rule set in force (never retyped into a guide)."""

from __future__ import annotations

from datetime import date
from typing import Any

from anju.housing.eligibility.assess import rule_table, thresholds
from anju.housing.eligibility.params import CityParameters

COMPARISON_WORDS = {">=": "不少于", "<=": "不高于", "<": "低于"}


def conditions_in_words(parameters: CityParameters, on: date) -> dict[str, Any]:
    """Per group, each rule as a sentence with its threshold; common rules once; provisional flagged."""
    table = rule_table()
    bounds = thresholds(parameters, on)
    sold = parameters.in_force("sold_within_years", on)
    single = parameters.in_force("single_min_age", on)

    def sentence(code: str) -> str:
        spec = table["rules"][code]
        if code == "not_sold_recently":
            return f"申请前 {sold.value} 年内家庭成员未在本市出售、转让住房"
        if code == "single_age":
            return f"单身申请人须年满 {single.value} 周岁（新就业无房职工、外来务工人员除外）"
        if spec["compare"] in ("is_true", "is_false"):
            return str(spec["label"])
        return f"{spec['label']}{COMPARISON_WORDS[spec['compare']]}{bounds[spec['threshold']].text}"

    return {
        "ruleset": parameters.ruleset(on),
        "provisional": any(
            v.provisional for values in parameters.values.values() for v in values if v.effective_from <= on
        ),
        "groups": [
            {"group": g, "label": spec["label"], "conditions": [sentence(c) for c in spec["rules"]]}
            for g, spec in table["groups"].items()
        ],
        "common": [sentence(c) for c in table["common"]],
    }
