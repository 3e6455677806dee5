"""Kiosk sign-in and sign-out. The terminal's ID card reader gives the holder's name and number (the
sandbox kiosk page takes them typed), its camera takes the holder's face, and the province's face check
compares the two: a pass signs the person in at real-name level 3 for this terminal session only.
Everything after is the web channel's pages in the kiosk frame (DESIGN.md §7: only the frame differs),
with the channel recorded as "kiosk" and an idle sign-out for the next person's sake."""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from anju.core.timeutil import utcnow
from anju.core.web import form_file, page_router, path_for
from anju.core.websession import WebSession
from anju.platform.backfill.sources import source_list
from anju.platform.backfill.view import KIOSK_ACTOR
from anju.platform.evaluation import service as evaluation
from anju.platform.identity import card_face, faceauth, terminals
from anju.platform.limits import LIMITS
from anju.platform.web import KIOSK, KIOSK_IDLE, RuntimeDep, Web, render

# A terminal serves many people an hour; one card may try its face a few times (someone cycling through
# found cards meets the terminal's limit).
PER_TERMINAL = LIMITS.limits["kiosk_terminal"]
PER_CARD = LIMITS.limits["kiosk_card"]


NOT_A_TERMINAL = (
    "本机不是已登记的自助终端，不能用身份证和人脸登录。请使用办事大厅的自助终端，或在网上用统一身份认证登录。"
)


router = page_router()
# Routes that take a file: the app includes these with the upload body limit (decision 0012).
uploads = page_router()
# The terminal's device agent, not a person's form: its signed, single-use challenge stands in for
# the CSRF token no agent has (decision 0022).
devices = APIRouter(include_in_schema=False)


