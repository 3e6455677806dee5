"""Signed JSON APIs between systems: request verification, signed responses, JSON errors."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import Column, Integer, MetaData, String, Table, delete
from sqlalchemy.dialects import postgresql, sqlite

from anju.core import signing
from anju.core.db import Database, UTCDateTime
from anju.core.timeutil import utcnow

log = logging.getLogger(__name__)

API_PREFIX = "/v1/"


def nonce_table(metadata: MetaData, name: str = "seen_nonce") -> Table:
    """Nonces of signed requests already accepted, kept for twice the clock window."""
    return Table(
        name,
        metadata,
        Column("caller", String(32), primary_key=True),
        Column("nonce", String(64), primary_key=True),
        Column("timestamp", Integer, nullable=False),
        Column("seen_at", UTCDateTime(), nullable=False, index=True),
    )


class DbNonceStore:
    """A replay store in the receiving system's own database (shared by all its replicas)."""

    def __init__(self, *, db: Database, table: Table, window_seconds: int) -> None:
        self.db = db
        self.table = table
        self.window_seconds = window_seconds
        self._accepted = 0

    def remember(self, *, caller: str, nonce: str, timestamp: int) -> bool:
        """Record a nonce; False if the same caller used it before."""
        values = {"caller": caller, "nonce": nonce, "timestamp": timestamp, "seen_at": utcnow()}
        with self.db.transaction() as session:
            dialect = session.get_bind().dialect.name
            insert: Any = (postgresql if dialect == "postgresql" else sqlite).insert(self.table)
            # RETURNING, not rowcount: psycopg reports -1 for INSERT … ON CONFLICT through SQLAlchemy.
            stmt = insert.values(**values).on_conflict_do_nothing().returning(self.table.c.nonce)
            fresh = session.execute(stmt).first() is not None
            self._accepted += 1
            if self._accepted % 500 == 0:
                horizon = utcnow() - timedelta(seconds=2 * self.window_seconds)
                session.execute(delete(self.table).where(self.table.c.seen_at < horizon))
        return bool(fresh)


class ErrorDetail(BaseModel):
    """What went wrong, for a program (code) and for a person (message, Chinese)."""

    code: str
    message: str
    details: Any = None


