"""The applicant's web pages (desktop and the 闽政通 H5): sign-in, apply, follow."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

import anyio
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from anju.core import regions
from anju.core.ratelimit import Limit, RateLimited
from anju.core.runtime import Runtime
from anju.core.timeutil import utcnow
from anju.core.vocab import APPLICANT_GROUP_LABELS, housing_office_name, status_label
from anju.core.web import form_file, path_for
from anju.core.websession import WebSession, require_csrf, web_session
from anju.platform.applications import decisions, household, notify, receipt, signed
from anju.platform.applications import service as applications
from anju.platform.applications.retention import erased_notice
from anju.platform.identity import service as identity
from anju.platform.identity.oidc import AuthorizationRequest, OidcProvider, SignInError
from anju.platform.progress.view import progress_view, timeline_entries


class SignInRequired(Exception):
    """The page needs a signed-in applicant (``kiosk``: the sign-in page is the kiosk's own)."""

    def __init__(self, next_path: str, *, kiosk: bool = False) -> None:
        super().__init__(next_path)
        self.next_path = next_path
        self.kiosk = kiosk


KIOSK = "kiosk"
RECEIPT_SMS = Limit("receipt_sms", 3, timedelta(days=1), "这件申请的回执今天已发送 3 次，请明天再试。")
# A self-service terminal is shared: a sign-in nobody touches for this long ends (the page warns first).
KIOSK_IDLE = timedelta(minutes=3)


DRAFT_MISSING = "没有找到您名下的这份申请草稿，它可能已经提交。"


def draft_missing(
    templates: Jinja2Templates,
    request: Request,
    *,
    message: str = DRAFT_MISSING,
    title: str = "找不到这份草稿",
    code: str = "draft_not_found",
) -> Response:
    """The 404 page of a draft (or another thing of the signed-in person's, named by ``title``) that is not,
    or no longer, theirs to work on."""
    web: WebSession = request.state.web
    return templates.TemplateResponse(
        request,
        "error.html",
        {"signed_in_name": web.get("applicant_name"), "title": title, "message": message, "code": code},
        status_code=404,
    )


def channel_of(web: WebSession) -> str:
    """Where this sign-in happened: "kiosk" at a self-service terminal, otherwise "web"."""
    return str(web.get("channel") or "web")


def signed_in_applicant_id(web: WebSession, *, next_path: str = "/applications/new") -> int:
    """The signed-in applicant's id, or the redirect to sign in (then back to ``next_path``).

    At a kiosk the sign-in also ends after KIOSK_IDLE without a request, so the next person at the
    terminal never finds the last one's application open."""
    applicant_id = web.get("applicant_id")
    if applicant_id is None:
        raise SignInRequired(next_path)
    if channel_of(web) == KIOSK:
        now = utcnow()
        seen = web.get("kiosk_seen")
        if seen is None or now - datetime.fromisoformat(seen) > KIOSK_IDLE:
            web.destroyed = True
            raise SignInRequired(next_path, kiosk=True)
        web.set("kiosk_seen", now.isoformat())
    return int(applicant_id)


async def current_applicant_id(request: Request, web: WebSession = Depends(web_session)) -> int:
    """Dependency: the signed-in applicant, or sign in and come back to this very page (async: no I/O)."""
    local = request.url.path[len(request.scope.get("root_path", "")) :]
    return signed_in_applicant_id(web, next_path=local)


def _safe_next(value: str | None) -> str:
    # Only local paths: never redirect a resident to another site after sign-in.
    if value and value.startswith("/") and not value.startswith("//"):
        return value
    return "/"


def build_router(*, runtime: Runtime, templates: Jinja2Templates, provider: OidcProvider) -> APIRouter:
    """Routes of the web channel; each parses, calls one service, renders."""
    router = APIRouter(include_in_schema=False)

    def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
        web: WebSession = request.state.web
        base = {"signed_in_name": web.get("applicant_name"), "status_label": status_label}
        return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)

    @router.get("/", name="home", response_class=HTMLResponse)
    def home(request: Request, web: WebSession = Depends(web_session)) -> Response:
        mine = []
        if web.get("applicant_id") is not None:
            with runtime.db.transaction() as session:
                mine = [
                    {
                        "no": a.application_no,
                        "city": regions.get(a.city_code).name,
                        "status": a.status,
                        "submitted_at": a.submitted_at,
                    }
                    for a in applications.applications_of(
                        session=session, applicant_id=int(web.get("applicant_id"))
                    )
                ]
                draft = household.draft_open(session=session, applicant_id=int(web.get("applicant_id")))
                draft_id = draft.id if draft else None
                me = identity.applicant_get(session=session, applicant_id=int(web.get("applicant_id")))
                invitations = (
                    household.invitations_for(session=session, subject_bidx=me.id_number_bidx) if me else []
                )
        else:
            draft_id, invitations = None, []
        return render(
            request,
            "home.html",
            {"title": "申请公租房", "applications": mine, "draft_id": draft_id, "invitations": invitations},
        )

    @router.get("/display", name="display_mode")
    def display_mode(request: Request, mode: str = "standard", next: str = "/") -> Response:
        # A display preference (大字版 for older residents), kept in a cookie for a year; it changes nothing else.
        root = request.scope.get("root_path", "")
        target = _safe_next(next) if next.startswith(root or "/") else root + "/"
        response = RedirectResponse(target, status_code=303)
        if mode == "elder":
            response.set_cookie(
                "anju_display", "elder", max_age=365 * 24 * 3600, httponly=True, samesite="lax"
            )
        else:
            response.delete_cookie("anju_display")
        return response

    @router.get("/login", name="login")
    def login(request: Request, next: str = "/", web: WebSession = Depends(web_session)) -> Response:
        try:
            auth = provider.authorization_request()
        except Exception:
            return render(
                request,
                "error.html",
                {
                    "title": "暂时无法登录",
                    "message": "统一身份认证服务暂时无法访问，请稍后再试。您已保存的内容不会丢失。",
                    "code": "idp_unavailable",
                },
                status_code=503,
            )
        web.set("oidc", asdict(auth))
        web.set("after_sign_in", _safe_next(next))
        return RedirectResponse(auth.url, status_code=303)

    @router.get("/auth/callback", name="auth_callback")
    def callback(request: Request, web: WebSession = Depends(web_session)) -> Response:
        pending = web.pop("oidc")
        expected = AuthorizationRequest(**pending) if isinstance(pending, dict) else None
        try:
            verified = provider.complete(params=dict(request.query_params), expected=expected)
            with runtime.db.transaction() as session:
                applicant = identity.applicant_sign_in(
                    session=session, identity=verified, cipher=runtime.cipher, index=runtime.blind_index
                )
                applicant_id, name, level = applicant.id, applicant.name, applicant.real_name_level
        except SignInError as exc:
            return render(
                request,
                "error.html",
                {"title": "登录没有成功", "message": exc.message, "code": exc.code, "retry": True},
                status_code=400,
            )
        next_path = web.pop("after_sign_in") or "/"
        web.rotate()
        web.set("applicant_id", applicant_id)
        web.set("applicant_name", name)
        web.set("real_name_level", level)
        return RedirectResponse(request.scope.get("root_path", "") + _safe_next(next_path), status_code=303)

    @router.post("/logout", name="logout", dependencies=[Depends(require_csrf)])
    def logout(request: Request, web: WebSession = Depends(web_session)) -> Response:
        web.destroyed = True
        return RedirectResponse(path_for(request, "home"), status_code=303)

    @router.get("/applications/new", name="application_new")
    def application_new(request: Request, applicant_id: int = Depends(current_applicant_id)) -> Response:
        with runtime.db.transaction() as session:
            draft = household.draft_open(session=session, applicant_id=applicant_id)
            draft_id = draft.id if draft else None
        if draft_id is not None:
            return RedirectResponse(path_for(request, "draft_tasks", draft_id=draft_id), status_code=303)
        return render(request, "start.html", {"title": "开始申请"})

    @router.post("/drafts", name="draft_start", dependencies=[Depends(require_csrf)])
    def draft_start(request: Request, applicant_id: int = Depends(current_applicant_id)) -> Response:
        with runtime.db.transaction() as session:
            draft = household.draft_open(session=session, applicant_id=applicant_id)
            if draft is None:
                applicant = identity.applicant_get(session=session, applicant_id=applicant_id)
                if applicant is None:
                    raise SignInRequired("/applications/new")
                draft = household.draft_start(
                    session=session, applicant=applicant, cipher=runtime.cipher, index=runtime.blind_index
                )
            draft_id = draft.id
        return RedirectResponse(path_for(request, "draft_tasks", draft_id=draft_id), status_code=303)

    @router.get("/applications/{application_no}", name="application_show")
    def application_show(
        request: Request,
        application_no: str,
        submitted: int = 0,
        applicant_id: int = Depends(current_applicant_id),
    ) -> Response:
        with runtime.db.transaction() as session:
            shown = progress_view(
                session=session,
                applicant_id=applicant_id,
                application_no=application_no,
                channel=channel_of(request.state.web),
            )
        if shown is None:
            return application_missing(request)
        application = shown.application
        view = {
            "no": application.application_no,
            "city": regions.get(application.city_code).name,
            "district": regions.get(application.district_code).name,
            "office": housing_office_name(application.city_code),
            "group": APPLICANT_GROUP_LABELS.get(application.applicant_group, application.applicant_group),
            "status": application.status,
            "submitted_at": application.submitted_at,
            "withdrawable": application.status in applications.WITHDRAWABLE,
            "erased": erased_notice(application),
        }
        web: WebSession = request.state.web
        slip = None
        if channel_of(web) == KIOSK and application.submitted_at is not None:
            slip = receipt.receipt_slip(
                facts=receipt.receipt_facts(
                    application=application, office=housing_office_name(application.city_code)
                ),
                applicant_name=str(web.get("applicant_name") or ""),
                platform_url=runtime.settings.base_url("platform"),
            )
        return render(
            request,
            "application_show.html",
            {
                "slip": slip,
                "texted": "texted" in request.query_params,
                "title": "申请进度",
                "application": view,
                "notice": shown.notice,
                "evaluation_offered": shown.evaluation_offered,
                "current_due": shown.current_due,
                "current_due_note": shown.current_due_note,
                "just_corrected": "corrected" in request.query_params,
                "timeline": timeline_entries(shown.events),
                "signatures": [{"title": title, "serial": serial} for title, serial in shown.signatures],
                "just_submitted": bool(submitted),
            },
        )

    def application_missing(request: Request) -> Response:
        return render(
            request,
            "error.html",
            {
                "title": "找不到这件申请",
                "message": "没有找到您名下编号为该号码的申请，请核对申请编号。",
                "code": "not_found",
            },
            status_code=404,
        )

    @router.get("/applications/{application_no}/receipt.pdf", name="application_receipt")
    def application_receipt(
        request: Request, application_no: str, applicant_id: int = Depends(current_applicant_id)
    ) -> Response:
        if channel_of(request.state.web) == KIOSK:  # nothing with personal data left on a shared machine
            return render(
                request,
                "error.html",
                {
                    "title": "自助终端不提供下载",
                    "message": "为保护您的个人信息，自助终端不下载文件。请在申请进度页打印回执或用短信发送回执；"
                    "申请表（PDF）可在家中登录本平台下载。",
                    "code": "kiosk_no_download",
                },
                status_code=403,
            )
        with runtime.db.transaction() as session:
            application = applications.application_get_for(
                session=session, applicant_id=applicant_id, application_no=application_no
            )
            if application is None or application.submitted_at is None:
                return application_missing(request)
            if application.erased_at is not None:
                return render(
                    request,
                    "error.html",
                    {
                        "title": "申请表已删除",
                        "message": erased_notice(application),
                        "code": "erased",
                    },
                    status_code=410,
                )
            documents = signed.signed_documents_of(
                session=session, application_id=application.id, cipher=runtime.cipher
            )
            if not documents:
                return application_missing(request)
            facts = receipt.receipt_facts(
                application=application, office=housing_office_name(application.city_code)
            )
        pdf = receipt.receipt_pdf(facts=facts, documents=documents)
        return Response(
            pdf,
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'attachment; filename="{application_no}.pdf"',
                "Cache-Control": "no-store",
            },
        )

    @router.post(
        "/applications/{application_no}/receipt/sms",
        name="application_receipt_sms",
        dependencies=[Depends(require_csrf)],
    )
    def application_receipt_sms(
        request: Request, application_no: str, applicant_id: int = Depends(current_applicant_id)
    ) -> Response:
        """Text the receipt to the application's phone (the kiosk's alternative to a download)."""
        with runtime.db.transaction() as session:
            application = applications.application_get_for(
                session=session, applicant_id=applicant_id, application_no=application_no
            )
            if application is None or application.submitted_at is None or not application.phone_enc:
                return application_missing(request)
            try:
                runtime.rates.attempt(session, RECEIPT_SMS, application_no)
            except RateLimited as exc:
                return render(
                    request,
                    "error.html",
                    {"title": "暂时不能再发送", "message": exc.message, "code": "too_many"},
                    status_code=429,
                )
            notify.receipt_sms_queue(
                session=session,
                application=application,
                platform_url=runtime.settings.base_url("platform"),
                cipher=runtime.cipher,
                outbox=runtime.tables.outbox,
            )
        target = path_for(request, "application_show", application_no=application_no)
        return RedirectResponse(target + "?texted=1#receipt", status_code=303)

    @router.get("/applications/{application_no}/decisions/{event_seq}.pdf", name="application_decision")
    def application_decision(
        request: Request,
        application_no: str,
        event_seq: int,
        applicant_id: int = Depends(current_applicant_id),
    ) -> Response:
        with runtime.db.transaction() as session:
            application = applications.application_get_for(
                session=session, applicant_id=applicant_id, application_no=application_no
            )
            applicant = identity.applicant_get(session=session, applicant_id=applicant_id)
            if application is None or applicant is None:
                return application_missing(request)
            subject = applicant.subject
        try:
            pdf = decisions.decision_fetch(
                client=runtime.client, case_no=application_no, event_seq=event_seq, user=subject
            )
        except decisions.DecisionUnavailable as exc:
            return render(
                request,
                "error.html",
                {"title": "无法下载文书", "message": exc.message, "code": exc.code},
                status_code=404 if exc.code == "document_unknown" else 503,
            )
        return Response(
            pdf,
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'attachment; filename="{application_no}-{event_seq:02d}.pdf"',
                "Cache-Control": "no-store",
            },
        )

    def verification_counted(address: str) -> None:
        with runtime.db.transaction() as session:
            runtime.rates.attempt(session, decisions.VERIFICATIONS_PER_ADDRESS, address)

    @router.get("/decisions/verify", name="decision_verify")
    def verify_form(request: Request) -> Response:
        return render(request, "verify.html", {"title": "文书验证", "check": None, "error": ""})

    @router.post(
        "/decisions/verify",
        name="decision_verify_submit",
        dependencies=[Depends(require_csrf)],
        max_body_size=runtime.settings.max_upload_request_bytes,
    )
    async def verify_submit(request: Request) -> Response:
        _filename, data = await form_file(request, "file")
        if not data:
            return render(
                request,
                "verify.html",
                {"title": "文书验证", "check": None, "error": "请选择要核验的 PDF 文件。"},
                400,
            )
        address = request.client.host if request.client else "unknown"
        try:
            await anyio.to_thread.run_sync(lambda: verification_counted(address))
        except RateLimited as exc:
            return render(
                request, "verify.html", {"title": "文书验证", "check": None, "error": exc.message}, 429
            )
        trusted = decisions.trusted_seal_ca(runtime.settings.key_directory, runtime.settings.seal_ca_file)
        check = await anyio.to_thread.run_sync(
            lambda: decisions.decision_verify(data, trusted_ca_pem=trusted)
        )
        return render(request, "verify.html", {"title": "文书验证", "check": check, "error": ""})

    @router.get("/applications/{application_no}/withdraw", name="application_withdraw")
    def withdraw_confirm(
        request: Request, application_no: str, applicant_id: int = Depends(current_applicant_id)
    ) -> Response:
        with runtime.db.transaction() as session:
            application = applications.application_get_for(
                session=session, applicant_id=applicant_id, application_no=application_no
            )
            if application is None:
                return application_missing(request)
            status = application.status
        return render(
            request,
            "withdraw.html",
            {
                "title": "撤回申请",
                "application_no": application_no,
                "withdrawable": status in applications.WITHDRAWABLE,
                "status": status,
                "error": "",
                "reason": "",
            },
        )

    @router.post(
        "/applications/{application_no}/withdraw",
        name="application_withdraw_submit",
        dependencies=[Depends(require_csrf)],
    )
    def withdraw_submit(
        request: Request,
        application_no: str,
        reason: str = Form(""),
        applicant_id: int = Depends(current_applicant_id),
    ) -> Response:
        try:
            applications.application_withdraw(
                db=runtime.db,
                client=runtime.client,
                applicant_id=applicant_id,
                application_no=application_no,
                reason=reason,
                cipher=runtime.cipher,
                outbox=runtime.tables.outbox,
            )
        except applications.WithdrawalFailed as exc:
            if exc.code == "not_found":
                return application_missing(request)
            return render(
                request,
                "withdraw.html",
                {
                    "title": "撤回申请",
                    "application_no": application_no,
                    "withdrawable": exc.code != "already_accepted",
                    "status": "",
                    "error": exc.message,
                    "reason": reason,
                },
                status_code=409 if exc.code in ("already_accepted", "not_withdrawable") else 503,
            )
        return RedirectResponse(
            path_for(request, "application_show", application_no=application_no) + "#timeline",
            status_code=303,
        )

    return router
