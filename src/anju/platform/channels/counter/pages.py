"""The counter channel's own pages (issue 16, decision 0018): the clerk's sign-in, the window's start page,
identifying the walk-in by the window's card reader and camera (or the clerk's attestation), and
"办结，下一位". Everything between is the web channel's own pages in the counter frame, with the channel
recorded as "counter" and the clerk beside the applicant in the one browser session."""

from __future__ import annotations

import json
from typing import Annotated, Any

import anyio
from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from anju.core import staffauth
from anju.core.crypto import sm3_hex
from anju.core.timeutil import today_shanghai, utcnow
from anju.core.web import client_address, form_file, page_router, path_for, pdf_response
from anju.core.websession import WebSession, web_session
from anju.platform.applications import agency, household, outstanding, receipt, signed
from anju.platform.applications import service as applications
from anju.platform.backfill.sources import source_list
from anju.platform.channels.counter import clerks
from anju.platform.evaluation import service as evaluation
from anju.platform.identity import card_face, faceauth, terminals
from anju.platform.identity import service as identity
from anju.platform.limits import LIMITS
from anju.platform.models import Clerk
from anju.platform.web import COUNTER, PRESENT_MEMBER, ApplicantId, RuntimeDep, Web, not_found_page, render

router = page_router(prefix="/counter")
# The walk-in's sign-in takes the camera's photo: the app includes it with the upload limit (decision 0012).
uploads = page_router(prefix="/counter")
# A window is a terminal: the same limits per terminal and per card as the kiosk's.
PER_WINDOW = LIMITS.limits["kiosk_terminal"]
PER_CARD = LIMITS.limits["kiosk_card"]
MEMBER_NOT_FOUND = "没有找到需要当面授权的这位家庭成员。"
NOT_THIS_MEMBER = "读卡器上的身份证不是这位家庭成员的。请放上其本人的身份证原件。"
NOT_A_WINDOW = "本窗口的读卡器和摄像头尚未启用。请由设备管理程序启用本机（联调测试环境：沙箱的“窗口设备”页面）后再接待申请人。"


class ClerkSignInRequired(Exception):
    """The page is the clerk's: sign in at the counter first."""


async def current_clerk_id(web: WebSession = Depends(web_session)) -> int:
    """Dependency: the clerk signed in on this browser, or the counter's sign-in (async: no I/O)."""
    clerk_id = web.get("clerk_id")
    if clerk_id is None:
        raise ClerkSignInRequired()
    return int(clerk_id)


ClerkId = Annotated[int, Depends(current_clerk_id)]


def _login_page(request: Request, status_code: int = 200, **context: Any) -> Response:
    return render(
        request, "counter_login.html", {"title": "窗口人员登录", "username": "", **context}, status_code
    )


@router.get("/login", name="counter_login")
def counter_login(request: Request, signed_out: bool = False, expired: bool = False) -> Response:
    """The clerk's sign-in at the window."""
    return _login_page(request, signed_out=signed_out, expired=expired)


@router.post("/login", name="counter_login_submit")
def counter_login_submit(
    request: Request, web: Web, runtime: RuntimeDep, username: str = Form(""), password: str = Form("")
) -> Response:
    """Sign a clerk in; whatever this browser held before (a resident's sign-in) is gone."""
    try:
        clerk, failed_before = staffauth.account_sign_in_committed(
            runtime=runtime,
            model=Clerk,
            read=clerks.clerk_view,
            username=username,
            password=password,
            address=client_address(request),
        )
    except staffauth.SignInRefused as exc:
        return _login_page(request, exc.status_code, username=username, error=exc.message)
    web.begin(
        {**clerks.clerk_session(clerk), "sign_in_notice": staffauth.failed_attempts_notice(failed_before)}
    )
    return RedirectResponse(path_for(request, "counter_home"), status_code=303)


@router.post("/logout", name="counter_logout")
def counter_logout(request: Request, web: Web) -> Response:
    """Sign the clerk out (and anyone served at this window with them)."""
    web.destroyed = True
    return RedirectResponse(path_for(request, "counter_login") + "?signed_out=1", status_code=303)


