"""What operations is given matches what runs: every alert rule reads metrics the systems export, and
names a runbook section that exists in docs/operations.md."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from fastapi.testclient import TestClient

from tests.conftest import Systems

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "deploy" / "prometheus" / "anju-alerts.yml"
GUIDE = ROOT / "docs" / "operations.md"
PROMETHEUS_OWN = {"up"}  # series Prometheus itself records about each scrape
PROMQL_WORDS = {
    "sum",
    "by",
    "max",
    "rate",
    "histogram_quantile",
    "or",
    "le",
    "status",
    "state",
    "system",
    "source",
    "job",
}


def exported(systems: Systems) -> set[str]:
    """Every series name the platform and housing export (a counter's _total, a histogram's _bucket …)."""
    names: set[str] = set()
    for system in ("platform", "housing"):
        scraper = TestClient(systems.apps[system], base_url="http://testserver", client=("127.0.0.1", 50000))
        scraper.get("/healthz")  # a request answered, as on any running system: the histograms have series
        scraped = scraper.get("/internal/metrics")
        assert scraped.status_code == 200
        text = scraped.text
        names |= {
            line.split("{")[0].split(" ")[0]
            for line in text.splitlines()
            if line and not line.startswith("#")
        }
        names |= set(re.findall(r"^# TYPE (\S+)", text, flags=re.M))
    return names


def test_every_alert_reads_metrics_that_exist_and_has_a_runbook(systems: Systems) -> None:
    rules = [
        rule
        for group in yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]
        for rule in group["rules"]
    ]
    assert {r["alert"] for r in rules} >= {"AnjuOutboxDead", "AnjuOutboxBacklog", "AnjuRegisterBreakerOpen"}
    names = exported(systems)
    anchors = {
        "#" + heading.strip().lower().replace(" ", "-")
        for heading in re.findall(r"^#+ (.+)$", GUIDE.read_text(encoding="utf-8"), flags=re.M)
    }
    for rule in rules:
        expr = re.sub(r'"[^"]*"|\[[^\]]*\]|\{[^}]*\}', " ", rule["expr"])  # drop strings, ranges, matchers
        used = {w for w in re.findall(r"[a-z_][a-z0-9_]*", expr) if w not in PROMQL_WORDS}
        assert used - names - PROMETHEUS_OWN == set(), (rule["alert"], used - names)
        assert rule["labels"]["severity"] in ("critical", "warning")
        runbook = rule["annotations"]["runbook"]
        assert (
            runbook.startswith("docs/operations.md#")
            and runbook.removeprefix("docs/operations.md") in anchors
        ), runbook
