"""Limits on how often one address (or any other key) may do something, kept in the system's own
database so every replica sees the same count. Keys are stored only as a keyed hash: an IP address is
personal information (PIPL), and the raw value is never needed again."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import yaml
from sqlalchemy import Column, Index, Integer, MetaData, String, Table, delete, func, select
from sqlalchemy.orm import Session

from anju.core import crypto
from anju.core.db import UTCDateTime
from anju.core.refusals import Refused
from anju.core.timeutil import utcnow

PURGE_EVERY = 200  # inserts between deletions of events older than the longest window


def rate_table(metadata: MetaData, name: str = "rate_event") -> Table:
    """One row per counted attempt: which limit, whose key (hashed), when."""
    table = Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("scope", String(32), nullable=False),
        Column("key_hash", String(64), nullable=False),
        Column("at", UTCDateTime(), nullable=False, index=True),
    )
    Index(f"ix_{name}_scope_key_at", table.c.scope, table.c.key_hash, table.c.at)
    return table


@dataclass(frozen=True)
class Limit:
    """At most ``count`` attempts per ``window`` for one key; ``message`` is what the person reads."""

    scope: str
    count: int
    window: timedelta
    message: str

    def __post_init__(self) -> None:
        if not timedelta(0) < self.window <= timedelta(days=1):
            raise ValueError(
                "a rate limit window is longer than zero and at most a day (events are kept a day)"
            )


_DURATION = re.compile(r"^(\d+)([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def duration_parse(text: str) -> timedelta:
    """ "15m", "1h", "1d" as a timedelta (ValueError otherwise)."""
    match = _DURATION.match(str(text).strip())
    if match is None:
        raise ValueError(f"a duration is a number and m, h or d: {text!r}")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


@dataclass(frozen=True)
class LimitBook:
    """A system's limits as data: each by name, with where they come from and whether they are confirmed."""

    source: str
    effective_from: date
    provisional: bool
    limits: dict[str, Limit]
    durations: dict[str, timedelta]


def limits_load(path: Path) -> LimitBook:
    """The limits of a YAML file (``limits: {name: {count, window, message}}``, ``durations: {name: 3m}``);
    a limit's scope is its name, and its message may say {count}."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    limits = {
        name: Limit(
            scope=name,
            count=int(spec["count"]),
            window=duration_parse(spec["window"]),
            message=str(spec["message"]).format(count=int(spec["count"])),
        )
        for name, spec in raw["limits"].items()
    }
    durations = {name: duration_parse(value) for name, value in (raw.get("durations") or {}).items()}
    return LimitBook(
        source=str(raw["source"]),
        effective_from=date.fromisoformat(str(raw["effective_from"])),
        provisional=bool(raw["provisional"]),
        limits=limits,
        durations=durations,
    )


class RateLimited(Refused):
    """Too many attempts; ``message`` says when to try again (Chinese)."""


class RateLimiter:
    """Counts attempts per limit and key in ``table``."""

    def __init__(self, *, table: Table, index: crypto.BlindIndex) -> None:
        self.table = table
        self.index = index
        self._inserted = 0

    def attempt(self, session: Session, limit: Limit, key: str, *, now: datetime | None = None) -> None:
        """Count one attempt, or raise RateLimited if ``key`` already used up ``limit`` (not counted then)."""
        self.check(session, limit, key, now=now)
        self.count(session, limit, key, now=now)

    def check(self, session: Session, limit: Limit, key: str, *, now: datetime | None = None) -> None:
        """Raise RateLimited if ``key`` already used up ``limit`` (for limits that count only failures)."""
        now = now or utcnow()
        recent = session.scalar(
            select(func.count())
            .select_from(self.table)
            .where(
                self.table.c.scope == limit.scope,
                self.table.c.key_hash == self._hash(limit, key),
                self.table.c.at >= now - limit.window,
            )
        )
        if (recent or 0) >= limit.count:
            raise RateLimited(limit.message)

    def count(self, session: Session, limit: Limit, key: str, *, now: datetime | None = None) -> None:
        """Record one attempt against ``limit``."""
        now = now or utcnow()
        session.execute(
            self.table.insert().values(scope=limit.scope, key_hash=self._hash(limit, key), at=now)
        )
        self._inserted += 1
        if self._inserted % PURGE_EVERY == 0:
            session.execute(delete(self.table).where(self.table.c.at < now - timedelta(days=1)))

    def _hash(self, limit: Limit, key: str) -> str:
        return self.index.digest(key, kind=f"rate:{limit.scope}")
