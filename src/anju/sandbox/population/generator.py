"""A deterministic synthetic population of Fujian for the sandbox registers.

`population_generate` first inserts the named demo households of households.yaml (idempotent: a person
already present by ID number is skipped), then random households until `people` random persons exist.
The same seed gives the same population: all randomness comes from one `random.Random`, Faker is used
only for its zh_CN name lists (read once, never called), and dates are computed against the fixed
REFERENCE_DATE (2026-11-27), never against today.

What holds for every generated person (tests/sandbox/population/test_population.py checks it):
- a valid, unique GB 11643 number whose address code is the county where the person was first
  registered (the hukou county, or a birth county elsewhere for those who moved in; a retired code such
  as 350182 长乐市 for births before the county was renamed), whose birth date is the person's and whose
  sequence parity is the person's sex;
- plausible households: parents at least 20 years older than their children, spouses at most 8 years apart;
- marriage consistent both ways (both partners 'married', naming each other, same date, of legal age);
- education consistent with age (中专 ≈18, 大专 ≈21, 本科 ≈22, 硕士 ≈25, 博士 ≈28 full-time; graduated in
  June or July; nothing after the reference date);
- insurance spans only between 18 and retirement (60 men, 55 women), from 1995 on, never after
  2026-11, in the city where the person works;
- a person working in a city other than the hukou's (a migrant worker) holds a residence permit for
  that city covering the last insured month;
- 低保 for about 2% of Fujian households (every member) and 特困 for about 0.3% (one member), in the
  hukou city; homes for most households (some sold, `disposed_on`), vehicles for about a quarter.

Non-Fujian counties used for migrants (real GB/T 2260 codes): see NON_FUJIAN_COUNTIES.
Rows are written with SQLAlchemy Core executemany in transactions of BATCH_HOUSEHOLDS households.
"""

from __future__ import annotations

import contextlib
import math
import os
import pickle
import queue
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Connection, Table, func, select, text

from anju.core import idcard, regions
from anju.core.db import Database
from anju.sandbox.models import metadata
from anju.sandbox.population import models as _models  # noqa: F401 - registers the tables on metadata

__all__ = [
    "BATCH_HOUSEHOLDS",
    "HOUSEHOLDS_FILE",
    "LEVEL_AGE",
    "NON_FUJIAN_COUNTIES",
    "PARALLEL_MIN_PEOPLE",
    "REFERENCE_DATE",
    "RETIREMENT_AGE",
    "TABLE_NAMES",
    "GenerationStats",
    "demo_households_load",
    "population_generate",
    "population_summary",
]

REFERENCE_DATE = date(2026, 11, 27)
HOUSEHOLDS_FILE = Path(__file__).with_name("households.yaml")
BATCH_HOUSEHOLDS = 2000
PARALLEL_MIN_PEOPLE = 50_000
PIPELINE_DEPTH = 3  # batches the generator process may be ahead of the writer

TABLE_NAMES: tuple[str, ...] = (
    "pop_hukou_book",
    "pop_person",
    "reg_residence_permit",
    "reg_marriage",
    "reg_dibao",
    "reg_education",
    "reg_insurance_span",
    "reg_property",
    "reg_vehicle",
)

# Nominal age at graduation, full-time.
LEVEL_AGE: dict[str, int] = {"中专": 18, "大专": 21, "本科": 22, "硕士": 25, "博士": 28}
RETIREMENT_AGE: dict[str, int] = {"M": 60, "F": 55}
MARRIAGE_AGE: dict[str, int] = {"M": 22, "F": 20}

# Real county codes outside Fujian where generated migrants are registered (GB/T 2260 names).
NON_FUJIAN_COUNTIES: dict[str, str] = {
    "360102": "江西省南昌市东湖区",
    "360702": "江西省赣州市章贡区",
    "430102": "湖南省长沙市芙蓉区",
    "510104": "四川省成都市锦江区",
    "522601": "贵州省黔东南苗族侗族自治州凯里市",
    "650102": "新疆维吾尔自治区乌鲁木齐市天山区",
    "340102": "安徽省合肥市瑶海区",
    "411302": "河南省南阳市宛城区",
    "500101": "重庆市万州区",
    "421102": "湖北省黄冈市黄州区",
    "450102": "广西壮族自治区南宁市兴宁区",
}
_NON_FUJIAN_WEIGHTS = (14, 12, 10, 14, 12, 3, 9, 8, 8, 6, 4)

# County codes renamed since the 1980s: numbers issued before the change keep the former code
# (change dates approximate; domain.md §7).
_FORMER_CODES: dict[str, tuple[str, date]] = {
    "350112": ("350182", date(2017, 9, 1)),  # 长乐市 → 长乐区
    "350703": ("350784", date(2014, 6, 1)),  # 建阳市 → 建阳区
    "350803": ("350822", date(2015, 1, 1)),  # 永定县 → 永定区
    "350404": ("350403", date(2021, 6, 1)),  # 三元区 (merged with 梅列区 350402)
    "350405": ("350427", date(2021, 3, 1)),  # 沙县 → 沙县区
    "350604": ("350681", date(2021, 3, 1)),  # 龙海市 → 龙海区
    "350605": ("350625", date(2021, 3, 1)),  # 长泰县 → 长泰区
}

# Population (2020 census, 10k) of each jurisdiction: how households are spread.
_CITY_WEIGHTS: dict[str, int] = {
    "350100": 793,
    "350200": 516,
    "350300": 321,
    "350400": 249,
    "350500": 878,
    "350600": 505,
    "350700": 268,
    "350800": 272,
    "350900": 315,
    "350128": 36,
}
_PLATE_PREFIX: dict[str, str] = {
    "350100": "闽A",
    "350128": "闽A",
    "350300": "闽B",
    "350500": "闽C",
    "350200": "闽D",
    "350600": "闽E",
    "350800": "闽F",
    "350400": "闽G",
    "350700": "闽H",
    "350900": "闽J",
}
# Where migrant workers work (intra-Fujian from rural counties, and from other provinces).
_WORK_CITIES = ("350100", "350200", "350500", "350300", "350600")
_WORK_CITY_WEIGHTS_FJ = (36, 34, 26, 2, 2)
_WORK_CITY_WEIGHTS_OTHER = (30, 33, 31, 3, 3)
# Median monthly contribution base, fen, of the recent years.
_BASE_MEDIAN: dict[str, int] = {
    "350100": 620000,
    "350200": 700000,
    "350500": 580000,
    "350300": 480000,
    "350600": 480000,
    "350400": 450000,
    "350700": 430000,
    "350800": 460000,
    "350900": 450000,
    "350128": 450000,
}

# Surnames as they are spread in Fujian (percent, approximate); other people use Faker's national list.
_FUJIAN_SURNAMES: tuple[tuple[str, float], ...] = (
    ("陈", 11.0), ("林", 9.0), ("黄", 6.0), ("张", 4.2), ("吴", 3.6), ("李", 3.6), ("王", 3.0),
    ("郑", 3.0), ("刘", 2.6), ("杨", 2.0), ("许", 1.8), ("蔡", 1.6), ("郭", 1.4), ("洪", 1.3),
    ("曾", 1.3), ("邱", 1.2), ("苏", 1.2), ("谢", 1.2), ("周", 1.1), ("叶", 1.1), ("游", 0.8),
    ("卢", 0.8), ("庄", 0.8), ("何", 0.8), ("江", 0.8), ("方", 0.7), ("魏", 0.7), ("罗", 0.7),
    ("潘", 0.7), ("余", 0.6), ("徐", 0.6), ("詹", 0.5), ("朱", 0.5), ("赖", 0.5), ("高", 0.5),
    ("傅", 0.5), ("钟", 0.5), ("翁", 0.5), ("柯", 0.5), ("邓", 0.4), ("肖", 0.4), ("范", 0.4),
    ("施", 0.4), ("颜", 0.4), ("戴", 0.3), ("薛", 0.3), ("康", 0.3), ("姚", 0.3), ("丁", 0.3),
    ("温", 0.3), ("欧阳", 0.05), ("上官", 0.03), ("司马", 0.01),
)  # fmt: skip

