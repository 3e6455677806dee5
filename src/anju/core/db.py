"""Engines and transactions per system: SQLite under ./var by default, PostgreSQL by URL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event, text
from sqlalchemy.engine import CursorResult, Dialect, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator

# Constraint and index names spelled out, so every migration names them the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def system_metadata() -> MetaData:
    """A system's table metadata, with the project's naming convention."""
    return MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite forgets the zone; we restore it)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes so nobody stores local time by mistake."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Give back an aware UTC datetime."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def is_sqlite(engine: Engine) -> bool:
    """Whether the engine talks to SQLite."""
    return engine.dialect.name == "sqlite"


def make_engine(url: str, *, echo: bool = False, pool_size: int = 15, max_overflow: int = 10) -> Engine:
    """An engine for a system's database, with SQLite made safe for threads and writers.

    On PostgreSQL the pool keeps ``pool_size`` connections open: a connection beyond it is closed when
    returned, so a pool smaller than the usual number of concurrent requests reconnects on every burst
    (bench/progress.py measured connection set-up as the largest single cost with a pool of 5)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(
            url,
            echo=echo,
            pool_pre_ping=True,
            pool_size=pool_size,
            max_overflow=max_overflow,
            connect_args={"connect_timeout": 5},
        )
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when a transaction begins (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Every transaction takes the write lock up front: no deadlock when a reader later writes,
        # and the outbox claim is atomic. Readers outside transactions are unaffected (WAL).
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class Database:
    """One system's database: an engine and short, explicit transactions."""

    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 15, max_overflow: int = 10) -> None:
        self.url = url
        self.engine = make_engine(url, echo=echo, pool_size=pool_size, max_overflow=max_overflow)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed on success and rolled back on any error."""
        with self._sessions() as session, session.begin():
            yield session

    def before_flush(self, listener: Callable[[Session, Any, Any], None]) -> None:
        """Call ``listener`` before every flush of this database's sessions (SQLAlchemy's session event):
        for what must be written whenever certain rows change, in the same transaction."""
        event.listen(self._sessions, "before_flush", listener)

    def ping(self) -> None:
        """Raise if the database cannot answer a trivial query."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def utc(moment: datetime) -> datetime:
    """An aware datetime in UTC (helper for values read back from SQLite in raw SQL)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def rowcount(result: Any) -> int:
    """Rows changed by an UPDATE or DELETE (typed access to CursorResult.rowcount)."""
    return int(cast(CursorResult[Any], result).rowcount)
