"""Application pages: start applying, follow one's application (its receipt, decisions and the
verification of any decision document), and withdraw it while that is still possible (decision 0025)."""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from anju.core import regions, seal
from anju.core.ratelimit import RateLimited
from anju.core.vocab import APPLICANT_GROUP_LABELS, housing_office_name
from anju.core.web import client_address, form_file, page_router, path_for, pdf_response
from anju.core.websession import WebSession
from anju.platform.applications import decisions, household, notices, notify, offers, receipt, signed
from anju.platform.applications import service as applications
from anju.platform.applications.retention import erased_notice
from anju.platform.identity import service as identity
from anju.platform.limits import LIMITS
from anju.platform.models import Application
from anju.platform.progress.view import progress_view, timeline_entries
from anju.platform.web import (
    KIOSK,
    ApplicantId,
    RuntimeDep,
    SignInRequired,
    application_missing,
    channel_of,
    render,
)

router = page_router()
# Routes that take a file: the app includes these with the upload body limit (decision 0012).
uploads = page_router()
RECEIPT_SMS = LIMITS.limits["receipt_sms"]


def _error(request: Request, title: str, message: str, code: str, status_code: int) -> Response:
    return render(request, "error.html", {"title": title, "message": message, "code": code}, status_code)


@router.get("/applications/new", name="application_new")
def application_new(request: Request, applicant_id: ApplicantId, runtime: RuntimeDep) -> Response:
    """Start applying (or go back to the draft already open)."""
    with runtime.db.transaction() as session:
        draft = household.draft_open(session=session, applicant_id=applicant_id)
        draft_id = draft.id if draft else None
    if draft_id is not None:
        return RedirectResponse(path_for(request, "draft_tasks", draft_id=draft_id), status_code=303)
    return render(request, "start.html", {"title": "开始申请"})


@router.post("/drafts", name="draft_start")
def draft_start(request: Request, applicant_id: ApplicantId, runtime: RuntimeDep) -> Response:
    """Open a draft (one at a time), with the applicant as its first member."""
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


def _application_facts(application: Application) -> dict[str, Any]:
    return {
        "no": application.application_no,
        "city_code": application.city_code,
        "city": regions.get(application.city_code).name,
        "district": regions.get(application.district_code).name,
        "office": housing_office_name(application.city_code),
        "group": APPLICANT_GROUP_LABELS.get(application.applicant_group, application.applicant_group),
        "status": application.status,
        "submitted_at": application.submitted_at,
        "withdrawable": application.status in applications.WITHDRAWABLE,
        "erased": erased_notice(application),
    }


def _kiosk_slip(runtime: RuntimeDep, web: WebSession, application: Application) -> dict[str, Any] | None:
    """At a kiosk, the receipt slip its printer prints (nothing is downloaded on a shared machine)."""
    if channel_of(web) != KIOSK or application.submitted_at is None:
        return None
    office = housing_office_name(application.city_code)
    return receipt.receipt_slip(
        facts=receipt.receipt_facts(application=application, office=office),
        applicant_name=str(web.get("applicant_name") or ""),
        platform_url=runtime.settings.base_url("platform"),
    )


def _standing(runtime: RuntimeDep, application: Application, subject: str) -> dict[str, Any] | None:
    """A waiting application's place today, as housing counts it by the city's rule (or why it cannot say)."""
    if application.status != "waitlisted" or application.application_no is None:
        return None
    try:
        return notices.standing_fetch(
            client=runtime.client,
            city_code=application.city_code,
            case_no=application.application_no,
            user=subject,
        )
    except notices.NoticeUnavailable as exc:
        return {"error": exc.message}


@router.get("/applications/{application_no}", name="application_show")
def application_show(
    request: Request, application_no: str, applicant_id: ApplicantId, runtime: RuntimeDep, submitted: int = 0
) -> Response:
    """Where the application is: its status, what is due next and by when, every step so far."""
    web: WebSession = request.state.web
    with runtime.db.transaction() as session:
        shown = progress_view(
            session=session, applicant_id=applicant_id, application_no=application_no, channel=channel_of(web)
        )
        me = identity.applicant_get(session=session, applicant_id=applicant_id)
    if shown is None or me is None:
        return application_missing(request)
    context = {
        "standing": _standing(runtime, shown.application, me.subject),
        "offer": offers.offer_fetch(client=runtime.client, application=shown.application, user=me.subject),
        "tenancy": offers.tenancy_fetch(
            client=runtime.client, application=shown.application, user=me.subject
        ),
        "review": offers.review_fetch(client=runtime.client, application=shown.application, user=me.subject),
        "explained": "explained" in request.query_params,
        "leased": "leased" in request.query_params,
        "title": "申请进度",
        "slip": _kiosk_slip(runtime, web, shown.application),
        "texted": "texted" in request.query_params,
        "application": _application_facts(shown.application),
        "notice": shown.notice,
        "evaluation_offered": shown.evaluation_offered,
        "current_due": shown.current_due,
        "current_due_note": shown.current_due_note,
        "just_corrected": "corrected" in request.query_params,
        "timeline": timeline_entries(shown.events),
        "signatures": [{"title": title, "serial": serial} for title, serial in shown.signatures],
        "just_submitted": bool(submitted),
    }
    return render(request, "application_show.html", context)