_STREETS = (
    "人民路", "解放路", "中山路", "建设路", "新华路", "和平路", "东街", "西街", "南大街", "北大街",
    "府前路", "滨江路", "江滨路", "学府路", "朝阳路", "光明路", "幸福路", "育才路", "文化路", "青年路",
    "工业路", "民主路", "胜利路", "团结路", "健康路", "长安路", "湖滨路", "五一路", "八一路", "东环路",
    "西环路", "南环路", "北环路", "站前路", "新城大道", "商业街", "溪滨路", "龙湖路", "凤凰路", "金山大道",
)  # fmt: skip
_FIRM_WORDS = (
    "鑫达", "华通", "恒信", "宏远", "新创", "博源", "盛世", "海峡", "闽江", "东南", "永辉", "金鹏",
    "安泰", "德鑫", "天成", "融信", "瑞丰", "百川", "正祥", "中联", "佳和", "宏达", "万利", "祥云",
    "兴业", "利民", "嘉禾", "众诚", "启航", "志远",
)  # fmt: skip
_FIRM_TRADES = (
    "电子", "物流", "建筑工程", "贸易", "食品", "纺织", "软件", "医药", "机械", "餐饮管理", "物业服务",
    "科技", "鞋业", "服装", "汽车销售", "装饰工程", "家具", "印务", "水产", "茶业",
)  # fmt: skip
_FIRM_SUFFIX = ("有限公司", "有限公司", "有限公司", "股份有限公司")
_SCHOOLS: dict[str, tuple[str, ...]] = {
    "中专": (
        "福建工业学校", "福建经济学校", "福州旅游职业中专学校", "厦门工商旅游学校", "泉州市华侨职业中专学校",
        "漳州第一职业中专学校", "福建省南平职业中专学校", "莆田华侨职业中专学校", "宁德职业中专学校",
        "龙岩技师学院",
    ),
    "大专": (
        "福州职业技术学院", "福建船政交通职业学院", "福建信息职业技术学院", "厦门城市职业学院", "黎明职业大学",
        "漳州职业技术学院", "闽西职业技术学院", "福建林业职业技术学院", "湄洲湾职业技术学院", "闽北职业技术学院",
        "宁德职业技术学院", "三明医学科技职业学院",
    ),
    "本科": (
        "福州大学", "厦门大学", "福建师范大学", "华侨大学", "集美大学", "福建农林大学", "福建医科大学",
        "闽江学院", "福建理工大学", "莆田学院", "三明学院", "龙岩学院", "宁德师范学院", "武夷学院",
        "闽南师范大学", "泉州师范学院", "厦门理工学院", "福建中医药大学",
    ),
    "硕士": ("福州大学", "厦门大学", "福建师范大学", "华侨大学", "集美大学", "福建农林大学", "福建医科大学"),
    "博士": ("福州大学", "厦门大学", "福建师范大学", "福建农林大学", "福建医科大学"),
}  # fmt: skip
_SCHOOLS_OUTSIDE = (
    "南昌大学", "江西师范大学", "湖南师范大学", "四川大学", "西南交通大学", "贵州大学", "新疆大学", "安徽大学",
    "郑州大学", "重庆大学", "华中师范大学", "广西大学",
)  # fmt: skip
_PHONE_PREFIXES = (
    "134", "135", "136", "137", "138", "139", "147", "150", "151", "152", "157", "158", "159", "182",
    "187", "188", "130", "131", "132", "155", "156", "185", "186", "133", "153", "180", "181", "189",
    "177", "173", "199", "191", "166", "176", "178", "198",
)  # fmt: skip

# Highest level by birth cohort: cumulative thresholds for none, 中专, 大专, 本科, 硕士, 博士.
_EDU_LEVELS = (None, "中专", "大专", "本科", "硕士", "博士")
_EDU_CUM: tuple[tuple[int, tuple[float, ...]], ...] = (
    (1990, (0.30, 0.45, 0.67, 0.935, 0.99, 1.0)),
    (1975, (0.50, 0.65, 0.80, 0.96, 0.995, 1.0)),
    (1960, (0.72, 0.84, 0.92, 0.99, 1.0, 1.0)),
    (0, (0.88, 0.94, 0.97, 1.0, 1.0, 1.0)),
)

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_REF_ORD = REFERENCE_DATE.toordinal()
_REF_MONTH = REFERENCE_DATE.year * 12 + REFERENCE_DATE.month - 1  # month index of November 2026
_FIRST_INSURED_MONTH = 1995 * 12  # January 1995: the registers start there

# Household types: (name, weight among Fujian households, weight among households from elsewhere).
_TYPES: tuple[tuple[str, int, int], ...] = (
    ("single_young", 11, 25),
    ("young_couple", 9, 18),
    ("family", 34, 35),
    ("three_gen", 10, 2),
    ("old_couple", 13, 5),
    ("old_single", 6, 2),
    ("single_parent", 5, 5),
    ("grandparents", 5, 3),
    ("single_mid", 7, 5),
)


@dataclass
class GenerationStats:
    """What one run added: persons (random and demo), rows per table, and the time it took."""

    people: int = 0
    demo_people: int = 0
    households: int = 0
    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLE_NAMES, 0))
    seconds: float = 0.0


def _table(name: str) -> Table:
    return metadata.tables[name]


# --------------------------------------------------------------------------------------------------
# Dates


