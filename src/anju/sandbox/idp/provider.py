"""统一身份认证 stand-in: an OpenID Connect provider (authorisation code flow with PKCE).

Hand-written because it only plays the province's provider in the joint-test environment; the
platform's side uses authlib and joserfc, as it will against the real provider. See
docs/decisions/0003-oidc-sign-in.md.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from joserfc import jwt
from joserfc.jwk import RSAKey
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from anju.core import idcard
from anju.core.crypto import sm3_hex
from anju.core.ratelimit import Limit, RateLimited
from anju.core.runtime import Runtime
from anju.core.timeutil import utcnow
from anju.core.web import client_address
from anju.core.websession import WebSession, require_csrf, web_session
from anju.sandbox.models import IdpAccessToken, IdpAuthorizationCode, Resident
from anju.sandbox.web import RuntimeDep, render

CODE_TTL = timedelta(minutes=5)
TOKEN_TTL = timedelta(hours=1)


@dataclass(frozen=True)
class IdpClient:
    """A registered relying party."""

    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]


class IdpError(Exception):
    """An OAuth error returned as JSON from the token endpoint."""

    def __init__(self, error: str, description: str, status_code: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status_code = status_code


def idp_signing_key(*, directory: Path) -> RSAKey:
    """The provider's RS256 key, created on first run."""
    path = directory / "sandbox.idp.jwk.json"
    if path.exists():
        return RSAKey.import_key(json.loads(path.read_text()))
    directory.mkdir(parents=True, exist_ok=True)
    key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"}, private=True)
    data = key.as_dict(private=True)
    data["kid"] = sm3_hex(json.dumps(key.as_dict(private=False), sort_keys=True).encode())[:16]
    path.write_text(json.dumps(data))
    path.chmod(0o600)
    return RSAKey.import_key(data)


FAILURES_PER_ACCOUNT_ADDRESS = Limit(
    "idp_login_account_address",
    5,
    timedelta(minutes=15),
    "密码错误次数过多，请 15 分钟后再试，或通过“忘记密码”重置。",
)
FAILURES_PER_ADDRESS = Limit(
    "idp_login_address", 30, timedelta(minutes=15), "这台设备登录失败次数过多，请 15 分钟后再试。"
)


def resident_authenticate(*, session: Session, id_number: str, password: str) -> Resident | None:
    """The resident whose ID number and sandbox password match, else None."""
    try:
        number = idcard.parse(id_number).number
    except idcard.InvalidIdNumber:
        return None
    resident = session.scalar(select(Resident).where(Resident.id_number == number))
    if resident is None:
        return None
    try:
        PasswordHasher().verify(resident.password_hash, password)
    except VerificationError:
        return None
    return resident


def code_issue(
    *,
    session: Session,
    client: IdpClient,
    resident: Resident,
    redirect_uri: str,
    scope: str,
    nonce: str,
    code_challenge: str,
) -> str:
    """A one-time authorisation code for the resident."""
    code = secrets.token_urlsafe(32)
    session.add(
        IdpAuthorizationCode(
            code_hash=sm3_hex(code.encode()),
            client_id=client.client_id,
            resident_id=resident.id,
            redirect_uri=redirect_uri,
            scope=scope,
            nonce=nonce,
            code_challenge=code_challenge,
            expires_at=utcnow() + CODE_TTL,
        )
    )
    return code


def _pkce_ok(verifier: str, challenge: str) -> bool:
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return hmac.compare_digest(digest, challenge)


def resident_claims(resident: Resident) -> dict[str, Any]:
    """The claims released about a resident (like 闽政通: clear values plus real-name level)."""
    return {
        "sub": resident.subject,
        "name": resident.name,
        "cert_type": "111",
        "cert_no": resident.id_number,
        "phone_number": resident.phone,
        "real_name_level": resident.real_name_level,
    }


def token_exchange(
    *,
    session: Session,
    client: IdpClient,
    code: str,
    redirect_uri: str,
    code_verifier: str,
    issuer: str,
    key: RSAKey,
) -> dict[str, Any]:
    """Exchange an authorisation code for an ID token and access token (RFC 6749, 7636; OIDC core)."""
    row = session.get(IdpAuthorizationCode, sm3_hex(code.encode()))
    if row is None or row.used or row.expires_at < utcnow() or row.client_id != client.client_id:
        raise IdpError("invalid_grant", "authorization code is unknown, used or expired")
    row.used = True
    if row.redirect_uri != redirect_uri:
        raise IdpError("invalid_grant", "redirect_uri does not match the authorization request")
    if row.code_challenge and not _pkce_ok(code_verifier, row.code_challenge):
        raise IdpError("invalid_grant", "PKCE code_verifier does not match")
    resident = session.get(Resident, row.resident_id)
    if resident is None:
        raise IdpError("invalid_grant", "resident no longer exists")
    now = utcnow()
    claims = {
        **resident_claims(resident),
        "iss": issuer,
        "aud": client.client_id,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=10)).timestamp()),
        "auth_time": int(now.timestamp()),
        "amr": ["face"] if resident.real_name_level >= 3 else ["pwd"],
    }
    if row.nonce:
        claims["nonce"] = row.nonce
    id_token = jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)
    access = secrets.token_urlsafe(32)
    session.add(
        IdpAccessToken(
            token_hash=sm3_hex(access.encode()),
            client_id=client.client_id,
            resident_id=resident.id,
            expires_at=now + TOKEN_TTL,
        )
    )
    return {
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": int(TOKEN_TTL.total_seconds()),
        "id_token": id_token,
        "scope": row.scope,
    }


