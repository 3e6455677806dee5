"""Health and readiness of each system, as a load balancer or an operator sees them (DESIGN.md §8)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from anju.core.settings import Settings, SystemName
from anju.embedded import app_for, runtime_for
from tests.conftest import Systems
from tests.support import env

SYSTEM_NAMES: tuple[SystemName, ...] = ("platform", "housing", "sandbox")


def sqlite_unopenable(tmp: Path) -> str:
    """A SQLite 'file' that is a directory: the engine is built, but no connection can open it."""
    directory = tmp / "not-a-database.db"
    directory.mkdir()
    return f"sqlite:///{directory}"


def postgres_missing_database(_tmp: Path) -> str:
    """The test server, but a database that does not exist on it."""
    return (
        make_url(env.POSTGRES_URL).set(database="anju_no_such_database").render_as_string(hide_password=False)
    )


def postgres_nobody_listening(_tmp: Path) -> str:
    """A PostgreSQL URL on a loopback port where no server listens."""
    return (
        make_url(env.POSTGRES_URL)
        .set(host="127.0.0.1", port=env.free_port())
        .render_as_string(hide_password=False)
    )


# Every backend can fail to open a SQLite file; on the PostgreSQL run, unreachable servers too.
UNREACHABLE: list[Callable[[Path], str]] = [sqlite_unopenable]
if env.BACKEND == "postgres":
    UNREACHABLE += [postgres_missing_database, postgres_nobody_listening]


@pytest.mark.parametrize("system", SYSTEM_NAMES)
def test_healthz_answers_ok(systems: Systems, system: str) -> None:
    response = systems.client(system).get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["system"] == system


@pytest.mark.parametrize("system", SYSTEM_NAMES)
def test_readyz_reports_the_database_ok(systems: Systems, system: str) -> None:
    response = systems.client(system).get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["status"] == "ready"
    assert body["system"] == system


@pytest.fixture
def broken_client(
    request: pytest.FixtureRequest, settings: Settings, tmp_path: Path
) -> Iterator[tuple[str, TestClient]]:
    """One system built against a database it cannot reach (the others keep their good ones)."""
    system: SystemName = request.param[0]
    bad_url = request.param[1](tmp_path)
    broken = settings.model_copy(update={f"{system}_db_url": bad_url})
    runtime = runtime_for(system, broken)
    try:
        yield system, TestClient(app_for(system, broken, runtime), base_url="http://testserver")
    finally:
        runtime.stop()


@pytest.mark.parametrize(
    "broken_client",
    [(system, make) for system in SYSTEM_NAMES for make in UNREACHABLE],
    ids=[f"{system}-{make.__name__}" for system in SYSTEM_NAMES for make in UNREACHABLE],
    indirect=True,
)
def test_readyz_says_unavailable_when_the_database_cannot_be_reached(
    broken_client: tuple[str, TestClient],
) -> None:
    system, client = broken_client
    ready = client.get("/readyz")
    assert ready.status_code == 503
    body = ready.json()
    assert body["status"] == "unavailable"
    assert body["system"] == system
    assert body["database"] != "ok"
    # The process itself still answers: liveness must not restart it for a database outage.
    alive = client.get("/healthz")
    assert alive.status_code == 200
    assert alive.json()["status"] == "ok"