def _kiosk_page(request: Request, error: str = "", status_code: int = 200, **extra: Any) -> Response:
    context = {
        "title": "自助申请",
        "notice": source_list().verifications[faceauth.CODE],
        "error": error,
        "idle_minutes": int(KIOSK_IDLE.total_seconds() // 60),
        **extra,
    }
    return render(request, "kiosk_home.html", context, status_code)


def _bound_terminal(runtime: RuntimeDep, request: Request) -> terminals.BoundTerminal | None:
    return terminals.browser_terminal(
        runtime=runtime, token=request.cookies.get(terminals.COOKIE), kind=terminals.KIOSK
    )


@router.get("/kiosk", name="kiosk_home")
def kiosk_home(request: Request, runtime: RuntimeDep) -> Response:
    """The terminal's welcome: put the ID card on the reader, agree, look at the camera."""
    terminal = _bound_terminal(runtime, request)
    return _kiosk_page(
        request,
        ended="ended" in request.query_params,
        bye="bye" in request.query_params,
        rated="rated" in request.query_params,
        terminal=terminal,
        status_code=200 if terminal else 403,
    )


@devices.get("/kiosk/challenge", name="kiosk_challenge")
def kiosk_challenge(runtime: RuntimeDep) -> JSONResponse:
    """For a terminal's device agent: a challenge to sign (decision 0022)."""
    return JSONResponse({"challenge": terminals.challenge_issue(index=runtime.blind_index)})


@devices.post("/kiosk/terminal", name="kiosk_terminal_bind")
def kiosk_terminal_bind(
    request: Request,
    runtime: RuntimeDep,
    terminal_id: str = Form(""),
    challenge: str = Form(""),
    signature: str = Form(""),
) -> Response:
    """The device agent binds the browser it drives to its terminal."""
    terminal_id = terminal_id.strip()
    try:
        with runtime.db.transaction() as session:
            nonce, expires = terminals.terminal_verify(
                session=session,
                index=runtime.blind_index,
                terminal_id=terminal_id,
                challenge=challenge.strip(),
                signature=signature.strip(),
            )
        if not runtime.api.nonces.remember(caller=f"kiosk:{terminal_id}", nonce=nonce, timestamp=expires):
            raise terminals.TerminalRefused("这个启用请求已经用过，请在终端上重新启用。")
        with runtime.db.transaction() as session:
            token, kind = terminals.binding_create(session=session, terminal_id=terminal_id)
    except terminals.TerminalRefused as exc:
        return _kiosk_page(request, exc.message, 403, terminal=None)
    start = "counter_home" if kind == terminals.WINDOW else "kiosk_home"  # a window's devices serve a clerk
    response = RedirectResponse(path_for(request, start), status_code=303)
    response.set_cookie(
        terminals.COOKIE,
        token,
        max_age=int(terminals.BINDING_TTL.total_seconds()),
        httponly=True,
        secure=runtime.settings.https_only,
        samesite="lax",
    )
    return response


def _kiosk_signed_in(web: WebSession, applicant_id: int, name: str) -> None:
    web.rotate()
    web.set("applicant_id", applicant_id)
    web.set("applicant_name", name)
    web.set("real_name_level", faceauth.FACE_VERIFIED_LEVEL)
    web.set("channel", KIOSK)
    web.set("kiosk_seen", utcnow().isoformat())


@uploads.post("/kiosk/sign-in", name="kiosk_sign_in")
async def kiosk_sign_in(request: Request, web: Web, runtime: RuntimeDep) -> Response:
    """The card the terminal read and the face its camera took: a match signs the holder in here."""
    terminal = await anyio.to_thread.run_sync(_bound_terminal, runtime, request)
    if terminal is None:  # an ordinary browser: the same answer whatever card it names
        return _kiosk_page(request, NOT_A_TERMINAL, 403, terminal=None)
    form = await request.form()
    _filename, raw = await form_file(request, "photo")
    try:
        holder = await anyio.to_thread.run_sync(
            lambda: terminals.card_holder(
                runtime=runtime, terminal_id=terminal.terminal_id, reading=str(form.get("card", ""))
            )
        )
    except terminals.TerminalRefused as exc:
        return _kiosk_page(request, exc.message, 400, terminal=terminal)
    system = card_face.IdentitySystem.of(runtime)
    try:
        applicant_id = await anyio.to_thread.run_sync(
            lambda: card_face.card_face_sign_in(
                system=system,
                holder=holder,
                photo=raw,
                agreed=form.get("agree") == "yes",
                actor=KIOSK_ACTOR,
                case="KIOSK-SIGN-IN",
                limits=[(PER_TERMINAL, terminal.terminal_id), (PER_CARD, holder.id_number)],
            )
        )
    except card_face.CardFaceRefused as exc:
        return _kiosk_page(request, exc.message, exc.status, terminal=terminal)
    _kiosk_signed_in(web, applicant_id, holder.name)
    return RedirectResponse(path_for(request, "application_new"), status_code=303)


def _rating_offered(runtime: RuntimeDep, applicant_id: int, application_no: str) -> bool:
    with runtime.db.transaction() as session:
        return evaluation.rating_offered_to(
            session=session, applicant_id=applicant_id, application_no=application_no, channel=KIOSK
        )


@router.post("/kiosk/sign-out", name="kiosk_sign_out")
async def kiosk_sign_out(request: Request, web: Web, runtime: RuntimeDep) -> Response:
    """End the visit; after an application was submitted here, first the rating screen (一次一评,
    voluntary: it offers to leave without rating; a terminal left alone skips it)."""
    form = await request.form()
    submitted = str(web.get("kiosk_submitted") or "")
    if submitted and not form.get("skip_rating") and not form.get("left") and web.get("applicant_id"):
        applicant_id = int(web.get("applicant_id"))
        if await anyio.to_thread.run_sync(_rating_offered, runtime, applicant_id, submitted):
            target = path_for(request, "evaluation", application_no=submitted)
            return RedirectResponse(target + "?leaving=1", status_code=303)
    web.destroyed = True
    return RedirectResponse(path_for(request, "kiosk_home") + "?bye=1", status_code=303)
