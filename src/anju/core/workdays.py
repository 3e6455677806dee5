"""Working days (工作日) per the national holiday calendar, make-up working days (调休上班) included.

Sources, in order: data/workday_overrides.yaml for the years it lists (entered from the State Council
notice), else the chinese-calendar package (1.11.0 covers 2004–2026). A year neither knows — or one
marked `provisional: true` in the override file — raises CalendarUnknown: the calendar is never guessed.
Dates are calendar dates in Asia/Shanghai; a datetime is refused so a UTC timestamp cannot shift the day.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib import resources
from typing import Any

import chinese_calendar
import yaml

__all__ = [
    "CalendarUnknown",
    "add_calendar_days",
    "add_workdays",
    "calendar_enter",
    "calendar_forget",
    "is_entered",
    "is_workday",
    "is_year_known",
    "workdays_between",
    "year_source",
    "years_unknown",
]

_OVERRIDES_FILE = "workday_overrides.yaml"


class CalendarUnknown(LookupError):
    """The holiday arrangement for a year has not been entered, so working days cannot be counted."""

    def __init__(self, year: int, *, provisional: bool = False) -> None:
        self.year = year
        if provisional:
            self.message = (
                f"{year}年的法定节假日安排尚未录入（须按国务院办公厅发布的{year}年部分节假日安排通知录入），"
                "暂时无法计算工作日。"
            )
        else:
            self.message = f"系统中没有{year}年的法定节假日安排，无法计算工作日。"
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class _YearOverride:
    """One year of the override file."""

    year: int
    source: str | None
    provisional: bool
    holidays: frozenset[date]
    workdays: frozenset[date]


def _dates(year: int, key: str, raw: Any) -> frozenset[date]:
    """A list of dates from the override file, each checked to be a date within `year`."""
    if raw is None:
        return frozenset()
    if not isinstance(raw, list):
        raise ValueError(f"{_OVERRIDES_FILE}: {year}.{key} must be a list of dates")
    result: set[date] = set()
    for item in raw:
        if isinstance(item, datetime) or not isinstance(item, date) or item.year != year:
            raise ValueError(f"{_OVERRIDES_FILE}: {year}.{key} has {item!r}, not a date in {year}")
        result.add(item)
    return frozenset(result)


@functools.cache
def _overrides() -> dict[int, _YearOverride]:
    """The override file, validated, keyed by year."""
    text = resources.files("anju.core").joinpath("data", _OVERRIDES_FILE).read_text(encoding="utf-8")
    document = yaml.safe_load(text) or {}
    years: dict[Any, Any] = document.get("years") or {}
    result: dict[int, _YearOverride] = {}
    for year, entry in years.items():
        if not isinstance(year, int) or not isinstance(entry, dict):
            raise ValueError(f"{_OVERRIDES_FILE}: bad entry for year {year!r}")
        provisional = entry.get("provisional")
        if not isinstance(provisional, bool):
            raise ValueError(f"{_OVERRIDES_FILE}: {year}.provisional must be true or false")
        source = entry.get("source")
        if not provisional and not (isinstance(source, str) and source.strip()):
            raise ValueError(f"{_OVERRIDES_FILE}: {year} is not provisional, so it needs a source")
        holidays = _dates(year, "holidays", entry.get("holidays"))
        workdays = _dates(year, "workdays", entry.get("workdays"))
        if holidays & workdays:
            raise ValueError(f"{_OVERRIDES_FILE}: {year} lists {sorted(holidays & workdays)} as both")
        result[year] = _YearOverride(
            year=year, source=source, provisional=provisional, holidays=holidays, workdays=workdays
        )
    return result


def _check_date(d: date) -> None:
    """Refuse datetimes: the caller must first take the Asia/Shanghai calendar date."""
    if isinstance(d, datetime):
        raise TypeError("pass a date (the Asia/Shanghai calendar date), not a datetime")


# Years an administrator entered from the State Council notice (housing keeps them in its database and
# loads them here at start and whenever one is entered): they take precedence over the file and the package.
_entered: dict[int, _YearOverride] = {}


def calendar_enter(*, year: int, source: str, holidays: list[date], workdays: list[date]) -> None:
    """Make a year's holiday arrangement known in this process (validated as the override file is)."""
    if not source.strip():
        raise ValueError("the State Council notice (title and 文号) is required")
    checked_holidays, checked_workdays = (
        _dates(year, "holidays", holidays),
        _dates(year, "workdays", workdays),
    )
    if not checked_holidays:
        raise ValueError("a year's arrangement has holidays")
    if checked_holidays & checked_workdays:
        raise ValueError(f"{sorted(checked_holidays & checked_workdays)} listed as both holiday and workday")
    weekdays_as_workdays = [d for d in checked_workdays if d.weekday() < 5]
    if weekdays_as_workdays:
        raise ValueError(f"{weekdays_as_workdays}: only a Saturday or Sunday can be a make-up working day")
    _entered[year] = _YearOverride(
        year=year,
        source=source.strip(),
        provisional=False,
        holidays=checked_holidays,
        workdays=checked_workdays,
    )


