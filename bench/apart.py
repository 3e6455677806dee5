"""Housing in a process of its own, as the benches that measure one system across real HTTP need it.

``housing_apart`` makes fresh databases (a temporary SQLite directory, or ``anju_bench_*`` on a PostgreSQL
server), migrates them, starts `anju serve housing` and ``platform_workers`` × `anju worker platform`,
points this process's environment at them and yields the housing process and a platform runtime that
signs as the platform. Everything stops on leaving.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from anju.core.settings import Settings
from anju.embedded import runtime_for
from tests.support.env import free_port


def postgres_databases(base: str) -> tuple[str, str]:
    """Fresh bench databases on the server (dropped and created)."""
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    urls = []
    with admin.connect() as conn:
        for name in ("anju_bench_platform", "anju_bench_housing"):
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            conn.execute(text(f"CREATE DATABASE {name}"))
            urls.append(f"{base}/{name}")
    admin.dispose()
    return urls[0], urls[1]


@dataclass
class Apart:
    """What ``housing_apart`` started."""

    housing: subprocess.Popen[bytes]
    platform: Any  # the platform's runtime in this process
    housing_workers: list[subprocess.Popen[bytes]]


def wait_ready(url: str, *, attempts: int = 200) -> None:
    """Until ``url`` answers without a server error; a bench that started nothing stops here, saying so."""
    for _ in range(attempts):
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{url} did not start")


@contextmanager
def housing_apart(
    *,
    postgres: str | None,
    platform_workers: int = 0,
    platform_server: bool = False,
    housing_workers: int = 0,
) -> Iterator[Apart]:
    """Also ``platform_server``: `anju serve platform` (housing fetches case files from it), and
    ``housing_workers`` × `anju worker housing` (the outbox and the files' fetch)."""
    with tempfile.TemporaryDirectory() as tmp:
        port, platform_port = free_port(), free_port()
        env = {
            **os.environ,
            "ANJU_VAR_DIR": tmp,
            "ANJU_KEYS_DIR": str(Path(tmp) / "keys"),
            "ANJU_HOUSING_URL": f"http://127.0.0.1:{port}",
            "ANJU_PLATFORM_URL": f"http://127.0.0.1:{platform_port}",
        }
        if postgres:
            env["ANJU_PLATFORM_DB_URL"], env["ANJU_HOUSING_DB_URL"] = postgres_databases(postgres)
        anju = [str(Path(sys.executable).parent / "anju")]
        subprocess.run([*anju, "migrate"], env=env, check=True, capture_output=True)
        logs = open(Path(tmp) / "processes.log", "w")  # noqa: SIM115 - closed below
        serve = [*anju, "serve", "housing", "--port", str(port), "--no-workers"]
        processes = [subprocess.Popen(serve, env=env, stdout=logs, stderr=logs)]
        processes += [
            subprocess.Popen([*anju, "worker", "platform"], env=env, stdout=logs, stderr=logs)
            for _ in range(platform_workers)
        ]
        if platform_server:
            platform_serve = [*anju, "serve", "platform", "--port", str(platform_port), "--no-workers"]
            processes.append(subprocess.Popen(platform_serve, env=env, stdout=logs, stderr=logs))
        fetchers = [
            subprocess.Popen([*anju, "worker", "housing"], env=env, stdout=logs, stderr=logs)
            for _ in range(housing_workers)
        ]
        processes += fetchers
        os.environ.update({k: v for k, v in env.items() if k.startswith("ANJU_")})
        platform = runtime_for("platform", Settings())
        try:
            wait_ready(f"http://127.0.0.1:{port}/readyz")
            if platform_server:
                wait_ready(f"http://127.0.0.1:{platform_port}/readyz")
            yield Apart(housing=processes[0], platform=platform, housing_workers=fetchers)
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=10)
            logs.close()
            platform.stop()
