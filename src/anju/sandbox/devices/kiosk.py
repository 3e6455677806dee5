"""The device agent of a self-service terminal, as the sandbox plays it: it holds the terminal's SM2 key,
asks the platform for a challenge, signs it, and binds the browser it drives to the terminal
(platform/identity/terminals.py, decision 0022). In a 政务服务中心 this agent runs on the kiosk and
starts its browser this way each morning; here a person presses the button."""

from __future__ import annotations

import base64
import io
import json
import random
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import httpx
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import select

from anju.core import idcard, signing
from anju.core.crypto import sm3_hex
from anju.core.runtime import Runtime
from anju.core.timeutil import format_shanghai, today_shanghai, utcnow
from anju.core.web import path_for
from anju.sandbox.models import Resident
from anju.sandbox.population.models import Person
from anju.sandbox.web import RuntimeDep, render


@dataclass(frozen=True)
class DemoTerminal:
    """A terminal whose device agent the sandbox plays: a self-service kiosk, or a counter window's
    card reader and camera (the same contract; the platform registers each with its kind)."""

    kind: Literal["kiosk", "window"]
    terminal_id: str
    name: str
    title: str  # what the tester's page calls it


DEMO_TERMINALS: dict[str, DemoTerminal] = {
    "kiosk": DemoTerminal(
        "kiosk", "KIOSK-DEMO-01", "联调测试自助终端（模拟鼓楼区政务服务中心 1 号机）", "自助终端"
    ),
    "window": DemoTerminal(
        "window", "WINDOW-DEMO-01", "联调测试窗口设备（模拟鼓楼区政务服务中心综合受理 1 号窗口）", "窗口"
    ),
}
DEMO_TERMINAL_ID = DEMO_TERMINALS["kiosk"].terminal_id
DEMO_TERMINAL_NAME = DEMO_TERMINALS["kiosk"].name
Kind = Literal["kiosk", "window"]


def demo_terminal_key(key_directory: Path, kind: str = "kiosk") -> signing.Sm2PrivateKey:
    """A demo terminal's key, created on first use (apart from the systems' keys, so it is no peer)."""
    return signing.load_or_create_keypair(directory=key_directory / "terminals", system=f"{kind}-demo-01")


def terminal_signature(*, key: signing.Sm2PrivateKey, terminal_id: str, challenge: str) -> str:
    """What the agent sends with a challenge (the same bytes the platform verifies)."""
    text = signing.kiosk_terminal_text(terminal_id=terminal_id, challenge=challenge)
    return signing.sm2_sign(private_key=key, message=text).hex()


@dataclass
class Devices:
    """What the demo terminal's devices hold: the card on the reader, the slips the printer printed."""

    card: dict[str, str] | None = None
    printed: list[dict[str, Any]] = field(default_factory=list)
    rating: str | None = None  # what was pressed on a window's evaluator: "overall=5,efficiency=4,…"
    lock: threading.Lock = field(default_factory=threading.Lock)


