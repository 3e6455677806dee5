"""Backing up and restoring one system's database (docs/operations.md; the restore drill in the tests).

PostgreSQL: `pg_dump --format=custom` and `pg_restore` (the server's own tools, Debian's
postgresql-client), the password passed in the environment, never on the command line. SQLite (the
embedded default): the database's online backup API, consistent while the server runs. A restore goes
into an empty database only, unless told to replace what is there; afterwards `anju audit verify`
says whether the personal-data logs came back whole.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, make_url


class BackupFailed(Exception):
    """A backup or restore did not complete; ``message`` says why, for the operator."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class BackupInfo:
    """What was written."""

    path: Path
    size_bytes: int
    tables: int


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, and the environment that carries it."""
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupFailed(f"找不到 {name}：请安装 PostgreSQL 客户端（apt-get install postgresql-client）。")
    return found


def _tables(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return len(inspect(connection).get_table_names())
    finally:
        engine.dispose()


def backup(url: str, target: Path) -> BackupInfo:
    """Write a consistent copy of the database at ``url`` to ``target`` (raises BackupFailed)."""
    parsed = make_url(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    if parsed.get_backend_name() == "sqlite":
        source = Path(str(parsed.database))
        if not source.exists():
            raise BackupFailed(f"数据库文件不存在：{source}")
        with sqlite3.connect(source) as live, sqlite3.connect(target) as copy:
            live.backup(copy)
    else:
        conninfo, env = _libpq(parsed)
        command = [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"]
        done = subprocess.run([*command, f"--dbname={conninfo}"], env=env, capture_output=True, text=True)  # noqa: S603
        if done.returncode != 0:
            raise BackupFailed(f"pg_dump 失败：{done.stderr.strip()[:500]}")
    return BackupInfo(path=target, size_bytes=target.stat().st_size, tables=_tables(url))


def restore(url: str, source: Path, *, replace: bool = False) -> int:
    """Restore ``source`` into the database at ``url`` and return its number of tables. The database must be
    empty or missing, unless ``replace`` (then it is dropped and made again). Raises BackupFailed."""
    if not source.exists() or source.stat().st_size == 0:
        raise BackupFailed(f"备份文件不存在或为空：{source}")
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        _restore_sqlite(parsed, source, replace=replace)
    else:
        _restore_postgres(parsed, source, replace=replace)
    return _tables(url)


def _restore_sqlite(url: URL, source: Path, *, replace: bool) -> None:
    target = Path(str(url.database))
    if target.exists() and target.stat().st_size > 0 and not replace:
        raise BackupFailed(f"目标数据库不是空的：{target}（确认要覆盖时加 --replace）")
    try:
        with sqlite3.connect(source) as copy:
            if copy.execute("PRAGMA integrity_check").fetchone() != ("ok",):
                raise BackupFailed(f"备份文件已损坏：{source}")
            target.unlink(missing_ok=True)
            with sqlite3.connect(target) as restored:
                copy.backup(restored)
    except sqlite3.DatabaseError as exc:
        raise BackupFailed(f"备份文件无法读取：{source}（{exc}）") from exc


def _restore_postgres(url: URL, source: Path, *, replace: bool) -> None:
    """Into a database of its own first; only a restore that completed takes the name, so a bad or
    truncated backup never costs the database that was there."""
    name = str(url.database)
    _, env = _libpq(url)
    listed = subprocess.run([_tool("pg_restore"), "--list", str(source)], env=env, capture_output=True)  # noqa: S603
    if listed.returncode != 0:
        raise BackupFailed(f"备份文件无法读取：{source}（不是 pg_dump 的自定义格式，或已损坏）")
    staging = f"{name}__restoring"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    quote = admin.dialect.identifier_preparer.quote
    try:
        with admin.connect() as connection:
            exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if exists and not replace and _tables(url.render_as_string(hide_password=False)):
                raise BackupFailed(f"目标数据库 {name} 不是空的（确认要覆盖时加 --replace）")
            connection.execute(text(f"DROP DATABASE IF EXISTS {quote(staging)} WITH (FORCE)"))
            connection.execute(text(f"CREATE DATABASE {quote(staging)}"))
        staged, _ = _libpq(url.set(database=staging))
        command = [
            _tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            f"--dbname={staged}",
        ]
        done = subprocess.run([*command, str(source)], env=env, capture_output=True, text=True)  # noqa: S603
        with admin.connect() as connection:
            if done.returncode != 0:
                connection.execute(text(f"DROP DATABASE IF EXISTS {quote(staging)} WITH (FORCE)"))
                raise BackupFailed(f"pg_restore 失败，原数据库未动：{done.stderr.strip()[:500]}")
            if exists:
                connection.execute(text(f"DROP DATABASE {quote(name)} WITH (FORCE)"))
            connection.execute(text(f"ALTER DATABASE {quote(staging)} RENAME TO {quote(name)}"))
    finally:
        admin.dispose()
