"""Working days per the State Council holiday arrangements, make-up days (调休上班) included."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest

from anju.core import workdays
from anju.core.workdays import CalendarUnknown


def _days(first: date, last: date) -> Iterator[date]:
    """Every date from first to last inclusive."""
    current = first
    while current <= last:
        yield current
        current += timedelta(days=1)


# 2025: 国办发明电〔2024〕12号.
@pytest.mark.parametrize("d", [date(2025, 1, 26), date(2025, 2, 8), date(2025, 9, 28), date(2025, 10, 11)])
def test_2025_make_up_weekend_days_are_working_days(d: date) -> None:
    assert d.weekday() >= 5
    assert workdays.is_workday(d)


def test_2025_national_day_and_mid_autumn_holiday() -> None:
    assert not any(workdays.is_workday(d) for d in _days(date(2025, 10, 1), date(2025, 10, 8)))
    assert workdays.is_workday(date(2025, 9, 30))
    assert workdays.is_workday(date(2025, 10, 9))


def test_2025_spring_festival_holiday() -> None:
    assert not any(workdays.is_workday(d) for d in _days(date(2025, 1, 28), date(2025, 2, 4)))
    assert workdays.is_workday(date(2025, 2, 5))


# 2026: 国办发明电〔2025〕7号 (published 2025-11-04).
@pytest.mark.parametrize(
    "d",
    [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ],
)
def test_2026_make_up_weekend_days_are_working_days(d: date) -> None:
    assert d.weekday() >= 5
    assert workdays.is_workday(d)


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (date(2026, 1, 1), date(2026, 1, 3)),
        (date(2026, 2, 15), date(2026, 2, 23)),
        (date(2026, 5, 1), date(2026, 5, 5)),
        (date(2026, 10, 1), date(2026, 10, 7)),
    ],
)
def test_2026_holiday_periods(first: date, last: date) -> None:
    assert not any(workdays.is_workday(d) for d in _days(first, last))
    assert workdays.is_workday(last + timedelta(days=1))  # back at work the day after each period


def test_2026_national_day_is_seven_days_so_8_october_is_a_working_day() -> None:
    assert workdays.is_workday(date(2026, 10, 8))


def test_ordinary_weekend_is_not_a_working_day() -> None:
    assert not workdays.is_workday(date(2026, 11, 28))
    assert workdays.is_workday(date(2026, 11, 27))


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2025, 9, 26), 3, date(2025, 9, 30)),  # Sunday 28 Sept is a make-up day
        (date(2025, 9, 30), 1, date(2025, 10, 9)),  # jumps the 8-day holiday
        (date(2025, 1, 24), 5, date(2025, 2, 7)),  # Sunday 26 Jan make-up, Spring Festival skipped
        (date(2026, 2, 13), 15, date(2026, 3, 12)),  # 14 and 28 Feb are Saturdays at work
        (date(2025, 10, 3), 0, date(2025, 10, 3)),  # n=0 returns start even on a holiday
    ],
)
def test_add_workdays(start: date, n: int, expected: date) -> None:
    assert workdays.add_workdays(start, n) == expected


def test_add_workdays_refuses_negative_n() -> None:
    with pytest.raises(ValueError):
        workdays.add_workdays(date(2025, 10, 9), -1)


def test_workdays_between() -> None:
    assert workdays.workdays_between(date(2025, 9, 30), end=date(2025, 10, 10)) == 2
    assert workdays.workdays_between(date(2025, 9, 26), end=date(2025, 9, 30)) == 3
    assert workdays.workdays_between(date(2025, 10, 10), end=date(2025, 10, 10)) == 0
    assert workdays.workdays_between(date(2025, 10, 10), end=date(2025, 9, 1)) == 0


def test_workdays_between_inverts_add_workdays() -> None:
    start = date(2025, 9, 20)
    for n in range(0, 40):
        assert workdays.workdays_between(start, end=workdays.add_workdays(start, n)) == n


def test_add_calendar_days() -> None:
    assert workdays.add_calendar_days(date(2025, 9, 30), 10) == date(2025, 10, 10)
    assert workdays.add_calendar_days(date(2025, 3, 1), -1) == date(2025, 2, 28)


def test_unknown_year_raises_calendar_unknown_naming_the_year() -> None:
    with pytest.raises(CalendarUnknown) as info:
        workdays.is_workday(date(2099, 1, 5))
    assert isinstance(info.value, LookupError)
    assert info.value.year == 2099
    assert "2099年" in str(info.value)
    assert not workdays.is_year_known(2099)
    assert workdays.is_year_known(2026)


def test_year_before_the_library_data_is_unknown() -> None:
    with pytest.raises(CalendarUnknown):
        workdays.is_workday(date(2003, 6, 2))


def test_counting_into_an_unknown_year_raises_instead_of_guessing() -> None:
    with pytest.raises(CalendarUnknown):
        workdays.add_workdays(date(2098, 12, 28), 5)
    with pytest.raises(CalendarUnknown):
        workdays.workdays_between(date(2098, 12, 28), end=date(2099, 1, 10))


def test_datetime_is_refused_so_utc_cannot_shift_the_day() -> None:
    with pytest.raises(TypeError):
        workdays.is_workday(datetime(2025, 10, 8, 20, 0))


def test_override_file_entries_are_complete_or_marked_provisional() -> None:
    overrides = workdays._overrides()
    assert 2027 in overrides
    for entry in overrides.values():
        if entry.provisional:
            assert not entry.holidays
            assert not entry.workdays
            with pytest.raises(CalendarUnknown) as info:
                workdays.is_workday(date(entry.year, 3, 3))
            assert "尚未录入" in str(info.value)
        else:
            assert entry.source
            assert entry.holidays


def test_override_year_takes_make_up_days_and_holidays_from_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = workdays._YearOverride(
        year=2099,
        source="测试用通知",
        provisional=False,
        holidays=frozenset({date(2099, 10, 1), date(2099, 10, 2)}),
        workdays=frozenset({date(2099, 9, 26)}),
    )
    monkeypatch.setattr(workdays, "_overrides", lambda: {2099: fake})
    assert workdays.is_workday(date(2099, 9, 26))  # Saturday, make-up day
    assert not workdays.is_workday(date(2099, 10, 1))  # Thursday, holiday
    assert workdays.is_workday(date(2099, 10, 5))  # ordinary Monday
    assert not workdays.is_workday(date(2099, 10, 4))  # ordinary Sunday
    assert workdays.add_workdays(date(2099, 9, 30), 1) == date(2099, 10, 5)


def test_provisional_override_year_is_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = workdays._YearOverride(
        year=2026, source=None, provisional=True, holidays=frozenset(), workdays=frozenset()
    )
    monkeypatch.setattr(workdays, "_overrides", lambda: {2026: fake})
    with pytest.raises(CalendarUnknown):
        workdays.is_workday(date(2026, 3, 3))