def is_entered(year: int) -> bool:
    """Whether an administrator's entry for the year is known in this process."""
    return year in _entered


def calendar_forget(year: int) -> None:
    """Forget an entered year (tests; never in service)."""
    _entered.pop(year, None)


def is_workday(d: date, *, provisional: bool = False) -> bool:
    """Whether the date is a working day; CalendarUnknown if its year's arrangement is not known — unless
    ``provisional``, when an unknown year counts Monday to Friday (the caller must say the result is
    provisional: a holiday would push it later, a make-up working day earlier)."""
    try:
        return _is_workday(d)
    except CalendarUnknown:
        if not provisional:
            raise
        return d.weekday() < 5


def _is_workday(d: date) -> bool:
    _check_date(d)
    entered = _entered.get(d.year)
    if entered is not None:
        if d in entered.workdays:
            return True
        if d in entered.holidays:
            return False
        return d.weekday() < 5
    override = _overrides().get(d.year)
    if override is not None:
        if override.provisional:
            raise CalendarUnknown(d.year, provisional=True)
        if d in override.workdays:
            return True
        if d in override.holidays:
            return False
        return d.weekday() < 5
    try:
        return _package_is_workday(d)
    except NotImplementedError:
        raise CalendarUnknown(d.year) from None


@functools.lru_cache(maxsize=8192)
def _package_is_workday(d: date) -> bool:
    """chinese_calendar's answer, cached: the package's data is fixed in a process, and its own date check
    costs ~19 µs a call (the dashboard's rollup asks for every day of every case's wait)."""
    return bool(chinese_calendar.is_workday(d))


def is_year_known(year: int) -> bool:
    """Whether working days can be counted in this year (for health checks ahead of a new year)."""
    try:
        is_workday(date(year, 1, 1))
    except CalendarUnknown:
        return False
    return True


def add_workdays(start: date, n: int, *, provisional: bool = False) -> date:
    """The date n working days after `start` (start itself not counted; n=0 returns start)."""
    _check_date(start)
    if n < 0:
        raise ValueError("n must be 0 or more")
    current = start
    remaining = n
    while remaining > 0:
        current += timedelta(days=1)
        if is_workday(current, provisional=provisional):
            remaining -= 1
    return current


def workdays_between(start: date, *, end: date, provisional: bool = False) -> int:
    """The number of working days d with start < d <= end (0 if end <= start)."""
    _check_date(start)
    _check_date(end)
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if is_workday(current, provisional=provisional):
            count += 1
    return count


def years_unknown(start: date, end: date) -> list[int]:
    """The years from start to end whose arrangement is not known (what makes a count provisional)."""
    return [y for y in range(start.year, end.year + 1) if not is_year_known(y)]


def year_source(year: int) -> str | None:
    """Where a year's arrangement comes from: the notice entered or in the file, the package, or None."""
    if year in _entered:
        return _entered[year].source
    override = _overrides().get(year)
    if override is not None:
        return None if override.provisional else override.source
    return "chinese-calendar" if is_year_known(year) else None


def add_calendar_days(start: date, n: int) -> date:
    """The date n calendar days after `start` (n may be negative)."""
    _check_date(start)
    return start + timedelta(days=n)
