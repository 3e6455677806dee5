"""Fixtures shared by every test: a fresh set of databases per test, the session's keys, the systems."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from anju.core.runtime import Runtime, ensure_keys
from anju.core.settings import Settings
from anju.embedded import app_for, migrate_all, runtime_for, seed_all
from anju.housing.intake.fetch import attachments_fetch_once
from tests.support import env

warnings.filterwarnings("ignore", message=".*httpx module is deprecated.*")


@pytest.fixture(scope="session")
def keys_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Signing and data keys generated once per test session (as on a first run)."""
    path = tmp_path_factory.mktemp("keys")
    ensure_keys(Settings(keys_dir=path, var_dir=path))
    return path


@pytest.fixture
def settings(tmp_path: Path, keys_dir: Path) -> Settings:
    """Settings for this test, with empty, migrated databases."""
    if env.BACKEND == "postgres":
        env.reset_postgres()
    s = env.make_settings(tmp_path, keys_dir)
    migrate_all(s)
    return s


@dataclass
class Systems:
    """The three systems built from one test's settings (not yet serving)."""

    settings: Settings
    runtimes: dict[str, Runtime]
    apps: dict[str, Any]

    def client(self, system: str) -> TestClient:
        """An in-process client of one app (for page and API tests of that app alone)."""
        return TestClient(self.apps[system], base_url="http://testserver")

    def fetch_case_files(self) -> list[tuple[str, str]]:
        """One pass of housing's file fetch (a worker's job, decision 0035): the files the cases received
        so far declare, from the platform over signed HTTP; returns (case, file) fetched, and fails the test
        on a file that did not arrive."""
        housing = self.runtimes["housing"]
        run = attachments_fetch_once(
            db=housing.db, client=housing.client, cipher=housing.cipher, policy=housing.retry_policy
        )
        assert not run.failed, run.failed
        return run.fetched


def build_systems(s: Settings) -> Systems:
    seed_all(s, people=None)  # personas and staff only: tests bring the register data they need
    runtimes = {name: runtime_for(name, s) for name in ("platform", "housing", "sandbox")}  # type: ignore[arg-type]
    apps = {name: app_for(name, s, runtimes[name]) for name in runtimes}  # type: ignore[arg-type]
    return Systems(settings=s, runtimes=runtimes, apps=apps)


@pytest.fixture
def systems(settings: Settings) -> Iterator[Systems]:
    """The three systems on this test's databases, seeded with demo residents and staff."""
    built = build_systems(settings)
    yield built
    for runtime in built.runtimes.values():
        runtime.stop()


@contextlib.contextmanager
def serving(tmp_path: Path, keys_dir: Path, **overrides: Any) -> Iterator[Systems]:
    """The three systems each serving on its own loopback port, with settings ``overrides``."""
    if env.BACKEND == "postgres":
        env.reset_postgres()
    ports = env.Ports(platform=env.free_port(), housing=env.free_port(), sandbox=env.free_port())
    s = env.make_settings(tmp_path, keys_dir, **ports.urls(), **overrides)
    migrate_all(s)
    built = build_systems(s)
    with env.live_systems(s, built.apps, ports):
        yield built
    for runtime in built.runtimes.values():
        runtime.stop()


@pytest.fixture
def live(tmp_path: Path, keys_dir: Path) -> Iterator[Systems]:
    """The three systems each serving on its own loopback port, talking real HTTP."""
    with serving(tmp_path, keys_dir) as built:
        yield built