def _mine(runtime: RuntimeDep, applicant_id: int, application_no: str) -> tuple[Application | None, Any]:
    """The signed-in applicant's own application (None if not theirs) and the applicant."""
    with runtime.db.transaction() as session:
        application = applications.application_get_for(
            session=session, applicant_id=applicant_id, application_no=application_no
        )
        return application, identity.applicant_get(session=session, applicant_id=applicant_id)


@router.post("/applications/{application_no}/offer", name="application_offer_answer")
def application_offer_answer(
    request: Request,
    application_no: str,
    applicant_id: ApplicantId,
    runtime: RuntimeDep,
    answer: str = Form(""),
    reason: str = Form(""),
) -> Response:
    """The applicant accepts or refuses the flat offered, once; the answer goes to housing at once."""
    application, me = _mine(runtime, applicant_id, application_no)
    if application is None or me is None:
        return application_missing(request)
    if answer not in ("accept", "refuse"):
        return _error(request, "请选择答复", "请选择“接受”或“放弃”。", "answer_missing", 400)
    try:
        offers.offer_reply(
            db=runtime.db,
            client=runtime.client,
            cipher=runtime.cipher,
            outbox=runtime.tables.outbox,
            application=application,
            accept=answer == "accept",
            reason=reason,
            user=me.subject,
        )
    except offers.AnswerFailed as exc:
        return _error(request, "答复没有送达", exc.message, "answer_failed", 503)
    target = path_for(request, "application_show", application_no=application_no)
    return RedirectResponse(target + "?answered=" + answer, status_code=303)


@router.post("/applications/{application_no}/lease", name="application_lease_sign")
def application_lease_sign(
    request: Request, application_no: str, applicant_id: ApplicantId, runtime: RuntimeDep
) -> Response:
    """The tenant signs the 租赁合同 with the e-signature service; housing seals it."""
    application, me = _mine(runtime, applicant_id, application_no)
    if application is None or me is None:
        return application_missing(request)
    level = runtime.settings.submit_min_real_name_level
    if not applications.submission_allowed(applicant=me, min_real_name_level=level):
        message = "签署租赁合同须完成高级实名认证。请退出后通过人脸识别登录，或到住房保障部门窗口签署。"
        return _error(request, "请先完成实名认证", message, "real_name_level_low", 403)
    try:
        offers.lease_sign(
            client=runtime.client,
            application=application,
            signer_name=me.name,
            signer_id_number=identity.applicant_id_number(applicant=me, cipher=runtime.cipher),
            user=me.subject,
        )
    except offers.AnswerFailed as exc:
        return _error(request, "租赁合同没有签署", exc.message, "lease_failed", 503)
    target = path_for(request, "application_show", application_no=application_no)
    return RedirectResponse(target + "?leased=1#tenancy", status_code=303)


@router.post("/applications/{application_no}/explanation", name="application_review_explain")
def application_review_explain(
    request: Request,
    application_no: str,
    applicant_id: ApplicantId,
    runtime: RuntimeDep,
    text: str = Form(""),
) -> Response:
    """The tenant explains what the 年审 found; it reaches the reviewer at once."""
    application, me = _mine(runtime, applicant_id, application_no)
    if application is None or me is None:
        return application_missing(request)
    if len(" ".join(text.split())) < 4:
        return _error(request, "请写明情况", "请写明情况（至少 4 个字）。", "explanation_missing", 400)
    try:
        offers.review_explain(client=runtime.client, application=application, text=text, user=me.subject)
    except offers.AnswerFailed as exc:
        return _error(request, "说明没有送达", exc.message, "explanation_failed", 503)
    target = path_for(request, "application_show", application_no=application_no)
    return RedirectResponse(target + "?explained=1#review", status_code=303)


@router.get("/applications/{application_no}/receipt.pdf", name="application_receipt")
def application_receipt(
    request: Request, application_no: str, applicant_id: ApplicantId, runtime: RuntimeDep
) -> Response:
    """The receipt with the signed application form (PDF); never at a kiosk."""
    if channel_of(request.state.web) == KIOSK:  # nothing with personal data left on a shared machine
        message = (
            "为保护您的个人信息，自助终端不下载文件。请在申请进度页打印回执或用短信发送回执；"
            "申请表（PDF）可在家中登录本平台下载。"
        )
        return _error(request, "自助终端不提供下载", message, "kiosk_no_download", 403)
    with runtime.db.transaction() as session:
        application = applications.application_get_for(
            session=session, applicant_id=applicant_id, application_no=application_no
        )
        if application is None or application.submitted_at is None:
            return application_missing(request)
        if application.erased_at is not None:
            return _error(request, "申请表已删除", erased_notice(application), "erased", 410)
        documents = signed.signed_documents_of(
            session=session, application_id=application.id, cipher=runtime.cipher
        )
        if not documents:
            return application_missing(request)
        facts = receipt.receipt_facts(
            application=application, office=housing_office_name(application.city_code)
        )
    pdf = receipt.receipt_pdf(facts=facts, documents=documents, key_directory=runtime.settings.key_directory)
    return pdf_response(pdf, f"{application_no}.pdf", inline="print" in request.query_params)


