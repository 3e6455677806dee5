"""What operations see of the backfill (decision 0014): how each register answered, and whose circuit
breaker is open. A register that keeps failing shows here before applicants start calling."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from anju.platform.backfill.breaker import CircuitBreakers
from anju.platform.backfill.service import BackfillSummary
from anju.platform.backfill.sources import source_list


class BackfillMetrics:
    """Counts each source's outcome per backfill run, and reports the breakers at scrape time."""

    def __init__(self, *, registry: CollectorRegistry, breakers: CircuitBreakers) -> None:
        self.answers = Counter(
            "anju_backfill_answers",
            "Register answers per backfill run, by source and outcome (answered, failed, no_consent, circuit_open)",
            ["source", "outcome"],
            registry=registry,
        )
        registry.register(_BreakerCollector(breakers))

    def observe(self, summary: BackfillSummary) -> None:
        """Count one run (the outcome without its detail: the label set stays small)."""
        for source, result in summary.by_source.items():
            self.answers.labels(source, result.split(":", 1)[0]).inc()


class _BreakerCollector(Collector):
    def __init__(self, breakers: CircuitBreakers) -> None:
        self.breakers = breakers

    def collect(self) -> Iterator[Metric]:
        gauge = GaugeMetricFamily(
            "anju_backfill_breaker_open",
            "1 while a source's circuit breaker is open (not asked)",
            labels=["source"],
        )
        sources = list(source_list().sources)
        askable = self.breakers.allowed(sources)  # one read per scrape
        for source in sources:
            gauge.add_metric([source], 0.0 if source in askable else 1.0)
        yield gauge

    def describe(self) -> Iterator[Metric]:
        return iter(())
