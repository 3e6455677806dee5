"""Counting time exactly as eligibility-defaults.md says, with its own examples."""

from __future__ import annotations

from datetime import date

from anju.core import periods

REF = date(2026, 11, 27)


def test_whole_years_by_anniversary() -> None:
    assert periods.whole_years(date(2023, 11, 27), on=REF) == 3
    assert periods.whole_years(date(2023, 11, 28), on=REF) == 2
    assert periods.whole_years(date(2024, 2, 29), on=date(2025, 2, 28)) == 1  # 29 Feb falls on 28 Feb
    assert periods.whole_years(date(2024, 2, 29), on=date(2025, 2, 27)) == 0


def test_graduation_months_start_the_month_after_graduation() -> None:
    assert periods.graduation_months(date(2021, 10, 15), on=REF) == 60
    assert periods.graduation_months(date(2021, 9, 20), on=REF) == 61


def test_insurance_months_continuous_and_cumulative() -> None:
    run = [f"2026-{m:02d}" for m in range(5, 11)]  # May–October: 6 months up to the month before November
    assert periods.insurance_months(run, on=REF) == (6, 6)
    gap = [*run[:-1], "2023-11", "2023-10"]  # October missing; 2023-10 is outside the 36-month window
    assert periods.insurance_months(gap, on=REF) == (0, 6)
    assert periods.insurance_months(["2026-11"], on=REF) == (0, 0)  # the current month never counts


def test_years_before_keeps_the_calendar_date() -> None:
    assert periods.years_before(REF, 5) == date(2021, 11, 27)
    assert periods.years_before(date(2028, 2, 29), 1) == date(2027, 2, 28)


def test_months_after_keeps_the_day_or_takes_the_month_end() -> None:
    assert periods.months_after(date(2026, 3, 15), 6) == date(2026, 9, 15)
    assert periods.months_after(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert periods.months_after(date(2027, 11, 30), 3) == date(2028, 2, 29)
    assert periods.months_after(date(2026, 1, 31), 0) == date(2026, 1, 31)
    assert periods.months_after(date(2026, 12, 1), 1) == date(2027, 1, 1)
