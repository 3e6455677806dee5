"""公民身份号码 parsing and validation (GB 11643-1999, ISO 7064 MOD 11-2)."""

from __future__ import annotations

from datetime import date

import pytest

from anju.core import idcard
from anju.core.idcard import InvalidIdNumber

TODAY = date(2026, 11, 27)


def _with_check(first17: str) -> str:
    """A full number built from 17 digits and the correct check digit."""
    return first17 + idcard.check_digit(first17)


def _error(raw: str) -> InvalidIdNumber:
    """The validation error parse() raises for `raw`."""
    with pytest.raises(InvalidIdNumber) as info:
        idcard.parse(raw, today=TODAY)
    return info.value


def test_gb11643_sample_is_valid_female_born_1949_12_31() -> None:
    parsed = idcard.parse("11010519491231002X", today=TODAY)
    assert parsed.number == "11010519491231002X"
    assert parsed.address_code == "110105"
    assert parsed.birth_date == date(1949, 12, 31)
    assert parsed.sequence == "002"
    assert parsed.sex == "female"
    assert parsed.sex_zh == "女"


def test_lowercase_x_is_accepted_and_stored_upper_case() -> None:
    assert idcard.normalize("11010519491231002x") == "11010519491231002X"
    assert idcard.parse("11010519491231002x", today=TODAY).number == "11010519491231002X"


def test_full_width_digits_and_spaces_are_normalised() -> None:
    raw = "\u3000１１０１０５ 1949 1231 002ｘ \u200b"
    assert idcard.normalize(raw) == "11010519491231002X"
    assert idcard.is_valid(raw)


def test_odd_sequence_digit_is_male() -> None:
    parsed = idcard.parse(_with_check("35010219850101123"), today=TODAY)
    assert parsed.sex == "male"
    assert parsed.sex_zh == "男"


@pytest.mark.parametrize(
    ("first17", "expected"),
    [("34052419800101001", "X"), ("37010119010203997", "3"), ("11010519491231002", "X")],
)
def test_check_digit_matches_worked_examples(first17: str, expected: str) -> None:
    assert idcard.check_digit(first17) == expected


def test_check_digit_refuses_non_digits() -> None:
    with pytest.raises(InvalidIdNumber):
        idcard.check_digit("1101051949123100X")


def test_wrong_check_digit_is_rejected_with_a_chinese_message() -> None:
    error = _error("110105194912310021")
    assert error.code == "id_check_digit"
    assert error.message == "身份证号码的校验位不正确，请核对后重新输入。"
    assert str(error) == error.message
    assert isinstance(error, ValueError)
    assert not idcard.is_valid("110105194912310021")


def test_30_february_is_not_a_birth_date() -> None:
    error = _error(_with_check("11010519490230002"))
    assert error.code == "id_birth_date"
    assert "出生日期" in error.message


def test_birth_date_in_the_future_is_rejected() -> None:
    error = _error(_with_check("35010220261128002"))
    assert error.code == "id_birth_date"
    assert "晚于今天" in error.message


def test_born_today_is_accepted() -> None:
    assert idcard.parse(_with_check("35010220261127002"), today=TODAY).birth_date == TODAY


def test_birth_before_1900_is_rejected() -> None:
    assert _error(_with_check("35010218991231002")).code == "id_birth_date"


def test_legacy_15_digit_number_is_converted_with_19_prefix() -> None:
    assert idcard.convert_15_to_18("350102850101123") == "35010219850101123X"
    parsed = idcard.parse("350102850101123", today=TODAY)
    assert parsed.number == "35010219850101123X"
    assert parsed.birth_date == date(1985, 1, 1)
    assert parsed.sex == "male"


def test_legacy_15_digit_number_with_impossible_date_is_rejected() -> None:
    with pytest.raises(InvalidIdNumber) as info:
        idcard.convert_15_to_18("350102850230123")
    assert info.value.code == "id_birth_date"


def test_convert_refuses_an_18_character_number() -> None:
    with pytest.raises(InvalidIdNumber) as info:
        idcard.convert_15_to_18("11010519491231002X")
    assert info.value.code == "id_length"


@pytest.mark.parametrize(
    "first17",
    [
        "35018219880512301",  # 长乐市, now 350112 长乐区
        "35040219900101123",  # 梅列区, merged into 三元区 350404
        "35062520000229004",  # 长泰县, now 350605 长泰区 (and a 29 February birthday)
    ],
)
def test_retired_fujian_address_codes_remain_valid(first17: str) -> None:
    number = _with_check(first17)
    assert idcard.parse(number, today=TODAY).address_code == first17[:6]
    assert idcard.is_valid(number)


def test_address_code_starting_with_zero_is_rejected() -> None:
    error = _error(_with_check("01010519491231002"))
    assert error.code == "id_chars"
    assert "地址码" in error.message


@pytest.mark.parametrize("raw", ["", "   ", "\u3000"])
def test_empty_input(raw: str) -> None:
    error = _error(raw)
    assert error.code == "id_empty"
    assert error.message == "请输入身份证号码。"


@pytest.mark.parametrize("raw", ["1101051949123100", "11010519491231002X1", "12345"])
def test_wrong_length(raw: str) -> None:
    assert _error(raw).code == "id_length"


@pytest.mark.parametrize(
    "raw",
    [
        "1101051949123X0021",  # X not in last position
        "11010519491231002Y",
        "11010519491231002\u0663",  # Arabic-Indic digit three
        "3501028501011X3",  # 15-digit numbers have no check character
    ],
)
def test_wrong_characters(raw: str) -> None:
    assert _error(raw).code == "id_chars"


def test_is_valid_accepts_the_sample_and_rejects_garbage() -> None:
    assert idcard.is_valid("11010519491231002X")
    assert not idcard.is_valid("not an id")


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        (date(1990, 6, 15), date(2026, 6, 14), 35),
        (date(1990, 6, 15), date(2026, 6, 15), 36),
        (date(1990, 6, 15), date(2026, 6, 16), 36),
        (date(1990, 12, 31), date(2026, 1, 1), 35),
        (date(1990, 6, 15), date(1990, 6, 15), 0),
    ],
)
def test_age_changes_on_the_birthday(birth: date, on: date, age: int) -> None:
    assert idcard.age_on(birth, on=on) == age


@pytest.mark.parametrize(
    ("on", "age"),
    [
        (date(2001, 2, 27), 0),
        (date(2001, 2, 28), 1),  # common year: anniversary on 28 February
        (date(2001, 3, 1), 1),
        (date(2004, 2, 28), 3),  # leap year: anniversary on 29 February
        (date(2004, 2, 29), 4),
        (date(2018, 2, 28), 18),
    ],
)
def test_29_february_birthday(on: date, age: int) -> None:
    assert idcard.age_on(date(2000, 2, 29), on=on) == age


def test_age_before_birth_is_an_error() -> None:
    with pytest.raises(ValueError):
        idcard.age_on(date(2000, 1, 2), on=date(2000, 1, 1))


def test_a_households_numbers_are_normalised_or_the_bad_one_is_named() -> None:
    assert idcard.numbers_parse(["35030219930217068x", "３５０１０２１９９２０３１５０５１９"]) == [
        "35030219930217068X",
        "350102199203150519",
    ]
    with pytest.raises(ValueError, match="350102199203150510: id_check_digit"):
        idcard.numbers_parse(["350102199203150519", "350102199203150510"])
