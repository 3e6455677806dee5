"""Prometheus metrics and the access log of each system (DESIGN.md §8): requests by route and status with their duration,
and the outbox — what waits, how long the oldest has waited, what died. Served at /internal/metrics to
the scraper only (a bearer token, or loopback when no token is configured); never to the public.

Each app has its own registry, so the three systems served in one process (the embedded default) keep
their figures apart. Routes are labelled by their template (`/applications/{application_no}`), never by
the path a caller typed, so a scan of random URLs cannot blow up the number of series."""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Table, func, select

from anju.core.db import Database
from anju.core.outbox import DEAD, DELIVERED, DELIVERING, PENDING, outbox_counts
from anju.core.timeutil import utcnow

# One line per request: the route's template, never the path as typed or the client's address.
access = logging.getLogger("anju.access")
METRICS_PATH = "/internal/metrics"
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
UNMATCHED = "(unmatched)"  # the label of a request no route took (404s of random paths)


class SystemMetrics:
    """One system's registry and the instruments the request middleware feeds."""

    def __init__(self, *, system: str, db: Database, outbox: Table | None) -> None:
        self.system = system
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "anju_http_requests",
            "HTTP requests answered, by route template, method and status code",
            ["system", "method", "route", "status"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "anju_http_request_duration_seconds",
            "Time from the request's arrival to the end of its answer, by route template and method",
            ["system", "method", "route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
        )
        if outbox is not None:
            self.registry.register(OutboxCollector(system=system, db=db, table=outbox))

    def exposition(self) -> bytes:
        """The registry in Prometheus' text format."""
        return generate_latest(self.registry)


class OutboxCollector(Collector):
    """Reads the outbox at scrape time: messages per state and the age of the oldest waiting one."""

    def __init__(self, *, system: str, db: Database, table: Table) -> None:
        self.system, self.db, self.table = system, db, table

    def collect(self) -> Iterator[Metric]:
        """Two gauges from two small queries (the outbox is indexed on status)."""
        counts = outbox_counts(self.db, self.table)
        with self.db.transaction() as session:
            oldest: datetime | None = session.scalar(
                select(func.min(self.table.c.created_at)).where(self.table.c.status == PENDING)
            )
        messages = GaugeMetricFamily(
            "anju_outbox_messages", "Outbox messages in each state", labels=["system", "state"]
        )
        # Every state, 0 included: an alert on dead messages sees a series, not an absence.
        for state, count in sorted({PENDING: 0, DELIVERING: 0, DELIVERED: 0, DEAD: 0, **counts}.items()):
            messages.add_metric([self.system, state], count)
        yield messages
        age = GaugeMetricFamily(
            "anju_outbox_oldest_pending_seconds",
            "How long the oldest undelivered message has waited (0 when none waits)",
            labels=["system"],
        )
        age.add_metric([self.system], (utcnow() - oldest).total_seconds() if oldest else 0.0)
        yield age

    def describe(self) -> Iterator[Metric]:
        """Nothing up front: the families are built at collection."""
        return iter(())


class RequestMetricsMiddleware:
    """Counts and times every HTTP request by the route that took it (pure ASGI: no body buffering)."""

    def __init__(self, app: Any, *, metrics: SystemMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Pass the request through; record status and duration when the answer has gone."""
        if scope["type"] != "http" or scope["path"].endswith(METRICS_PATH):  # the scraper is not traffic
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the caller gets if the app raises before answering

        async def send_watched(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_watched)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or UNMATCHED
            method = scope.get("method", "")
            system = self.metrics.system
            elapsed = time.perf_counter() - started
            self.metrics.requests.labels(system, method, template, str(status)).inc()
            self.metrics.duration.labels(system, method, template).observe(elapsed)
            access.info(
                "%s %s %s %s %d ms",
                system,
                method,
                template,
                status,
                round(elapsed * 1000),
                extra={
                    "system": system,
                    "method": method,
                    "route": template,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 1),
                },
            )


def install_metrics(app: FastAPI, *, metrics: SystemMetrics, token: str | None) -> None:
    """Count requests and serve the figures at METRICS_PATH to the scraper alone."""
    app.add_middleware(RequestMetricsMiddleware, metrics=metrics)

    @app.get(METRICS_PATH, include_in_schema=False)
    def scrape(request: Request) -> Response:
        if not scrape_allowed(request, token=token):
            # The same answer as any unknown path: nothing tells a stranger the endpoint exists.
            raise HTTPException(status_code=404)
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)


def scrape_allowed(request: Request, *, token: str | None) -> bool:
    """With a token: the bearer token, compared in constant time. Without: loopback callers only."""
    if token:
        given = request.headers.get("authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    return request.client is not None and request.client.host in LOOPBACK
