"""Register answers become form values exactly as the rules say (dates and months counted to the day)."""

from __future__ import annotations

from datetime import date

from anju.platform.catalog.derive import (
    APPLICATION_DERIVATIONS,
    MEMBER_DERIVATIONS,
    highest_full_time_graduation,
    highest_full_time_level,
    insured_months_36,
    marital_status,
    owned_area,
    owns_home,
    sold_within_5_years,
)
from anju.platform.catalog.service import form_catalog

TODAY = date(2026, 11, 27)


def test_every_derivation_the_form_names_exists_for_its_scope() -> None:
    for field in form_catalog().fields.values():
        if field.derive:
            table = MEMBER_DERIVATIONS if field.scope == "member" else APPLICATION_DERIVATIONS
            assert field.derive in table, field.code
        elif field.backfilled:
            assert field.scope == "member", f"{field.code}: an application field needs a derivation"


def test_insurance_months_count_the_36_months_before_this_month() -> None:
    def months(*labels: str) -> dict[str, object]:
        return {
            "contributions": [
                {"month": m, "employer": "x", "city_code": "350100", "base_fen": 1} for m in labels
            ]
        }

    eleven = [f"2026-{m:02d}" for m in range(1, 11)] + ["2023-11"]  # 2023-11 is the first month inside
    assert insured_months_36(months(*eleven), TODAY) == 11
    assert insured_months_36(months(*eleven, "2023-10"), TODAY) == 11  # just outside the window
    assert insured_months_36(months(*eleven, "2026-11"), TODAY) == 11  # this month does not count yet
    assert insured_months_36(months(*eleven, "2025-12"), TODAY) == 12


def test_highest_full_time_degree_wins_and_part_time_is_ignored() -> None:
    degrees = {
        "degrees": [
            {"level": "本科", "full_time": True, "graduated_on": "2014-06-30", "school": "a"},
            {"level": "硕士", "full_time": False, "graduated_on": "2019-06-30", "school": "b"},
            {"level": "大专", "full_time": True, "graduated_on": "2011-06-30", "school": "c"},
        ]
    }
    assert highest_full_time_level(degrees, TODAY) == "本科"
    assert highest_full_time_graduation(degrees, TODAY) == "2014-06-30"
    assert highest_full_time_level({}, TODAY) is None


def test_homes_owned_sold_and_area_across_the_household() -> None:
    household = {
        "A": {"homes": [{"area_centi_m2": 8950, "disposed_on": None}]},
        "B": {"homes": [{"area_centi_m2": 6000, "disposed_on": "2021-11-27"}]},
    }
    assert owns_home(household, TODAY) == "yes"
    assert owned_area(household, TODAY) == 8950
    assert sold_within_5_years(household, TODAY) == "yes"  # exactly 5 years ago still counts
    assert (
        sold_within_5_years({"B": {"homes": [{"area_centi_m2": 1, "disposed_on": "2021-11-26"}]}}, TODAY)
        == "no"
    )
    assert owns_home({"A": {"homes": []}}, TODAY) == "no" and owned_area({"A": {}}, TODAY) is None


def test_no_marriage_record_settles_nothing() -> None:
    assert marital_status({"status": "已婚"}, TODAY) == "已婚"
    assert marital_status({}, TODAY) is None
