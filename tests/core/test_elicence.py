"""GB/T 36904 licence identifiers and the ISO 7064 MOD 37,36 check character."""

from __future__ import annotations

import pytest

from anju.core.elicence import licence_identifier, licence_identifier_parse, mod37_36_check


def test_check_character_is_pure_mod_37_36() -> None:
    # Every single-character substitution changes the check character (the property MOD 37,36 gives).
    base = "11100000000013338W032113700000045046442ABC001"
    check = mod37_36_check(base)
    for i, char in enumerate(base):
        for other in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ":
            if other != char:
                assert mod37_36_check(base[:i] + other + base[i + 1 :]) != check


def test_published_zhejiang_example_verifies() -> None:
    # A Zhejiang investment-project licence file name (reference/standards.md §2.1, GitHub file id 16266310901).
    example = "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0"
    parsed = licence_identifier_parse(example)
    assert parsed.issuer_code == "11330105002500287C" and parsed.version == 2


def test_a_deviating_published_identifier_is_read_loosely_but_not_strictly() -> None:
    # Another published identifier whose check character no MOD 37,36 variant reproduces.
    deviant = "1.2.156.3005.2.11100000000013661B006.113700000045046442.209FA4E88F9E4C878F3E9BED2CE7EA49.001.M"
    assert licence_identifier_parse(deviant, strict=False).serial == "209FA4E88F9E4C878F3E9BED2CE7EA49"
    with pytest.raises(ValueError, match="check character"):
        licence_identifier_parse(deviant)


def test_mint_and_parse_round_trip() -> None:
    identifier = licence_identifier(
        type_code="11100000000013338W032", issuer_code="11350000SANDBOX00X", serial="2026000001"
    )
    assert identifier.startswith("1.2.156.3005.2.11100000000013338W032.11350000SANDBOX00X.2026000001.001.")
    assert licence_identifier_parse(identifier).serial == "2026000001"
    tampered = identifier.replace("2026000001", "2026000002")
    with pytest.raises(ValueError, match="check character"):
        licence_identifier_parse(tampered)


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"type_code": "short", "issuer_code": "11350000SANDBOX00X", "serial": "1"}, "type code"),
        ({"type_code": "11100000000013338W032", "issuer_code": "x", "serial": "1"}, "issuer"),
        (
            {"type_code": "11100000000013338W032", "issuer_code": "11350000SANDBOX00X", "serial": "a-b"},
            "serial",
        ),
    ],
)
def test_minting_is_strict(kwargs: dict[str, str], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        licence_identifier(**kwargs)
