"""Attempts per key within a window, counted in the system's database; the key is kept only hashed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from anju.core.ratelimit import Limit, RateLimited
from anju.core.timeutil import utcnow
from tests.conftest import Systems

THREE_A_MINUTE = Limit(scope="test", count=3, window=timedelta(minutes=1), message="请一分钟后再试。")


def test_the_attempt_over_the_limit_is_refused_until_the_window_has_passed(systems: Systems) -> None:
    runtime = systems.runtimes["platform"]
    start = utcnow()
    with runtime.db.transaction() as session:
        for second in range(3):
            runtime.rates.attempt(session, THREE_A_MINUTE, "192.0.2.1", now=start + timedelta(seconds=second))
        with pytest.raises(RateLimited) as refused:
            runtime.rates.attempt(session, THREE_A_MINUTE, "192.0.2.1", now=start + timedelta(seconds=30))
        assert refused.value.message == "请一分钟后再试。"
        runtime.rates.attempt(
            session, THREE_A_MINUTE, "192.0.2.2", now=start + timedelta(seconds=30)
        )  # others
        runtime.rates.attempt(session, THREE_A_MINUTE, "192.0.2.1", now=start + timedelta(seconds=61))


def test_a_refused_attempt_is_not_counted_and_a_check_counts_nothing(systems: Systems) -> None:
    runtime = systems.runtimes["platform"]
    now = utcnow()
    with runtime.db.transaction() as session:
        runtime.rates.check(session, THREE_A_MINUTE, "192.0.2.9", now=now)
        for _ in range(3):
            runtime.rates.count(session, THREE_A_MINUTE, "192.0.2.9", now=now)
        for _ in range(2):
            with pytest.raises(RateLimited):
                runtime.rates.attempt(session, THREE_A_MINUTE, "192.0.2.9", now=now)
        rows = list(session.execute(runtime.tables.rates.select()))
    assert len(rows) == 3 and all("192.0.2.9" not in str(row) for row in rows)


def test_a_window_longer_than_the_events_are_kept_is_refused() -> None:
    with pytest.raises(ValueError):
        Limit(scope="x", count=1, window=timedelta(days=2), message="")


def test_limits_are_data_with_a_source_and_say_their_count() -> None:
    from datetime import timedelta

    from anju.core.ratelimit import duration_parse
    from anju.platform.limits import LIMITS

    assert LIMITS.provisional and "非政策规定" in LIMITS.source  # nobody has confirmed them yet
    invite = LIMITS.limits["invite_member"]
    assert (invite.scope, invite.count, invite.window) == ("invite_member", 3, timedelta(days=1))
    assert "3 次" in invite.message and "{count}" not in invite.message
    assert LIMITS.durations["kiosk_idle"] == timedelta(minutes=3)
    assert duration_parse("15m") == timedelta(minutes=15)
    with pytest.raises(ValueError):
        duration_parse("3 minutes")
