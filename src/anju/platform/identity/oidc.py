"""Adapter to an OpenID Connect identity provider (统一身份认证 via OIDC; authlib + joserfc)."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import OAuth2Client
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet


class SignInError(Exception):
    """Sign-in did not complete; ``code`` is stable, the message is for the resident."""

    def __init__(self, code: str, message: str = "登录没有成功，请重新登录。") -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class AuthorizationRequest:
    """What to remember in the session between the redirect and the callback."""

    url: str
    state: str
    nonce: str
    code_verifier: str


@dataclass(frozen=True)
class VerifiedIdentity:
    """Who signed in, as asserted by the provider's verified ID token."""

    subject: str
    name: str
    id_number: str
    phone: str
    real_name_level: int


class OidcProvider:
    """One provider: discovery, authorisation URL, code exchange, ID-token verification."""

    def __init__(
        self, *, issuer: str, client_id: str, client_secret: str, redirect_uri: str, timeout: float = 10.0
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.timeout = timeout
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None
        self._lock = threading.Lock()

    def metadata(self) -> dict[str, Any]:
        """The provider's discovery document (cached)."""
        with self._lock:
            if self._metadata is None:
                response = httpx.get(f"{self.issuer}/.well-known/openid-configuration", timeout=self.timeout)
                response.raise_for_status()
                meta = response.json()
                if meta.get("issuer") != self.issuer:
                    raise SignInError("issuer_mismatch", "身份认证服务配置有误，请稍后再试。")
                self._metadata = meta
            return self._metadata

    def _keyset(self, *, refresh: bool = False) -> KeySet:
        with self._lock:
            if self._keys is None or refresh:
                response = httpx.get(self._metadata_unlocked()["jwks_uri"], timeout=self.timeout)
                response.raise_for_status()
                self._keys = KeySet.import_key_set(response.json())
            return self._keys

    def _metadata_unlocked(self) -> dict[str, Any]:
        if self._metadata is None:
            raise RuntimeError("metadata() must be called first")
        return self._metadata

    def _client(self) -> OAuth2Client:
        return OAuth2Client(
            client_id=self.client_id,
            client_secret=self.client_secret,
            scope="openid profile phone",
            redirect_uri=self.redirect_uri,
            code_challenge_method="S256",
            timeout=self.timeout,
        )

    def authorization_request(self) -> AuthorizationRequest:
        """A fresh authorisation URL with state, nonce and a PKCE verifier."""
        meta = self.metadata()
        verifier = generate_token(64)
        nonce = secrets.token_urlsafe(24)
        with self._client() as client:
            url, state = client.create_authorization_url(
                meta["authorization_endpoint"], nonce=nonce, code_verifier=verifier
            )
        return AuthorizationRequest(url=url, state=state, nonce=nonce, code_verifier=verifier)

    def complete(self, *, params: dict[str, str], expected: AuthorizationRequest | None) -> VerifiedIdentity:
        """Check the callback, exchange the code, verify the ID token; raise SignInError otherwise."""
        if expected is None:
            raise SignInError("no_pending_sign_in", "登录已超时或已在其他页面完成，请重新登录。")
        if params.get("error"):
            if params["error"] == "access_denied":
                raise SignInError("access_denied", "您取消了登录。需要办理时，请重新登录。")
            raise SignInError(params["error"])
        if not params.get("state") or not secrets.compare_digest(params["state"], expected.state):
            raise SignInError("state_mismatch", "登录请求已失效，请重新登录。")
        if not params.get("code"):
            raise SignInError("code_missing")
        meta = self.metadata()
        try:
            with self._client() as client:
                token = client.fetch_token(
                    meta["token_endpoint"],
                    code=params["code"],
                    code_verifier=expected.code_verifier,
                    grant_type="authorization_code",
                )
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            raise SignInError("token_exchange_failed", "暂时无法完成登录，请稍后再试。") from exc
        except Exception as exc:  # authlib raises OAuthError subclasses for error responses
            raise SignInError("token_exchange_failed", "暂时无法完成登录，请稍后再试。") from exc
        claims = self._verify_id_token(str(token.get("id_token", "")), nonce=expected.nonce)
        try:
            return VerifiedIdentity(
                subject=str(claims["sub"]),
                name=str(claims["name"]),
                id_number=str(claims["cert_no"]),
                phone=str(claims.get("phone_number", "")),
                real_name_level=int(claims.get("real_name_level", 0)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise SignInError("claims_missing", "身份认证服务没有返回办理所需的身份信息。") from exc

    def _verify_id_token(self, id_token: str, *, nonce: str) -> dict[str, Any]:
        registry = jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": self.client_id},
            nonce={"essential": True, "value": nonce},
            exp={"essential": True},
            sub={"essential": True},
        )
        for refresh in (False, True):  # a key rotation at the provider: fetch the JWKS again once
            try:
                decoded = jwt.decode(id_token, self._keyset(refresh=refresh), algorithms=["RS256"])
                registry.validate(decoded.claims)
                return dict(decoded.claims)
            except JoseError as exc:
                if refresh:
                    raise SignInError("id_token_invalid", "身份认证结果无法验证，请重新登录。") from exc
            except ValueError as exc:
                if refresh:
                    raise SignInError("id_token_invalid", "身份认证结果无法验证，请重新登录。") from exc
        raise SignInError("id_token_invalid")
