"""The signed-in progress page under load, against a bare Starlette endpoint doing the same database read.

Usage: PYTHONPATH=. python bench/progress.py [--postgres postgresql+psycopg://postgres@127.0.0.1:5432]
                                            [--applications 10000] [--seconds 15] [--concurrency 16]

Seeds the applications (3 events each) and 50 signed-in sessions, then serves the platform (`anju serve
platform`, its whole middleware stack: sessions, CSRF cookie, response signing, templates) and a bare
Starlette app (the session lookup, the application and its timeline from the same database, a small HTML
answer) as separate processes, and loads each in turn. Prints a table, then `metric: value` lines.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from datetime import timedelta
from pathlib import Path

import httpx
from bench.apart import wait_ready
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text

SESSIONS = 50


def bare_app() -> object:
    """The bare endpoint: the same reads as the progress page, nothing else."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    from anju.core.settings import Settings
    from anju.embedded import runtime_for
    from anju.platform.applications import service as applications

    runtime = runtime_for("platform", Settings())

    def page(request: Request) -> HTMLResponse:
        web = runtime.sessions.load(request.cookies.get("anju_platform"))
        applicant_id = web.get("applicant_id")
        with runtime.db.transaction() as session:
            application = applications.application_get_for(
                session=session, applicant_id=int(applicant_id or 0), application_no=request.path_params["no"]
            )
            if application is None:
                return HTMLResponse("not found", status_code=404)
            events = applications.application_timeline(session=session, application=application)
            body = "".join(f"<li>{e.status} {e.occurred_at:%Y-%m-%d}</li>" for e in events)
        return HTMLResponse(f"<h1>{application.application_no}</h1><ol>{body}</ol>")

    return Starlette(routes=[Route("/applications/{no}", page)])


def seed(count: int) -> list[tuple[str, list[str]]]:
    """Applicants, applications with three events each, and signed-in sessions; returns (cookie, numbers)."""
    from anju.core.settings import Settings
    from anju.core.timeutil import utcnow
    from anju.core.websession import WebSession
    from anju.embedded import runtime_for
    from anju.platform.models import APPLICATION_PHONE_CONTEXT, Applicant, Application, ApplicationEvent

    runtime = runtime_for("platform", Settings())
    cipher, index = runtime.cipher, runtime.blind_index
    owners = max(SESSIONS, count // 10)
    phone = cipher.encrypt("13800000000", context=APPLICATION_PHONE_CONTEXT)
    now = utcnow()
    with runtime.db.transaction() as session:
        applicants = [
            Applicant(
                subject=f"bench-{i}",
                name="林晓峰",
                id_number_enc=cipher.encrypt(f"bench-{i}", context="bench"),
                id_number_bidx=index.digest(f"bench-{i}", kind="id_number"),
                real_name_level=3,
            )
            for i in range(owners)
        ]
        session.add_all(applicants)
        session.flush()
        numbers: dict[int, list[str]] = {}
        for i in range(count):
            owner = applicants[i % owners]
            number = f"GZF-350100-20261101-{i:06d}"
            application = Application(
                application_no=number,
                applicant_id=owner.id,
                city_code="350100",
                district_code="350102",
                applicant_group="low_income",
                household_size=3,
                phone_enc=phone,
                address="鼓楼区五四路 1 号",
                status="first_review",
                status_seq=2,
                submitted_at=now - timedelta(days=10),
            )
            session.add(application)
            numbers.setdefault(owner.id, []).append(number)
            if i % 1000 == 999:
                session.flush()
        session.flush()
        apps = session.execute(text("SELECT id FROM application")).scalars().all()
        session.add_all(
            ApplicationEvent(
                application_id=a,
                source=src,
                seq=seq,
                status=status,
                office="福州市住房保障部门",
                occurred_at=now - timedelta(days=10 - seq),
            )
            for a in apps
            for src, seq, status in (
                ("platform", 0, "submitted"),
                ("housing", 1, "accepted"),
                ("housing", 2, "first_review"),
            )
        )
    cookies = []
    for owner in applicants[:SESSIONS]:
        web = WebSession(token=secrets.token_urlsafe(32), csrf_token=secrets.token_urlsafe(32))
        web.set("applicant_id", owner.id)
        web.set("applicant_name", owner.name)
        runtime.sessions.save(web, old_token=None)
        cookies.append((web.token, numbers[owner.id]))
    runtime.stop()
    return cookies


async def load(
    base: str, cookies: list[tuple[str, list[str]]], seconds: float, concurrency: int
) -> tuple[float, list[float], int]:
    """Requests per second, latencies (ms) and errors, for ``seconds`` of constant load."""
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds
    rng = random.Random(7)

    async def user() -> None:
        nonlocal errors
        async with httpx.AsyncClient(timeout=10) as client:
            while time.perf_counter() < stop:
                token, numbers = rng.choice(cookies)
                started = time.perf_counter()
                r = await client.get(
                    f"{base}/applications/{rng.choice(numbers)}", cookies={"anju_platform": token}
                )
                latencies.append(1000 * (time.perf_counter() - started))
                if r.status_code != 200:
                    errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(user() for _ in range(concurrency)))
    return len(latencies) / (time.perf_counter() - started), latencies, errors