class ErrorBody(BaseModel):
    """The one JSON error shape of every Anju API."""

    error: ErrorDetail


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for our JSON errors."""
    described = {
        400: "请求有误",
        401: "签名缺失、无效、过期或重放，或密钥已停用（signature_missing, signature_malformed, unknown_caller, key_retired, signature_invalid, timestamp_stale, nonce_replayed）",
        403: "调用方无权调用该接口（caller_not_allowed）",
        404: "对象不存在",
        409: "与当前状态冲突",
        413: "请求体超过本接口允许的大小（too_large；见 ANJU_MAX_*_REQUEST_BYTES）",
        422: "内容不符合接口约定（invalid_request，details 逐项说明）",
        503: "服务暂时不可用，可稍后重试",
    }
    return {status: {"model": ErrorBody, "description": described[status]} for status in statuses}


class ApiError(Exception):
    """An error a caller of our JSON API can act on: a stable code and a Chinese message."""

    def __init__(self, *, code: str, message: str, status_code: int = 400, details: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status_code = status_code
        self.details = details


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    """The one JSON error shape of every Anju API."""
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return {"error": error}


@dataclass(frozen=True)
class SystemIdentity:
    """Who this system is on the wire: its name, signing key and key id."""

    name: str
    private_key: signing.Sm2PrivateKey

    @property
    def key_id(self) -> str:
        """The id peers use to find our public key."""
        return self.private_key.key_id


class SignedApi:
    """Verifies signed requests to one system and signs its API responses."""

    def __init__(
        self,
        *,
        identity: SystemIdentity,
        registry: signing.KeyRegistry,
        nonces: signing.NonceStore,
        window_seconds: int = 300,
    ) -> None:
        self.identity = identity
        self.registry = registry
        self.nonces = nonces
        self.window_seconds = window_seconds

    async def verify(self, request: Request) -> signing.VerifiedRequest:
        """FastAPI dependency: the verified caller of this request, or a 401 with an error code."""
        body = await request.body()
        # The request target exactly as sent (raw, still percent-encoded), as docs/interfaces/signing.md says.
        raw = request.scope.get("raw_path") or request.url.path.encode()
        query = request.scope.get("query_string", b"")
        path = raw.decode("latin-1") + (f"?{query.decode('latin-1')}" if query else "")

        def _check() -> signing.VerifiedRequest:
            return signing.verify_request(
                method=request.method,
                path=path,
                headers=request.headers,
                body=body,
                registry=self.registry,
                nonces=self.nonces,
                window_seconds=self.window_seconds,
            )

        verified = await anyio.to_thread.run_sync(_check)
        request.state.verified = verified
        return verified


async def signed_caller(request: Request) -> signing.VerifiedRequest:
    """FastAPI dependency: the verified caller of a signed request, checked by the serving app's
    ``runtime.api`` (a route that lets every partner call it; otherwise ``signed_callers``)."""
    api: SignedApi = request.app.state.runtime.api
    return await api.verify(request)


def signed_callers(
    allowed: Iterable[str], *, message: str, purpose_required: bool = False
) -> Callable[[Request], Awaitable[signing.VerifiedRequest]]:
    """FastAPI dependency: the verified caller (checked by the serving app's ``runtime.api``), if it is one
    of ``allowed``; otherwise a 403 saying ``message`` (one check for every route's allow-list, issue 21).
    With ``purpose_required`` (an API that reads personal data), a request that does not say why is a 400."""
    permitted = frozenset(allowed)

    async def verified_caller(request: Request) -> signing.VerifiedRequest:
        caller = await signed_caller(request)
        if caller.caller not in permitted:
            raise ApiError(code="caller_not_allowed", message=message, status_code=403)
        if purpose_required and not caller.purpose.strip():
            raise ApiError(code="purpose_missing", message="查询必须说明用途（X-Anju-Purpose）。")
        return caller

    return verified_caller


ASGIApp = Callable[
    [MutableMapping[str, Any], Callable[[], Awaitable[Any]], Callable[..., Awaitable[None]]], Awaitable[None]
]


class SignedResponseMiddleware:
    """Signs every response under /v1/ so callers can prove who answered and what was said."""

    def __init__(self, app: Any, *, api: SignedApi) -> None:
        self.app = app
        self.api = api

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        """Buffer the response of an API call, then send it with signature headers."""
        if scope["type"] != "http" or API_PREFIX not in scope.get("path", ""):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        request_nonce = headers.get(signing.HEADER_NONCE.lower(), "")
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def buffered_send(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                body = b"".join(chunks)
                try:
                    signed = signing.sign_response(
                        status_code=int(start["status"]),
                        request_nonce=request_nonce,
                        body=body,
                        responder=self.api.identity.name,
                        key_id=self.api.identity.key_id,
                        private_key=self.api.identity.private_key,
                    )
                except ValueError:
                    signed = {}  # an unsigned request (no valid nonce) gets an unsigned answer
                raw = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
                raw.append((b"content-length", str(len(body)).encode()))
                raw.extend((k.lower().encode(), v.encode()) for k, v in signed.items())
                await send({**start, "headers": raw})
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        await self.app(scope, receive, buffered_send)


def install_api_errors(app: FastAPI) -> None:
    """JSON errors with a code for API paths: signature failures, validation, our own errors."""

    @app.exception_handler(signing.SignatureError)
    async def _signature_error(_request: Request, exc: signing.SignatureError) -> JSONResponse:
        log.warning("rejected signed request: %s", exc.code)
        return JSONResponse(error_body(exc.code, exc.message), status_code=exc.http_status)

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.message, exc.details), status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return api_validation_error(exc)


def api_validation_error(exc: RequestValidationError) -> JSONResponse:
    """422 with each field that is wrong and why."""
    details = [
        {"field": ".".join(str(p) for p in err.get("loc", ())[1:]), "problem": err.get("msg", "")}
        for err in exc.errors()
    ]
    return JSONResponse(
        error_body("invalid_request", "请求内容不符合接口约定，请按 details 逐项更正。", details),
        status_code=422,
    )
