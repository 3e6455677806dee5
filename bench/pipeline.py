"""Submissions at a steady rate, delivered by separate worker processes to housing in its own process.

Usage: PYTHONPATH=. python bench/pipeline.py [--rate 20] [--seconds 60] [--workers 2]
                                            [--postgres postgresql+psycopg://postgres@127.0.0.1:5432]
                                            [--shape production [--find-max]]

With ``--shape production`` (PostgreSQL only) the processes are `anju deploy local`'s (decision 0033):
housing in two replicas behind HAProxy, reached only through it, and the workers apart. It also prints
where the machine's CPU went, by role (bench/cpu.py). With ``--find-max`` it searches for the highest rate
held — every submission delivered once, p95 ≤ 1 s, the submitting loop on schedule — with trials of
``--seconds`` each on one deployment, from ``--rate`` up by 10/s and then halving the gap to 2.5/s; it prints
each trial and `pipeline_max_rate`.

Processes: housing's app (`anju serve housing`, uvicorn) and N platform outbox workers (`anju worker
platform`); this process plays the platform's submit step, committing one application (with its outbox
message, in one transaction, exactly as the web submit does) every 1/rate seconds. Delivery time is from the
application's submitted_at to the case's received_at in housing, read through housing's signed case trail
query (GET /v1/cases/{case_no}), not its tables. Lost = submitted but never stored within
the drain time; duplicated = stored more than once. Prints a table, then one `metric: value` line each.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.apart import housing_apart
from bench.cpu import CpuWindow
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from anju.core.outbox import outbox_counts
from anju.core.settings import Settings
from anju.deploy import Deployment, Shape, databases_ensure, free_base_port
from anju.embedded import runtime_for
from anju.platform.models import Application
from tests.support.factories import submit_application
from tests.support.trail import case_trails, receipts, received_at

DRAIN_SECONDS = 60
HELD_P95_MS = 1000.0
SCHEDULE_SLACK_S = 1.0  # the submitting loop may fall this far behind and the rate still counts as offered
SEARCH_STEP = 10.0
SEARCH_RESOLUTION = 2.5
SEARCH_CEILING = 100.0  # the target: no need to look past it


def main() -> None:
    warnings.filterwarnings("ignore", message=".*httpx module is deprecated.*")
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--postgres", default=None, help="server URL without database name")
    parser.add_argument("--shape", choices=("local", "production"), default="local")
    parser.add_argument("--find-max", action="store_true", help="search for the highest rate held")
    args = parser.parse_args()
    if args.find_max and args.shape != "production":
        parser.error("--find-max is for --shape production")
    if args.shape == "production":
        if not args.postgres:
            parser.error("--shape production needs --postgres")
        production(args)
        return
    with housing_apart(postgres=args.postgres, platform_workers=args.workers) as apart:
        result = measure(apart.platform, rate=args.rate, seconds=args.seconds)
    backend = "PostgreSQL" if args.postgres else "SQLite"
    title = (
        f"Pipeline on {backend}: {args.rate:g}/s for {args.seconds:g} s, {args.workers} worker process(es)"
    )
    report(result, title=title, shape="local")


@dataclass
class Result:
    """What one run measured."""

    numbers: list[str]
    delays: list[float]  # ms, sorted
    duplicated: int
    behind: float  # the most the submitting loop fell behind its schedule, s
    submit_seconds: float

    @property
    def lost(self) -> int:
        return len(self.numbers) - len(self.delays)

    @property
    def p95(self) -> float:
        return self.delays[max(0, int(len(self.delays) * 0.95) - 1)] if self.delays else float("nan")

    @property
    def held(self) -> bool:
        """Every submission delivered once within p95 ≤ 1 s, at the rate offered."""
        return (
            self.lost == 0
            and self.duplicated == 0
            and self.p95 <= HELD_P95_MS
            and self.behind <= SCHEDULE_SLACK_S
        )


def measure(platform: Any, *, rate: float, seconds: float) -> Result:
    """Submit at ``rate`` for ``seconds``, then read each case's delivery back from housing's trail."""
    total = int(rate * seconds)
    numbers = []
    started = time.perf_counter()
    behind = 0.0
    for i in range(total):
        due = started + i / rate
        wait = due - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        else:
            behind = max(behind, -wait)
        numbers.append(submit_application(platform, subject=f"bench-{i % 50}"))
    submit_seconds = time.perf_counter() - started
    deadline = time.perf_counter() + DRAIN_SECONDS
    trails: dict[str, dict[str, Any]] = {}
    while time.perf_counter() < deadline and len(trails) < total:
        trails.update(case_trails(platform, [n for n in numbers if n not in trails]))
        if len(trails) < total:
            time.sleep(0.5)
    with platform.db.transaction() as session:
        submitted = dict(
            session.execute(
                select(Application.application_no, Application.submitted_at).where(
                    Application.application_no.in_(numbers)
                )
            ).all()
        )
    received = {n: received_at(t) for n, t in trails.items()}
    duplicated = sum(receipts(t) - 1 for t in trails.values() if receipts(t) > 1)
    delays = sorted(
        (received[n] - submitted[n]).total_seconds() * 1000
        for n in numbers
        if n in received and n in submitted
    )
    return Result(numbers, delays, duplicated, behind, submit_seconds)


def report(result: Result, *, title: str, shape: str) -> None:
    """The table, then one `metric: value` line each."""
    numbers, delays = result.numbers, result.delays
    lost, p95 = result.lost, result.p95
    table = Table(title=title)
    for column in (
        "submitted",
        "delivered",
        "lost",
        "duplicated",
        "p50 ms",
        "p95 ms",
        "max ms",
        "submit lag s",
    ):
        table.add_column(column, justify="right")
    table.add_row(
        str(len(numbers)),
        str(len(delays)),
        str(lost),
        str(result.duplicated),
        f"{statistics.median(delays):.0f}" if delays else "-",
        f"{p95:.0f}",
        f"{delays[-1]:.0f}" if delays else "-",
        f"{result.behind:.2f}",
    )
    console = Console()
    console.print(table)
    console.print(f"submitting took {result.submit_seconds:.1f} s")
    print(f"pipeline_shape: {shape}")
    print(f"pipeline_submissions: {len(numbers)}")
    print(f"pipeline_delivered: {len(delays)}")
    print(f"pipeline_lost: {lost}")
    print(f"pipeline_duplicated: {result.duplicated}")
    print(f"pipeline_delivery_p95_ms: {p95:.0f}")


def production(args: argparse.Namespace) -> None:
    """The same measurement through the production shape: HAProxy, replicas, workers apart."""
    console = Console()
    with tempfile.TemporaryDirectory() as tmp:
        shape = Shape(
            run_dir=Path(tmp),
            postgres=args.postgres.rstrip("/"),
            base_port=free_base_port(),
            workers=args.workers,
            database_prefix="anju_bench_shape",
        )
        databases_ensure(shape, fresh=True)
        deployment = Deployment(shape)
        deployment.start(seed=False)
        os.environ.update(shape.env())
        platform = runtime_for("platform", Settings())
        described = f"housing ×{shape.replicas} behind HAProxy, {args.workers} worker process(es)"
        try:
            if args.find_max:
                find_max(platform, args, console=console, described=described)
                return
            cpu = CpuWindow()
            cpu.start()
            result = measure(platform, rate=args.rate, seconds=args.seconds)
            cpu.stop()
        finally:
            deployment.stop()
            platform.stop()
    report(
        result,
        title=f"Pipeline, production shape on PostgreSQL: {args.rate:g}/s for {args.seconds:g} s, {described}",
        shape="production",
    )
    console.print(cpu.table(f"Where the CPU went at {args.rate:g}/s (submitting and draining)"))
    print(f"pipeline_cpu_ms_per_submission: {cpu_ms_per_submission(result, cpu):.0f}")


def drained(platform: Any, *, timeout: float = 300.0) -> None:
    """Wait until the platform's outbox holds nothing waiting or in flight (between trials)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        counts = outbox_counts(platform.db, platform.tables.outbox)
        if not counts.get("pending") and not counts.get("delivering"):
            return
        time.sleep(1.0)


