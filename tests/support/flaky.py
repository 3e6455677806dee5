"""A flaky network between two systems: a tiny reverse proxy whose misbehaviour is scripted.

It stands in for the network and gateways between organisations (not for any of our code): it can
refuse a request, or pass it on and then lose the answer, as real networks do.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import Response


class FlakyProxy:
    """Forwards every request to ``target``; the next scripted behaviours apply first, in order."""

    def __init__(self, target: str) -> None:
        self.target = target.rstrip("/")
        self.script: deque[str] = deque()
        self.seen: list[str] = []

    def then(self, *behaviours: str) -> FlakyProxy:
        """Queue behaviours: 'unavailable' (503, not forwarded), 'lose_answer' (forwarded, 502 back), 'ok'."""
        self.script.extend(behaviours)
        return self

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        request = Request(scope, receive)
        behaviour = self.script.popleft() if self.script else "ok"
        self.seen.append(behaviour)
        if behaviour == "unavailable":
            await Response("upstream unavailable", status_code=503)(scope, receive, send)
            return
        body = await request.body()
        raw_path = scope.get("raw_path", request.url.path.encode()).decode("latin-1")
        query = scope.get("query_string", b"").decode("latin-1")
        url = self.target + raw_path + (f"?{query}" if query else "")
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
        async with httpx.AsyncClient(timeout=10) as client:
            upstream = await client.request(request.method, url, content=body, headers=headers)
        if behaviour == "lose_answer":
            await Response("bad gateway", status_code=502)(scope, receive, send)
            return
        passthrough = {
            k: v
            for k, v in upstream.headers.items()
            if k.lower() not in ("content-length", "content-encoding", "transfer-encoding")
        }
        await Response(upstream.content, status_code=upstream.status_code, headers=passthrough)(
            scope, receive, send
        )
