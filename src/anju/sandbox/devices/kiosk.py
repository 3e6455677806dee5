"""The device agent of a self-service terminal, as the sandbox plays it: it holds the terminal's SM2 key,
asks the platform for a challenge, signs it, and binds the browser it drives to the terminal
(platform/channels/kiosk/terminals.py, decision 0022). In a 政务服务中心 this agent runs on the kiosk and
starts its browser this way each morning; here a person presses the button."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from anju.core import signing
from anju.core.runtime import Runtime

DEMO_TERMINAL_ID = "KIOSK-DEMO-01"
DEMO_TERMINAL_NAME = "联调测试自助终端（模拟鼓楼区政务服务中心 1 号机）"


def demo_terminal_key(key_directory: Path) -> signing.Sm2PrivateKey:
    """The demo terminal's key, created on first use (apart from the systems' keys, so it is no peer)."""
    return signing.load_or_create_keypair(directory=key_directory / "terminals", system="kiosk-demo-01")


def terminal_signature(*, key: signing.Sm2PrivateKey, terminal_id: str, challenge: str) -> str:
    """What the agent sends with a challenge (the same bytes the platform verifies)."""
    text = f"anju-kiosk-terminal|{terminal_id}|{challenge}".encode()
    return signing.sm2_sign(private_key=key, message=text).hex()


def build_router(*, runtime: Runtime, templates: Jinja2Templates) -> APIRouter:
    """GET /devices/kiosk: the agent's start page."""
    router = APIRouter(include_in_schema=False)
    platform = runtime.settings.base_url("platform")

    @router.get("/devices/kiosk", name="device_kiosk")
    def kiosk_agent(request: Request) -> Response:
        context: dict[str, Any] = {
            "title": "自助终端设备（联调）",
            "terminal_id": DEMO_TERMINAL_ID,
            "terminal_name": DEMO_TERMINAL_NAME,
            "action": f"{platform}/kiosk/terminal",
            "error": "",
        }
        try:
            answer = httpx.get(f"{platform}/kiosk/challenge", timeout=runtime.settings.http_timeout_seconds)
            answer.raise_for_status()
            challenge = str(answer.json()["challenge"])
        except (httpx.HTTPError, KeyError, ValueError):
            context["error"] = "无法连接集成化办理平台，请稍后再试。"
            return templates.TemplateResponse(request, "device_kiosk.html", context, status_code=502)
        context["challenge"] = challenge
        context["signature"] = terminal_signature(
            key=demo_terminal_key(runtime.settings.key_directory),
            terminal_id=DEMO_TERMINAL_ID,
            challenge=challenge,
        )
        return templates.TemplateResponse(request, "device_kiosk.html", context)

    return router