router = APIRouter(prefix="/idp")


def app_client(request: Request) -> IdpClient:
    """The one relying party registered with the stand-in (the platform)."""
    client: IdpClient = request.app.state.idp_client
    return client


def app_key(request: Request) -> RSAKey:
    """The stand-in's ID-token signing key."""
    key: RSAKey = request.app.state.idp_key
    return key


ClientDep = Annotated[IdpClient, Depends(app_client)]
KeyDep = Annotated[RSAKey, Depends(app_key)]


def issuer(runtime: Runtime) -> str:
    return runtime.settings.base_url("sandbox") + "/idp"


@router.get("/.well-known/openid-configuration", name="idp_discovery")
def discovery(runtime: RuntimeDep) -> dict[str, Any]:
    base = issuer(runtime)
    return {
        "issuer": base,
        "authorization_endpoint": f"{base}/authorize",
        "token_endpoint": f"{base}/token",
        "userinfo_endpoint": f"{base}/userinfo",
        "jwks_uri": f"{base}/jwks",
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": ["openid", "profile", "phone"],
        "claims_supported": ["sub", "name", "cert_type", "cert_no", "phone_number", "real_name_level"],
    }


@router.get("/jwks", name="idp_jwks")
def jwks(key: KeyDep) -> dict[str, Any]:
    return {"keys": [key.as_dict(private=False)]}


def _check_request(client: IdpClient, client_id: str, redirect_uri: str, response_type: str) -> str | None:
    if client_id != client.client_id:
        return "未登记的应用（client_id 不正确）。"
    if redirect_uri not in client.redirect_uris:
        return "回调地址未登记（redirect_uri 不正确）。"
    if response_type != "code":
        return "只支持授权码模式（response_type=code）。"
    return None


def _invalid_request(request: Request, problem: str) -> Response:
    context = {"title": "无法登录", "message": problem, "code": "invalid_request"}
    return render(request, "error.html", context, status_code=400)


def residents_listed(runtime: Runtime) -> list[dict[str, Any]]:
    """The synthetic residents a sandbox sign-in page lists for testers (test_residents.html)."""
    with runtime.db.transaction() as session:
        return [
            {"name": r.name, "id_number": r.id_number, "level": r.real_name_level, "note": r.note}
            for r in session.scalars(select(Resident).order_by(Resident.id))
        ]


def _login_page(
    runtime: Runtime, request: Request, params: dict[str, str], *, error: str = "", status_code: int = 200
) -> Response:
    residents = residents_listed(runtime)
    return render(
        request,
        "idp_login.html",
        {"params": params, "error": error, "residents": residents, "title": "统一身份认证"},
        status_code=status_code,
    )


class AuthorizeParams(BaseModel):
    """What the relying party asks for (OIDC authorisation request), carried through the login form."""

    client_id: str = ""
    redirect_uri: str = ""
    response_type: str = ""
    scope: str = ""
    state: str = ""
    nonce: str = ""
    code_challenge: str = ""

    def refused(self, error: str) -> RedirectResponse:
        """Back to the relying party with an OAuth error (and its state)."""
        query = urlencode({"error": error, "state": self.state})
        return RedirectResponse(f"{self.redirect_uri}?{query}", status_code=303)


class AuthorizeQuery(AuthorizeParams):
    code_challenge_method: str = ""


class LoginForm(AuthorizeParams):
    """The login page's form: the request again (hidden), and the resident's number and password."""

    id_number: str = ""
    password: str = ""
    action: str = "login"


@router.get("/authorize", name="idp_authorize")
def authorize(
    runtime: RuntimeDep, client: ClientDep, request: Request, query: Annotated[AuthorizeQuery, Query()]
) -> Response:
    problem = _check_request(client, query.client_id, query.redirect_uri, query.response_type)
    if problem:
        return _invalid_request(request, problem)
    if query.code_challenge and query.code_challenge_method != "S256":
        return query.refused("invalid_request")
    return _login_page(runtime, request, query.model_dump(include=set(AuthorizeParams.model_fields)))


