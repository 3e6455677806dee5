"""电子证照 identifiers (GB/T 36904): 1.2.156.3005.2.{type}.{issuer}.{serial}.{version}.{check}.

The check character is ISO/IEC 7064 MOD 37,36 (hybrid) over type + issuer + serial + version, as the
public implementations of the standard compute it (reference/standards.md §2.1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ROOT = "1.2.156.3005.2"
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_CODE = re.compile(r"^[0-9A-Z]{18}$")
_TYPE = re.compile(r"^[0-9A-Z]{18}\d{3}$")
_SERIAL = re.compile(r"^[0-9A-Za-z]{1,64}$")


def mod37_36_check(text: str) -> str:
    """The ISO/IEC 7064 MOD 37,36 check character of an upper-case alphanumeric string."""
    modulus = 36
    product = modulus
    for char in text.upper():
        value = ALPHABET.index(char)
        total = (product + value) % modulus or modulus
        product = (total * 2) % (modulus + 1)
    return ALPHABET[(modulus + 1 - product) % modulus]


@dataclass(frozen=True)
class LicenceIdentifier:
    """The parts of a licence identifier."""

    type_code: str
    issuer_code: str
    serial: str
    version: int

    def __str__(self) -> str:
        version = f"{self.version:03d}"
        check = mod37_36_check(self.type_code + self.issuer_code + self.serial + version)
        return f"{ROOT}.{self.type_code}.{self.issuer_code}.{self.serial}.{version}.{check}"


def licence_identifier(*, type_code: str, issuer_code: str, serial: str, version: int = 1) -> str:
    """Mint an identifier; strict on write: 21-char type code, 18-char issuer USCC, 1–999 version."""
    if not _TYPE.match(type_code):
        raise ValueError("type code must be an 18-character USCC followed by 3 digits")
    if not _CODE.match(issuer_code):
        raise ValueError("issuer code must be an 18-character USCC")
    if not _SERIAL.match(serial):
        raise ValueError("serial must be 1–64 letters or digits")
    if not 1 <= version <= 999:
        raise ValueError("version must be 1–999")
    return str(
        LicenceIdentifier(
            type_code=type_code, issuer_code=issuer_code, serial=serial.upper(), version=version
        )
    )


def licence_identifier_parse(value: str, *, strict: bool = True) -> LicenceIdentifier:
    """Parse an identifier; strict checks the check character, loose (on read) accepts local deviations.

    Local systems deviate (reference/standards.md §2.1): one published identifier ends in a check
    character no MOD 37,36 variant reproduces, so data read from partners is parsed with strict=False.
    """
    if not value.startswith(ROOT + "."):
        raise ValueError("not a GB/T 36904 licence identifier")
    parts = value[len(ROOT) + 1 :].split(".")
    if len(parts) != 5:
        raise ValueError("a licence identifier has type, issuer, serial, version and check parts")
    type_code, issuer_code, serial, version, check = parts
    if not version.isdigit() or len(check) != 1:
        raise ValueError("malformed version or check character")
    if strict and mod37_36_check(type_code + issuer_code + serial + version) != check.upper():
        raise ValueError("licence identifier check character does not match")
    return LicenceIdentifier(
        type_code=type_code, issuer_code=issuer_code, serial=serial, version=int(version)
    )
