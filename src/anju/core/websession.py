"""Server-side web sessions with idle timeout and CSRF tokens, for the pages of any system."""

from __future__ import annotations

import hmac
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.cookies import SimpleCookie
from typing import Any, Final

import anyio
from fastapi import Request
from sqlalchemy import Column, MetaData, String, Table, Text, delete, select, update

from anju.core.crypto import sm3_hex
from anju.core.db import Database, UTCDateTime, rowcount
from anju.core.timeutil import utcnow

SKIP_PREFIXES = ("/v1/", "/static/", "/healthz", "/readyz", "/internal/")
TOUCH_INTERVAL = timedelta(seconds=60)
PURGE_INTERVAL = timedelta(minutes=5)  # at most this often, a new session also deletes the idle ones


def session_table(metadata: MetaData, name: str = "web_session") -> Table:
    """Sessions stored by the SM3 hash of their cookie token (a stolen table yields no cookies)."""
    return Table(
        name,
        metadata,
        Column("token_hash", String(64), primary_key=True),
        Column("data", Text, nullable=False),
        Column("csrf_token", String(64), nullable=False),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("last_seen_at", UTCDateTime(), nullable=False, index=True),
    )


@dataclass
class WebSession:
    """One browser's session: a dict of values and its CSRF token."""

    token: str
    csrf_token: str
    data: dict[str, Any] = field(default_factory=dict)
    is_new: bool = False
    modified: bool = False
    destroyed: bool = False
    last_seen: datetime | None = None  # when the store last recorded activity (None for a new session)

    def get(self, key: str, default: Any = None) -> Any:
        """A value from the session."""
        return self.data.get(key, default)

    def set(self, key: str, value: Any) -> None:
        """Store a JSON-serialisable value."""
        self.data[key] = value
        self.modified = True

    def pop(self, key: str, default: Any = None) -> Any:
        """Remove and return a value (the session changes only if it held one)."""
        if key in self.data:
            self.modified = True
        return self.data.pop(key, default)

    def rotate(self) -> None:
        """New token and CSRF token (call on sign-in, against session fixation)."""
        self.token = secrets.token_urlsafe(32)
        self.csrf_token = secrets.token_urlsafe(32)
        self.is_new = True
        self.modified = True

    def begin(self, values: dict[str, Any]) -> None:
        """A sign-in: nothing this browser held before survives, the tokens are new (against session
        fixation), and the session holds ``values``."""
        self.data = dict(values)
        self.rotate()

    def csrf_valid(self, presented: str | None) -> bool:
        """Whether a submitted form carries this session's CSRF token."""
        return bool(presented) and hmac.compare_digest(self.csrf_token, str(presented))


class SessionStore:
    """Loads and saves sessions in one system's database."""

    def __init__(self, *, db: Database, table: Table, idle_minutes: int) -> None:
        self.db = db
        self.table = table
        self.idle = timedelta(minutes=idle_minutes)
        self._purged_at: datetime | None = None  # when this process last deleted idle sessions

    def load(self, token: str | None) -> WebSession:
        """The session for a cookie token, or a fresh one if missing or idle too long."""
        if token:
            with self.db.transaction() as session:
                row = (
                    session.execute(
                        select(self.table).where(self.table.c.token_hash == sm3_hex(token.encode()))
                    )
                    .mappings()
                    .first()
                )
            if row is not None and row["last_seen_at"] + self.idle > utcnow():
                return WebSession(
                    token=token,
                    csrf_token=row["csrf_token"],
                    data=json.loads(row["data"]),
                    last_seen=row["last_seen_at"],
                )
            if row is not None:
                self._delete(token)
        return WebSession(
            token=secrets.token_urlsafe(32), csrf_token=secrets.token_urlsafe(32), is_new=True, modified=False
        )

    def save(self, web: WebSession, *, old_token: str | None) -> None:
        """Persist the session (and forget the old token after a rotation)."""
        now = utcnow()
        with self.db.transaction() as session:
            if old_token and old_token != web.token:
                session.execute(
                    delete(self.table).where(self.table.c.token_hash == sm3_hex(old_token.encode()))
                )
            key = sm3_hex(web.token.encode())
            values = {
                "data": json.dumps(web.data, ensure_ascii=False),
                "csrf_token": web.csrf_token,
                "last_seen_at": now,
            }
            changed = rowcount(
                session.execute(update(self.table).where(self.table.c.token_hash == key).values(**values))
            )
            if not changed:
                session.execute(self.table.insert().values(token_hash=key, created_at=now, **values))
                if self._purged_at is None or now - self._purged_at >= PURGE_INTERVAL:
                    # Sessions nobody comes back to are deleted here, not only when presented again.
                    session.execute(delete(self.table).where(self.table.c.last_seen_at < now - self.idle))
                    self._purged_at = now

    def needs_save(self, web: WebSession) -> bool:
        """Whether this request must write: a new or changed session, or activity not recorded for a while
        (the idle clock is kept to the minute, so a page view is not a database write)."""
        return (
            web.is_new or web.modified or web.last_seen is None or utcnow() - web.last_seen >= TOUCH_INTERVAL
        )

    def _delete(self, token: str) -> None:
        with self.db.transaction() as session:
            session.execute(delete(self.table).where(self.table.c.token_hash == sm3_hex(token.encode())))