def find_max(platform: Any, args: argparse.Namespace, *, console: Console, described: str) -> None:
    """Trials from ``args.rate`` upward by SEARCH_STEP, then bisect to SEARCH_RESOLUTION; print them all."""
    trials: list[tuple[float, Result, CpuWindow]] = []
    held: float | None = None
    failed: float | None = None
    rate = args.rate
    while True:
        drained(platform)
        console.print(f"trial: {rate:g}/s for {args.seconds:g} s …")
        cpu = CpuWindow()
        cpu.start()
        result = measure(platform, rate=rate, seconds=args.seconds)
        cpu.stop()
        trials.append((rate, result, cpu))
        if result.held:
            held = rate
        else:
            failed = rate
        if held is not None and held >= SEARCH_CEILING:
            break
        if failed is None:
            rate = min(rate + SEARCH_STEP, SEARCH_CEILING)
        elif held is None:
            if rate / 2 < SEARCH_RESOLUTION:
                break
            rate = rate / 2
        elif failed - held <= SEARCH_RESOLUTION:
            break
        else:
            rate = held + (failed - held) / 2
    table = Table(title=f"Rate search, production shape on PostgreSQL: {described}")
    for column in (
        "rate /s",
        "submitted",
        "lost",
        "duplicated",
        "p50 ms",
        "p95 ms",
        "submit lag s",
        "held",
        "CPU",
    ):
        table.add_column(column, justify="right")
    for rate, result, cpu in trials:
        table.add_row(
            f"{rate:g}",
            str(len(result.numbers)),
            str(result.lost),
            str(result.duplicated),
            f"{statistics.median(result.delays):.0f}" if result.delays else "-",
            f"{result.p95:.0f}",
            f"{result.behind:.2f}",
            "yes" if result.held else "no",
            f"{sum((cpu.seconds or {}).values()) / max(cpu.wall, 1e-9):.2f} cores",
        )
    console.print(table)
    for rate, _result, cpu in trials:
        if rate in (held, failed):
            verdict = "held" if rate == held else "not held"
            console.print(cpu.table(f"Where the CPU went at {rate:g}/s ({verdict}; submitting and draining)"))
    print("pipeline_shape: production")
    print(f"pipeline_trials: {len(trials)}")
    print(f"pipeline_max_rate: {held if held is not None else 0:g}")
    print(f"pipeline_first_rate_not_held: {failed if failed is not None else float('nan'):g}")
    for rate, result, cpu in trials:
        if rate == held:
            print(f"pipeline_cpu_ms_per_submission: {cpu_ms_per_submission(result, cpu):.0f}")


def cpu_ms_per_submission(result: Result, cpu: CpuWindow) -> float:
    """CPU of every role (the bench's reading back included) per submission: what a rate costs in cores."""
    return sum((cpu.seconds or {}).values()) * 1000 / max(1, len(result.numbers))


if __name__ == "__main__":
    main()
