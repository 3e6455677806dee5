"""The cities' rule parameters as dated data (params/<city>.yaml): the value in force on a date, with its
source and whether it is still provisional. A new value is added with its date; none is overwritten."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

PARAMS_DIR = Path(__file__).with_name("params")
LABELS: dict[str, str] = {
    "reference_income_yuan": "上年度城镇居民人均可支配收入（元/年）",
    "low_income_factor": "低收入家庭收入线系数",
    "lower_middle_income_factor": "中等偏下收入家庭收入线系数",
    "low_asset_factor": "低收入家庭财产限额系数（倍人均可支配收入）",
    "lower_middle_asset_factor": "中等偏下收入家庭财产限额系数（倍人均可支配收入）",
    "area_limit_m2": "人均住房建筑面积标准（平方米）",
    "hukou_years": "本市户籍年限（年）",
    "dibao_hukou_years": "低保、特困家庭本市户籍年限（年）",
    "sold_within_years": "出售、转让住房的限制年限（年）",
    "single_min_age": "单身申请人最低年龄（岁）",
    "graduation_months_max": "新就业职工毕业月数上限（月）",
    "graduate_insurance_months": "新就业职工连续缴纳社保月数（月）",
    "permit_years": "外来务工人员持居住证年限（年）",
    "migrant_insurance_months": "外来务工人员近36个月累计缴纳社保月数（月）",
    "reapply_after_refusal_months": "不予受理或审核不通过后再次申请的等待期（月）",
    "reapply_after_exit_months": "退出保障后再次申请的等待期（月）",
}


@dataclass(frozen=True)
class Value:
    """One dated value of a parameter."""

    name: str
    value: Decimal
    effective_from: date
    source: str
    provisional: bool

    def as_dict(self) -> dict[str, Any]:
        """JSON form (the value as text, exact)."""
        return {
            "name": self.name,
            "label": LABELS.get(self.name, self.name),
            "value": str(self.value),
            "effective_from": self.effective_from.isoformat(),
            "source": self.source,
            "provisional": self.provisional,
        }


class NoRuleInForce(LookupError):
    """The reference date is before every value of a parameter: no rule was in force, nothing is guessed."""

    def __init__(self, city_code: str, name: str, on: date) -> None:
        super().__init__(f"{city_code} {name} {on}")
        self.message = f"{on} 时{LABELS.get(name, name)}尚无生效的规定，无法判断。"


@dataclass(frozen=True)
class CityParameters:
    """Every dated value of every parameter of one jurisdiction."""

    city_code: str
    city: str
    version: str
    values: dict[str, list[Value]]

    def in_force(self, name: str, on: date) -> Value:
        """The value of ``name`` in force on ``on`` (the latest effective on or before it)."""
        candidates = [v for v in self.values[name] if v.effective_from <= on]
        if not candidates:
            raise NoRuleInForce(self.city_code, name, on)
        return max(candidates, key=lambda v: v.effective_from)

    def ruleset(self, on: date) -> str:
        """The rule-set version a result names: city, file version, and the newest value in force."""
        newest = max(
            (v.effective_from for values in self.values.values() for v in values if v.effective_from <= on),
            default=None,
        )
        return f"{self.city_code}/{self.version}/{newest.isoformat() if newest else 'none'}"


def parameters_load(path: Path) -> CityParameters:
    """One parameters file (raises ValueError when a parameter is missing)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    values = {
        name: sorted(
            (
                Value(
                    name=name,
                    value=Decimal(str(row["value"])),
                    effective_from=row["effective_from"],
                    source=str(row["source"]),
                    provisional=bool(row["provisional"]),
                )
                for row in rows
            ),
            key=lambda v: v.effective_from,
        )
        for name, rows in data["parameters"].items()
    }
    missing = set(LABELS) - set(values)
    if missing:
        raise ValueError(f"{path.name}: parameters missing: {sorted(missing)}")
    return CityParameters(
        city_code=str(data["city_code"]), city=str(data["city"]), version=str(data["version"]), values=values
    )


@lru_cache(maxsize=1)
def all_parameters() -> dict[str, CityParameters]:
    """Every jurisdiction's parameters, by city code."""
    loaded = [parameters_load(path) for path in sorted(PARAMS_DIR.glob("*.yaml"))]
    return {p.city_code: p for p in loaded}


def parameters_for(city_code: str) -> CityParameters:
    """One jurisdiction's parameters (KeyError when there are none)."""
    return all_parameters()[city_code]
