"""公民身份号码 (GB 11643-1999): normalisation, parsing and the ISO 7064 MOD 11-2 check digit.

The 6-digit address code is only checked for shape (6 digits, not starting with 0): it is frozen
at issuance, so numbers with retired codes (350182 长乐市, 350402 梅列区, 350625 长泰县 …) stay valid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from anju.core import periods
from anju.core.timeutil import today_shanghai

__all__ = [
    "ADULT_AGE",
    "IdNumber",
    "InvalidIdNumber",
    "age_on",
    "check_digit",
    "convert_15_to_18",
    "is_valid",
    "normalize",
    "parse",
]

ErrorCode = Literal["id_empty", "id_length", "id_chars", "id_birth_date", "id_check_digit"]

_MESSAGES: dict[str, str] = {
    "id_empty": "请输入身份证号码。",
    "id_length": "身份证号码应为18位，请核对后重新输入。",
    "id_chars": "身份证号码只能由数字组成，最后一位可以是数字或字母X，请核对后重新输入。",
    "id_birth_date": "身份证号码中的出生日期不正确，请核对后重新输入。",
    "id_check_digit": "身份证号码的校验位不正确，请核对后重新输入。",
}

# Weights 2^(i-1) mod 11 for positions 1..17 (left to right) and the remainder → check character map.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"

_EARLIEST_BIRTH = date(1900, 1, 1)

_RE_18 = re.compile(r"[0-9]{17}[0-9X]")
_RE_15 = re.compile(r"[0-9]{15}")
_RE_17 = re.compile(r"[0-9]{17}")

# Full-width digits and X/x → ASCII; lower-case x → X.
_TRANSLATE = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)}, "Ｘ": "X", "ｘ": "X", "x": "X"})
# Characters that are invisible when pasted but are not str.isspace().
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff")


class InvalidIdNumber(ValueError):
    """An ID number that fails validation; `message` is shown to the resident."""

    def __init__(self, code: ErrorCode, *, message: str | None = None) -> None:
        self.code: str = code
        self.message: str = message if message is not None else _MESSAGES[code]
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class IdNumber:
    """A validated 18-character 公民身份号码 and the facts encoded in it."""

    number: str
    address_code: str
    birth_date: date
    sequence: str
    sex: Literal["male", "female"]

    @property
    def sex_zh(self) -> str:
        """性别 as printed on the card: 男 or 女."""
        return "男" if self.sex == "male" else "女"


def normalize(raw: str) -> str:
    """Drop all whitespace (full-width too), make digits and X ASCII, x → X; does not validate."""
    return "".join(ch for ch in raw if not ch.isspace() and ch not in _INVISIBLE).translate(_TRANSLATE)


def check_digit(first17: str) -> str:
    """The MOD 11-2 check character ('0'-'9' or 'X') for the first 17 digits."""
    if not _RE_17.fullmatch(first17):
        raise InvalidIdNumber("id_chars")
    total = sum(int(ch) * weight for ch, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def _birth_date(yyyymmdd: str) -> date:
    """The birth date encoded as YYYYMMDD, or InvalidIdNumber if it is not a real calendar date."""
    try:
        return date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        raise InvalidIdNumber("id_birth_date") from None


def _check_shape(number: str) -> None:
    """Raise for empty input, a wrong length or wrong characters (number already normalised)."""
    if not number:
        raise InvalidIdNumber("id_empty")
    if len(number) not in (15, 18):
        raise InvalidIdNumber("id_length")
    pattern = _RE_18 if len(number) == 18 else _RE_15
    if not pattern.fullmatch(number):
        raise InvalidIdNumber("id_chars")
    if number[0] == "0":
        raise InvalidIdNumber("id_chars", message="身份证号码前6位（地址码）不正确，请核对后重新输入。")


def convert_15_to_18(raw15: str) -> str:
    """A legacy 15-digit number as 18 characters: '19' inserted before YYMMDD plus the check digit."""
    number = normalize(raw15)
    _check_shape(number)
    if len(number) != 15:
        raise InvalidIdNumber("id_length", message="旧版身份证号码应为15位数字，请核对后重新输入。")
    first17 = number[:6] + "19" + number[6:]
    _birth_date(first17[6:14])
    return first17 + check_digit(first17)


def parse(raw: str, *, today: date | None = None) -> IdNumber:
    """Validate an 18-character (or legacy 15-digit) ID number and decode it; raises InvalidIdNumber."""
    number = normalize(raw)
    _check_shape(number)
    if len(number) == 15:
        number = convert_15_to_18(number)
    born = _birth_date(number[6:14])
    reference = today if today is not None else today_shanghai()
    if born > reference:
        raise InvalidIdNumber("id_birth_date", message="身份证号码中的出生日期晚于今天，请核对后重新输入。")
    if born < _EARLIEST_BIRTH:
        raise InvalidIdNumber("id_birth_date")
    if check_digit(number[:17]) != number[17]:
        raise InvalidIdNumber("id_check_digit")
    sequence = number[14:17]
    return IdNumber(
        number=number,
        address_code=number[:6],
        birth_date=born,
        sequence=sequence,
        sex="male" if int(sequence[-1]) % 2 == 1 else "female",
    )


def is_valid(raw: str) -> bool:
    """Whether parse() accepts the input (legacy 15-digit numbers included)."""
    try:
        parse(raw)
    except InvalidIdNumber:
        return False
    return True


ADULT_AGE = 18  # 民法典 第十七条: 十八周岁以上的自然人为成年人 (one place for every system)


def age_on(birth_date: date, *, on: date) -> int:
    """Whole years of age on a date; a 29 February birthday falls on 28 February in common years."""
    if on < birth_date:
        raise ValueError("the date is before the birth date")
    return periods.whole_years(birth_date, on=on)


def numbers_parse(values: list[str]) -> list[str]:
    """A household's ID numbers in their 18-character form, for a request model's validator (raises
    ValueError naming the number and why it is not one)."""
    normalised = []
    for value in values:
        try:
            normalised.append(parse(value).number)
        except InvalidIdNumber as exc:
            raise ValueError(f"{value}: {exc.code}") from exc
    return normalised