def camera_image(*, width: int, height: int, seed: int) -> bytes:
    """A frame from the sandbox camera: a face-sized blur of shapes (the sandbox face check looks at size)."""
    from PIL import Image, ImageDraw, ImageFilter

    rnd = random.Random(seed)
    image = Image.new("RGB", (width, height), (205, 185, 165))
    draw = ImageDraw.Draw(image)
    for _ in range(160):
        x, y, r = rnd.randrange(width), rnd.randrange(height), rnd.randrange(8, max(9, width // 6))
        draw.ellipse((x, y, x + r, y + r), fill=(rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)))
    draw.ellipse((width * 0.3, height * 0.15, width * 0.7, height * 0.85), fill=(226, 196, 170))
    out = io.BytesIO()
    image.filter(ImageFilter.GaussianBlur(2)).save(out, "JPEG", quality=85)
    return out.getvalue()


def document_image(*, seed: int) -> bytes:
    """A page from the sandbox document camera (高拍仪): a white sheet with lines of text-like strokes."""
    from PIL import Image, ImageDraw

    rnd = random.Random(seed)
    image = Image.new("RGB", (840, 1188), (250, 250, 246))
    draw = ImageDraw.Draw(image)
    draw.rectangle((300, 60, 540, 90), fill=(60, 60, 60))  # the title
    for row in range(12, 60):
        width = rnd.randrange(300, 720)
        draw.rectangle((60, row * 18, 60 + width, row * 18 + 8), fill=(110, 110, 110))
    draw.ellipse((600, 1000, 740, 1140), outline=(200, 40, 40), width=6)  # a seal
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def handwriting_image(*, seed: int) -> bytes:
    """What the sandbox signature pad (签名板) captures: ink strokes on white, as a PNG."""
    from PIL import Image, ImageDraw

    rnd = random.Random(seed)
    image = Image.new("RGB", (480, 160), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    x = 40
    for _ in range(3):  # three characters' worth of strokes
        points = [(x + rnd.randrange(0, 90), rnd.randrange(30, 130)) for _ in range(7)]
        draw.line(points, fill=(20, 20, 60), width=4, joint="curve")
        x += 130
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


router = APIRouter(include_in_schema=False)


def app_devices(request: Request, kind: Kind) -> Devices:
    """The devices of the demo terminal the address names (one set per terminal and app, made by
    create_app)."""
    devices: Devices = request.app.state.demo_devices[kind]
    return devices


DevicesDep = Annotated[Devices, Depends(app_devices)]


def cors(runtime: Runtime, response: Response) -> Response:
    # The kiosk page (the platform's origin) calls the device service from the terminal's browser.
    platform = runtime.settings.base_url("platform")
    response.headers["Access-Control-Allow-Origin"] = "/".join(platform.split("/")[:3])
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/devices/{kind}/local/card", name="device_card_read")
def card_read(devices: DevicesDep, runtime: RuntimeDep, kind: Kind, challenge: str = "") -> Response:
    """The card on the reader, signed with the terminal's key over the platform's challenge."""
    with devices.lock:
        card = dict(devices.card) if devices.card else None
    if card is None:
        return cors(runtime, JSONResponse({"error": {"code": "no_card", "message": "读卡区没有身份证"}}, 404))
    if not challenge:
        return cors(runtime, JSONResponse({"error": {"code": "no_challenge", "message": "缺少挑战码"}}, 400))
    terminal_id = DEMO_TERMINALS[kind].terminal_id
    signed = signing.kiosk_card_text(terminal_id=terminal_id, challenge=challenge, **card)
    key = demo_terminal_key(runtime.settings.key_directory, kind)
    return cors(
        runtime,
        JSONResponse(
            {
                "terminal_id": terminal_id,
                "challenge": challenge,
                **card,
                "signature": signing.sm2_sign(private_key=key, message=signed).hex(),
            }
        ),
    )


@router.get("/devices/{kind}/local/camera/frame", name="device_camera_frame")
def camera_frame(runtime: RuntimeDep) -> Response:
    """A preview frame (the page shows a new one twice a second)."""
    frame = camera_image(width=320, height=240, seed=int(utcnow().timestamp() * 2))
    return cors(runtime, Response(frame, media_type="image/jpeg"))


@router.post("/devices/{kind}/local/camera/capture", name="device_camera_capture")
def camera_capture(runtime: RuntimeDep) -> Response:
    """The photo taken when the person presses 拍照."""
    return cors(
        runtime,
        Response(
            camera_image(width=640, height=480, seed=int(utcnow().timestamp())), media_type="image/jpeg"
        ),
    )


@router.post("/devices/{kind}/local/scanner/capture", name="device_scanner_capture")
def scanner_capture(runtime: RuntimeDep, kind: Kind) -> Response:
    """A counter window's document camera (高拍仪): the page of paper placed under it, as a JPEG."""
    return cors(runtime, Response(document_image(seed=int(utcnow().timestamp())), media_type="image/jpeg"))


@router.post("/devices/{kind}/local/signature-pad/capture", name="device_signature_pad_capture")
def signature_pad_capture(runtime: RuntimeDep, kind: Kind, challenge: str = "") -> Response:
    """A counter window's signature pad (签名板): the person signs on it, and it returns the PNG of the
    strokes with its terminal's signature over the platform's challenge and the image's SM3."""
    if not challenge:
        return cors(runtime, JSONResponse({"error": {"code": "no_challenge", "message": "缺少挑战码"}}, 400))
    image = handwriting_image(seed=int(utcnow().timestamp()))
    terminal_id = DEMO_TERMINALS[kind].terminal_id
    signed = signing.signature_pad_text(
        terminal_id=terminal_id, challenge=challenge, image_sm3=sm3_hex(image)
    )
    key = demo_terminal_key(runtime.settings.key_directory, kind)
    body = {
        "terminal_id": terminal_id,
        "challenge": challenge,
        "image": base64.b64encode(image).decode("ascii"),
        "signature": signing.sm2_sign(private_key=key, message=signed).hex(),
    }
    return cors(runtime, JSONResponse(body))


@router.post("/devices/{kind}/local/printer/jobs", name="device_printer_job")
async def printer_job(runtime: RuntimeDep, devices: DevicesDep, request: Request) -> Response:
    """Print a slip: {"title": "...", "lines": ["...", ...]} (sent as text/plain: no preflight)."""
    try:
        job = json.loads(await request.body())
        title, lines = str(job["title"]), [str(line) for line in job["lines"]]
    except (ValueError, KeyError, TypeError):
        return cors(runtime, JSONResponse({"error": {"code": "bad_job", "message": "打印内容格式有误"}}, 400))
    with devices.lock:
        devices.printed.append({"title": title, "lines": lines, "at": format_shanghai(utcnow())})
        number = len(devices.printed)
    return cors(runtime, JSONResponse({"job_id": f"PRN-{number:06d}", "status": "printed"}))


# A window's evaluator (评价器), configured with the offline indicator set of GB/T 39734-2020 (the
# platform's evaluation.yaml names the same codes).
EVALUATOR_INDICATORS = {
    "overall": "整体满意度",
    "efficiency": "服务效率",
    "service_level": "服务水平",
    "attitude": "服务态度",
}
EVALUATOR_LEVELS = {"5": "非常满意", "4": "满意", "3": "基本满意", "2": "不满意", "1": "非常不满意"}


@router.post("/devices/{kind}/local/evaluator/prompt", name="device_evaluator_prompt")
def evaluator_prompt(devices: DevicesDep, runtime: RuntimeDep, kind: Kind) -> Response:
    """Ask the person to rate (the evaluator shows its buttons): whatever was pressed before is cleared."""
    with devices.lock:
        devices.rating = None
    return cors(runtime, JSONResponse({"status": "prompted"}))


@router.get("/devices/{kind}/local/evaluator", name="device_evaluator_read")
def evaluator_read(devices: DevicesDep, runtime: RuntimeDep, kind: Kind, challenge: str = "") -> Response:
    """What the person pressed, signed with the terminal's key over the platform's challenge."""
    with devices.lock:
        scores = devices.rating
    if scores is None:
        return cors(runtime, JSONResponse({"error": {"code": "no_rating", "message": "还没有评价"}}, 404))
    if not challenge:
        return cors(runtime, JSONResponse({"error": {"code": "no_challenge", "message": "缺少挑战码"}}, 400))
    terminal_id = DEMO_TERMINALS[kind].terminal_id
    signed = signing.window_rating_text(terminal_id=terminal_id, challenge=challenge, scores=scores)
    key = demo_terminal_key(runtime.settings.key_directory, kind)
    body = {"terminal_id": terminal_id, "challenge": challenge, "scores": scores}
    return cors(
        runtime, JSONResponse({**body, "signature": signing.sm2_sign(private_key=key, message=signed).hex()})
    )


# --- the tester's hands: place a card on the reader, press the evaluator, see what was printed (not part
# of the contract)
@router.post("/devices/{kind}/evaluator", name="device_evaluator_press")
async def evaluator_press(devices: DevicesDep, request: Request, kind: Kind) -> Response:
    form = await request.form()
    levels = {code: str(form.get(code, "")) for code in EVALUATOR_INDICATORS}
    if any(level not in EVALUATOR_LEVELS for level in levels.values()):
        return JSONResponse({"error": {"code": "incomplete", "message": "请为每一项选择评价等级"}}, 400)
    with devices.lock:
        devices.rating = ",".join(f"{code}={level}" for code, level in levels.items())
    return RedirectResponse(path_for(request, "device_kiosk", kind=kind) + "#evaluator", status_code=303)


@router.post("/devices/{kind}/card", name="device_card_place")
def card_place(
    devices: DevicesDep,
    runtime: RuntimeDep,
    request: Request,
    kind: Kind,
    id_number: str = Form(""),
    expired: str = Form(""),
) -> Response:
    try:
        number = idcard.parse(id_number).number
    except idcard.InvalidIdNumber as exc:
        return JSONResponse({"error": {"code": "invalid_id_number", "message": exc.message}}, 400)
    with runtime.db.transaction() as session:  # the population register, else a sign-in persona
        person = session.scalar(select(Person).where(Person.id_number == number)) or session.scalar(
            select(Resident).where(Resident.id_number == number)
        )
    if person is None:
        return JSONResponse({"error": {"code": "unknown", "message": "人口库中没有这个身份证号码"}}, 404)
    today = today_shanghai()
    valid_until = date(today.year - 1, 3, 1) if expired else date(today.year + 8, 3, 1)
    with devices.lock:
        devices.card = {"id_number": number, "name": person.name, "valid_until": valid_until.isoformat()}
    return RedirectResponse(path_for(request, "device_kiosk", kind=kind), status_code=303)


@router.post("/devices/{kind}/card/remove", name="device_card_remove")
def card_remove(devices: DevicesDep, request: Request, kind: Kind) -> Response:
    with devices.lock:
        devices.card = None
    return RedirectResponse(path_for(request, "device_kiosk", kind=kind), status_code=303)


@router.get("/devices/{kind}/printed", name="device_printed")
def printed(devices: DevicesDep) -> JSONResponse:
    with devices.lock:
        return JSONResponse({"slips": list(devices.printed)})


@router.get("/devices/{kind}", name="device_kiosk")
def kiosk_agent(devices: DevicesDep, runtime: RuntimeDep, request: Request, kind: Kind) -> Response:
    terminal = DEMO_TERMINALS[kind]
    context: dict[str, Any] = {
        "title": f"{terminal.title}设备（联调）",
        "terminal": terminal,
        "terminal_id": terminal.terminal_id,
        "terminal_name": terminal.name,
        "action": f"{runtime.settings.base_url('platform')}/kiosk/terminal",
        "error": "",
        "card": devices.card,
        "rating": devices.rating,
        "indicators": EVALUATOR_INDICATORS,
        "levels": EVALUATOR_LEVELS,
        "printed": list(reversed(devices.printed[-5:])),
    }
    try:
        answer = httpx.get(
            f"{runtime.settings.base_url('platform')}/kiosk/challenge",
            timeout=runtime.settings.http_timeout_seconds,
        )
        answer.raise_for_status()
        challenge = str(answer.json()["challenge"])
    except (httpx.HTTPError, KeyError, ValueError):
        context["error"] = "无法连接集成化办理平台，请稍后再试。"
        return render(request, "device_kiosk.html", context, status_code=502)
    context["challenge"] = challenge
    context["signature"] = terminal_signature(
        key=demo_terminal_key(runtime.settings.key_directory, kind),
        terminal_id=terminal.terminal_id,
        challenge=challenge,
    )
    return render(request, "device_kiosk.html", context)
