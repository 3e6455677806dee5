"""Time: stored in UTC (aware), shown and counted in Asia/Shanghai."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def to_shanghai(moment: datetime) -> datetime:
    """A stored moment as Asia/Shanghai wall-clock time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(SHANGHAI)


def shanghai_date(moment: datetime) -> date:
    """The calendar date in Asia/Shanghai on which a moment falls (the date the law counts)."""
    return to_shanghai(moment).date()


def today_shanghai() -> date:
    """Today's date in Asia/Shanghai."""
    return shanghai_date(utcnow())


def format_shanghai(moment: datetime | str | None, *, with_seconds: bool = False) -> str:
    """A moment as people read it: 2026-11-27 14:05 (Asia/Shanghai); an ISO 8601 text (a peer's JSON) too."""
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return to_shanghai(moment).strftime("%Y-%m-%d %H:%M:%S" if with_seconds else "%Y-%m-%d %H:%M")


def spoken_date(day: date) -> str:
    """A day as it is said and read aloud: 2026年12月10日 (a screen reader reads 2026-12-10 as numbers)."""
    return f"{day.year}年{day.month}月{day.day}日"


def spoken_moment(moment: datetime) -> str:
    """A moment in Beijing time as it is said: 2026年11月27日 14:05."""
    local = to_shanghai(moment)
    return f"{spoken_date(local.date())} {local:%H:%M}"
