"""Transactional outbox and idempotent inbox.

A message is written in the same transaction as the change it announces. A worker claims due
messages under a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite transactions already hold
the write lock, see ``db.make_engine``), delivers them outside any transaction, and records the
outcome only while it still owns the lease. A worker that dies leaves a lease that expires, and the
message is claimed again; the receiver's inbox makes the repeat harmless.
"""

from __future__ import annotations

import json
import logging
import random
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from anju.core.crypto import FieldCipher
from anju.core.db import Database, UTCDateTime, rowcount
from anju.core.timeutil import utcnow

log = logging.getLogger(__name__)

PENDING = "pending"
DELIVERING = "delivering"
DELIVERED = "delivered"
DEAD = "dead"
DELIVERED_PAYLOAD = "{}"  # what a delivered message's payload becomes (outbox_record)
STUCK_AFTER_MINUTES = 15  # a message waiting longer is listed as stuck (and alerted on: docs/operations)


PAYLOAD_CONTEXT = "outbox.payload"
SEALED_PREFIX = "sm4gcm."


def outbox_protect(table: Table, cipher: FieldCipher) -> None:
    """Keep this outbox's payloads SM4-GCM encrypted at rest (build_runtime does it for every system):
    a queued case or SMS carries ID and phone numbers, and a database file or its write-ahead log must not
    show them even for the seconds before delivery empties the row."""
    table.info["payload_cipher"] = cipher


def _seal(table: Table, text: str) -> str:
    cipher: FieldCipher | None = table.info.get("payload_cipher")
    return cipher.encrypt(text, context=PAYLOAD_CONTEXT) if cipher is not None else text


def outbox_payload(table: Table, stored: str) -> dict[str, Any]:
    """A stored payload as the message it carries (decrypted where sealed; plain rows from before stay
    readable)."""
    cipher: FieldCipher | None = table.info.get("payload_cipher")
    if stored.startswith(SEALED_PREFIX) and cipher is not None:
        stored = cipher.decrypt(stored, context=PAYLOAD_CONTEXT)
    payload: dict[str, Any] = json.loads(stored)
    return payload


def outbox_table(metadata: MetaData, name: str = "outbox_message") -> Table:
    """The outbox table on a system's own metadata."""
    return Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("message_id", String(64), nullable=False, unique=True),
        Column("topic", String(64), nullable=False),
        Column("destination", String(32), nullable=False),
        Column("path", String(200), nullable=False),
        Column("payload", Text, nullable=False),
        Column("case_no", String(50), nullable=False, default=""),
        Column("acting_user", String(64), nullable=False, default=""),
        Column("purpose", String(200), nullable=False, default=""),
        Column("status", String(16), nullable=False, default=PENDING),
        Column("attempts", Integer, nullable=False, default=0),
        Column("next_attempt_at", UTCDateTime(), nullable=False),
        Column("lease_owner", String(64), nullable=True),
        Column("lease_until", UTCDateTime(), nullable=True),
        Column("last_status", Integer, nullable=True),
        Column("last_error", Text, nullable=True),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("delivered_at", UTCDateTime(), nullable=True),
        Index(f"ix_{name}_due", "status", "next_attempt_at"),
    )


def inbox_table(metadata: MetaData, name: str = "inbox_message") -> Table:
    """The inbox table: message ids already processed, for idempotent receipt."""
    return Table(
        name,
        metadata,
        Column("message_id", String(64), primary_key=True),
        Column("sender", String(32), nullable=False),
        Column("topic", String(64), nullable=False, default=""),
        Column("received_at", UTCDateTime(), nullable=False),
    )


def new_message_id() -> str:
    """A message id that is never reused: time-ordered prefix plus 96 random bits."""
    return f"{utcnow().strftime('%Y%m%d%H%M%S')}-{secrets.token_hex(12)}"


@dataclass(frozen=True)
class OutboxMessage:
    """A claimed message, ready to deliver."""

    id: int
    message_id: str
    topic: str
    destination: str
    path: str
    payload: dict[str, Any]
    case_no: str
    acting_user: str
    purpose: str
    attempts: int

    @property
    def body(self) -> bytes:
        """The exact bytes sent (the payload as stored)."""
        return json.dumps(self.payload, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True)
