"""Time limits of the review steps, per city, in working or calendar days (review/time_limits.yaml).

A step's clock starts when the case enters its status. While the applicant has the case (补正) the office's
clock stops; what was left resumes when the applicant answers. A due date that falls in a year whose
holiday arrangement is not yet known (core/workdays) is counted Monday to Friday and marked provisional: staff
and the applicant see that it is, nothing happens by itself on it (deemed acceptance, a lapsed 补正), and it
is counted again when the year is entered (review/calendar.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

from anju.core import workdays

LIMITS_FILE = Path(__file__).with_name("time_limits.yaml")
NEAR_WORKDAYS = 2  # flagged in queues when this close to the due date


@dataclass(frozen=True)
class StepLimit:
    """How long one step may take in one city."""

    step: str
    status: str
    limit: int
    unit: Literal["workdays", "calendar_days"]
    clock: Literal["office", "applicant"]
    provisional: bool
    source: str


@lru_cache(maxsize=1)
def _table() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(LIMITS_FILE.read_text(encoding="utf-8"))
    return data


def limits_for(city_code: str) -> dict[str, StepLimit]:
    """The steps' limits in a city, keyed by the status the step runs in."""
    table = _table()
    overrides = (table.get("cities") or {}).get(city_code, {})
    limits = {}
    for step, base in table["defaults"].items():
        row = {**base, **overrides.get(step, {})}
        limits[row["status"]] = StepLimit(
            step=step,
            status=row["status"],
            limit=int(row["limit"]),
            unit=row["unit"],
            clock=row.get("clock", "office"),
            provisional=bool(row["provisional"]),
            source=str(row["source"]),
        )
    return limits


def due_after(start: date, *, limit: int, unit: str, provisional: bool = False) -> date:
    """The last day of a step that started on ``start`` (raises workdays.CalendarUnknown unless
    ``provisional``, when an unknown year counts Monday to Friday)."""
    if unit == "calendar_days":
        return workdays.add_calendar_days(start, limit)
    return workdays.add_workdays(start, limit, provisional=provisional)


def provisional_note(start: date, due: date) -> str:
    """What staff and the applicant read beside a due date counted without a year's holiday arrangement."""
    years = "、".join(f"{y}年" for y in workdays.years_unknown(start, due))
    return f"暂按周末计算：{years}法定节假日安排尚未录入，录入后重新计算。"


@dataclass(frozen=True)
class Schedule:
    """What a case's deadline fields become after a change of status. ``basis`` is what the due date was
    counted from (start, days, unit), kept so a provisional date can be counted again when the year's
    holiday arrangement is entered."""

    due_on: date | None
    office_days_left: int | None
    notice_ends_on: date | None
    note: str = ""
    basis: tuple[date, int, str] | None = None
    provisional: bool = False


def counted(
    start: date,
    *,
    days: int,
    unit: str,
    office_days_left: int | None,
    notice_ends_on: date | None,
    public_notice: bool = False,
) -> Schedule:
    """A schedule whose due date is ``days`` after ``start``: exact where the calendar is known, else
    provisional (weekends only) and said so."""
    try:
        due = due_after(start, limit=days, unit=unit)
        note, provisional = "", False
    except workdays.CalendarUnknown:
        due = due_after(start, limit=days, unit=unit, provisional=True)
        note, provisional = provisional_note(start, due), True
    return Schedule(
        due,
        office_days_left,
        due if public_notice else notice_ends_on,
        note=note,
        basis=(start, days, unit),
        provisional=provisional,
    )


def schedule_after(
    *,
    city_code: str,
    from_status: str,
    to_status: str,
    today: date,
    due_on: date | None,
    office_days_left: int | None,
    notice_ends_on: date | None,
) -> Schedule:
    """The new deadlines when a case moves from one status to another on ``today``."""
    limits = limits_for(city_code)
    if to_status == "corrections_requested":
        # The office's clock stops: keep what is left of it; the applicant's own clock starts.
        left = (
            workdays.workdays_between(today, end=due_on, provisional=True)
            if due_on
            else limits["submitted"].limit
        )
        reply = limits["corrections_requested"]
        return counted(
            today,
            days=reply.limit,
            unit=reply.unit,
            office_days_left=max(left, 0),
            notice_ends_on=notice_ends_on,
        )
    if from_status == "corrections_requested" and to_status == "submitted":
        left = office_days_left if office_days_left is not None else limits["submitted"].limit
        return counted(
            today, days=left, unit="workdays", office_days_left=None, notice_ends_on=notice_ends_on
        )
    if to_status == "public_notice":
        if notice_ends_on is not None:  # back from an objection: the notice period is not restarted
            return Schedule(notice_ends_on, None, notice_ends_on)
        step = limits["public_notice"]
        return counted(
            today,
            days=step.limit,
            unit=step.unit,
            office_days_left=None,
            notice_ends_on=None,
            public_notice=True,
        )
    step_limit = limits.get(to_status)
    if step_limit is None:
        return Schedule(None, None, notice_ends_on)
    return counted(
        today,
        days=step_limit.limit,
        unit=step_limit.unit,
        office_days_left=None,
        notice_ends_on=notice_ends_on,
    )


@dataclass(frozen=True)
class Due:
    """How a case stands against its current step's limit, as staff and the applicant see it."""

    due_on: date | None
    overdue: bool
    near: bool
    note: str


def near_before(today: date) -> date:
    """The first due date that is not near: due dates from today until the day before it are within
    NEAR_WORKDAYS working days (the queue counts and filters by this bound in SQL)."""
    return workdays.add_workdays(today, NEAR_WORKDAYS + 1, provisional=True)


def due_state(*, due_on: date | None, today: date, note: str = "") -> Due:
    """Overdue after the due date; near within NEAR_WORKDAYS working days of it."""
    if due_on is None:
        return Due(due_on=None, overdue=False, near=False, note=note)
    if today > due_on:
        return Due(due_on=due_on, overdue=True, near=False, note=note)
    return Due(due_on=due_on, overdue=False, near=due_on < near_before(today), note=note)