class WebSessionMiddleware:
    """Attaches ``request.state.web`` to page requests and saves it before the response starts."""

    def __init__(self, app: Any, *, store: SessionStore, cookie_name: str, secure: bool = False) -> None:
        self.app = app
        self.store = store
        self.cookie_name = cookie_name
        self.secure = secure

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Load, run, save, set the cookie."""
        path = scope.get("path", "")
        root = scope.get("root_path", "")
        local = path[len(root) :] if root and path.startswith(root) else path
        if scope["type"] != "http" or local.startswith(SKIP_PREFIXES):
            await self.app(scope, receive, send)
            return
        cookie = SimpleCookie()
        for key, value in scope.get("headers", []):
            if key == b"cookie":
                cookie.load(value.decode("latin-1"))
        old = cookie[self.cookie_name].value if self.cookie_name in cookie else None
        web = await anyio.to_thread.run_sync(self.store.load, old)
        scope.setdefault("state", {})["web"] = web
        cookie_path = root or "/"

        async def send_with_session(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if web.destroyed:
                    await anyio.to_thread.run_sync(self.store._delete, web.token)
                    headers.append((b"set-cookie", self._cookie("", cookie_path, max_age=0)))
                else:
                    if self.store.needs_save(web):
                        await anyio.to_thread.run_sync(lambda: self.store.save(web, old_token=old))
                    headers.append((b"set-cookie", self._cookie(web.token, cookie_path)))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_session)

    def _cookie(self, value: str, path: str, *, max_age: int | None = None) -> bytes:
        parts = [f"{self.cookie_name}={value}", f"Path={path}", "HttpOnly", "SameSite=Lax"]
        if max_age is not None:
            parts.append(f"Max-Age={max_age}")
        if self.secure:
            parts.append("Secure")
        return "; ".join(parts).encode("latin-1")


def session_of(request: Request) -> WebSession:
    """The current page session (attached by WebSessionMiddleware)."""
    web = getattr(request.state, "web", None)
    if web is None:
        raise RuntimeError("WebSessionMiddleware is not installed")
    return web  # type: ignore[no-any-return]


async def web_session(request: Request) -> WebSession:
    """FastAPI dependency: the current page session (async, so no trip to the thread pool for a lookup)."""
    return session_of(request)


class CsrfError(Exception):
    """A form arrived without this session's CSRF token."""


SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})


async def require_csrf(request: Request) -> None:
    """FastAPI dependency for every state-changing form: the CSRF token must match the session.

    A page router carries it for all its routes (``core.web.page_router``); reading a page changes
    nothing, so a safe method passes."""
    if request.method in SAFE_METHODS:
        return
    form = await request.form()
    token = form.get("csrf_token")
    if not session_of(request).csrf_valid(token if isinstance(token, str) else None):
        raise CsrfError()