def main() -> None:
    warnings.filterwarnings("ignore", message=".*httpx module is deprecated.*")
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", default=None)
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--serve-bare", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        import logging

        import uvicorn

        # The same server settings as `anju serve` (access log included), so only the app differs.
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
        uvicorn.run(bare_app(), host="127.0.0.1", port=args.serve_bare, log_level="info")  # type: ignore[arg-type]
        return
    from tests.support.env import free_port

    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "ANJU_VAR_DIR": tmp, "ANJU_KEYS_DIR": str(Path(tmp) / "keys"), "PYTHONPATH": "."}
        if args.postgres:
            admin = create_engine(f"{args.postgres}/postgres", isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text("DROP DATABASE IF EXISTS anju_bench_progress WITH (FORCE)"))
                conn.execute(text("CREATE DATABASE anju_bench_progress"))
            admin.dispose()
            env["ANJU_PLATFORM_DB_URL"] = f"{args.postgres}/anju_bench_progress"
        anju = str(Path(sys.executable).parent / "anju")
        subprocess.run([anju, "migrate"], env=env, check=True, capture_output=True)
        os.environ.update({k: v for k, v in env.items() if k.startswith("ANJU_")})
        seeded = time.perf_counter()
        cookies = seed(args.applications)
        seed_seconds = time.perf_counter() - seeded
        p_port, b_port = free_port(), free_port()
        logs = open(Path(tmp) / "servers.log", "w")  # noqa: SIM115 - closed below
        servers = [
            subprocess.Popen(
                [anju, "serve", "platform", "--port", str(p_port), "--no-workers"],
                env=env,
                stdout=logs,
                stderr=logs,
            ),
            subprocess.Popen(
                [sys.executable, __file__, "--serve-bare", str(b_port)], env=env, stdout=logs, stderr=logs
            ),
        ]
        try:
            wait_ready(f"http://127.0.0.1:{p_port}/healthz")
            wait_ready(f"http://127.0.0.1:{b_port}/applications/none")
            asyncio.run(load(f"http://127.0.0.1:{p_port}", cookies, 2, args.concurrency))  # warm up
            progress_rps, progress_ms, progress_errors = asyncio.run(
                load(f"http://127.0.0.1:{p_port}", cookies, args.seconds, args.concurrency)
            )
            bare_rps, bare_ms, bare_errors = asyncio.run(
                load(f"http://127.0.0.1:{b_port}", cookies, args.seconds, args.concurrency)
            )
        finally:
            for s in servers:
                s.terminate()
            for s in servers:
                s.wait(timeout=10)
            logs.close()

    def p99(values: list[float]) -> float:
        return sorted(values)[max(0, int(len(values) * 0.99) - 1)] if values else float("nan")

    backend = "PostgreSQL" if args.postgres else "SQLite"
    table = Table(
        title=f"Signed-in progress page, {args.applications:,} applications on {backend}, {args.concurrency} clients"
    )
    for column in ("endpoint", "req/s", "p50 ms", "p99 ms", "errors"):
        table.add_column(column, justify="right")
    table.add_row(
        "progress page",
        f"{progress_rps:.0f}",
        f"{statistics.median(progress_ms):.1f}",
        f"{p99(progress_ms):.1f}",
        str(progress_errors),
    )
    table.add_row(
        "bare Starlette",
        f"{bare_rps:.0f}",
        f"{statistics.median(bare_ms):.1f}",
        f"{p99(bare_ms):.1f}",
        str(bare_errors),
    )
    Console().print(table)
    print(f"seeded in {seed_seconds:.1f} s")
    print(f"progress_rps: {progress_rps:.0f}")
    print(f"bare_rps: {bare_rps:.0f}")
    print(f"progress_over_bare: {progress_rps / bare_rps:.2f}")
    print(f"progress_p99_ms: {p99(progress_ms):.1f}")


if __name__ == "__main__":
    main()
