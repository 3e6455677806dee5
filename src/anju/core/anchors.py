"""Each system's audit-chain heads kept by the other (DESIGN.md §5, decision 0013 and issue 20): deleting
the newest rows of a chained log and rewinding its head in the same database leaves a chain that checks
out by itself; a head already held by another organisation's system does not move with it.

``anju audit anchor`` (cron, hourly) sends a system's heads to its peer over the signed API; the peer
stores them (append-only) and answers with its own signature. ``anju audit verify`` asks the peer for the
latest head it holds of each chain and checks the local chain still reaches it.
"""

from __future__ import annotations

from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select

from anju.core import signing
from anju.core.httpapi import ApiError, error_responses, signed_caller
from anju.core.httpclient import PeerResponseError
from anju.core.runtime import Runtime
from anju.core.timeutil import utcnow
from anju.core.web import RuntimeDep

ANCHOR_PATH = "/v1/audit/anchors"
# A chain position is stored as a 32-bit integer (SQLite and PostgreSQL alike): larger is refused, not a 500.
MAX_SEQ = 2**31 - 1
PEERS = {"platform": "housing", "housing": "platform"}  # who keeps whose heads


class ChainHead(BaseModel):
    """One chain's head as its system has it."""

    model_config = ConfigDict(extra="forbid")

    chain: str = Field(pattern=r"^[a-z_]{1,64}$")
    seq: int = Field(ge=0, le=MAX_SEQ)
    head: str = Field(pattern=r"^[0-9a-f]{64}$")


class Anchors(BaseModel):
    """Heads sent for safe keeping."""

    model_config = ConfigDict(extra="forbid")

    chains: list[ChainHead] = Field(max_length=50)


Caller = Annotated[signing.VerifiedRequest, Depends(signed_caller)]

router = APIRouter(tags=["audit"])


def peer(runtime: Runtime, caller: signing.VerifiedRequest) -> str:
    if PEERS.get(caller.caller) != runtime.system:
        raise ApiError(code="caller_not_allowed", message="该系统不在本系统保存审计链头。", status_code=403)
    return caller.caller


@router.post(ANCHOR_PATH, summary="保存对方系统的审计哈希链链头", responses=error_responses(401, 403, 422))
def anchors_keep(runtime: RuntimeDep, body: Anchors, caller: Caller) -> dict[str, int]:
    system, table = peer(runtime, caller), runtime.tables.audit_anchor
    now = utcnow()
    with runtime.db.transaction() as session:
        for c in body.chains:
            session.execute(
                table.insert().values(system=system, chain=c.chain, seq=c.seq, head=c.head, received_at=now)
            )
    return {"stored": len(body.chains)}


@router.get(ANCHOR_PATH, summary="返回为对方系统保存的最新链头", responses=error_responses(401, 403))
def anchors_latest(runtime: RuntimeDep, caller: Caller) -> dict[str, Any]:
    system, table = peer(runtime, caller), runtime.tables.audit_anchor
    latest = select(func.max(table.c.id)).where(table.c.system == system).group_by(table.c.chain)
    with runtime.db.transaction() as session:
        rows = session.execute(select(table.c.chain, table.c.seq, table.c.head).where(table.c.id.in_(latest)))
        return {"chains": [{"chain": c, "seq": s, "head": h} for c, s, h in rows]}


def anchors_send(*, runtime: Runtime) -> int:
    """Send this system's chain heads to its peer; returns how many it keeps (raises on failure)."""
    with runtime.db.transaction() as session:
        heads = runtime.audit.heads(session)
    response = runtime.client.request(
        method="POST",
        destination=PEERS[runtime.system],
        path=ANCHOR_PATH,
        payload={"chains": [{"chain": n, "seq": s, "head": h} for n, s, h in heads]},
        user="system",
        purpose="审计哈希链链头异地保存",
    )
    if response.status_code != 200:
        raise PeerResponseError(f"anchors refused: {response.status_code} {response.text[:200]}")
    return int(response.json()["stored"])


def anchors_fetch(*, runtime: Runtime) -> dict[str, tuple[int, str]] | None:
    """The latest head of each chain the peer keeps for this system (None if it cannot be asked)."""
    try:
        response = runtime.client.request(
            method="GET",
            destination=PEERS[runtime.system],
            path=ANCHOR_PATH,
            payload=None,
            user="system",
            purpose="核验审计哈希链",
        )
    except (httpx.HTTPError, PeerResponseError):
        return None
    if response.status_code != 200:
        return None
    return {c["chain"]: (int(c["seq"]), str(c["head"])) for c in response.json()["chains"]}