@router.post("/applications/{application_no}/receipt/sms", name="application_receipt_sms")
def application_receipt_sms(
    request: Request, application_no: str, applicant_id: ApplicantId, runtime: RuntimeDep
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
            return _error(request, "暂时不能再发送", exc.message, "too_many", 429)
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
    request: Request, application_no: str, event_seq: int, applicant_id: ApplicantId, runtime: RuntimeDep
) -> Response:
    """A sealed decision document of one's application, fetched from housing as it was issued."""
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
        status_code = 404 if exc.code == "document_unknown" else 503
        return _error(request, "无法下载文书", exc.message, exc.code, status_code)
    return pdf_response(pdf, f"{application_no}-{event_seq:02d}.pdf")


def _verify_page(request: Request, check: Any = None, error: str = "", status_code: int = 200) -> Response:
    return render(request, "verify.html", {"title": "文书验证", "check": check, "error": error}, status_code)


@router.get("/decisions/verify", name="decision_verify")
def decision_verify(request: Request) -> Response:
    """Anyone may check that a decision document is genuine and unchanged."""
    return _verify_page(request)


@router.get("/decisions/seal-roots.pem", name="decision_seal_roots")
def decision_seal_roots(runtime: RuntimeDep) -> Response:
    """The seal roots this service trusts, published so that anyone can check a seal offline."""
    roots = seal.trusted_roots(runtime.settings.key_directory, runtime.settings.seal_ca_file)
    if roots is None:
        return Response("尚未配置电子印章根证书。", status_code=404, media_type="text/plain; charset=utf-8")
    return Response(
        roots,
        media_type="application/x-pem-file",
        headers={"Content-Disposition": 'attachment; filename="anju-seal-roots.pem"'},
    )


@uploads.post("/decisions/verify", name="decision_verify_submit")
async def decision_verify_submit(request: Request, runtime: RuntimeDep) -> Response:
    """Check the uploaded PDF's seal against the housing department's seal CA (limited per address)."""
    _filename, data = await form_file(request, "file")
    if not data:
        return _verify_page(request, error="请选择要核验的 PDF 文件。", status_code=400)
    address = client_address(request)

    def counted() -> None:
        with runtime.db.transaction() as session:
            runtime.rates.attempt(session, decisions.VERIFICATIONS_PER_ADDRESS, address)

    try:
        await anyio.to_thread.run_sync(counted)
    except RateLimited as exc:
        return _verify_page(request, error=exc.message, status_code=429)
    trusted = seal.trusted_roots(runtime.settings.key_directory, runtime.settings.seal_ca_file)
    check = await anyio.to_thread.run_sync(lambda: decisions.decision_verify(data, trusted_ca_pem=trusted))
    return _verify_page(request, check=check)


def _withdraw_page(request: Request, application_no: str, status_code: int = 200, **context: Any) -> Response:
    base = {"title": "撤回申请", "application_no": application_no, "error": "", "reason": "", "status": ""}
    return render(request, "withdraw.html", {**base, **context}, status_code)


@router.get("/applications/{application_no}/withdraw", name="application_withdraw")
def application_withdraw(
    request: Request, application_no: str, applicant_id: ApplicantId, runtime: RuntimeDep
) -> Response:
    """Ask before withdrawing (and say so when it is too late to)."""
    with runtime.db.transaction() as session:
        application = applications.application_get_for(
            session=session, applicant_id=applicant_id, application_no=application_no
        )
        if application is None:
            return application_missing(request)
        status = application.status
    return _withdraw_page(
        request, application_no, withdrawable=status in applications.WITHDRAWABLE, status=status
    )


@router.post("/applications/{application_no}/withdraw", name="application_withdraw_submit")
def application_withdraw_submit(
    request: Request,
    application_no: str,
    applicant_id: ApplicantId,
    runtime: RuntimeDep,
    reason: str = Form(""),
) -> Response:
    """Withdraw: housing is told at once; refused once housing has accepted the case."""
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
        status_code = 409 if exc.code in ("already_accepted", "not_withdrawable") else 503
        withdrawable = exc.code != "already_accepted"
        return _withdraw_page(
            request, application_no, status_code, withdrawable=withdrawable, error=exc.message, reason=reason
        )
    target = path_for(request, "application_show", application_no=application_no)
    return RedirectResponse(target + "#timeline", status_code=303)
