"""Counting time the way the eligibility rules do (shared/reference/eligibility-defaults.md, "Counting time").

- Whole years by anniversary; a 29 February anniversary falls on 28 February in common years.
- Graduation months = (ref.year × 12 + ref.month) − (grad.year × 12 + grad.month) − 1.
- Social-insurance months count only months before the reference month: `continuous` is the unbroken run
  ending in the month before it (0 if that month has none); `cumulative` is the months with a
  contribution among the 36 before it.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date


def anniversary(start: date, year: int) -> date:
    """``start``'s day and month in ``year`` (29 February → 28 February in a common year)."""
    day = 28 if (start.month, start.day) == (2, 29) and not calendar.isleap(year) else start.day
    return date(year, start.month, day)


def whole_years(start: date, *, on: date) -> int:
    """Whole years from ``start`` to ``on`` by anniversary (raises ValueError if ``on`` is earlier)."""
    if on < start:
        raise ValueError("the date is before the start")
    years = on.year - start.year
    if on < anniversary(start, on.year):
        years -= 1
    return years


def years_before(on: date, years: int) -> date:
    """The same calendar date ``years`` earlier (29 February → 28 February)."""
    return anniversary(on, on.year - years)


def month_index(d: date) -> int:
    """A month as a single integer (year × 12 + month − 1)."""
    return d.year * 12 + d.month - 1


def month_key(index: int) -> str:
    """The "YYYY-MM" of a month index."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def graduation_months(graduated_on: date, *, on: date) -> int:
    """Whole months since the month after graduation."""
    return (on.year * 12 + on.month) - (graduated_on.year * 12 + graduated_on.month) - 1


def insurance_months(months: Iterable[str], *, on: date) -> tuple[int, int]:
    """(continuous, cumulative) contribution months before ``on``'s month, from "YYYY-MM" strings."""
    paid = set(months)
    current = month_index(on)
    continuous = 0
    while month_key(current - 1 - continuous) in paid:
        continuous += 1
    cumulative = sum(1 for i in range(current - 36, current) if month_key(i) in paid)
    return continuous, cumulative


def months_after(start: date, months: int) -> date:
    """The same day ``months`` calendar months after ``start``, or the month's last day when it is shorter
    (31 January + 1 month → 28 or 29 February)."""
    index = month_index(start) + months
    year, month = index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))