def _clerk(runtime: RuntimeDep, web: WebSession, clerk_id: int) -> clerks.ClerkView:
    with runtime.db.transaction() as session:
        clerk = clerks.clerk_get(session=session, clerk_id=clerk_id)
    if clerk is None:  # the account is gone: this sign-in is over
        web.destroyed = True
        raise ClerkSignInRequired()
    return clerk


def _window(runtime: RuntimeDep, request: Request) -> terminals.BoundTerminal | None:
    return terminals.browser_terminal(
        runtime=runtime, token=request.cookies.get(terminals.COOKIE), kind=terminals.WINDOW
    )


def _window_page(
    request: Request,
    name: str,
    clerk: clerks.ClerkView,
    window: terminals.BoundTerminal | None,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    """A page of the window's own: the clerk, the window's devices, and who is being served."""
    web: WebSession = request.state.web
    context = {
        "clerk": clerk,
        "window": window,
        "serving": web.get("applicant_name") if web.get("channel") == COUNTER else None,
        "agent_name": web.get("agent_name"),
        "agent_pending": web.get("agent_name") if web.get("agent_applicant_id") else None,
        **extra,
    }
    return render(request, name, context, status_code)


def _home(
    request: Request,
    clerk: clerks.ClerkView,
    window: terminals.BoundTerminal | None,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    notice = source_list().verifications[faceauth.CODE]
    return _window_page(
        request, "counter_home.html", clerk, window, status_code, title="窗口受理", notice=notice, **extra
    )


@router.get("/", name="counter_home")
def counter_home(request: Request, clerk_id: ClerkId, web: Web, runtime: RuntimeDep) -> Response:
    """The window's start page: who is serving where, and the walk-in's card and face (or who is being
    served now)."""
    clerk = _clerk(runtime, web, clerk_id)
    return _home(
        request,
        clerk,
        _window(runtime, request),
        sign_in_notice=web.pop("sign_in_notice"),
        done="done" in request.query_params,
        rated="rated" in request.query_params,
    )


def _identify(
    runtime: RuntimeDep,
    clerk: clerks.ClerkView,
    window: terminals.BoundTerminal,
    form: Any,
    photo: bytes,
    member_bidx: str | None = None,
) -> tuple[card_face.CardHolder, int]:
    """The card on the window's reader (for a household member, their own: ``member_bidx``) and its
    holder checked in person — the window camera's face check, the person agreeing, or the clerk's
    人证核验; the holder and their applicant id. Raises TerminalRefused, CardFaceRefused."""
    holder = terminals.card_holder(
        runtime=runtime, terminal_id=window.terminal_id, reading=str(form.get("card", ""))
    )
    if (
        member_bidx is not None
        and runtime.blind_index.digest(holder.id_number, kind="id_number") != member_bidx
    ):
        raise terminals.TerminalRefused(NOT_THIS_MEMBER)
    person_id = card_face.window_sign_in(
        system=card_face.IdentitySystem.of(runtime),
        holder=holder,
        attest=form.get("method") == "attest",
        attested=form.get("attested") == "yes",
        photo=photo,
        agreed=form.get("agree") == "yes",
        clerk_actor=Clerk.actor(clerk.id),
        limits=[(PER_WINDOW, window.terminal_id), (PER_CARD, holder.id_number)],
    )
    return holder, person_id


@uploads.post("/walk-in", name="counter_walk_in")
async def counter_walk_in(request: Request, clerk_id: ClerkId, web: Web, runtime: RuntimeDep) -> Response:
    """Identify the person at the window by the card the window's reader signed and either the camera's
    photo (the province's face check, the person agreeing) or the clerk's 人证核验 attestation."""
    clerk = await anyio.to_thread.run_sync(_clerk, runtime, web, clerk_id)
    window = await anyio.to_thread.run_sync(_window, runtime, request)
    if window is None:
        return _home(request, clerk, None, 403, error=NOT_A_WINDOW)
    form = await request.form()
    _filename, photo = await form_file(request, "photo")
    kept = {"method": str(form.get("method", "face")), "party": str(form.get("party", ""))}  # on a refusal
    try:
        holder, applicant_id = await anyio.to_thread.run_sync(_identify, runtime, clerk, window, form, photo)
    except terminals.TerminalRefused as exc:
        return _home(request, clerk, window, 400, error=exc.message, **kept)
    except card_face.CardFaceRefused as exc:
        return _home(request, clerk, window, exc.status, error=exc.message, **kept)
    agent = form.get("party") == "agent"  # 帮办代办: next, the applicant's card and the basis
    values, next_page = clerks.identified(clerk, person_id=applicant_id, name=holder.name, agent=agent)
    web.begin(values)
    return RedirectResponse(path_for(request, next_page), status_code=303)


def _member_page(
    request: Request, clerk: clerks.ClerkView, member: Any, status_code: int = 200, **extra: Any
) -> Response:
    notice = source_list().verifications[faceauth.CODE]
    context = {"title": "家庭成员当面授权", "draft_id": member.application_id, "member_id": member.id}
    context |= {"member_name": member.name, "notice": notice, "error": "", **extra}
    return _window_page(request, "counter_member.html", clerk, None, status_code, **context)


def _member_waiting(runtime: RuntimeDep, applicant_id: int, draft_id: int, member_id: int) -> Any:
    with runtime.db.transaction() as session:
        return household.member_to_authorise(
            session=session, applicant_id=applicant_id, draft_id=draft_id, member_id=member_id
        )


@router.get("/drafts/{draft_id}/members/{member_id}/present", name="counter_member")
def counter_member(
    request: Request,
    draft_id: int,
    member_id: int,
    clerk_id: ClerkId,
    applicant_id: ApplicantId,
    web: Web,
    runtime: RuntimeDep,
) -> Response:
    """A co-applicant who came to the window with the applicant authorises in person: their card first."""
    clerk = _clerk(runtime, web, clerk_id)
    member = _member_waiting(runtime, applicant_id, draft_id, member_id)
    if member is None:
        return not_found_page(request, message=MEMBER_NOT_FOUND)
    return _member_page(request, clerk, member)


@uploads.post("/drafts/{draft_id}/members/{member_id}/present", name="counter_member_present")
async def counter_member_present(
    request: Request,
    draft_id: int,
    member_id: int,
    clerk_id: ClerkId,
    applicant_id: ApplicantId,
    web: Web,
    runtime: RuntimeDep,
) -> Response:
    """The member's own card on the reader and their in-person check; then their own consent page, where
    the consent they give is theirs, before the clerk."""
    clerk = await anyio.to_thread.run_sync(_clerk, runtime, web, clerk_id)
    member = await anyio.to_thread.run_sync(_member_waiting, runtime, applicant_id, draft_id, member_id)
    window = await anyio.to_thread.run_sync(_window, runtime, request)
    if member is None:
        return not_found_page(request, message=MEMBER_NOT_FOUND)
    form = await request.form()
    _filename, photo = await form_file(request, "photo")
    try:
        if window is None:
            raise terminals.TerminalRefused(NOT_A_WINDOW)
        _holder, person_id = await anyio.to_thread.run_sync(
            _identify, runtime, clerk, window, form, photo, member.id_number_bidx
        )
    except terminals.TerminalRefused as exc:
        return _member_page(request, clerk, member, 400, error=exc.message, method=form.get("method"))
    except card_face.CardFaceRefused as exc:
        return _member_page(request, clerk, member, exc.status, error=exc.message, method=form.get("method"))
    web.set(PRESENT_MEMBER, {"member_id": member.id, "applicant_id": person_id})
    return RedirectResponse(
        path_for(request, "member_consent", draft_id=draft_id, member_id=member_id), status_code=303
    )


def _rating_pending(runtime: RuntimeDep, web: WebSession) -> str:
    """The application submitted in this visit that the person may still rate on the evaluator, or ""."""
    submitted, applicant_id = str(web.get("counter_submitted") or ""), web.get("applicant_id")
    if not submitted or applicant_id is None:
        return ""
    with runtime.db.transaction() as session:
        offered = evaluation.rating_offered_to(
            session=session, applicant_id=int(applicant_id), application_no=submitted, channel=COUNTER
        )
    return submitted if offered else ""


@router.post("/next", name="counter_next")
def counter_next(
    request: Request, clerk_id: ClerkId, web: Web, runtime: RuntimeDep, skip_rating: str = Form("")
) -> Response:
    """办结，下一位: after an application was submitted here, first the evaluator (一次一评, voluntary);
    then the applicant's part of the session ends (new tokens, nothing of theirs kept) and the clerk stays
    signed in for the next person. What they entered is saved in their draft, as online."""
    clerk = _clerk(runtime, web, clerk_id)
    if not skip_rating and _rating_pending(runtime, web):
        return RedirectResponse(path_for(request, "counter_rating"), status_code=303)
    web.begin(clerks.clerk_session(clerk))
    return RedirectResponse(path_for(request, "counter_home") + "?done=1", status_code=303)


def _rating_page(request: Request, clerk: clerks.ClerkView, status_code: int = 200, **extra: Any) -> Response:
    context = {"title": "评价本次服务", "clerk": clerk, "error": "", **extra}
    return render(request, "counter_rating.html", context, status_code)


@router.get("/rating", name="counter_rating")
def counter_rating(request: Request, clerk_id: ClerkId, web: Web, runtime: RuntimeDep) -> Response:
    """The window's evaluator asks the person to rate the service they just had."""
    clerk = _clerk(runtime, web, clerk_id)
    number = _rating_pending(runtime, web)
    if not number:
        return RedirectResponse(path_for(request, "counter_home"), status_code=303)
    return _rating_page(request, clerk, application_no=number)


def _rating_record(
    runtime: RuntimeDep,
    web: WebSession,
    clerk: clerks.ClerkView,
    window: terminals.BoundTerminal,
    reading: str,
) -> None:
    """Verify the evaluator's press (once only) and record it under this clerk and window."""
    pressed = terminals.rating_read(runtime=runtime, terminal_id=window.terminal_id, reading=reading)
    applicant_id = int(web.get("applicant_id"))
    with runtime.db.transaction() as session:
        application = applications.application_get_for(
            session=session, applicant_id=applicant_id, application_no=str(web.get("counter_submitted"))
        )
        applicant = identity.applicant_get(session=session, applicant_id=applicant_id)
        if application is None or applicant is None:
            raise evaluation.EvaluationRefused("这件申请已经评价过，或尚未到评价环节。")
        evaluation.evaluation_record(
            session=session,
            application=application,
            channel=COUNTER,
            answers=pressed.scores,
            comment="",
            outbox=runtime.tables.outbox,
            user=applicant.subject,
            cipher=runtime.cipher,
            clerk=Clerk.actor(clerk.id),
            terminal_id=window.terminal_id,
        )


@router.post("/rating", name="counter_rating_submit")
def counter_rating_submit(
    request: Request, clerk_id: ClerkId, web: Web, runtime: RuntimeDep, rating: str = Form("")
) -> Response:
    """Record what the person pressed on the evaluator; the visit then ends for the next person."""
    clerk = _clerk(runtime, web, clerk_id)
    window = _window(runtime, request)
    number = _rating_pending(runtime, web)
    if window is None or not number:
        return RedirectResponse(path_for(request, "counter_home"), status_code=303)
    try:
        _rating_record(runtime, web, clerk, window, rating)
    except (terminals.TerminalRefused, evaluation.EvaluationRefused) as exc:
        return _rating_page(request, clerk, 400, application_no=number, error=exc.message)
    web.begin(clerks.clerk_session(clerk))
    return RedirectResponse(path_for(request, "counter_home") + "?done=1&rated=1", status_code=303)


@router.get("/drafts/{draft_id}/outstanding.pdf", name="counter_outstanding")
def counter_outstanding(
    request: Request,
    draft_id: int,
    clerk_id: ClerkId,
    applicant_id: ApplicantId,
    web: Web,
    runtime: RuntimeDep,
) -> Response:
    """The walk-in's 一次性告知书: everything their draft still needs, printed to take home."""
    clerk = _clerk(runtime, web, clerk_id)
    with runtime.db.transaction() as session:
        draft, applicant = household.draft_and_applicant(
            session=session, applicant_id=applicant_id, draft_id=draft_id
        )
        items = outstanding.draft_outstanding(
            session=session, draft=draft, cipher=runtime.cipher, today=today_shanghai()
        )
        name = applicant.name
    notice = outstanding.OutstandingNotice(
        applicant_name=name,
        draft_id=draft_id,
        items=items,
        centre=clerk.centre,
        window=clerk.window,
        clerk_name=clerk.name,
        issued_at=utcnow(),
        draft_idle_days=source_list().retention_draft_idle_days,
    )
    return pdf_response(outstanding.outstanding_pdf(notice), f"notice-{draft_id}.pdf", inline=True)


@router.get("/drafts/{draft_id}/signing-form.pdf", name="counter_signing_form")
def counter_signing_form(
    request: Request,
    draft_id: int,
    clerk_id: ClerkId,
    applicant_id: ApplicantId,
    web: Web,
    runtime: RuntimeDep,
) -> Response:
    """The application as it stands, printed to be signed by hand and scanned back (counter_handwriting =
    "paper"); the SM3 printed on it is of the content the e-signature will bind."""
    _clerk(runtime, web, clerk_id)
    with runtime.db.transaction() as session:
        draft, applicant = household.draft_and_applicant(
            session=session, applicant_id=applicant_id, draft_id=draft_id
        )
        agent = agency.agent_of(
            session=session, agency_id=web.get("agency_id"), draft_id=draft.id, cipher=runtime.cipher
        )
        documents = signed.documents_for(
            session=session, draft=draft, applicant=applicant, cipher=runtime.cipher, agent=agent
        )
    content = next(d.content for d in documents if d.kind == "application")
    form = receipt.signing_form_pdf(
        draft_id=draft_id, body=json.loads(content), application_sm3=sm3_hex(content), printed_at=utcnow()
    )
    return pdf_response(form, f"signing-form-{draft_id}.pdf", inline=True)


def _agency_page(
    request: Request,
    clerk: clerks.ClerkView,
    window: terminals.BoundTerminal | None,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    extra = {"title": "帮办代办", "bases": agency.BASES, "basis": "", **extra}
    return _window_page(request, "counter_agency.html", clerk, window, status_code, **extra)


@router.get("/agency", name="counter_agency")
def counter_agency(request: Request, clerk_id: ClerkId, web: Web, runtime: RuntimeDep) -> Response:
    """帮办代办: the agent is identified; now the applicant's own ID card and the basis of the agency."""
    clerk = _clerk(runtime, web, clerk_id)
    if web.get("agent_applicant_id") is None:
        return RedirectResponse(path_for(request, "counter_home"), status_code=303)
    return _agency_page(request, clerk, _window(runtime, request))


@uploads.post("/agency", name="counter_agency_submit")
async def counter_agency_submit(
    request: Request, clerk_id: ClerkId, web: Web, runtime: RuntimeDep
) -> Response:
    """Record who acts for whom on what basis (the scan kept as a proof of the draft), then serve the
    applicant through the agent."""
    clerk = await anyio.to_thread.run_sync(_clerk, runtime, web, clerk_id)
    window = await anyio.to_thread.run_sync(_window, runtime, request)
    agent_id = web.get("agent_applicant_id")
    if agent_id is None:
        return RedirectResponse(path_for(request, "counter_home"), status_code=303)
    if window is None:
        return _agency_page(request, clerk, None, 403, error=NOT_A_WINDOW)
    form = await request.form()
    filename, scan = await form_file(request, "basis_proof")
    basis = str(form.get("basis", ""))

    def begin() -> agency.AgencyBegun:
        holder = terminals.card_holder(
            runtime=runtime, terminal_id=window.terminal_id, reading=str(form.get("card", ""))
        )
        with runtime.db.transaction() as session:
            return agency.agency_begin(
                session=session,
                agent_applicant_id=int(agent_id),
                holder=holder,
                basis=basis,
                filename=filename,
                data=scan,
                clerk=Clerk.actor(clerk.id),
                cipher=runtime.cipher,
                index=runtime.blind_index,
            )

    try:
        begun = await anyio.to_thread.run_sync(begin)
    except (terminals.TerminalRefused, agency.AgencyRefused) as exc:
        return _agency_page(request, clerk, window, 400, error=exc.message, basis=basis)
    web.begin(clerks.agency_session(clerk, begun))
    return RedirectResponse(path_for(request, "application_new"), status_code=303)
