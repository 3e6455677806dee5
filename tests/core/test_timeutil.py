"""Moments as people read them, in Asia/Shanghai, from a datetime or a peer's ISO 8601 text."""

from __future__ import annotations

from datetime import UTC, datetime

from anju.core.timeutil import format_shanghai


def test_a_moment_reads_in_shanghai_time_whether_object_or_text() -> None:
    moment = datetime(2026, 12, 6, 18, 5, 9, tzinfo=UTC)
    assert format_shanghai(moment) == "2026-12-07 02:05"
    assert format_shanghai(moment.isoformat()) == "2026-12-07 02:05"
    assert format_shanghai("2026-12-07T02:05:09+08:00", with_seconds=True) == "2026-12-07 02:05:09"
    assert format_shanghai(None) == "" and format_shanghai("") == ""
