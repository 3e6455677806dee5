"""Cases reach housing exactly once, whatever the network or the workers do."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from anju.core import outbox
from anju.core.timeutil import utcnow
from anju.embedded import migrate_all
from anju.housing.models import Case, CaseEvent
from tests.conftest import Systems, build_systems
from tests.support import env
from tests.support.factories import submit_application
from tests.support.flaky import FlakyProxy


@pytest.fixture
def behind_flaky_network(tmp_path: Path, keys_dir: Path) -> Iterator[tuple[Systems, FlakyProxy]]:
    """Platform → flaky proxy → housing, each on its own loopback port."""
    if env.BACKEND == "postgres":
        env.reset_postgres()
    ports = env.Ports(platform=env.free_port(), housing=env.free_port(), sandbox=env.free_port())
    proxy_port = env.free_port()
    urls = ports.urls()
    real_housing = urls["housing_url"]
    urls["housing_url"] = f"http://127.0.0.1:{proxy_port}"  # how the platform reaches housing
    s = env.make_settings(tmp_path, keys_dir, **urls)
    migrate_all(s)
    built = build_systems(s)
    proxy = FlakyProxy(real_housing)
    with env.live_systems(s, built.apps, ports):
        server = env.LiveServer(proxy, proxy_port).start()
        try:
            yield built, proxy
        finally:
            server.stop()
    for runtime in built.runtimes.values():
        runtime.stop()


def submit_one(systems: Systems) -> str:
    return submit_application(systems.runtimes["platform"])


def housing_cases(systems: Systems, number: str) -> tuple[int, int]:
    with systems.runtimes["housing"].db.transaction() as session:
        cases = session.scalar(select(func.count()).select_from(Case).where(Case.case_no == number))
        events = session.scalar(
            select(func.count()).select_from(CaseEvent).join(Case).where(Case.case_no == number)
        )
    return int(cases or 0), int(events or 0)


def outbox_row(systems: Systems) -> dict[str, object]:
    platform = systems.runtimes["platform"]
    with platform.db.transaction() as session:
        return dict(session.execute(select(platform.tables.outbox)).mappings().one())


def test_receiver_fails_then_succeeds_and_lost_answers_do_not_duplicate(
    behind_flaky_network: tuple[Systems, FlakyProxy],
) -> None:
    systems, proxy = behind_flaky_network
    number = submit_one(systems)
    proxy.then("unavailable", "lose_answer", "lose_answer", "ok")
    worker = systems.runtimes["platform"].outbox_worker()

    for _ in range(4):
        worker.run_once(now=utcnow() + timedelta(hours=1))  # every retry is due

    assert proxy.seen == ["unavailable", "lose_answer", "lose_answer", "ok"]
    assert housing_cases(systems, number) == (1, 1)  # arrived twice, stored once, one history entry
    row = outbox_row(systems)
    assert row["status"] == outbox.DELIVERED
    assert row["attempts"] == 4
    assert row["last_status"] == 200  # the last delivery was acknowledged as a repeat


def test_worker_dying_with_a_lease_is_taken_over_and_arrives_once(
    behind_flaky_network: tuple[Systems, FlakyProxy],
) -> None:
    systems, _proxy = behind_flaky_network
    platform = systems.runtimes["platform"]
    number = submit_one(systems)

    doomed = outbox.outbox_claim(platform.db, platform.tables.outbox, owner="doomed", lease_seconds=60)
    assert [m.case_no for m in doomed] == [number]
    # While the lease is held, nobody else gets the message.
    survivor = platform.outbox_worker(owner="survivor")
    assert survivor.run_once() == 0
    assert housing_cases(systems, number) == (0, 0)

    # The doomed worker never comes back in time; after the lease the survivor delivers.
    assert survivor.run_once(now=utcnow() + timedelta(seconds=61)) == 1
    assert housing_cases(systems, number) == (1, 1)
    assert outbox_row(systems)["status"] == outbox.DELIVERED

    # The doomed worker wakes up, sends anyway, and tries to record: the receiver ignores the repeat
    # and the stale worker cannot overwrite the outcome.
    late = platform.client.deliver(doomed[0])
    assert late.ok and late.status_code == 200
    recorded = outbox.outbox_record(
        platform.db,
        platform.tables.outbox,
        message=doomed[0],
        owner="doomed",
        result=late,
        policy=outbox.RetryPolicy(),
    )
    assert recorded is None
    assert housing_cases(systems, number) == (1, 1)


def test_permanent_refusal_goes_dead_and_is_visible(behind_flaky_network: tuple[Systems, FlakyProxy]) -> None:
    systems, _proxy = behind_flaky_network
    platform = systems.runtimes["platform"]
    with platform.db.transaction() as session:
        outbox.outbox_enqueue(
            session,
            platform.tables.outbox,
            topic="case.submitted",
            destination="housing",
            path="/v1/cases",
            payload={"case_no": "GZF-350100-20261127-999999"},  # incomplete: housing answers 422
        )
    platform.outbox_worker().run_once()
    row = outbox_row(systems)
    assert row["status"] == outbox.DEAD  # a 4xx is not retried
    assert row["attempts"] == 1
    assert row["last_status"] == 422
    assert "invalid_request" in str(row["last_error"])
    assert outbox.outbox_counts(platform.db, platform.tables.outbox) == {"dead": 1}
