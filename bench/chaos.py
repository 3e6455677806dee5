"""Faults survived (issue 18, decision 0033): submissions into the production shape while, at random
moments, a replica or worker is killed with SIGKILL, housing's network namespace is cut off for 60 s,
PostgreSQL restarts and the database terminates the systems' connections.

Usage (root; loopback and our own namespaces only):
    PYTHONPATH=. python bench/chaos.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432
                                       [--submissions 1000] [--rate 5] [--faults 8] [--seed 7]

The shape is `anju deploy local --isolated`'s, on fresh databases `anju_chaos_*`. This process plays the
platform's submit step (one application and its outbox message per transaction, as the web submit commits
them; a database that is away is waited for and tried again), while a prober asks the platform's 办事指南
through the proxy five times a second, as an applicant would. Afterwards every accepted submission must be a
case in housing exactly once and have housing's receipt back on the platform exactly once.

A fault lasts from its start until everything answers again: every replica healthy behind the proxy and
every system's /readyz through it. A 5xx seen outside every fault's window counts in
``chaos_5xx_after_recovery``. Prints a table of the faults, then one `metric: value` line each.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from anju.core.settings import SYSTEMS, Settings
from anju.deploy import Deployment, Shape, databases_ensure, free_base_port, netns_cut
from anju.embedded import runtime_for
from tests.support.factories import submit_application

CUT_SECONDS = 60.0
DRAIN_SECONDS = 600.0
PROBE_SECONDS = 0.2


@dataclass
class Fault:
    """One fault: what, when it began, when it was undone, when everything answered again."""

    kind: str
    target: str
    started: float
    undone: float = 0.0
    recovered: float = 0.0


@dataclass
class Probe:
    """The applicant's view: every answer of the platform through the proxy."""

    answers: list[tuple[float, int]] = field(default_factory=list)  # (time, status; 0 = no answer)


def healthy(deployment: Deployment) -> bool:
    """Every replica answers /readyz directly, and every system through the proxy."""
    shape = deployment.shape
    urls = [f"{shape.url(s)}/readyz" for s in SYSTEMS]
    urls += [f"http://{shape.host_of(s)}:{port}/readyz" for s in SYSTEMS for port in shape.replica_ports(s)]
    try:
        return all(httpx.get(url, timeout=2).status_code == 200 for url in urls)
    except httpx.HTTPError:
        return False


def postgres_restart() -> None:
    cluster = sorted(os.listdir("/etc/postgresql"))[0]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "restart"],  # noqa: S607
        check=True,
        capture_output=True,
    )


def connections_terminate(shape: Shape) -> None:
    engine = create_engine(f"{shape.postgres}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname LIKE :prefix AND pid <> pg_backend_pid()"
                ),
                {"prefix": f"{shape.database_prefix}_%"},
            )
    finally:
        engine.dispose()


def inject(deployment: Deployment, kind: str, rng: random.Random) -> Fault:
    """Start one fault and undo it (a kill is undone by the supervisor, a cut after CUT_SECONDS)."""
    now = time.monotonic()
    if kind == "kill":
        target = rng.choice([n for n in deployment.names() if n not in ("haproxy", "sandbox-1")])
        fault = Fault(kind, target, now)
        deployment.kill(target)
    elif kind == "cut":
        fault = Fault(kind, "housing", now)
        netns_cut(deployment.shape, "housing", cut=True)
        time.sleep(CUT_SECONDS)
        netns_cut(deployment.shape, "housing", cut=False)
    elif kind == "postgres":
        fault = Fault(kind, "postgresql", now)
        postgres_restart()
    else:
        fault = Fault(kind, "connections", now)
        connections_terminate(deployment.shape)
    fault.undone = time.monotonic()
    while not healthy(deployment):
        time.sleep(0.5)
    fault.recovered = time.monotonic()
    return fault


def faults_run(
    deployment: Deployment, plan: list[str], span: float, rng: random.Random, out: list[Fault]
) -> None:
    """The faults one after another, each at a random moment of its share of ``span``."""
    share, started = span / max(1, len(plan)), time.monotonic()
    for n, kind in enumerate(plan):
        moment = n * share + rng.uniform(0, share * 0.5)
        time.sleep(max(0.0, started + moment - time.monotonic()))
        out.append(inject(deployment, kind, rng))


def probe_run(url: str, probe: Probe, stop: threading.Event) -> None:
    with httpx.Client(timeout=5) as client:
        while not stop.wait(PROBE_SECONDS):
            try:
                status = client.get(url).status_code
            except httpx.HTTPError:
                status = 0
            probe.answers.append((time.monotonic(), status))


def submit_all(platform: Any, *, count: int, rate: float) -> tuple[list[str], int]:
    """Submit ``count`` applications at ``rate``; a database away is waited for. Returns the accepted numbers
    and how many attempts had to be made again."""
    numbers, retries = [], 0
    started = time.monotonic()
    for i in range(count):
        time.sleep(max(0.0, started + i / rate - time.monotonic()))
        while True:
            try:
                numbers.append(submit_application(platform, subject=f"chaos-{i % 50}"))
                break
            except DBAPIError:
                retries += 1
                time.sleep(1)
    return numbers, retries


