"""Tamper-evident audit logs (DESIGN.md §5: "append-only and hash-chained; a command verifies the chain").

Each row of an audit table (who read whose data, who saw a full ID number) carries its place in the
table's chain and a keyed hash (HMAC-SM3) over the previous row's hash and its own content. The table
``audit_chain`` keeps each chain's head (last place and hash). Changing a row, deleting one, or cutting
rows off the end breaks the chain where it happened, and without the system's key nobody can compute a
chain that passes. ``anju audit verify`` walks the chains.

Rows written before a table was chained carry no place; the report counts them apart.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import Column, Index, Integer, MetaData, String, Table, func, inspect, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from anju.core import crypto
from anju.core.db import UTCDateTime

GENESIS = "0" * 64  # the "previous hash" of a chain's first row
VERIFY_BATCH = 1000


def chain_table(metadata: MetaData, name: str = "audit_chain") -> Table:
    """One row per chained table: its last place and hash (created with the table by its migration)."""
    return Table(
        name,
        metadata,
        Column("name", String(64), primary_key=True),
        Column("seq", Integer, nullable=False),
        Column("head", String(64), nullable=False),
    )


def anchor_table(metadata: MetaData, name: str = "audit_anchor") -> Table:
    """Heads of another system's chains, as that system sent them (append-only): a chain cut back to an
    older head in its own database still shows against the head kept here."""
    return Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("system", String(32), nullable=False),
        Column("chain", String(64), nullable=False),
        Column("seq", Integer, nullable=False),
        Column("head", String(64), nullable=False),
        Column("received_at", UTCDateTime(), nullable=False),
        Index(f"ix_{name}_system_chain", "system", "chain", "id"),
    )


class Chained:
    """Mixin of an audit table: ``CHAINED_FIELDS`` are the columns the hash covers (all that matter)."""

    CHAINED_FIELDS: ClassVar[tuple[str, ...]]

    chain_seq: Mapped[int | None] = mapped_column(Integer, nullable=True, unique=True)
    chain_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)


@dataclass(frozen=True)
class ChainReport:
    """What a walk along one chain found; ``problem`` is empty when the chain holds."""

    name: str
    checked: int
    unchained: int
    head_seq: int
    head_hash: str = ""  # worth writing down elsewhere: a chain cut back to an old head shows against it
    problem: str = ""

    @property
    def intact(self) -> bool:
        """Whether every chained row is there, unchanged, up to the head."""
        return not self.problem


class AuditChain:
    """Appends rows to their table's chain and verifies chains, with one system's index key."""

    def __init__(self, *, table: Table, index: crypto.BlindIndex) -> None:
        self.table = table
        self.index = index

    def append(self, session: Session, *rows: Chained) -> None:
        """Add ``rows`` (all of one table) at the end of their table's chain, in the caller's transaction.

        The head row is locked until the transaction ends (SQLite's writers are serialised anyway), so
        concurrent writers take places one after another instead of forking the chain."""
        if not rows:
            return
        name = chain_name(type(rows[0]))
        if any(chain_name(type(r)) != name for r in rows):
            raise ValueError("one chain per call")
        head = session.execute(
            select(self.table.c.seq, self.table.c.head).where(self.table.c.name == name).with_for_update()
        ).one_or_none()
        if head is None:
            raise RuntimeError(f"audit chain {name!r} has no head row: run `anju migrate`")
        for place, row in enumerate(rows, start=head.seq + 1):
            row.chain_seq = place
        session.add_all(rows)
        session.flush()  # defaults filled in: the hash covers what is stored
        previous = head.head
        for row in rows:
            assert row.chain_seq is not None
            row.chain_hash = previous = self._hash(name, row.chain_seq, previous, row)
        session.execute(
            update(self.table)
            .where(self.table.c.name == name)
            .values(seq=head.seq + len(rows), head=previous)
        )
        session.flush()

    def verify(self, session: Session, model: type[Chained]) -> ChainReport:
        """Walk ``model``'s chain from the first place to the head and say where it breaks, if it does."""
        name = chain_name(model)
        head = session.execute(
            select(self.table.c.seq, self.table.c.head).where(self.table.c.name == name)
        ).one_or_none()
        unchained = (
            session.scalar(select(func.count()).select_from(model).where(model.chain_seq.is_(None))) or 0
        )
        if head is None:
            return ChainReport(name, 0, unchained, 0, problem="链头记录缺失（audit_chain 表中没有这条链）。")
        previous, expected = GENESIS, 1

        def found(problem: str = "") -> ChainReport:
            return ChainReport(name, expected - 1, unchained, head.seq, head.head, problem)

        for row in _in_order(session, model):
            if row.chain_seq != expected:
                return found(f"第 {expected} 条记录缺失（已被删除）。")
            if row.chain_hash != self._hash(name, expected, previous, row, model.CHAINED_FIELDS):
                return found(f"第 {expected} 条记录与链不符（已被修改）。")
            previous, expected = row.chain_hash, expected + 1
        if (head.seq, head.head) != (expected - 1, previous):
            return found(f"链头记录为第 {head.seq} 条，实有 {expected - 1} 条：末尾记录被删除或链头被改动。")
        return found()

    def heads(self, session: Session) -> list[tuple[str, int, str]]:
        """Every chain's head (name, place, hash): what another system keeps as an anchor."""
        rows = session.execute(
            select(self.table.c.name, self.table.c.seq, self.table.c.head).order_by("name")
        )
        return [(str(n), int(s), str(h)) for n, s, h in rows]

    def anchor_check(self, session: Session, model: type[Chained], *, seq: int, head: str) -> str:
        """Whether the chain still reaches a head another system recorded: the row at that place must be
        there with that hash. Returns the problem, or "" when it holds."""
        if seq == 0:
            return ""
        found = session.scalar(select(model.chain_hash).where(model.chain_seq == seq))
        if found is None:
            return f"另一系统记录的链头为第 {seq} 条，本库已没有这一条：末尾记录被删除，链头被回退。"
        if found != head:
            return f"第 {seq} 条记录与另一系统记录的链头不符：链被改写。"
        return ""

    def _hash(
        self, name: str, seq: int, previous: str, row: Any, fields: tuple[str, ...] | None = None
    ) -> str:
        """The keyed hash of a row's place, its predecessor and ``fields`` (a model's CHAINED_FIELDS);
        ``row`` is a model instance or a result row with the same names."""
        content = json.dumps(
            {f: _plain(getattr(row, f)) for f in fields or row.CHAINED_FIELDS},
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
        )
        return self.index.digest(f"{seq}\x1f{previous}\x1f{content}", kind=f"audit:{name}")


def chain_name(model: type[Chained]) -> str:
    """A chain is named after its table."""
    return str(inspect(model).local_table.name)


def _in_order(session: Session, model: type[Chained]) -> Iterator[Any]:
    """The chained rows by place as plain result rows (no ORM objects piling up in the caller's session),
    a batch at a time: a year of logs does not fit in memory."""
    columns = [model.chain_seq, model.chain_hash, *(getattr(model, f) for f in model.CHAINED_FIELDS)]
    after = 0
    while True:
        batch = session.execute(
            select(*columns)
            .where(model.chain_seq.is_not(None), model.chain_seq > after)
            .order_by(model.chain_seq)
            .limit(VERIFY_BATCH)
        ).all()
        if not batch:
            return
        yield from batch
        after = batch[-1].chain_seq


def _plain(value: Any) -> Any:
    """A column value as JSON the same way whichever database it was read back from."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value
