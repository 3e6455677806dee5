"""The dashboard's figures kept rolled up by city and month (decision 0034).

Every transaction that changes a submitted application — the application itself, its status events, its
ratings, its proofs or register answers — appends a mark for the application's city and month of
submission (``track``: a flush listener on the platform's database, so no writer can forget it). The
rollup (`anju metrics rollup`: cron every minute in production, a thread in the embedded server) computes
only the marked city-months again and replaces their rows; the dashboard then reads a few hundred rows
instead of a city's cases. ``full`` computes every city-month there is (first run, or after a bulk load
that bypassed the session, as bench/scale.py's).

Marks are consumed by id, not by range: a mark committed late by a slower transaction stays and is
computed at the next run, so a change is never lost, at worst counted a minute late.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from typing import Any

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import delete, func, inspect, select, text
from sqlalchemy.orm import Session

from anju.core.db import Database
from anju.core.timeutil import utcnow
from anju.platform.metrics.service import month_figures, month_of, next_month, window_figures
from anju.platform.models import (
    Application,
    ApplicationEvent,
    BackfillResult,
    Evaluation,
    MetricsRollup,
    MetricsRollupRun,
    MetricsStale,
    ProofUpload,
)

LOG = logging.getLogger(__name__)
MARKS_PER_RUN = 20_000  # marks read at once; a run after a long pause takes the rest next time
TOUCHING = (ApplicationEvent, BackfillResult, Evaluation, ProofUpload)  # rows that belong to an application
COUNTED = ("city_code", "submitted_at")  # the fields that decide where an application is counted


def _groups_of(session: Session, obj: Any) -> set[tuple[str, str]]:
    """The city-months whose figures a changed row touches (the old one too if it moved)."""
    if isinstance(obj, Application):
        application: Application | None = obj
    elif isinstance(obj, TOUCHING):
        application = obj.__dict__.get("application") or (
            session.get(Application, obj.application_id) if obj.application_id is not None else None
        )
    else:
        return set()
    if application is None:
        return set()
    groups = set()
    if application.submitted_at is not None and application.city_code:
        groups.add((application.city_code, month_of(application.submitted_at)))
    if isinstance(obj, Application):
        state = inspect(obj)
        cities, moments = (state.attrs[name].history for name in COUNTED)
        for city in [*cities.deleted, *([application.city_code] if not cities.deleted else [])]:
            for moment in [*moments.deleted, application.submitted_at]:
                if city and moment is not None:
                    groups.add((city, month_of(moment)))
    return groups


def _mark(session: Session, _context: Any, _instances: Any) -> None:
    """Before a flush: one mark per city-month the flushed rows touch, once per transaction."""
    marked: set[tuple[str, str]] = session.info.setdefault("metrics_marked", set())
    with session.no_autoflush:
        touched = set().union(
            *(_groups_of(session, o) for o in chain(session.new, session.dirty, session.deleted))
        )
    for city, month in touched - marked:
        session.add(MetricsStale(city_code=city, month=month))
    marked |= touched


def track(db: Database) -> None:
    """Mark the figures stale whenever this (the platform's) database's sessions change what they count."""
    db.before_flush(_mark)


@dataclass
class RollupRun:
    """What one run computed."""

    groups: int  # city-months
    cities: int
    full: bool
    marks: int
    seconds: float


def _lock_group(session: Session, city: str, month: str) -> None:
    """Two rollups at once (cron's and `--all` by hand) compute a city-month one after the other, so the
    second replaces the first's rows instead of colliding with them (PostgreSQL; SQLite writes one at a time)."""
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(
            hashlib.sha256(f"metrics:{city}:{month}".encode()).digest()[:8], "big", signed=True
        )
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _store(session: Session, *, city: str, month: str, kind: str, rows: list[dict[str, Any]]) -> None:
    session.execute(
        delete(MetricsRollup).where(
            MetricsRollup.city_code == city, MetricsRollup.month == month, MetricsRollup.kind == kind
        )
    )
    if rows:
        session.add(
            MetricsRollup(
                city_code=city,
                month=month,
                kind=kind,
                rows_json=json.dumps(rows, ensure_ascii=False, default=str),
            )
        )


def metrics_rollup(db: Database, *, full: bool = False, now: datetime | None = None) -> RollupRun:
    """Compute the marked city-months again (or every one with ``full``), each in its own transaction."""
    started = now or utcnow()
    with db.transaction() as session:
        # The first run ever (a new database, or one upgraded to the rollups) computes everything.
        full = (
            full
            or session.scalar(
                select(MetricsRollupRun.id).where(MetricsRollupRun.finished_at.is_not(None)).limit(1)
            )
            is None
        )
        run = MetricsRollupRun(started_at=started, full=full)
        session.add(run)
        session.flush()
        run_id = run.id
        marks = session.execute(
            select(MetricsStale.id, MetricsStale.city_code, MetricsStale.month)
            .order_by(MetricsStale.id)
            .limit(MARKS_PER_RUN)
        ).all()
        groups = {(city, month) for _id, city, month in marks}
        if full:
            groups |= _every_group(session)
    for city, month in sorted(groups):
        with db.transaction() as session:
            _lock_group(session, city, month)
            for kind, rows in month_figures(session=session, city_code=city, month=month).items():
                _store(session, city=city, month=month, kind=kind, rows=rows)
    cities = {city for city, _month in groups}
    for city in sorted(cities):
        with db.transaction() as session:
            _lock_group(session, city, "")
            _store(
                session,
                city=city,
                month="",
                kind="windows",
                rows=window_figures(session=session, city_code=city),
            )
    with db.transaction() as session:
        ids = [mark_id for mark_id, _city, _month in marks]
        for chunk in range(0, len(ids), 1000):
            session.execute(delete(MetricsStale).where(MetricsStale.id.in_(ids[chunk : chunk + 1000])))
        finished = utcnow()
        done = session.get(MetricsRollupRun, run_id)
        assert done is not None
        done.finished_at, done.groups = finished, len(groups)
    return RollupRun(
        groups=len(groups),
        cities=len(cities),
        full=full,
        marks=len(marks),
        seconds=(finished - started).total_seconds(),
    )


def _every_group(session: Session) -> set[tuple[str, str]]:
    """Every city-month from each city's first submission to its last (aggregated in the database)."""
    found = set()
    for city, first, last in session.execute(
        select(Application.city_code, func.min(Application.submitted_at), func.max(Application.submitted_at))
        .where(Application.submitted_at.is_not(None))
        .group_by(Application.city_code)
    ):
        if first is None or last is None:
            continue
        month, end = month_of(first), month_of(last)
        while month <= end:
            found.add((city, month))
            month = next_month(month)
    return found


def metrics_rollup_loop(db: Database, *, stop: threading.Event, poll_seconds: float) -> None:
    """Roll up every ``poll_seconds`` until stopped (the embedded server; cron in production)."""
    while not stop.wait(poll_seconds):
        try:
            metrics_rollup(db)
        except Exception:  # the next round tries again; the dashboard shows when its figures are from
            LOG.exception("metrics rollup failed")


class RollupCollector(Collector):
    """What operations watch of the rollup: how long since the last one finished, and how many marks wait
    (both grow when `anju metrics rollup` stops running: deploy/prometheus/anju-alerts.yml)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterator[Metric]:
        """Two gauges from two small queries at scrape time."""
        with self.db.transaction() as session:
            last = session.scalar(select(func.max(MetricsRollupRun.finished_at)))
            waiting = session.scalar(select(func.count()).select_from(MetricsStale)) or 0
        age = GaugeMetricFamily(
            "anju_metrics_rollup_age_seconds",
            "Seconds since the dashboard's last rollup finished (-1: never)",
        )
        age.add_metric([], (utcnow() - last).total_seconds() if last else -1.0)
        yield age
        marks = GaugeMetricFamily("anju_metrics_stale_marks", "Changes waiting for the next rollup")
        marks.add_metric([], float(waiting))
        yield marks

    def describe(self) -> Iterator[Metric]:
        """Nothing up front: the families are built at collection."""
        return iter(())
