"""Operations can scrape each system's figures (requests by route template, the outbox backlog), and
nobody else can: a stranger gets the same 404 page as for any unknown address."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from anju.embedded import app_for, runtime_for
from tests.conftest import Systems
from tests.support.factories import submit_application

LOOPBACK = ("127.0.0.1", 50000)
STRANGER = ("203.0.113.9", 50000)


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one series in Prometheus' text format (None if absent)."""
    for line in text.splitlines():
        if not line.startswith(name + "{"):
            continue
        series, value = line.rsplit(" ", 1)
        found = dict(re.findall(r'(\w+)="([^"]*)"', series))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(value)
    return None


def test_requests_are_counted_by_route_template_and_the_outbox_backlog_is_shown(systems: Systems) -> None:
    platform = TestClient(systems.apps["platform"], base_url="http://testserver", client=LOOPBACK)
    assert platform.get("/guide").status_code == 200
    assert platform.get("/guide/990001").status_code == 404  # no such city
    assert platform.get("/guide/990002").status_code == 404
    assert platform.get("/no/such/page/8c1f").status_code == 404
    submit_application(systems.runtimes["platform"], subject="metrics-1")  # queued for housing, no worker

    scraped = platform.get("/internal/metrics")
    assert scraped.status_code == 200 and scraped.headers["content-type"].startswith("text/plain")
    text = scraped.text
    assert sample(text, "anju_http_requests_total", route="/guide", method="GET", status="200") == 1
    # Two addresses, one series: labelled by the route's template, never by the path as typed.
    assert sample(text, "anju_http_requests_total", route="/guide/{city_code}", status="404") == 2
    assert "990001" not in text
    assert sample(text, "anju_http_requests_total", route="(unmatched)", status="404") == 1
    assert sample(text, "anju_http_request_duration_seconds_count", route="/guide") == 1
    assert sample(text, "anju_outbox_messages", system="platform", state="pending") == 1
    waited = sample(text, "anju_outbox_oldest_pending_seconds", system="platform")
    assert waited is not None and waited >= 0
    assert "/internal/metrics" not in text  # the scraper's own visits are not traffic


def test_a_stranger_gets_the_ordinary_not_found_page(systems: Systems) -> None:
    stranger = TestClient(systems.apps["housing"], base_url="http://testserver", client=STRANGER)
    hidden = stranger.get("/internal/metrics")
    unknown = stranger.get("/internal/nothing-here")
    assert hidden.status_code == unknown.status_code == 404
    assert "anju_http" not in hidden.text and "找不到这个页面" in hidden.text


def test_with_a_token_only_the_bearer_may_scrape(systems: Systems) -> None:
    settings = systems.settings.model_copy(update={"metrics_token": "scrape-secret-7d1e"})
    runtime = runtime_for("housing", settings)
    try:
        app = app_for("housing", settings, runtime)
        local = TestClient(app, base_url="http://testserver", client=LOOPBACK)
        assert local.get("/internal/metrics").status_code == 404  # loopback is not enough any more
        wrong = local.get("/internal/metrics", headers={"Authorization": "Bearer guess"})
        assert wrong.status_code == 404
        remote = TestClient(app, base_url="http://testserver", client=STRANGER)
        good = remote.get("/internal/metrics", headers={"Authorization": "Bearer scrape-secret-7d1e"})
        assert good.status_code == 200 and "anju_outbox_messages" in good.text
    finally:
        runtime.stop()


def test_an_open_breaker_and_failed_answers_are_visible() -> None:
    from prometheus_client import CollectorRegistry, generate_latest

    from anju.platform.backfill.breaker import CircuitBreakers
    from anju.platform.backfill.observe import BackfillMetrics
    from anju.platform.backfill.service import BackfillSummary

    registry = CollectorRegistry()
    breakers = CircuitBreakers(threshold=1, cooldown_seconds=60)
    observed = BackfillMetrics(registry=registry, breakers=breakers)
    breakers.record("dibao", ok=False)
    observed.observe(BackfillSummary(by_source={"dibao": "failed:timeout", "hukou": "answered"}))
    text = generate_latest(registry).decode()
    assert sample(text, "anju_backfill_breaker_open", source="dibao") == 1
    assert sample(text, "anju_backfill_breaker_open", source="hukou") == 0
    assert sample(text, "anju_backfill_answers_total", source="dibao", outcome="failed") == 1
    assert "timeout" not in text  # the detail stays in the data log, not in a label