def _add_years(day: date, years: int) -> date:
    """The anniversary `years` later (29 February → 28 February in common years)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


@lru_cache(maxsize=4096)
def _month_date(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def _month_end(index: int) -> date:
    return date.fromordinal(_month_date(index + 1).toordinal() - 1)


def _parse_month(value: Any) -> date:
    """A YYYY-MM (or a date) from households.yaml as the first day of that month."""
    if isinstance(value, date):
        return value.replace(day=1)
    year, month = str(value).split("-")[:2]
    return date(int(year), int(month), 1)


# --------------------------------------------------------------------------------------------------
# The demo households


def demo_households_load() -> list[dict[str, Any]]:
    """The demo households of households.yaml, checked for consistency (ValueError if not)."""
    data = yaml.safe_load(HOUSEHOLDS_FILE.read_text(encoding="utf-8"))
    households: list[dict[str, Any]] = list(data["households"])
    members = {m["key"]: m for h in households for m in h["members"]}
    if len(members) != sum(len(h["members"]) for h in households):
        raise ValueError("households.yaml: a member key is used twice")
    for key, member in members.items():
        parsed = idcard.parse(member["id_number"], today=REFERENCE_DATE)
        if parsed.number != member["id_number"]:
            raise ValueError(f"households.yaml: {key}: ID number not normalised")
        if {"male": "M", "female": "F"}[parsed.sex] != member["sex"]:
            raise ValueError(f"households.yaml: {key}: sex disagrees with the ID number")
        if member["hukou_moved_in"] < parsed.birth_date:
            raise ValueError(f"households.yaml: {key}: hukou moved in before birth")
        marriage = member.get("marriage")
        if marriage and marriage["status"] == "married":
            other = members[marriage["spouse"]]
            back = other.get("marriage") or {}
            if back.get("spouse") != key or back.get("registered_on") != marriage["registered_on"]:
                raise ValueError(f"households.yaml: {key}: marriage not recorded the same way on the spouse")
    return households


def _insert_demo(conn: Connection, now: datetime, stats: GenerationStats) -> None:
    households = demo_households_load()
    number_of = {m["key"]: m["id_number"] for h in households for m in h["members"]}
    present = set(
        conn.scalars(
            select(_table("pop_person").c.id_number).where(
                _table("pop_person").c.id_number.in_(list(number_of.values()))
            )
        )
    )
    books = _table("pop_hukou_book")
    persons = _table("pop_person")
    for household in households:
        book = household["book"]
        book_id = conn.scalar(select(books.c.id).where(books.c.book_no == book["book_no"]))
        if book_id is None:
            result = conn.execute(
                books.insert().values(
                    book_no=book["book_no"],
                    county_code=book["county"],
                    address=book["address"],
                    created_at=now,
                )
            )
            book_id = result.inserted_primary_key[0]  # type: ignore[index]
            stats.households += 1
            stats.rows["pop_hukou_book"] += 1
        for member in household["members"]:
            if member["id_number"] in present:
                continue
            parsed = idcard.parse(member["id_number"], today=REFERENCE_DATE)
            result = conn.execute(
                persons.insert().values(
                    id_number=parsed.number,
                    name=member["name"],
                    sex=member["sex"],
                    birth_date=parsed.birth_date,
                    book_id=book_id,
                    relation=member["relation"],
                    hukou_moved_in=member["hukou_moved_in"],
                    phone=str(member.get("phone") or ""),
                    persona=member["key"],
                    created_at=now,
                )
            )
            person_id = result.inserted_primary_key[0]  # type: ignore[index]
            stats.demo_people += 1
            stats.rows["pop_person"] += 1
            for table, rows in _demo_registers(member, person_id, number_of, now).items():
                if rows:
                    conn.execute(_table(table).insert(), rows)
                    stats.rows[table] += len(rows)


def _demo_registers(
    member: dict[str, Any], person_id: int, number_of: dict[str, str], now: datetime
) -> dict[str, list[dict[str, Any]]]:
    base = {"person_id": person_id, "created_at": now}
    out: dict[str, list[dict[str, Any]]] = {}
    marriage = member.get("marriage")
    if marriage:
        spouse = number_of[marriage["spouse"]] if marriage.get("spouse") else ""
        out["reg_marriage"] = [
            {
                **base,
                "status": marriage["status"],
                "spouse_id_number": spouse,
                "registered_on": marriage["registered_on"],
            }
        ]
    out["reg_residence_permit"] = [
        {
            **base,
            "city_code": p["city"],
            "address": p.get("address", ""),
            "valid_from": p["valid_from"],
            "valid_to": p["valid_to"],
        }
        for p in member.get("residence_permits", [])
    ]
    out["reg_dibao"] = [
        {
            **base,
            "kind": a["kind"],
            "city_code": a["city"],
            "valid_from": a["valid_from"],
            "valid_to": a["valid_to"],
        }
        for a in member.get("assistance", [])
    ]
    out["reg_education"] = [
        {
            **base,
            "level": e["level"],
            "school": e["school"],
            "full_time": bool(e["full_time"]),
            "graduated_on": e["graduated_on"],
        }
        for e in member.get("education", [])
    ]
    out["reg_insurance_span"] = [
        {
            **base,
            "city_code": s["city"],
            "employer": s["employer"],
            "base_fen": int(s["base_fen"]),
            "first_month": _parse_month(s["first_month"]),
            "last_month": _parse_month(s["last_month"]),
        }
        for s in member.get("insurance", [])
    ]
    out["reg_property"] = [
        {
            **base,
            "city_code": p["city"],
            "address": p["address"],
            "area_centi_m2": int(p["area_centi_m2"]),
            "acquired_on": p["acquired_on"],
            "disposed_on": p.get("disposed_on"),
        }
        for p in member.get("properties", [])
    ]
    out["reg_vehicle"] = [
        {
            **base,
            "plate": v["plate"],
            "purchase_value_fen": int(v["purchase_value_fen"]),
            "purchased_on": v["purchased_on"],
        }
        for v in member.get("vehicles", [])
    ]
    return out


# --------------------------------------------------------------------------------------------------
# Precomputed tables


@dataclass(frozen=True)
class _County:
    code: str
    city: str  # jurisdiction (Fujian) or prefecture code (elsewhere)
    prefix: str  # full division name, e.g. 福建省福州市鼓楼区
    urban: bool
    fujian: bool


@lru_cache(maxsize=1)
def _counties() -> tuple[tuple[_County, ...], list[float], tuple[_County, ...]]:
    """Fujian counties with cumulative weights, and the non-Fujian counties (in NON_FUJIAN_COUNTIES order)."""
    fujian: list[_County] = []
    cum: list[float] = []
    total = 0.0
    for city in regions.jurisdictions():
        counties = regions.counties_of(city.code)
        weights = [1.6 if c.name.endswith("区") or c.code == regions.PINGTAN_CODE else 1.0 for c in counties]
        share = _CITY_WEIGHTS[city.code] / sum(weights)
        for county, weight in zip(counties, weights, strict=True):
            fujian.append(
                _County(
                    code=county.code,
                    city=city.code,
                    prefix=regions.full_name(county.code),
                    urban=weight > 1.0,
                    fujian=True,
                )
            )
            total += weight * share
            cum.append(total)
    others = tuple(
        _County(code=code, city=code[:4] + "00", prefix=name, urban=True, fujian=False)
        for code, name in NON_FUJIAN_COUNTIES.items()
    )
    return tuple(fujian), cum, others


@lru_cache(maxsize=1)
def _name_lists() -> tuple[list[str], list[float], list[str], list[float], list[str], list[str]]:
    """Surnames (Fujian, national) with cumulative weights, and male/female given-name characters."""
    from faker.providers.person.zh_CN import Provider  # the name lists only; Faker's random is never used

    fj_names = [s for s, _ in _FUJIAN_SURNAMES]
    fj_cum: list[float] = []
    total = 0.0
    for _, weight in _FUJIAN_SURNAMES:
        total += weight
        fj_cum.append(total)
    national = dict(Provider.last_names)
    cn_names = list(national)
    cn_cum: list[float] = []
    total = 0.0
    for surname in cn_names:
        total += float(national[surname])
        cn_cum.append(total)
    # Faker's male list has one female name (红霞): keep its characters out of men's names.
    male = list(dict.fromkeys(ch for name in Provider.first_names_male for ch in name if ch not in "红霞"))
    female = list(dict.fromkeys(ch for name in Provider.first_names_female for ch in name))
    return fj_names, fj_cum, cn_names, cn_cum, male, female


@lru_cache(maxsize=64)
def _code_sum(code: str) -> int:
    return sum(int(ch) * w for ch, w in zip(code, _WEIGHTS[:6], strict=True))


@lru_cache(maxsize=65536)
def _date_part(day: date) -> tuple[str, int]:
    text_ = f"{day.year:04d}{day.month:02d}{day.day:02d}"
    return text_, sum(int(ch) * w for ch, w in zip(text_, _WEIGHTS[6:14], strict=True))


# --------------------------------------------------------------------------------------------------
# The random population


class _Member:
    __slots__ = (
        "birth",
        "county",
        "moved_in",
        "number",
        "person_id",
        "relation",
        "role",
        "sex",
        "spouse",
        "status",
        "status_on",
        "surname",
    )

    def __init__(self, sex: str, birth: date, relation: str, role: str, surname: str) -> None:
        self.sex = sex
        self.birth = birth
        self.relation = relation
        self.role = role  # head, spouse, child, parent, grandchild
        self.surname = surname
        self.county = ""
        self.moved_in = birth
        self.person_id = 0
        self.spouse: _Member | None = None
        self.status = ""  # married / divorced / widowed / "" (never married)
        self.status_on = birth
        self.number = ""


class _Generator:
    """Builds households row by row into per-table lists; the caller flushes them."""

    def __init__(self, *, seed: int | str, next_person_id: int, next_book_id: int, book_seq: int) -> None:
        self.rng = random.Random(seed)
        self.next_person_id = next_person_id
        self.next_book_id = next_book_id
        self.book_seq = book_seq
        self.used_ids: set[int] = set()
        self.used_plates: set[str] = set()
        self.fujian, self.fujian_cum, self.others = _counties()
        self.counties_by_city: dict[str, list[_County]] = {}
        for county in self.fujian:
            self.counties_by_city.setdefault(county.city, []).append(county)
        self.city_short = {
            r.code: (r.name[:-1] if r.name.endswith("市") else r.name[:2]) for r in regions.jurisdictions()
        }
        (self.fj_names, self.fj_cum, self.cn_names, self.cn_cum, self.male_chars, self.female_chars) = (
            _name_lists()
        )
        self.rows: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLE_NAMES}

    # ---- small draws

    def _between(self, lo: int, hi: int) -> date:
        """A date with ordinal in [lo, hi] (hi if the range is empty: never later than asked)."""
        if hi <= lo:
            return date.fromordinal(hi)
        return date.fromordinal(lo + int(self.rng.random() * (hi - lo + 1)))

    def _age_birth(self, lo: float, hi: float) -> date:
        """A birth date for an age (on the reference date) in [lo, hi) years."""
        days = int(lo * 365.25) + int(self.rng.random() * (hi - lo) * 365.25)
        return date.fromordinal(_REF_ORD - days)

    def _fujian_county(self) -> _County:
        index = self._bisect(self.fujian_cum, self.rng.random() * self.fujian_cum[-1])
        return self.fujian[index]

    @staticmethod
    def _bisect(cum: list[float], x: float) -> int:
        lo, hi = 0, len(cum) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if cum[mid] < x:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def _surname(self, fujian: bool) -> str:
        r = self.rng.random
        if fujian and r() < 0.93:
            return self.fj_names[self._bisect(self.fj_cum, r() * self.fj_cum[-1])]
        return self.cn_names[self._bisect(self.cn_cum, r() * self.cn_cum[-1])]

    def _given(self, sex: str) -> str:
        chars = self.male_chars if sex == "M" else self.female_chars
        rng = self.rng
        if rng.random() < 0.25:
            return chars[int(rng.random() * len(chars))]
        return chars[int(rng.random() * len(chars))] + chars[int(rng.random() * len(chars))]

    def _phone(self) -> str:
        rng = self.rng
        return _PHONE_PREFIXES[int(rng.random() * len(_PHONE_PREFIXES))] + f"{int(rng.random() * 1e8):08d}"

    def _address(self, county: _County, rng: random.Random | None = None) -> str:
        rng = rng or self.rng
        street = _STREETS[int(rng.random() * len(_STREETS))]
        number = 1 + int(rng.random() * 300)
        if county.urban or rng.random() < 0.5:
            building = 1 + int(rng.random() * 30)
            room = (1 + int(rng.random() * 32)) * 100 + 1 + int(rng.random() * 4)
            return f"{county.prefix}{street} {number} 号 {building} 栋 {room}"
        return f"{county.prefix}{street} {number} 号"

    def _employer(self, city: str) -> str:
        rng = self.rng
        return (
            self.city_short[city]
            + _FIRM_WORDS[int(rng.random() * len(_FIRM_WORDS))]
            + _FIRM_TRADES[int(rng.random() * len(_FIRM_TRADES))]
            + _FIRM_SUFFIX[int(rng.random() * len(_FIRM_SUFFIX))]
        )

    def _id_number(self, county: str, birth: date, sex: str) -> str:
        former = _FORMER_CODES.get(county)
        if former is not None and birth < former[1]:
            county = former[0]
        ymd, date_sum = _date_part(birth)
        prefix = county + ymd
        head = int(prefix) * 1000
        partial = _code_sum(county) + date_sum
        rng = self.rng
        odd = sex == "M"
        while True:
            seq = int(rng.random() * 499) * 2 + (1 if odd else 2)  # 1..997 odd / 2..998 even
            if head + seq not in self.used_ids:
                break
        self.used_ids.add(head + seq)
        total = partial + (seq // 100) * 8 + (seq // 10 % 10) * 4 + (seq % 10) * 2
        return f"{prefix}{seq:03d}{_CHECK[total % 11]}"

    # ---- households

    def _couple(self, husband_age: tuple[float, float], head_female: float) -> tuple[_Member, _Member]:
        """A married couple of legal age with a wedding date; returns (head, spouse)."""
        rng = self.rng
        h_birth = self._age_birth(*husband_age)
        # The wife is up to 3 years older or up to 8 years younger, and at least 21 on the reference date.
        w_ord = h_birth.toordinal() + int((rng.random() * 11 - 3) * 365.25)
        w_ord = min(w_ord, _REF_ORD - int(21 * 365.25) - 1)
        w_birth = date.fromordinal(w_ord)
        legal = max(_add_years(h_birth, 22), _add_years(w_birth, 20)).toordinal()
        span = min(_REF_ORD - 1 - legal, 12 * 365)
        wed = date.fromordinal(legal + int(rng.random() * rng.random() * max(span, 0)))
        husband = _Member("M", h_birth, "户主", "head", "")
        wife = _Member("F", w_birth, "配偶", "spouse", "")
        for a, b in ((husband, wife), (wife, husband)):
            a.spouse, a.status, a.status_on = b, "married", wed
        if rng.random() < head_female:
            husband.relation, husband.role, wife.relation, wife.role = "配偶", "spouse", "户主", "head"
            return wife, husband
        return husband, wife

    def _children(self, father: _Member | None, mother: _Member, count: int, after: date) -> list[_Member]:
        rng = self.rng
        kids: list[_Member] = []
        limit = min(_REF_ORD - 1, _add_years(mother.birth, 45).toordinal())
        if father is not None:
            limit = min(limit, _add_years(father.birth, 60).toordinal())
        born = after.toordinal() + 300 + int(rng.random() * 4 * 365)
        for _ in range(count):
            if born > limit:
                break
            sex = "M" if rng.random() < 0.52 else "F"
            kids.append(_Member(sex, date.fromordinal(born), "子女", "child", ""))
            born += 400 + int(rng.random() * 6 * 365)
        return kids

    def _members(self, kind: str, fujian: bool) -> list[_Member]:
        rng = self.rng
        r = rng.random
        members: list[_Member] = []
        if kind == "single_young":
            head = _Member("M" if r() < 0.55 else "F", self._age_birth(20, 35), "户主", "head", "")
            if r() < 0.1 and head.birth < _add_years(REFERENCE_DATE, -26):
                head.status, head.status_on = (
                    "divorced",
                    self._between(_add_years(head.birth, 24).toordinal(), _REF_ORD - 1),
                )
            members = [head]
        elif kind in ("young_couple", "family", "three_gen", "old_couple"):
            ages = {
                "young_couple": (23, 37),
                "family": (27, 60),
                "three_gen": (28, 51),
                "old_couple": (55, 88),
            }[kind]
            head, spouse = self._couple(ages, 0.2)
            members = [head, spouse]
            father = head if head.sex == "M" else spouse
            mother = spouse if head.sex == "M" else head
            if kind in ("family", "three_gen"):
                count = 1 if r() < 0.4 else (2 if r() < 0.85 else 3)
                members += self._children(father, mother, count, head.status_on)
            elif kind == "old_couple" and r() < 0.2:
                members += self._children(father, mother, 1, head.status_on)[:1]
            if kind == "three_gen":
                members += self._parents_of(head)
        elif kind == "old_single":
            head = _Member("F" if r() < 0.65 else "M", self._age_birth(65, 95), "户主", "head", "")
            head.status = "widowed" if r() < 0.85 else "divorced"
            head.status_on = self._between(_add_years(head.birth, 45).toordinal(), _REF_ORD - 1)
            members = [head]
        elif kind == "single_parent":
            head, ex = self._couple((30, 56), 0.75)
            father = head if head.sex == "M" else ex
            mother = ex if head.sex == "M" else head
            kids = self._children(father, mother, 1 if r() < 0.6 else 2, head.status_on)
            after = max([head.status_on, *[k.birth for k in kids]]).toordinal() + 180
            head.spouse = None
            head.status = "divorced" if r() < 0.7 else "widowed"
            head.status_on = self._between(after, _REF_ORD - 1)
            if head.relation != "户主":
                head.relation, head.role = "户主", "head"
            members = [head, *kids]
            if ex.sex == "M":  # the children carry the absent father's surname
                surname = self._surname(fujian)
                for kid in kids:
                    kid.surname = surname
        elif kind == "grandparents":
            head, spouse = self._couple((56, 78), 0.1)
            members = [head, spouse]
            if r() < 0.2:
                spouse_gone = spouse
                members = [head]
                head.spouse = None
                head.status = "widowed"
                head.status_on = self._between(
                    max(head.status_on, _add_years(spouse_gone.birth, 45)).toordinal(), _REF_ORD - 1
                )
            youngest = max(m.birth for m in members)
            oldest_gc = min(16.0, (_REF_ORD - _add_years(youngest, 42).toordinal()) / 365.25)
            for _ in range(1 if r() < 0.5 else 2):
                if oldest_gc < 1:
                    break
                gc = _Member(
                    "M" if r() < 0.52 else "F", self._age_birth(1, oldest_gc), "孙子女", "grandchild", ""
                )
                members.append(gc)
        else:  # single_mid
            head = _Member("M" if r() < 0.6 else "F", self._age_birth(35, 65), "户主", "head", "")
            if r() < 0.6:
                head.status = "divorced"
                head.status_on = self._between(_add_years(head.birth, 25).toordinal(), _REF_ORD - 1)
            members = [head]
        return members

    def _parents_of(self, head: _Member) -> list[_Member]:
        """The head's father and/or mother: married to each other, or one widowed."""
        rng = self.rng
        m_birth = date.fromordinal(head.birth.toordinal() - int((21 + rng.random() * 15) * 365.25))
        f_birth = date.fromordinal(m_birth.toordinal() - int((rng.random() * 9 - 2) * 365.25))
        if _add_years(f_birth, 23) > head.birth:
            f_birth = _add_years(head.birth, -23)
        father = _Member("M", f_birth, "父母", "parent", "")
        mother = _Member("F", m_birth, "父母", "parent", "")
        legal = max(_add_years(f_birth, 22), _add_years(m_birth, 20)).toordinal()
        wed = self._between(legal, head.birth.toordinal() - 300)
        if rng.random() < 0.65:
            for a, b in ((father, mother), (mother, father)):
                a.spouse, a.status, a.status_on = b, "married", wed
            return [father, mother]
        alone = father if rng.random() < 0.3 else mother
        alone.status = "widowed"
        alone.status_on = self._between(
            max(head.birth, _add_years(alone.birth, 45)).toordinal(), _REF_ORD - 1
        )
        return [alone]

    def household(self, max_size: int) -> int:
        """Generate one household (at most max_size persons) into the row lists; returns its size."""
        rng = self.rng
        r = rng.random
        if r() < 0.09:
            book_county = self.others[self._bisect(_NON_FUJIAN_CUM, r() * _NON_FUJIAN_CUM[-1])]
        else:
            book_county = self._fujian_county()
        fujian = book_county.fujian
        weights = _TYPE_CUM_FJ if fujian else _TYPE_CUM_OTHER
        members: list[_Member] = []
        for _ in range(30):
            kind = _TYPES[self._bisect(weights, r() * weights[-1])][0]
            members = self._members(kind, fujian)
            if len(members) <= max_size:
                break
        else:
            kind = "single_young"
            members = self._members(kind, fujian)
        head = members[0]
        self._identities(members, book_county)

        book_id = self.next_book_id
        self.next_book_id += 1
        self.book_seq += 1
        self.rows["pop_hukou_book"].append(
            {
                "id": book_id,
                "book_no": f"{book_county.code}{self.book_seq:09d}",
                "county_code": book_county.code,
                "address": self._address(book_county),
            }
        )
        persons = self.rows["pop_person"]
        for m in members:
            m.person_id = self.next_person_id
            self.next_person_id += 1
        for m in members:
            given = self._given(m.sex)
            age_days = _REF_ORD - m.birth.toordinal()
            persons.append(
                {
                    "id": m.person_id,
                    "id_number": m.number,
                    "name": m.surname + given,
                    "sex": m.sex,
                    "birth_date": m.birth,
                    "book_id": book_id,
                    "relation": m.relation,
                    "hukou_moved_in": m.moved_in,
                    "phone": self._phone() if age_days >= 16 * 365 else "",
                    "persona": None,
                }
            )
            if m.status:
                self.rows["reg_marriage"].append(
                    {
                        "person_id": m.person_id,
                        "status": m.status,
                        "spouse_id_number": m.spouse.number if m.spouse is not None else "",
                        "registered_on": m.status_on,
                    }
                )

        # Where the working adults work: at home, or (migrant households) in one of the big cities.
        home_city = book_county.city
        if not fujian:
            work_city = _WORK_CITIES[self._bisect(_WORK_CUM_OTHER, r() * _WORK_CUM_OTHER[-1])]
        elif r() < (0.05 if book_county.urban else 0.3):
            work_city = _WORK_CITIES[self._bisect(_WORK_CUM_FJ, r() * _WORK_CUM_FJ[-1])]
            if work_city == home_city:
                work_city = "350100" if home_city != "350100" else "350200"
        else:
            work_city = home_city
        dibao = fujian and r() < 0.02
        lives_in = home_city
        for m in members:
            self._education(m, fujian)
            city = home_city
            if work_city != home_city and 18 * 365 <= _REF_ORD - m.birth.toordinal() < 60 * 365:
                city = work_city
                if m is head:
                    lives_in = work_city
            self._work(m, city, home_city, dibao, fujian)
        if fujian:
            self._assistance(members, home_city, dibao, kind)
        self._homes(members, book_county, work_city, dibao)
        if not dibao and lives_in in _PLATE_PREFIX:
            self._vehicles(members, lives_in, fujian, book_county.urban)
        return len(members)

    def _identities(self, members: list[_Member], book: _County) -> None:
        """Surnames, the county each ID number was issued in, hukou move-in dates and ID numbers."""
        rng = self.rng
        r = rng.random
        fujian = book.fujian
        head = members[0]
        head.surname = head.surname or self._surname(fujian)
        kids = [m for m in members if m.role in ("child", "grandchild")]
        first_kid = min((k.birth for k in kids), default=None)
        for m in members:
            if m.surname:
                continue
            if m.role in ("child", "grandchild"):
                paternal = head if head.sex == "M" else (head.spouse or head)
                m.surname = paternal.surname if r() < 0.9 else self._surname(fujian)
            elif m.role == "parent":
                m.surname = head.surname if m.sex == "M" else self._surname(fujian)
            else:
                m.surname = self._surname(fujian)
        for m in members:
            role = m.role
            if role in ("child", "grandchild"):
                origin = book.code
            elif not fujian:
                origin = book.code if r() < 0.9 else self.others[int(r() * len(self.others))].code
            else:
                x = r()
                local = 0.7 if role == "head" else (0.5 if role == "spouse" else 0.65)
                if x < local:
                    origin = book.code
                elif x < local + (1 - local) * 0.85:
                    origin = self._fujian_county().code
                else:
                    origin = self.others[self._bisect(_NON_FUJIAN_CUM, r() * _NON_FUJIAN_CUM[-1])].code
            m.county = origin
            birth_ord = m.birth.toordinal()
            if origin == book.code:
                m.moved_in = date.fromordinal(min(birth_ord + 5 + int(r() * 55), _REF_ORD - 1))
            else:
                lo = _add_years(m.birth, 16).toordinal()
                hi = _REF_ORD - 1
                if role == "spouse" and m.status == "married":
                    lo = max(lo, m.status_on.toordinal())
                if first_kid is not None and role in ("head", "spouse"):
                    hi = min(hi, first_kid.toordinal())
                if role == "parent":
                    lo = max(lo, head.moved_in.toordinal())
                m.moved_in = date.fromordinal(lo) if hi <= lo else date.fromordinal(lo + int(r() * (hi - lo)))
            m.number = self._id_number(m.county, m.birth, m.sex)

    def _education(self, m: _Member, fujian: bool) -> None:
        rng = self.rng
        r = rng.random
        age_days = _REF_ORD - m.birth.toordinal()
        if age_days < 17 * 365:
            return
        year = m.birth.year
        if not fujian:
            year -= 15  # fewer degrees among migrants from elsewhere
        cum = next(c for y, c in _EDU_CUM if year >= y)
        x = r()
        level_index = 0
        while x > cum[level_index]:
            level_index += 1
        rows = self.rows["reg_education"]
        highest = _EDU_LEVELS[level_index]
        schools_outside = not fujian and r() < 0.6
        if highest is not None:
            chain = {"中专": ("中专",), "大专": ("大专",), "本科": ("本科",), "硕士": ("本科", "硕士")}
            levels = chain.get(highest, ("本科", "硕士", "博士"))
            offset = (-1, 0, 0, 0, 0, 1, 1, 2)[int(r() * 8)]
            for level in levels:
                grad_year = m.birth.year + LEVEL_AGE[level] + offset
                grad = (
                    date(grad_year, 6, 20 + int(r() * 11))
                    if r() < 0.7
                    else date(grad_year, 7, 1 + int(r() * 10))
                )
                if grad.toordinal() >= _REF_ORD:
                    break
                if schools_outside and level in ("大专", "本科"):
                    school = _SCHOOLS_OUTSIDE[int(r() * len(_SCHOOLS_OUTSIDE))]
                else:
                    options = _SCHOOLS[level]
                    school = options[int(r() * len(options))]
                rows.append(
                    {
                        "person_id": m.person_id,
                        "level": level,
                        "school": school,
                        "full_time": True,
                        "graduated_on": grad,
                    }
                )
        # Some adults earn a part-time degree later (成人教育), at 24 to 45.
        if highest in (None, "中专", "大专") and age_days >= 26 * 365 and r() < 0.07:
            level = "本科" if highest == "大专" else "大专"
            grad_age = 24 + int(r() * (min(age_days / 365.25, 45) - 24))
            grad = date(m.birth.year + grad_age + 1, 1 if r() < 0.5 else 7, 10)
            if _add_years(m.birth, LEVEL_AGE[level]) <= grad and grad.toordinal() < _REF_ORD:
                rows.append(
                    {
                        "person_id": m.person_id,
                        "level": level,
                        "school": _SCHOOLS[level][int(r() * len(_SCHOOLS[level]))],
                        "full_time": False,
                        "graduated_on": grad,
                    }
                )

    def _work(self, m: _Member, city: str, home_city: str, dibao: bool, fujian: bool) -> None:
        """Insurance spans in the city where the person works (and a residence permit if migrant)."""
        rng = self.rng
        r = rng.random
        age_days = _REF_ORD - m.birth.toordinal()
        if age_days < 18 * 365:
            return
        if not fujian and city == home_city:
            return  # stayed in the home province: nothing in Fujian's registers
        start = max(_month_index(_add_years(m.birth, 18)) + 1, _FIRST_INSURED_MONTH)
        education = self.rows["reg_education"]
        last_grad = None
        for row in reversed(education):
            if row["person_id"] != m.person_id:
                break
            if row["full_time"]:
                last_grad = row["graduated_on"] if last_grad is None else max(last_grad, row["graduated_on"])
        if last_grad is not None:
            start = max(start, _month_index(last_grad) + 1)
        start += int(r() * r() * 36)
        retire_last = _month_index(_add_years(m.birth, RETIREMENT_AGE[m.sex])) - 1
        retired = retire_last < _REF_MONTH - 1
        end = min(retire_last, _REF_MONTH - 1)
        p = 0.78 if city != home_city else (0.8 if fujian and self._urban_city(city) else 0.6)
        if m.birth.year < 1960:
            p *= 0.6
        if dibao:
            p *= 0.35
        migrant = city != home_city
        if r() >= p or start > end:
            if migrant and r() < 0.5:  # working without contributions, but registered
                valid_from = self._between(_add_years(m.birth, 18).toordinal(), _REF_ORD - 30)
                self._permit(m, city, valid_from, None)
            return
        if not retired and r() < 0.88:
            final = _REF_MONTH if r() < 0.3 else _REF_MONTH - 1  # November may already be paid
        else:
            final = start + int(r() * (end - start + 1))
        final = min(final, retire_last)
        count = 1 if r() < 0.5 else (2 if r() < 0.7 else 3)
        spans: list[tuple[int, int]] = []
        first = start
        for i in range(count):
            last = final if i == count - 1 else first + 6 + int(r() * 90)
            if last >= final - 2:
                last = final
            spans.append((first, last))
            if last == final:
                break
            first = last + 2 + int(r() * 12)
            if first > final:
                break
        median = _BASE_MEDIAN.get(city, 450000)
        level = math.exp(rng.gauss(0.0, 0.35)) * (0.6 if dibao else 1.0)
        rows = self.rows["reg_insurance_span"]
        for first, last in spans:
            growth = 0.3 + 0.7 * max(0, last // 12 - 1995) / 31  # wages (and bases) grew since 1995
            floor, ceiling = (
                int(380000 * growth),
                int(3 * median * growth),
            )  # the yearly lower and upper limits
            base = max(floor, min(ceiling, int(median * level * growth / 100) * 100))
            rows.append(
                {
                    "person_id": m.person_id,
                    "city_code": city,
                    "employer": self._employer(city),
                    "base_fen": base,
                    "first_month": _month_date(first),
                    "last_month": _month_date(last),
                }
            )
        if migrant:
            valid_from = date.fromordinal(_month_date(spans[0][0]).toordinal() - int(r() * 90))
            self._permit(m, city, valid_from, spans[-1][1])

    def _urban_city(self, city: str) -> bool:
        return city in ("350100", "350200", "350500")

    def _permit(self, m: _Member, city: str, valid_from: date, last_month: int | None) -> None:
        r = self.rng.random
        earliest = _add_years(m.birth, 16)
        valid_from = max(valid_from, earliest)
        if last_month is None or last_month >= _REF_MONTH - 1:
            valid_to = date.fromordinal(_REF_ORD + 30 + int(r() * 700))
        else:
            valid_to = date.fromordinal(_month_end(last_month).toordinal() + 30 + int(r() * 335))
        # The permit's address comes from its own generator, so adding it left every other row as it was.
        own = random.Random(m.person_id)
        counties = self.counties_by_city[city]
        self.rows["reg_residence_permit"].append(
            {
                "person_id": m.person_id,
                "city_code": city,
                "address": self._address(counties[int(own.random() * len(counties))], rng=own),
                "valid_from": valid_from,
                "valid_to": valid_to,
            }
        )

    def _assistance(self, members: list[_Member], city: str, dibao: bool, kind: str) -> None:
        r = self.rng.random
        rows = self.rows["reg_dibao"]
        if dibao:
            start = 2019 * 12 + int(r() * (_REF_MONTH - 2019 * 12))
            end = start + (12, 24, 36)[int(r() * 3)] - 1
            valid_from, valid_to = _month_date(start), _month_end(end)
            for m in members:
                rows.append(
                    {
                        "person_id": m.person_id,
                        "kind": "dibao",
                        "city_code": city,
                        "valid_from": valid_from,
                        "valid_to": valid_to,
                    }
                )
            return
        if r() < (0.03 if kind == "old_single" else 0.0015):
            oldest = min(members, key=lambda m: m.birth)
            start = 2018 * 12 + int(r() * (_REF_MONTH - 2018 * 12))
            end = start + (24, 36, 60)[int(r() * 3)] - 1
            rows.append(
                {
                    "person_id": oldest.person_id,
                    "kind": "tekun",
                    "city_code": city,
                    "valid_from": _month_date(start),
                    "valid_to": _month_end(end),
                }
            )

    def _homes(self, members: list[_Member], book: _County, work_city: str, dibao: bool) -> None:
        rng = self.rng
        r = rng.random
        owners = [
            m for m in members if m.role in ("head", "spouse") and m.birth <= _add_years(REFERENCE_DATE, -23)
        ]
        if not owners:
            return
        young = members[0].birth > _add_years(REFERENCE_DATE, -28)
        if book.fujian:
            p = 0.72 if book.urban else 0.55
            if young:
                p = 0.15
            if dibao:
                p = 0.2
            city = book.city
        else:
            p = 0.05
            city = work_city
        rows = self.rows["reg_property"]
        holdings: list[tuple[_Member, str]] = []
        if r() < p:
            holdings.append((owners[0] if r() < 0.7 else owners[-1], city))
            if not dibao and r() < 0.15:
                holdings.append((owners[int(r() * len(owners))], city if r() < 0.7 else work_city))
        sold = not dibao and r() < (0.12 if book.fujian else 0.01)
        for index, (owner, home_city) in enumerate([*holdings, *([(owners[0], city)] if sold else [])]):
            county = book if home_city == book.city else None
            if county is None or r() < 0.25:
                options = self.counties_by_city[home_city]
                county = options[int(r() * len(options))]
            median = 9000 if county.urban else 12000
            area = max(2500, min(40000, int(median * math.exp(rng.gauss(0.0, 0.3)))))
            earliest = max(_add_years(owner.birth, 22).toordinal(), date(1998, 1, 1).toordinal())
            acquired = self._between(earliest, _REF_ORD - 30)
            disposed = None
            if index >= len(holdings):  # the sold one
                disposed = self._between(acquired.toordinal() + 365, _REF_ORD - 1)
                if disposed.toordinal() >= _REF_ORD:
                    disposed = date.fromordinal(_REF_ORD - 1)
                if disposed <= acquired:
                    continue
            rows.append(
                {
                    "person_id": owner.person_id,
                    "city_code": home_city,
                    "address": self._address(county),
                    "area_centi_m2": area,
                    "acquired_on": acquired,
                    "disposed_on": disposed,
                }
            )

    def _vehicles(self, members: list[_Member], city: str, fujian: bool, urban: bool) -> None:
        rng = self.rng
        r = rng.random
        drivers = [
            m
            for m in members
            if m.role in ("head", "spouse") and 20 * 365 <= _REF_ORD - m.birth.toordinal() < 75 * 365
        ]
        if not drivers:
            return
        p = (0.34 if urban else 0.24) if fujian else 0.10
        if r() >= p:
            return
        rows = self.rows["reg_vehicle"]
        for _ in range(1 if r() < 0.85 else 2):
            owner = drivers[int(r() * len(drivers))]
            earliest = max(_add_years(owner.birth, 20).toordinal(), date(2005, 1, 1).toordinal())
            bought = self._between(earliest, _REF_ORD - 1)
            value = max(3000000, min(150000000, int(13000000 * math.exp(rng.gauss(0.0, 0.5)) / 100) * 100))
            prefix = _PLATE_PREFIX[city]
            new_energy = bought.year >= 2018 and r() < 0.3
            while True:
                if new_energy:
                    body = ("D", "F")[int(r() * 2)] + f"{int(r() * 100000):05d}"
                else:
                    letter = _PLATE_LETTERS[int(r() * len(_PLATE_LETTERS))]
                    body = letter + f"{int(r() * 10000):04d}" if r() < 0.6 else f"{int(r() * 100000):05d}"
                plate = prefix + body
                if plate not in self.used_plates:
                    break
            self.used_plates.add(plate)
            rows.append(
                {
                    "person_id": owner.person_id,
                    "plate": plate,
                    "purchase_value_fen": value,
                    "purchased_on": bought,
                }
            )


def _cumulative(weights: Iterable[float]) -> list[float]:
    out: list[float] = []
    total = 0.0
    for weight in weights:
        total += weight
        out.append(total)
    return out


_TYPE_CUM_FJ = _cumulative(t[1] for t in _TYPES)
_TYPE_CUM_OTHER = _cumulative(t[2] for t in _TYPES)
_NON_FUJIAN_CUM = _cumulative(_NON_FUJIAN_WEIGHTS)
_WORK_CUM_FJ = _cumulative(_WORK_CITY_WEIGHTS_FJ)
_WORK_CUM_OTHER = _cumulative(_WORK_CITY_WEIGHTS_OTHER)
_PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


# --------------------------------------------------------------------------------------------------
# Batches: generated here, or in a child process while this one writes


@dataclass(frozen=True)
class _Plan:
    seed: int | str
    people: int  # random persons to add
    next_person_id: int
    next_book_id: int
    book_seq: int


Batch = tuple[int, int, dict[str, list[dict[str, Any]]]]  # persons added so far, households, rows


def _batches(plan: _Plan, used_ids: set[int], used_plates: set[str]) -> Iterator[Batch]:
    """Batches of BATCH_HOUSEHOLDS households until plan.people persons are made."""
    gen = _Generator(
        seed=plan.seed,
        next_person_id=plan.next_person_id,
        next_book_id=plan.next_book_id,
        book_seq=plan.book_seq,
    )
    gen.used_ids = used_ids
    gen.used_plates = used_plates
    done = 0
    while done < plan.people:
        households = 0
        while households < BATCH_HOUSEHOLDS and done < plan.people:
            done += gen.household(plan.people - done)
            households += 1
        rows, gen.rows = gen.rows, {name: [] for name in TABLE_NAMES}
        yield done, households, rows


def _worker_main() -> None:
    """Child process (`python -m anju.sandbox.population.generator`): read a plan on stdin, write batches.

    Frames are length-prefixed pickles on stdout: ("batch", batch) … then ("end", None). The pipe keeps
    the child at most one batch ahead of the writer. A failure prints its traceback on stderr and exits 1.
    """
    plan, used_ids, used_plates = pickle.load(sys.stdin.buffer)  # noqa: S301 - our own parent process
    out = sys.stdout.buffer
    for batch in _batches(plan, used_ids, used_plates):
        _frame_write(out, ("batch", batch))
    _frame_write(out, ("end", None))


def _frame_write(out: Any, item: Any) -> None:
    """One length-prefixed pickle, flushed: the reader copies it out at once and unpickles on its own time."""
    data = pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(len(data).to_bytes(8, "big"))
    out.write(data)
    out.flush()


def _frame_read(source: Any) -> bytes | None:
    """The next frame's pickle, or None at the end of the stream."""
    header = source.read(8)
    if len(header) < 8:
        return None
    size = int.from_bytes(header, "big")
    data: bytes = source.read(size)
    return data if len(data) == size else None


def _parallel_batches(plan: _Plan, used_ids: set[int], used_plates: set[str]) -> Iterator[Batch]:
    """The same batches as _batches, made by a child Python process while the caller writes.

    A reader thread copies frames off the pipe as they come, so the child can run PIPELINE_DEPTH
    batches ahead of the writer (and no more: memory stays bounded).
    """
    source_root = str(Path(__file__).resolve().parents[3])  # the directory that holds the anju package
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, (source_root, os.environ.get("PYTHONPATH")))),
    }
    child = subprocess.Popen(
        [sys.executable, "-m", "anju.sandbox.population.generator"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
    )
    assert child.stdin is not None and child.stdout is not None
    stdout = child.stdout
    frames: queue.Queue[bytes | None] = queue.Queue(maxsize=PIPELINE_DEPTH)

    def pump() -> None:
        try:
            while (data := _frame_read(stdout)) is not None:
                frames.put(data)
        finally:
            frames.put(None)

    reader = threading.Thread(target=pump, name="population-reader", daemon=True)
    try:
        pickle.dump((plan, used_ids, used_plates), child.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        child.stdin.close()
        reader.start()
        while True:
            data = frames.get()
            if data is None:
                raise RuntimeError(f"population worker ended without finishing (exit code {child.wait()})")
            kind, payload = pickle.loads(data)  # noqa: S301 - our own child process
            if kind == "end":
                break
            yield payload
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
        while reader.is_alive():  # let the reader see the end of the pipe and leave
            with contextlib.suppress(queue.Empty):
                frames.get(timeout=0.1)
        stdout.close()


# --------------------------------------------------------------------------------------------------
# Entry points


def population_generate(
    *,
    db: Database,
    people: int,
    seed: int,
    progress: Callable[[int], None] | None = None,
    parallel: bool | None = None,
) -> GenerationStats:
    """Insert the demo households, then random households until `people` random persons exist.

    Deterministic from `seed` on an empty database. On a database that already holds random persons
    only the missing number is added (from a generator seeded with the seed and the count already
    there), so running twice with the same arguments adds nothing. `progress` is called after each
    committed batch with the number of random persons present so far.

    `parallel` (default: when adding at least PARALLEL_MIN_PEOPLE on a machine with two cores or more)
    generates in a child process while this one writes; the rows are the same either way.
    """
    started = time.perf_counter()
    stats = GenerationStats()
    persons = _table("pop_person")
    books = _table("pop_hukou_book")
    now = datetime.now(UTC)
    with db.engine.begin() as conn:
        _insert_demo(conn, now, stats)
        existing = int(
            conn.scalar(select(func.count()).select_from(persons).where(persons.c.persona.is_(None))) or 0
        )
        next_person_id = int(conn.scalar(select(func.max(persons.c.id))) or 0) + 1
        next_book_id = int(conn.scalar(select(func.max(books.c.id))) or 0) + 1
        generated_books = int(
            conn.scalar(select(func.count()).select_from(books).where(books.c.book_no.not_like("DEMO-%")))
            or 0
        )
    if progress is not None:
        progress(min(existing, people))
    if existing >= people:
        stats.seconds = time.perf_counter() - started
        return stats

    plan = _Plan(
        seed=seed if existing == 0 else f"{seed}:{existing}",
        people=people - existing,
        next_person_id=next_person_id,
        next_book_id=next_book_id,
        book_seq=generated_books,
    )
    used_ids: set[int] = set()
    with db.engine.connect() as conn:
        for number in conn.scalars(select(persons.c.id_number)):
            used_ids.add(int(number[:14]) * 1000 + int(number[14:17]))
        used_plates = set(conn.scalars(select(_table("reg_vehicle").c.plate)))
    if parallel is None:
        parallel = plan.people >= PARALLEL_MIN_PEOPLE and (os.cpu_count() or 1) >= 2
    batches = (_parallel_batches if parallel else _batches)(plan, used_ids, used_plates)

    # created_at is the database's clock (UTC on both backends): one bound value less per row.
    inserts = {
        name: _table(name).insert().values(created_at=func.current_timestamp()) for name in TABLE_NAMES
    }
    done = existing
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA cache_size=-262144")  # 256 MiB: the ID-number index stays in memory
            conn.commit()
        for added, households, rows_by_table in batches:
            with conn.begin():
                for name in TABLE_NAMES:
                    rows = rows_by_table[name]
                    if rows:
                        conn.execute(inserts[name], rows)
                        stats.rows[name] += len(rows)
            done = existing + added
            stats.households += households
            if progress is not None:
                progress(done)
    stats.people = done - existing

    if db.engine.dialect.name == "postgresql":  # explicit ids were written: move the sequences on
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('pop_person', 'id'), (SELECT max(id) FROM pop_person))"
                )
            )
            conn.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('pop_hukou_book', 'id'), (SELECT max(id) FROM pop_hukou_book))"
                )
            )
    stats.seconds = time.perf_counter() - started
    return stats


def population_summary(*, db: Database) -> dict[str, int]:
    """Rows per population table."""
    with db.engine.connect() as conn:
        return {
            name: int(conn.scalar(select(func.count()).select_from(_table(name))) or 0)
            for name in TABLE_NAMES
        }


if __name__ == "__main__":
    from anju.sandbox.population.generator import _worker_main as _run_worker

    _run_worker()
