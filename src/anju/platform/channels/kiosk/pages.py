"""Kiosk sign-in and sign-out. The terminal's ID card reader gives the holder's name and number (the
sandbox kiosk page takes them typed), its camera takes the holder's face, and the province's face check
compares the two: a pass signs the person in at real-name level 3 for this terminal session only.
Everything after is the web channel's pages in the kiosk frame (DESIGN.md §7: only the frame differs),
with the channel recorded as "kiosk" and an idle sign-out for the next person's sake."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from anju.core import idcard
from anju.core.ratelimit import Limit, RateLimited
from anju.core.runtime import Runtime
from anju.core.timeutil import utcnow
from anju.core.web import form_file, path_for
from anju.core.websession import WebSession, require_csrf, web_session
from anju.platform.backfill.catalog import source_catalog
from anju.platform.channels.web.pages import KIOSK, KIOSK_IDLE
from anju.platform.identity import faceauth
from anju.platform.identity import service as identity

KIOSK_ACTOR = "kiosk"
# A terminal serves many people an hour; one card may try its face a few times (someone cycling through
# found cards meets the terminal's limit).
PER_TERMINAL = Limit(
    "kiosk_terminal", 60, timedelta(hours=1), "本机人脸识别过于频繁，请稍后再试，或到办事窗口办理。"
)
PER_CARD = Limit(
    "kiosk_card",
    5,
    timedelta(hours=1),
    "这张身份证的人脸识别尝试次数过多，请一小时后再试，或到办事窗口办理。",
)


def build_router(*, runtime: Runtime, templates: Jinja2Templates) -> APIRouter:
    """GET /kiosk, POST /kiosk/sign-in, POST /kiosk/sign-out."""
    router = APIRouter(include_in_schema=False)

    def render(request: Request, error: str = "", status_code: int = 200, **extra: Any) -> Response:
        context = {
            "title": "自助申请",
            "notice": source_catalog().verifications[faceauth.CODE],
            "error": error,
            "idle_minutes": int(KIOSK_IDLE.total_seconds() // 60),
            **extra,
        }
        return templates.TemplateResponse(request, "kiosk_home.html", context, status_code=status_code)

    @router.get("/kiosk", name="kiosk_home")
    def kiosk_home(request: Request) -> Response:
        return render(
            request,
            ended="ended" in request.query_params,
            bye="bye" in request.query_params,
        )

    @router.post(
        "/kiosk/sign-in",
        name="kiosk_sign_in",
        dependencies=[Depends(require_csrf)],
        max_body_size=runtime.settings.max_upload_request_bytes,
    )
    async def kiosk_sign_in(request: Request, web: WebSession = Depends(web_session)) -> Response:
        form = await request.form()
        name = str(form.get("name", "")).strip()
        number = str(form.get("id_number", "")).strip()
        _filename, raw = await form_file(request, "photo")
        try:
            number = idcard.parse(number).number
        except idcard.InvalidIdNumber as exc:
            return render(request, f"身份证号码有误：{exc}", 400)
        if not name:
            return render(request, "没有读到身份证上的姓名，请重新放置身份证。", 400)
        if form.get("agree") != "yes":
            return render(request, "请阅读告知，勾选单独同意后再进行人脸识别。", 400)
        if not raw:
            return render(request, "请正对摄像头拍照。", 400)
        terminal = request.client.host if request.client else "unknown"
        claim = faceauth.FaceClaim(
            name=name,
            id_number=number,
            subject_bidx=runtime.blind_index.digest(number, kind="id_number"),
            actor=KIOSK_ACTOR,
            application_id=None,
            case="KIOSK-SIGN-IN",
        )

        def sign_in() -> tuple[faceauth.FaceOutcome, int | None]:
            with runtime.db.transaction() as session:
                runtime.rates.attempt(session, PER_TERMINAL, terminal)
                runtime.rates.attempt(session, PER_CARD, number)
            outcome = faceauth.face_verify(
                db=runtime.db, client=runtime.client, audit=runtime.audit, raw=raw, claim=claim
            )
            if not outcome.passed:
                return outcome, None
            with runtime.db.transaction() as session:
                applicant = identity.applicant_sign_in_by_card(
                    session=session,
                    name=name,
                    id_number=number,
                    cipher=runtime.cipher,
                    index=runtime.blind_index,
                )
                return outcome, applicant.id

        try:
            outcome, applicant_id = await anyio.to_thread.run_sync(sign_in)
        except RateLimited as exc:
            return render(request, exc.message, 429)
        except faceauth.FaceAuthFailed as exc:
            return render(request, exc.message, faceauth.failure_status(exc))
        if applicant_id is None:
            return render(request, faceauth.mismatch_message(outcome), 400)
        web.rotate()
        web.set("applicant_id", applicant_id)
        web.set("applicant_name", name)
        web.set("real_name_level", faceauth.FACE_VERIFIED_LEVEL)
        web.set("channel", KIOSK)
        web.set("kiosk_seen", utcnow().isoformat())
        return RedirectResponse(path_for(request, "application_new"), status_code=303)

    @router.post("/kiosk/sign-out", name="kiosk_sign_out", dependencies=[Depends(require_csrf)])
    def kiosk_sign_out(request: Request, web: WebSession = Depends(web_session)) -> Response:
        web.destroyed = True
        return RedirectResponse(path_for(request, "kiosk_home") + "?bye=1", status_code=303)

    return router
