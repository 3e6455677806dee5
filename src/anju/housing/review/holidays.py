"""The holiday arrangements administrators entered (HolidayCalendar), loaded into core/workdays. Kept apart
from review/calendar.py (entering a year, counting deadlines again) so the review service can reload
without importing what imports it."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anju.core import workdays
from anju.housing.models import HolidayCalendar

_loaded: dict[int, tuple[str, str, str]] = {}  # year → what this process made known of it


def calendar_load(*, session: Session) -> list[int]:
    """Make every entered year known to this process (the newest entry of each year); returns the years
    that were not known here before (so a caller can tell whether counting again could change anything).
    The table holds a row or two a year: reading it whole is cheap."""
    newest = select(func.max(HolidayCalendar.id)).group_by(HolidayCalendar.year)
    rows = session.scalars(select(HolidayCalendar).where(HolidayCalendar.id.in_(newest))).all()
    fresh = []
    for row in rows:
        content = (row.source, row.holidays_json, row.workdays_json)
        if _loaded.get(row.year) == content and workdays.is_entered(row.year):
            continue
        workdays.calendar_enter(
            year=row.year,
            source=row.source,
            holidays=[date.fromisoformat(d) for d in json.loads(row.holidays_json)],
            workdays=[date.fromisoformat(d) for d in json.loads(row.workdays_json)],
        )
        _loaded[row.year] = content
        fresh.append(row.year)
    return sorted(fresh)
