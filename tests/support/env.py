"""Test environments: settings on SQLite (default) or PostgreSQL (ANJU_TEST_BACKEND=postgres)."""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from anju.core.settings import SYSTEMS, Settings
from anju.deploy import SERVER_PORTS, port_free

BACKEND = os.environ.get("ANJU_TEST_BACKEND", "sqlite")
POSTGRES_URL = os.environ.get("ANJU_TEST_POSTGRES_URL", "")


def postgres_url(system: str) -> str:
    """The per-system test database on the PostgreSQL server (created by .ci/run or make test)."""
    base = make_url(POSTGRES_URL)
    return base.set(database=f"{base.database}_{system}").render_as_string(hide_password=False)


UNSERVED_PORT = 9  # the discard port: closed on a test machine, so a call is refused at once


def make_settings(tmp: Path, keys_dir: Path, **overrides: Any) -> Settings:
    """Settings for one test: its own databases, the session's keys."""
    urls: dict[str, str] = {}
    for system in SYSTEMS:
        if BACKEND == "postgres":
            urls[f"{system}_db_url"] = postgres_url(system)
        else:
            urls[f"{system}_db_url"] = f"sqlite:///{tmp / f'{system}.db'}"
    values: dict[str, Any] = {
        "var_dir": tmp,
        "keys_dir": keys_dir,
        "outbox_base_delay_seconds": 0.05,
        "outbox_max_delay_seconds": 0.2,
        "outbox_poll_seconds": 0.05,
        "http_timeout_seconds": 5.0,
        # Systems not serving in this test are nowhere (port 9, closed): never whatever a developer runs on
        # the default port (`make run`'s 8000). A serving test gives its own ports.
        **{f"{system}_url": f"http://127.0.0.1:{UNSERVED_PORT}/{system}" for system in SYSTEMS},
        **urls,
        **overrides,
    }
    return Settings(**values)


def cli_env(settings: Settings) -> dict[str, str]:
    """The environment the command line (`anju …`) reads to act on a test's systems: their databases,
    keys and addresses — never the defaults, which are whatever a developer runs on port 8000."""
    return {
        "ANJU_VAR_DIR": str(settings.var_dir),
        "ANJU_KEYS_DIR": str(settings.key_directory),
        **{f"ANJU_{system.upper()}_DB_URL": settings.db_url(system) for system in SYSTEMS},
        **{f"ANJU_{system.upper()}_URL": settings.base_url(system) for system in SYSTEMS},
    }


def reset_postgres() -> None:
    """Drop every table in the per-system test databases (PostgreSQL only), creating a database that is
    missing (the restore drill drops one; a test that failed half-way must not fail every later one)."""
    admin = create_engine(make_url(POSTGRES_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for system in SYSTEMS:
            name = make_url(postgres_url(system)).database
            if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    for system in SYSTEMS:
        engine = create_engine(postgres_url(system))
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()


# The OS's randomness, not the random module's, which code under test may seed; and never the same port twice
# in one process: two calls in a row (a test's three servers) would otherwise both find one port free.
PORT_CHOICE = random.SystemRandom()
_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A loopback port nobody holds right now, below the ephemeral range: a port the kernel hands out for
    outgoing connections could be taken by one (a database connection, say) before the server binds it."""
    for _ in range(1000):
        port = PORT_CHOICE.randrange(SERVER_PORTS.start, SERVER_PORTS.stop)
        if port not in _HANDED_OUT and port_free(port):
            _HANDED_OUT.add(port)
            return port
    raise RuntimeError("no free port")


class LiveServer:
    """An ASGI app served by uvicorn on a real loopback port, in a thread."""

    def __init__(self, app: Any, port: int) -> None:
        self.port = port
        self.server = uvicorn.Server(
            uvicorn.Config(
                app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", access_log=False
            )
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def wait_until(check: Callable[[], Any], *, timeout: float = 15.0, interval: float = 0.05) -> Any:
    """Poll until check() is truthy (bounded); returns its value or raises AssertionError."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(interval)


@dataclass
class Ports:
    platform: int
    housing: int
    sandbox: int

    def urls(self) -> dict[str, str]:
        return {f"{s}_url": f"http://127.0.0.1:{getattr(self, s)}" for s in SYSTEMS}


@contextmanager
def live_systems(settings: Settings, apps: dict[str, Any], ports: Ports) -> Iterator[dict[str, LiveServer]]:
    """Serve each system on its own port for the duration of the block."""
    servers = {name: LiveServer(apps[name], getattr(ports, name)).start() for name in SYSTEMS}
    try:
        yield servers
    finally:
        for server in servers.values():
            server.stop()


@contextmanager
def serving_stack(tmp: Path) -> Iterator[tuple[Settings, dict[str, Any], dict[str, LiveServer]]]:
    """All three systems on their own loopback ports with fresh SQLite databases (for benchmarks)."""
    from anju.core.runtime import ensure_keys
    from anju.embedded import app_for, migrate_all, runtime_for, seed_all

    ports = Ports(platform=free_port(), housing=free_port(), sandbox=free_port())
    settings = Settings(var_dir=tmp, keys_dir=tmp / "keys", **ports.urls())
    ensure_keys(settings)
    migrate_all(settings)
    seed_all(settings, people=None)
    runtimes = {s: runtime_for(s, settings) for s in SYSTEMS}
    servers = {s: LiveServer(app_for(s, settings, runtimes[s]), getattr(ports, s)).start() for s in SYSTEMS}
    try:
        yield settings, runtimes, servers
    finally:
        for server in servers.values():
            server.stop()
        for runtime in runtimes.values():
            runtime.stop()
