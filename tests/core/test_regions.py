"""Fujian divisions (GB/T 2260, current codes) and the 10 public-rental-housing jurisdictions."""

from __future__ import annotations

import pytest

from anju.core import regions

JURISDICTION_NAMES = {
    "350100": "福州市",
    "350200": "厦门市",
    "350300": "莆田市",
    "350400": "三明市",
    "350500": "泉州市",
    "350600": "漳州市",
    "350700": "南平市",
    "350800": "龙岩市",
    "350900": "宁德市",
    "350128": "平潭综合实验区",
}


def test_ten_jurisdictions_nine_cities_then_pingtan() -> None:
    found = regions.jurisdictions()
    assert [(r.code, r.name) for r in found] == list(JURISDICTION_NAMES.items())
    assert list(regions.JURISDICTIONS) == found
    assert all(regions.is_jurisdiction(code) for code in JURISDICTION_NAMES)


@pytest.mark.parametrize("code", ["350102", "350000", "350402", "abc", ""])
def test_other_codes_are_not_jurisdictions(code: str) -> None:
    assert not regions.is_jurisdiction(code)


def test_pingtan_is_its_own_jurisdiction() -> None:
    pingtan = regions.get("350128")
    assert pingtan.name == "平潭综合实验区"
    assert pingtan.code12 == "350128000000"
    assert regions.jurisdiction_of("350128") == pingtan
    assert regions.jurisdiction_of("350128000000") == pingtan
    assert regions.counties_of("350128") == [pingtan]
    assert regions.full_name("350128") == "福建省平潭综合实验区"


def test_fuzhou_counties_exclude_pingtan_and_use_changle_district() -> None:
    counties = {r.code: r.name for r in regions.counties_of("350100")}
    assert "350128" not in counties
    assert counties["350112"] == "长乐区"
    assert "350182" not in counties
    assert len(counties) == 12
    assert all(regions.jurisdiction_of(code).name == "福州市" for code in counties)


def test_sanming_current_codes() -> None:
    counties = {r.code: r.name for r in regions.counties_of("350400")}
    assert counties["350404"] == "三元区"
    assert counties["350405"] == "沙县区"
    for retired in ("350402", "350403", "350427"):
        assert retired not in counties
        with pytest.raises(KeyError):
            regions.get(retired)


def test_zhangzhou_current_codes() -> None:
    counties = {r.code: r.name for r in regions.counties_of("350600")}
    assert counties["350604"] == "龙海区"
    assert counties["350605"] == "长泰区"
    assert "350681" not in counties
    assert "350625" not in counties


@pytest.mark.parametrize(
    ("city", "count"),
    [
        ("350100", 12),
        ("350200", 6),
        ("350300", 5),
        ("350400", 11),
        ("350500", 11),
        ("350600", 11),
        ("350700", 10),
        ("350800", 7),
        ("350900", 9),
        ("350128", 1),
    ],
)
def test_county_count_per_jurisdiction(city: str, count: int) -> None:
    counties = regions.counties_of(city)
    assert len(counties) == count
    assert all(r.level == "county" for r in counties)
    assert all(regions.jurisdiction_of(r.code).code == city for r in counties)


def test_jinmen_is_known_but_not_offered_as_a_county_of_quanzhou() -> None:
    assert regions.get("350527").name == "金门县"
    assert "350527" not in {r.code for r in regions.counties_of("350500")}


@pytest.mark.parametrize(
    ("code", "jurisdiction"),
    [
        ("350102", "福州市"),
        ("350181", "福州市"),
        ("350203", "厦门市"),
        ("350405", "三明市"),
        ("350900", "宁德市"),
        ("350582000000", "泉州市"),
    ],
)
def test_jurisdiction_of(code: str, jurisdiction: str) -> None:
    assert regions.jurisdiction_of(code).name == jurisdiction


def test_province_has_no_single_jurisdiction() -> None:
    with pytest.raises(KeyError) as info:
        regions.jurisdiction_of("350000")
    assert "省级" in str(info.value)


def test_twelve_digit_codes_are_accepted() -> None:
    gulou = regions.get("350102000000")
    assert gulou == regions.get("350102")
    assert gulou.name == "鼓楼区"
    assert gulou.level == "county"
    assert gulou.parent_code == "350100"
    assert gulou.code12 == "350102000000"
    assert regions.get("350100000000").level == "city"


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("350102", "福建省福州市鼓楼区"),
        ("350100", "福建省福州市"),
        ("350000", "福建省"),
        ("350605000000", "福建省漳州市长泰区"),
    ],
)
def test_full_name(code: str, name: str) -> None:
    assert regions.full_name(code) == name


@pytest.mark.parametrize("code", ["350199", "110101", "350102001000", "3501", "35010a"])
def test_unknown_or_malformed_codes_raise_key_error_with_message(code: str) -> None:
    with pytest.raises(KeyError) as info:
        regions.get(code)
    assert code in str(info.value)
    assert str(info.value).startswith(("不是福建省", "行政区划代码格式"))


def test_counties_of_a_county_is_an_error() -> None:
    with pytest.raises(KeyError):
        regions.counties_of("350102")
