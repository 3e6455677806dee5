"""The outbox and inbox on a real database (SQLite or PostgreSQL, as the suite runs)."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import MetaData, select

from anju.core import outbox
from anju.core.db import Database
from anju.core.settings import Settings
from anju.core.timeutil import utcnow

metadata = MetaData()
OUTBOX = outbox.outbox_table(metadata, name="test_outbox")
INBOX = outbox.inbox_table(metadata, name="test_inbox")


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = Database(settings.db_url("sandbox"))
    metadata.create_all(database.engine)
    yield database
    metadata.drop_all(database.engine)
    database.dispose()


def enqueue(db: Database, n: int = 1) -> list[str]:
    with db.transaction() as session:
        return [
            outbox.outbox_enqueue(
                session,
                OUTBOX,
                topic="t",
                destination="housing",
                path="/v1/x",
                payload={"i": i, "名": "王𠈌"},
            )
            for i in range(n)
        ]


def statuses(db: Database) -> list[tuple[str, int]]:
    with db.transaction() as session:
        return [(r.status, r.attempts) for r in session.execute(select(OUTBOX).order_by(OUTBOX.c.id))]


def test_a_message_exists_only_if_the_change_commits(db: Database) -> None:
    with pytest.raises(RuntimeError), db.transaction() as session:
        outbox.outbox_enqueue(session, OUTBOX, topic="t", destination="housing", path="/v1/x", payload={})
        raise RuntimeError("the change failed")
    assert statuses(db) == []
    enqueue(db)
    assert statuses(db) == [("pending", 0)]


def test_payload_round_trips_exactly(db: Database) -> None:
    enqueue(db)
    [message] = outbox.outbox_claim(db, OUTBOX, owner="w")
    assert message.payload == {"i": 0, "名": "王𠈌"}
    assert message.body == '{"i":0,"名":"王𠈌"}'.encode()


def test_retryable_failures_back_off_then_go_dead(db: Database) -> None:
    enqueue(db)
    policy = outbox.RetryPolicy(max_attempts=3, base_delay_seconds=10, max_delay_seconds=100)
    worker = outbox.OutboxWorker(
        db=db, table=OUTBOX, sender=lambda m: outbox.DeliveryResult.from_status(503, "busy"), policy=policy
    )
    assert worker.run_once() == 1
    assert statuses(db) == [("pending", 1)]
    assert worker.run_once() == 0  # not due yet: it waits (5–10 s after the first failure)
    assert worker.run_once(now=utcnow() + timedelta(seconds=11)) == 1
    assert worker.run_once(now=utcnow() + timedelta(seconds=60)) == 1
    assert statuses(db) == [("dead", 3)]
    assert worker.run_once(now=utcnow() + timedelta(days=1)) == 0  # dead stays dead
    assert outbox.outbox_retry_dead(db, OUTBOX, message_id=_only_id(db))
    assert statuses(db) == [("pending", 0)]


def _only_id(db: Database) -> str:
    with db.transaction() as session:
        return str(session.scalar(select(OUTBOX.c.message_id)))


@pytest.mark.parametrize(
    ("status", "retryable"),
    [
        (200, None),
        (201, None),
        (429, True),
        (500, True),
        (503, True),
        (400, False),
        (401, False),
        (404, False),
        (422, False),
    ],
)
def test_only_network_errors_5xx_and_429_are_retried(status: int, retryable: bool | None) -> None:
    result = outbox.DeliveryResult.from_status(status)
    assert result.ok is (retryable is None)
    if retryable is not None:
        assert result.retryable is retryable
    assert outbox.DeliveryResult.network_error("ConnectError").retryable


def test_backoff_grows_exponentially_with_jitter_and_a_ceiling() -> None:
    policy = outbox.RetryPolicy(base_delay_seconds=2, max_delay_seconds=60)
    rng = random.Random(1)
    for attempts, ceiling in [(1, 2), (2, 4), (3, 8), (4, 16), (10, 60)]:
        delays = {policy.delay_after(attempts, rng=rng).total_seconds() for _ in range(20)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 1  # jittered, so workers do not retry in lockstep


def test_two_workers_never_claim_the_same_message(db: Database) -> None:
    enqueue(db, 40)
    claimed: dict[str, list[str]] = {"a": [], "b": []}

    def work(owner: str) -> None:
        for _ in range(10):
            claimed[owner] += [m.message_id for m in outbox.outbox_claim(db, OUTBOX, owner=owner, limit=3)]

    threads = [threading.Thread(target=work, args=(o,)) for o in claimed]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    both = claimed["a"] + claimed["b"]
    assert len(both) == 40 and len(set(both)) == 40


def test_inbox_remembers_message_ids(db: Database) -> None:
    with db.transaction() as session:
        assert outbox.inbox_accept(session, INBOX, message_id="m1", sender="platform") is True
        assert outbox.inbox_accept(session, INBOX, message_id="m1", sender="platform") is False
    with db.transaction() as session:
        assert outbox.inbox_accept(session, INBOX, message_id="m1", sender="platform") is False
        assert outbox.inbox_accept(session, INBOX, message_id="m2", sender="platform") is True
    with pytest.raises(RuntimeError), db.transaction() as session:
        assert outbox.inbox_accept(session, INBOX, message_id="m3", sender="platform") is True
        raise RuntimeError("processing failed")
    with db.transaction() as session:  # a failed processing does not swallow the message
        assert outbox.inbox_accept(session, INBOX, message_id="m3", sender="platform") is True
