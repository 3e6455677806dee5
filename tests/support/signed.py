"""Signing test requests as a peer system would (with the session's real keys)."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from anju.core import signing
from anju.core.outbox import new_message_id
from anju.core.runtime import Runtime


def signed_post(
    client: TestClient,
    *,
    as_system: Runtime,
    path: str,
    payload: Any,
    message_id: str | None = None,
    now: float | None = None,
    nonce: str | None = None,
    tamper_body: bytes | None = None,
    private_key: signing.Sm2PrivateKey | None = None,
    purpose: str = "测试",
) -> Any:
    """POST JSON signed by ``as_system``; the path is what the receiving app sees (its mount included)."""
    body = json.dumps(payload, ensure_ascii=False).encode()
    headers = signing.sign_request(
        method="POST",
        path=path,
        body=body,
        caller=as_system.identity.name,
        key_id=as_system.identity.key_id,
        private_key=private_key or as_system.identity.private_key,
        message_id=message_id or new_message_id(),
        user="fj-test",
        purpose=purpose,
        case=str(payload.get("case_no", "")) if isinstance(payload, dict) else "",
        now=now,
        nonce=nonce,
    )
    headers["Content-Type"] = "application/json"
    return client.post(path, content=tamper_body if tamper_body is not None else body, headers=headers)


def signed_get(client: TestClient, *, as_system: Runtime, path: str, case: str = "") -> Any:
    """GET signed by ``as_system`` (an empty body), as a peer queries another system."""
    headers = signing.sign_request(
        method="GET",
        path=path,
        body=b"",
        caller=as_system.identity.name,
        key_id=as_system.identity.key_id,
        private_key=as_system.identity.private_key,
        message_id=new_message_id(),
        user="fj-test",
        purpose="测试",
        case=case,
    )
    return client.get(path, headers=headers)