class DeliveryResult:
    """What happened when a message was sent."""

    ok: bool
    retryable: bool = False
    status_code: int | None = None
    error: str = ""

    @classmethod
    def from_status(cls, status_code: int, detail: str = "") -> DeliveryResult:
        """Classify an HTTP status: 2xx done; 5xx and 429 retry; any other 4xx is final."""
        if 200 <= status_code < 300:
            return cls(ok=True, status_code=status_code)
        retryable = status_code >= 500 or status_code == 429
        return cls(ok=False, retryable=retryable, status_code=status_code, error=detail[:2000])

    @classmethod
    def network_error(cls, error: str) -> DeliveryResult:
        """A network error or timeout: worth trying again."""
        return cls(ok=False, retryable=True, error=error[:2000])


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, dead after max_attempts."""

    max_attempts: int = 10
    base_delay_seconds: float = 2.0
    max_delay_seconds: float = 600.0

    def delay_after(self, attempts: int, *, rng: random.Random | None = None) -> timedelta:
        """How long to wait after the given number of failed attempts."""
        ceiling = min(self.max_delay_seconds, self.base_delay_seconds * (2 ** max(attempts - 1, 0)))
        return timedelta(seconds=(rng or random).uniform(ceiling / 2, ceiling))


def outbox_enqueue(
    session: Session,
    table: Table,
    *,
    topic: str,
    destination: str,
    path: str,
    payload: Mapping[str, Any],
    case_no: str = "",
    acting_user: str = "",
    purpose: str = "",
    message_id: str | None = None,
) -> str:
    """Write a message in the caller's transaction; it is delivered only if that commits."""
    now = utcnow()
    mid = message_id or new_message_id()
    session.execute(
        table.insert().values(
            message_id=mid,
            topic=topic,
            destination=destination,
            path=path,
            payload=_seal(table, json.dumps(dict(payload), ensure_ascii=False, separators=(",", ":"))),
            case_no=case_no,
            acting_user=acting_user,
            purpose=purpose,
            status=PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )
    return mid


def outbox_claim(
    db: Database,
    table: Table,
    *,
    owner: str,
    limit: int = 20,
    lease_seconds: float = 60.0,
    now: datetime | None = None,
) -> list[OutboxMessage]:
    """Claim due messages (new, retry due, or whose lease has expired) for one worker."""
    now = now or utcnow()
    c = table.c
    due = or_(
        and_(c.status == PENDING, c.next_attempt_at <= now), and_(c.status == DELIVERING, c.lease_until < now)
    )
    with db.transaction() as session:
        query = select(table).where(due).order_by(c.id).limit(limit)
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = session.execute(query).mappings().all()
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        session.execute(
            update(table)
            .where(c.id.in_(ids))
            .values(status=DELIVERING, lease_owner=owner, lease_until=now + timedelta(seconds=lease_seconds))
        )
    return [
        OutboxMessage(
            id=row["id"],
            message_id=row["message_id"],
            topic=row["topic"],
            destination=row["destination"],
            path=row["path"],
            payload=outbox_payload(table, row["payload"]),
            case_no=row["case_no"],
            acting_user=row["acting_user"],
            purpose=row["purpose"],
            attempts=row["attempts"],
        )
        for row in rows
    ]


def outbox_record(
    db: Database,
    table: Table,
    *,
    message: OutboxMessage,
    owner: str,
    result: DeliveryResult,
    policy: RetryPolicy,
    now: datetime | None = None,
) -> str | None:
    """Record a delivery outcome if the worker still owns the lease; returns the new status."""
    now = now or utcnow()
    c = table.c
    attempts = message.attempts + 1
    values: dict[str, Any] = {
        "attempts": attempts,
        "lease_owner": None,
        "lease_until": None,
        "last_status": result.status_code,
        "last_error": result.error or None,
    }
    if result.ok:
        # Delivered and acknowledged: the receiver has it, so the copy here (ID and phone numbers, names)
        # is emptied rather than kept at rest; the row keeps who, what, when and the outcome.
        values.update(status=DELIVERED, delivered_at=now, payload=DELIVERED_PAYLOAD)
    elif result.retryable and attempts < policy.max_attempts:
        values.update(status=PENDING, next_attempt_at=now + policy.delay_after(attempts))
    else:
        values.update(status=DEAD)
    with db.transaction() as session:
        changed = rowcount(
            session.execute(
                update(table)
                .where(c.id == message.id, c.lease_owner == owner, c.status == DELIVERING)
                .values(**values)
            )
        )
    if not changed:
        log.warning("outbox lease lost before recording message %s", message.message_id)
        return None
    if values["status"] == DEAD:  # an alarm, not a quiet row (also anju_outbox_messages{state="dead"})
        log.error(
            "outbox message %s (%s to %s, case %s) is dead after %d attempt(s): %s %s",
            message.message_id,
            message.topic,
            message.destination,
            message.case_no or "-",
            attempts,
            result.status_code or "",
            (result.error or "")[:200],
        )
    return str(values["status"])


def outbox_retry_dead(db: Database, table: Table, *, message_id: str) -> bool:
    """Put a dead message back in the queue (an operator's decision after fixing the cause)."""
    with db.transaction() as session:
        return bool(
            rowcount(
                session.execute(
                    update(table)
                    .where(table.c.message_id == message_id, table.c.status == DEAD)
                    .values(status=PENDING, attempts=0, next_attempt_at=utcnow())
                )
            )
        )


@dataclass(frozen=True)
class StuckMessage:
    """A message that did not get through: dead, or waiting longer than it should."""

    message_id: str
    topic: str
    destination: str
    case_no: str
    status: str
    attempts: int
    last_status: int | None
    last_error: str
    created_at: datetime
    next_attempt_at: datetime


def _stuck(table: Table, older_than: timedelta, cases: Any) -> ColumnElement[bool]:
    c = table.c
    cutoff = utcnow() - older_than
    stuck = or_(c.status == DEAD, and_(c.status.in_((PENDING, DELIVERING)), c.created_at < cutoff))
    return and_(stuck, c.case_no.in_(cases)) if cases is not None else stuck


def outbox_stuck_count(db: Database, table: Table, *, older_than: timedelta, cases: Any = None) -> int:
    """How many messages outbox_stuck would list, on every page."""
    with db.transaction() as session:
        query = select(func.count()).select_from(table).where(_stuck(table, older_than, cases))
        return int(session.scalar(query) or 0)


def outbox_stuck(
    db: Database, table: Table, *, older_than: timedelta, limit: int = 200, offset: int = 0, cases: Any = None
) -> list[StuckMessage]:
    """Dead messages, and pending ones created more than ``older_than`` ago, oldest first: what operations
    and staff look at when the alert fires, before re-sending with outbox_retry_dead. ``cases``: a
    subquery of case numbers to keep (a staff member's region), applied before the limit."""
    query = (
        select(table)
        .where(_stuck(table, older_than, cases))
        .order_by(table.c.created_at, table.c.id)
        .limit(limit)
        .offset(offset)
    )
    with db.transaction() as session:
        rows = session.execute(query).mappings().all()
    return [
        StuckMessage(
            message_id=r["message_id"],
            topic=r["topic"],
            destination=r["destination"],
            case_no=r["case_no"],
            status=r["status"],
            attempts=r["attempts"],
            last_status=r["last_status"],
            last_error=(r["last_error"] or "")[:500],
            created_at=r["created_at"],
            next_attempt_at=r["next_attempt_at"],
        )
        for r in rows
    ]


def outbox_dead_ids(db: Database, table: Table) -> list[str]:
    """Every dead message's id, oldest first (for re-sending them all once the cause is fixed)."""
    with db.transaction() as session:
        return list(
            session.scalars(select(table.c.message_id).where(table.c.status == DEAD).order_by(table.c.id))
        )


def outbox_counts(db: Database, table: Table) -> dict[str, int]:
    """How many messages are in each state (for health pages and metrics)."""
    with db.transaction() as session:
        rows = session.execute(select(table.c.status, func.count()).group_by(table.c.status)).all()
    return {str(status): int(count) for status, count in rows}


def inbox_accept(session: Session, table: Table, *, message_id: str, sender: str, topic: str = "") -> bool:
    """Record a received message id in the caller's transaction; False if it was seen before."""
    values = {"message_id": message_id, "sender": sender, "topic": topic, "received_at": utcnow()}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt: Any = postgresql.insert(table).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        stmt = sqlite.insert(table).values(**values).on_conflict_do_nothing()
    else:  # pragma: no cover - only the two supported backends
        raise RuntimeError(f"unsupported dialect {dialect}")
    # RETURNING, not rowcount: psycopg reports -1 for INSERT … ON CONFLICT through SQLAlchemy.
    return session.execute(stmt.returning(table.c.message_id)).first() is not None


Sender = Callable[[OutboxMessage], DeliveryResult]


class OutboxWorker:
    """Delivers one system's outbox: claim, send, record; again and again."""

    def __init__(
        self,
        *,
        db: Database,
        table: Table,
        sender: Sender,
        policy: RetryPolicy,
        lease_seconds: float = 60.0,
        owner: str | None = None,
        batch_size: int = 20,
    ) -> None:
        self.db = db
        self.batch_size = batch_size
        self.table = table
        self.sender = sender
        self.policy = policy
        self.lease_seconds = lease_seconds
        self.owner = owner or f"worker-{secrets.token_hex(6)}"

    def run_once(self, *, now: datetime | None = None) -> int:
        """Deliver every message due now; returns how many were attempted."""
        messages = outbox_claim(
            self.db,
            self.table,
            owner=self.owner,
            lease_seconds=self.lease_seconds,
            now=now,
            limit=self.batch_size,
        )
        for message in messages:
            try:
                result = self.sender(message)
            except Exception as exc:  # a bug in the sender must not kill the worker
                log.exception("outbox sender failed for %s", message.message_id)
                result = DeliveryResult(ok=False, retryable=True, error=f"{type(exc).__name__}: {exc}")
            outbox_record(
                self.db, self.table, message=message, owner=self.owner, result=result, policy=self.policy
            )
        return len(messages)

    def run_forever(self, *, stop: threading.Event, poll_seconds: float = 1.0) -> None:
        """Poll until stopped; sleeps only when there was nothing to do."""
        while not stop.is_set():
            try:
                busy = self.run_once()
            except Exception:
                log.exception("outbox worker pass failed; retrying")
                busy = 0
            if not busy:
                stop.wait(poll_seconds)
