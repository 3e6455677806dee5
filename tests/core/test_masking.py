"""Server-side masking of names, ID numbers, phones, addresses, bank cards and plates."""

from __future__ import annotations

import pytest

from anju.core import masking


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("李小龙", "李**"),
        ("欧阳娜娜", "欧***"),
        ("司马相如", "司***"),
        ("阿依古丽·买买提", "阿***·***"),
        ("买买提•艾力", "买**•**"),
        ("𠈌三", "𠈌*"),  # CJK Extension B surname kept whole
        ("王𠈌", "王*"),  # one star for one character, not per byte / surrogate
        ("𪚥𠀀𡃁", "𪚥**"),
        ("李", "李"),
        ("", ""),
        ("  张三 ", "张*"),
    ],
)
def test_mask_name(name: str, masked: str) -> None:
    assert masking.mask_name(name) == masked


def test_mask_name_keeps_a_variation_selector_with_its_character() -> None:
    # 葛 + IVS (U+E0100) is one character on screen; the given name is one more.
    assert masking.mask_name("葛\U000e0100优") == "葛\U000e0100*"


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("35010219850101123X", "350102********123X"),
        ("35010219850101123x", "350102********123X"),
        ("350102850101123", "350102*****1123"),
        ("3501021985", "**********"),
        ("", ""),
    ],
)
def test_mask_id_number_staff_view(value: str, masked: str) -> None:
    assert masking.mask_id_number(value) == masked


def test_mask_id_number_public_view_hides_birth_date_and_area() -> None:
    masked = masking.mask_id_number("35010219850101123X", public=True)
    assert masked == "3" + "*" * 16 + "X"
    assert "1985" not in masked
    assert "350102" not in masked
    assert masking.mask_id_number("350102850101123", public=True) == "3" + "*" * 13 + "3"


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13812345678", "138****5678"),
        ("138 1234 5678", "138****5678"),
        ("+86 138-1234-5678", "+86138****5678"),
        ("１３８１２３４５６７８", "138****5678"),
        ("0591-87654321", "********4321"),
        ("87654321", "****4321"),
        ("110", "***"),
        ("", ""),
    ],
)
def test_mask_phone(value: str, masked: str) -> None:
    assert masking.mask_phone(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("福建省福州市鼓楼区五四路123号3栋", "福建省福州市鼓楼区****"),
        ("福州市仓山区金山街道浦上大道200号", "福州市仓山区****"),
        ("福建省福清市音西街道清荣大道1号", "福建省福清市****"),
        ("福建省平潭综合实验区潭城镇西航路8号", "福建省平潭综合实验区****"),
        ("福建省三明市沙县区凤岗街道府前路", "福建省三明市沙县区****"),
        ("厦门思明区𠈌巷5号", "厦门思明区****"),
        ("上海市黄浦区福建中路1号", "上海市黄浦区****"),
        ("中国福建省龙岩市永定区湖坑镇", "中国福建省龙岩市永定区****"),
        ("福建省福州市某某路1号", "福建省福州市****"),
        ("五四路123号3栋", "五四路****"),
        ("𠈌巷5号", "𠈌****"),
        ("", ""),
    ],
)
def test_mask_address(value: str, masked: str) -> None:
    assert masking.mask_address(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("6222021234567890123", "622202*********0123"),
        ("6222 0212 3456 7890 123", "622202*********0123"),
        ("6217001234567890", "621700******7890"),
        ("12345678901", "***********"),
        ("", ""),
    ],
)
def test_mask_bank_card(value: str, masked: str) -> None:
    assert masking.mask_bank_card(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("闽A12345", "闽A***45"),
        ("闽a·12345", "闽A***45"),
        ("闽 D 1234 5", "闽D***45"),
        ("闽AD12345", "闽A****45"),  # new-energy plate, 8 characters
        ("闽A1234学", "闽A***4学"),
        ("闽A12", "****"),
        ("", ""),
    ],
)
def test_mask_plate(value: str, masked: str) -> None:
    assert masking.mask_plate(value) == masked