def outcome(shape: Shape, numbers: list[str]) -> tuple[int, int, int]:
    """(lost, duplicated, receipts missing): cases in housing per number, housing's receipts on the platform."""

    def query(system: str, sql: str) -> dict[str, int]:
        engine = create_engine(f"{shape.postgres}/{shape.database_prefix}_{system}")
        try:
            with engine.connect() as connection:
                return {str(k): int(v) for k, v in connection.execute(text(sql)).all()}
        finally:
            engine.dispose()

    cases = query("housing", "SELECT case_no, count(*) FROM case_file GROUP BY case_no")
    receipts = query(
        "platform",
        "SELECT a.application_no, count(e.id) FROM application a LEFT JOIN application_event e "
        "ON e.application_id = a.id AND e.source = 'housing' GROUP BY a.application_no",
    )
    lost = sum(1 for n in numbers if cases.get(n, 0) == 0)
    duplicated = sum(cases.get(n, 0) - 1 for n in numbers if cases.get(n, 0) > 1)
    missing = sum(1 for n in numbers if receipts.get(n, 0) == 0)
    return lost, duplicated, missing


def main() -> None:
    warnings.filterwarnings("ignore", message=".*httpx module is deprecated.*")
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", required=True, help="server URL without database name")
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=5.0)
    parser.add_argument("--faults", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    plan = ["cut", "postgres", "connections"] + ["kill"] * max(0, args.faults - 3)
    rng.shuffle(plan)
    started_at = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        shape = Shape(
            run_dir=Path(tmp), postgres=args.postgres.rstrip("/"), base_port=free_base_port(),
            database_prefix="anju_chaos", isolated=True,
        )  # fmt: skip
        databases_ensure(shape, fresh=True)
        deployment = Deployment(shape)
        deployment.start(seed=False)
        os.environ.update(shape.env())
        platform = runtime_for("platform", Settings())
        probe, stop, faults = Probe(), threading.Event(), list[Fault]()
        prober = threading.Thread(
            target=probe_run, args=(f"{shape.url('platform')}/guide", probe, stop), daemon=True
        )
        prober.start()
        span = args.submissions / args.rate
        chaos = threading.Thread(target=faults_run, args=(deployment, plan, span, rng, faults), daemon=True)
        chaos.start()
        try:
            numbers, retries = submit_all(platform, count=args.submissions, rate=args.rate)
            chaos.join()
            deadline = time.monotonic() + DRAIN_SECONDS
            lost, duplicated, missing = outcome(shape, numbers)
            while (lost or missing) and time.monotonic() < deadline:
                time.sleep(2)
                lost, duplicated, missing = outcome(shape, numbers)
        finally:
            stop.set()
            platform.stop()
            deployment.stop()
    report(args, numbers, retries, faults, probe, (lost, duplicated, missing), time.monotonic() - started_at)
    if len(faults) != len(plan):
        raise SystemExit(
            f"only {len(faults)} of {len(plan)} faults were injected: the figures above prove less"
        )


def report(
    args: argparse.Namespace,
    numbers: list[str],
    retries: int,
    faults: list[Fault],
    probe: Probe,
    result: tuple[int, int, int],
    seconds: float,
) -> None:
    lost, duplicated, missing = result
    windows = [(f.started, f.recovered) for f in faults]
    after = sum(
        1 for at, status in probe.answers if status >= 500 and not any(a <= at <= b for a, b in windows)
    )
    unanswered = sum(
        1 for at, status in probe.answers if status == 0 and not any(a <= at <= b for a, b in windows)
    )
    table = Table(
        title=f"Chaos: {len(numbers)} submissions at {args.rate:g}/s, {len(faults)} faults (seed {args.seed})"
    )
    for column in ("fault", "target", "undone after s", "recovered after s"):
        table.add_column(column)
    for f in faults:
        table.add_row(f.kind, f.target, f"{f.undone - f.started:.1f}", f"{f.recovered - f.started:.1f}")
    Console().print(table)
    print(f"chaos_submissions: {len(numbers)}")
    print(f"chaos_submit_retries: {retries}")
    print(f"chaos_lost: {lost}")
    print(f"chaos_duplicated: {duplicated}")
    print(f"chaos_receipts_missing: {missing}")
    print(f"chaos_faults: {len(faults)}")
    print(f"chaos_recovery_s_max: {max((f.recovered - f.undone for f in faults), default=0):.1f}")
    print(f"chaos_5xx_after_recovery: {after}")
    print(f"chaos_unanswered_after_recovery: {unanswered}")
    print(f"chaos_probes: {len(probe.answers)}")
    print(f"chaos_seconds: {seconds:.0f}")


if __name__ == "__main__":
    main()
