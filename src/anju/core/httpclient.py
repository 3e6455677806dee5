"""Calling another system: signed requests, verified responses, outbox delivery."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from anju.core import signing
from anju.core.httpapi import SystemIdentity
from anju.core.outbox import DeliveryResult, OutboxMessage, new_message_id


@dataclass(frozen=True)
class PreparedRequest:
    """A signed request, ready to send."""

    method: str
    url: str
    destination: str
    headers: dict[str, str]
    body: bytes


class PeerResponseError(Exception):
    """A peer's answer could not be trusted (bad or missing response signature)."""


class PeerResponseTooLarge(PeerResponseError):
    """A peer's answer ran past the size the caller expects: the download was cut off."""


@dataclass(frozen=True)
class Download:
    """A peer's signed answer to a GET, read whole (within the caller's cap) and verified."""

    status_code: int
    content_type: str
    content: bytes


class SignedClient:
    """Sends signed JSON to peer systems by name and checks that the peer signed its answer."""

    def __init__(
        self,
        *,
        identity: SystemIdentity,
        registry: signing.KeyRegistry,
        base_urls: Mapping[str, str],
        timeout_seconds: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.identity = identity
        self.registry = registry
        self.base_urls = {name: url.rstrip("/") for name, url in base_urls.items()}
        self._client = httpx.Client(timeout=timeout_seconds, transport=transport)

    def close(self) -> None:
        """Close pooled connections."""
        self._client.close()

    def prepare(
        self,
        *,
        method: str,
        destination: str,
        path: str,
        payload: Any = None,
        message_id: str | None = None,
        user: str = "",
        purpose: str = "",
        case: str = "",
    ) -> PreparedRequest:
        """The URL, signed headers and exact body of a request to a peer."""
        url = self.base_urls[destination] + path
        parts = urlsplit(url)
        signed_path = parts.path + (f"?{parts.query}" if parts.query else "")
        body = (
            b""
            if payload is None
            else json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        )
        headers = signing.sign_request(
            method=method,
            path=signed_path,
            body=body,
            caller=self.identity.name,
            key_id=self.identity.key_id,
            private_key=self.identity.private_key,
            message_id=message_id or new_message_id(),
            user=user,
            purpose=purpose,
            case=case,
        )
        if body:
            headers["Content-Type"] = "application/json; charset=utf-8"
        return PreparedRequest(method=method, url=url, destination=destination, headers=headers, body=body)

    def check(self, prepared: PreparedRequest, response: httpx.Response, body: bytes | None = None) -> str:
        """Verify the peer signed this answer to this request (``body``: what a stream delivered); returns
        the signature (for provenance)."""
        try:
            signing.verify_response(
                status_code=response.status_code,
                request_nonce=prepared.headers[signing.HEADER_NONCE],
                headers=response.headers,
                body=response.content if body is None else body,
                registry=self.registry,
                expected_responder=prepared.destination,
            )
        except signing.SignatureError as exc:
            raise PeerResponseError(
                f"{prepared.destination} answered without a valid signature: {exc.code}"
            ) from exc
        return str(response.headers.get(signing.HEADER_SIGNATURE, ""))

    def request(self, **kwargs: Any) -> httpx.Response:
        """Send one signed request and verify the signed response (raises PeerResponseError)."""
        prepared = self.prepare(**kwargs)
        response = self._client.request(
            prepared.method, prepared.url, content=prepared.body, headers=prepared.headers
        )
        self.check(prepared, response)
        return response

    def download(self, *, max_bytes: int, **kwargs: Any) -> Download:
        """GET from a peer, streamed and cut off past ``max_bytes`` (a peer cannot make this process hold
        more than the caller expects), then the signature checked over what arrived."""
        prepared = self.prepare(method="GET", **kwargs)
        with self._client.stream("GET", prepared.url, headers=prepared.headers) as response:
            declared = int(response.headers.get("content-length") or 0)
            if declared > max_bytes:
                raise PeerResponseTooLarge(
                    f"{prepared.destination} declared {declared} bytes, over {max_bytes}"
                )
            chunks, received = [], 0
            for chunk in response.iter_bytes():
                received += len(chunk)
                if received > max_bytes:
                    raise PeerResponseTooLarge(f"{prepared.destination} sent more than {max_bytes} bytes")
                chunks.append(chunk)
        content = b"".join(chunks)
        del chunks
        self.check(prepared, response, content)
        return Download(
            status_code=response.status_code,
            content_type=response.headers.get("content-type", ""),
            content=content,
        )

    async def arequest(self, client: httpx.AsyncClient, **kwargs: Any) -> tuple[httpx.Response, str]:
        """The same over an async client (for fan-out); returns the response and its verified signature."""
        prepared = self.prepare(**kwargs)
        response = await client.request(
            prepared.method, prepared.url, content=prepared.body, headers=prepared.headers
        )
        return response, self.check(prepared, response)

    def deliver(self, message: OutboxMessage) -> DeliveryResult:
        """Outbox sender: POST the message; classify the outcome for the retry rule."""
        try:
            response = self.request(
                method="POST",
                destination=message.destination,
                path=message.path,
                payload=message.payload,
                message_id=message.message_id,
                user=message.acting_user,
                purpose=message.purpose,
                case=message.case_no,
            )
        except (httpx.TransportError, PeerResponseError) as exc:
            return DeliveryResult.network_error(f"{type(exc).__name__}: {exc}")
        return DeliveryResult.from_status(response.status_code, response.text)