def resident_password_checked(
    runtime: Runtime, request: Request, id_number: str, password: str
) -> tuple[int, str, str, int] | None:
    """The resident whose number and password these are (id, subject, name, level), or None; failures
    slow the guesser (per number and address, per address), never lock anyone out. Raises
    idcard.InvalidIdNumber, RateLimited. Shared by every sign-in the sandbox plays (OIDC, 闽政通)."""
    number = idcard.parse(id_number).number
    address = client_address(request)
    account = f"{number}|{address}"
    with runtime.db.transaction() as session:
        runtime.rates.check(session, FAILURES_PER_ACCOUNT_ADDRESS, account)
        runtime.rates.check(session, FAILURES_PER_ADDRESS, address)
    with runtime.db.transaction() as session:
        resident = resident_authenticate(session=session, id_number=id_number, password=password)
        if resident is None:
            runtime.rates.count(session, FAILURES_PER_ACCOUNT_ADDRESS, account)
            runtime.rates.count(session, FAILURES_PER_ADDRESS, address)
            return None
        return resident.id, resident.subject, resident.name, resident.real_name_level


def _resident_code(
    runtime: Runtime,
    client: IdpClient,
    params: dict[str, str],
    id_number: str,
    password: str,
    request: Request,
) -> str | None:
    """An authorisation code for the resident whose number and password these are, or None."""
    found = resident_password_checked(runtime, request, id_number, password)
    if found is None:
        return None
    with runtime.db.transaction() as session:
        resident = session.get(Resident, found[0])
        assert resident is not None
        return code_issue(
            session=session,
            client=client,
            resident=resident,
            redirect_uri=params["redirect_uri"],
            scope=params["scope"],
            nonce=params["nonce"],
            code_challenge=params["code_challenge"],
        )


@router.post("/authorize", dependencies=[Depends(require_csrf)])
def authorize_submit(
    runtime: RuntimeDep,
    client: ClientDep,
    request: Request,
    form: Annotated[LoginForm, Form()],
    web: WebSession = Depends(web_session),
) -> Response:
    params = form.model_dump(include=set(AuthorizeParams.model_fields))
    problem = _check_request(client, form.client_id, form.redirect_uri, form.response_type)
    if problem:
        return _invalid_request(request, problem)
    if form.action == "cancel":
        return form.refused("access_denied")
    try:
        code = _resident_code(runtime, client, params, form.id_number, form.password, request)
        error, status_code = (
            ("身份证号码或密码不正确，请核对后重新输入。", 400) if code is None else ("", 200)
        )
    except (idcard.InvalidIdNumber, RateLimited) as exc:  # a malformed number is no secret: say what is wrong
        code, error, status_code = None, exc.message, 429 if isinstance(exc, RateLimited) else 400
    if code is None:
        return _login_page(
            runtime, request, {**params, "id_number": form.id_number}, error=error, status_code=status_code
        )
    web.rotate()
    query = urlencode({"code": code, "state": form.state})
    return RedirectResponse(f"{form.redirect_uri}?{query}", status_code=303)


def _client_from_request(client: IdpClient, request: Request, form: dict[str, str]) -> IdpClient:
    client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:]).decode()
        except ValueError as exc:
            raise IdpError("invalid_client", "malformed basic credentials", 401) from exc
        client_id, _, secret = decoded.partition(":")
    if client_id != client.client_id or not hmac.compare_digest(secret, client.client_secret):
        raise IdpError("invalid_client", "client authentication failed", 401)
    return client


@router.post("/token", name="idp_token")
async def token(runtime: RuntimeDep, client: ClientDep, key: KeyDep, request: Request) -> JSONResponse:
    form = {k: str(v) for k, v in (await request.form()).items()}
    try:
        rp = _client_from_request(client, request, form)
        if form.get("grant_type") != "authorization_code":
            raise IdpError("unsupported_grant_type", "only authorization_code is supported")

        def _exchange() -> dict[str, Any]:
            with runtime.db.transaction() as session:
                return token_exchange(
                    session=session,
                    client=rp,
                    code=form.get("code", ""),
                    redirect_uri=form.get("redirect_uri", ""),
                    code_verifier=form.get("code_verifier", ""),
                    issuer=issuer(runtime),
                    key=key,
                )

        import anyio

        body = await anyio.to_thread.run_sync(_exchange)
    except IdpError as exc:
        return JSONResponse(
            {"error": exc.error, "error_description": exc.description},
            status_code=exc.status_code,
            headers={"Cache-Control": "no-store"},
        )
    return JSONResponse(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


@router.get("/userinfo", name="idp_userinfo")
def userinfo(runtime: RuntimeDep, request: Request) -> JSONResponse:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        return JSONResponse({"error": "invalid_token"}, status_code=401)
    with runtime.db.transaction() as session:
        row = session.get(IdpAccessToken, sm3_hex(header[7:].encode()))
        if row is None or row.expires_at < utcnow():
            return JSONResponse({"error": "invalid_token"}, status_code=401)
        resident = session.get(Resident, row.resident_id)
        claims = resident_claims(resident) if resident else None
    if claims is None:
        return JSONResponse({"error": "invalid_token"}, status_code=401)
    return JSONResponse(claims)
