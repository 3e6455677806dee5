"""Re-encrypting a system's fields under its current SM4 data key, after a rotation (docs/operations.md).

Each system lists its encrypted columns with their contexts (``platform/rekey.py``, ``housing/rekey.py``;
a test checks the list covers every ``*_enc`` column). The job reads a batch of tokens still under another
key, decrypts each with its own key and encrypts it under the current one, and writes it back only if the
row still holds the token it read — all in one transaction per batch. Its progress is the data itself: a
rerun after a stop (Ctrl+C, a crash, a deploy) finds what is left, and nothing is lost or done twice.
An old key is retired from the key file only when no token uses it any more.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import ColumnElement, Table, and_, func, select, update

from anju.core import crypto
from anju.core.db import Database, rowcount

PREFIX = f"{crypto.FIELD_SCHEME}."


@dataclass(frozen=True)
class EncryptedColumn:
    """One column of SM4-GCM tokens and the context they were encrypted with."""

    table: Table
    column: str
    context: str

    @property
    def name(self) -> str:
        return f"{self.table.name}.{self.column}"


def _stale(column: EncryptedColumn, current_key_id: str) -> ColumnElement[bool]:
    value = column.table.c[column.column]
    return and_(value.like(f"{PREFIX}%"), value.not_like(f"{PREFIX}{current_key_id}.%"))


def remaining(
    db: Database, columns: Iterable[EncryptedColumn], *, key_id: str | None, current_key_id: str
) -> dict[str, int]:
    """Tokens per column under ``key_id`` (or, with None, under any key but the current one)."""
    counts = {}
    with db.transaction() as session:
        for column in columns:
            value = column.table.c[column.column]
            where = value.like(f"{PREFIX}{key_id}.%") if key_id else _stale(column, current_key_id)
            counts[column.name] = int(
                session.scalar(select(func.count()).select_from(column.table).where(where)) or 0
            )
    return counts


@dataclass
class RekeyRun:
    """What one run did, by column; ``stopped`` when it was asked to stop before the end."""

    done: dict[str, int]
    skipped: int  # rows changed by someone else between the read and the write (picked up next run)
    stopped: bool


def rekey(
    db: Database,
    cipher: crypto.FieldCipher,
    columns: Iterable[EncryptedColumn],
    *,
    batch: int = 500,
    stop: threading.Event | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> RekeyRun:
    """Re-encrypt every token not under the cipher's current key, a batch per transaction, until none is
    left or ``stop`` is set."""
    run = RekeyRun(done={}, skipped=0, stopped=False)
    for column in columns:
        table, value = column.table, column.table.c[column.column]
        key = table.primary_key.columns.values()[0]
        after = None
        while True:
            if stop is not None and stop.is_set():
                run.stopped = True
                return run
            with db.transaction() as session:
                query = select(key, value).where(_stale(column, cipher.current_key_id))
                if after is not None:
                    query = query.where(key > after)
                rows = session.execute(query.order_by(key).limit(batch)).all()
                for row_id, token in rows:
                    fresh = cipher.reencrypt(token, context=column.context)
                    changed = rowcount(
                        session.execute(
                            update(table).where(key == row_id, value == token).values({column.column: fresh})
                        )
                    )
                    run.skipped += 1 - changed
                    run.done[column.name] = run.done.get(column.name, 0) + changed
            if not rows:
                break
            after = rows[-1][0]
            if progress is not None:
                progress(column.name, len(rows))
    return run


class KeyInUse(Exception):
    """The data key still encrypts some rows."""


def retire_data_key(
    db: Database, columns: Iterable[EncryptedColumn], *, directory: Path, system: str, key_id: str
) -> None:
    """Remove an old SM4 key from the system's key file once no token uses it (raises KeyInUse, or
    ValueError for the current key or an unknown one)."""
    keys = crypto.load_or_create_data_keys(directory=directory, system=system)
    if key_id == keys.current_key_id:
        raise ValueError("the current key cannot be retired: rotate first")
    if key_id not in keys.keys:
        raise ValueError(f"no data key {key_id}")
    left = {
        name: n
        for name, n in remaining(db, columns, key_id=key_id, current_key_id=keys.current_key_id).items()
        if n
    }
    if left:
        raise KeyInUse(", ".join(f"{name} {n}" for name, n in left.items()))
    crypto.remove_data_key(directory=directory, system=system, key_id=key_id)
