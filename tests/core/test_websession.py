"""Server-side sessions: idle timeout, rotation on sign-in, CSRF comparison."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import MetaData, select, update

from anju.core.crypto import sm3_hex
from anju.core.db import Database
from anju.core.settings import Settings
from anju.core.timeutil import utcnow
from anju.core.websession import SessionStore, session_table

metadata = MetaData()
SESSIONS = session_table(metadata, name="test_web_session")


@pytest.fixture
def store(settings: Settings) -> Iterator[SessionStore]:
    db = Database(settings.db_url("sandbox"))
    metadata.create_all(db.engine)
    yield SessionStore(db=db, table=SESSIONS, idle_minutes=30)
    metadata.drop_all(db.engine)
    db.dispose()


def test_session_survives_while_used_and_expires_when_idle(store: SessionStore) -> None:
    web = store.load(None)
    assert web.is_new
    web.set("applicant_id", 7)
    store.save(web, old_token=None)
    again = store.load(web.token)
    assert again.get("applicant_id") == 7 and not again.is_new
    with store.db.transaction() as session:
        session.execute(update(SESSIONS).values(last_seen_at=utcnow() - timedelta(minutes=31)))
    expired = store.load(web.token)
    assert expired.is_new and expired.get("applicant_id") is None
    with store.db.transaction() as session:  # and the stale row is gone
        assert session.execute(select(SESSIONS)).first() is None


def test_rotation_replaces_the_token_and_forgets_the_old_one(store: SessionStore) -> None:
    web = store.load(None)
    store.save(web, old_token=None)
    old = web.token
    web.rotate()
    store.save(web, old_token=old)
    assert store.load(old).is_new  # a fixated token is useless after sign-in
    assert not store.load(web.token).is_new


def test_tokens_are_stored_hashed(store: SessionStore) -> None:
    web = store.load(None)
    store.save(web, old_token=None)
    with store.db.transaction() as session:
        stored = session.scalar(select(SESSIONS.c.token_hash))
    assert stored == sm3_hex(web.token.encode()) and web.token not in str(stored)


def test_csrf_token_must_match_exactly(store: SessionStore) -> None:
    web = store.load(None)
    assert web.csrf_valid(web.csrf_token)
    assert not web.csrf_valid(None)
    assert not web.csrf_valid("")
    assert not web.csrf_valid(web.csrf_token[:-1])


def test_sessions_nobody_returns_to_are_deleted_when_new_ones_start(store: SessionStore) -> None:
    abandoned = store.load(None)
    abandoned.set("applicant_id", 1)
    store.save(abandoned, old_token=None)
    with store.db.transaction() as session:
        session.execute(update(SESSIONS).values(last_seen_at=utcnow() - timedelta(minutes=31)))
    replica = SessionStore(db=store.db, table=SESSIONS, idle_minutes=30)  # a process that has not purged yet
    fresh = replica.load(None)
    fresh.set("applicant_id", 2)
    replica.save(fresh, old_token=None)
    with store.db.transaction() as session:
        kept = session.execute(select(SESSIONS.c.token_hash)).scalars().all()
    assert kept == [sm3_hex(fresh.token.encode())]  # the abandoned one is gone without being presented
