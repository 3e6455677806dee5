"""Answering a 补正 notice: the notice, files, a reply — sent to housing through the outbox."""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from anju.core.runtime import Runtime
from anju.core.web import form_file, path_for
from anju.core.websession import WebSession, require_csrf
from anju.platform.applications import corrections
from anju.platform.applications import service as applications
from anju.platform.backfill.service import ReviewRefused, proof_remove
from anju.platform.channels.web.pages import current_applicant_id
from anju.platform.identity import service as identity
from anju.platform.models import Application


def build_router(*, runtime: Runtime, templates: Jinja2Templates) -> APIRouter:
    """GET/POST /applications/{no}/corrections and its files."""
    router = APIRouter(include_in_schema=False)

    def render(request: Request, context: dict[str, Any], status_code: int = 200) -> Response:
        web: WebSession = request.state.web
        base = {"signed_in_name": web.get("applicant_name"), "title": "提交补正材料"}
        return templates.TemplateResponse(
            request, "corrections.html", {**base, **context}, status_code=status_code
        )

    def missing(request: Request) -> Response:
        return templates.TemplateResponse(
            request,
            "error.html",
            {
                "title": "没有需要补正的内容",
                "message": "这件申请目前没有需要您补正的内容，或补正材料已经提交。",
                "code": "no_open_corrections",
            },
            status_code=404,
        )

    def context_of(session: Session, application: Application) -> dict[str, Any] | None:
        notice = corrections.notice_current(session=session, application=application)
        if notice is None:
            return None
        files = corrections.correction_files(session=session, application=application, round_no=notice.round)
        return {
            "application_no": application.application_no,
            "notice": notice,
            "files": [{"id": f.id, "name": f.filename, "kb": max(1, f.size_bytes // 1024)} for f in files],
            "error": "",
            "reply": "",
        }

    def mine(session: Session, applicant_id: int, application_no: str) -> Application | None:
        return applications.application_get_for(
            session=session, applicant_id=applicant_id, application_no=application_no
        )

    @router.get("/applications/{application_no}/corrections", name="corrections")
    def corrections_page(
        request: Request, application_no: str, applicant_id: int = Depends(current_applicant_id)
    ) -> Response:
        with runtime.db.transaction() as session:
            application = mine(session, applicant_id, application_no)
            context = context_of(session, application) if application else None
        if context is None:
            return missing(request)
        return render(request, context)

    @router.post(
        "/applications/{application_no}/corrections/files",
        name="corrections_file_add",
        dependencies=[Depends(require_csrf)],
        max_body_size=runtime.settings.max_upload_request_bytes,
    )
    async def file_add(
        request: Request, application_no: str, applicant_id: int = Depends(current_applicant_id)
    ) -> Response:
        filename, data = await form_file(request, "file")

        def store() -> dict[str, Any] | None:
            with runtime.db.transaction() as session:
                application = mine(session, applicant_id, application_no)
                if application is None:
                    return None
                try:
                    corrections.correction_file_add(
                        session=session,
                        application=application,
                        filename=filename,
                        data=data,
                        cipher=runtime.cipher,
                    )
                except corrections.CorrectionNotOpen:
                    return None
                except ReviewRefused as exc:
                    context = context_of(session, application)
                    return {**context, "error": exc.message} if context else None
                return {}

        outcome = await anyio.to_thread.run_sync(store)
        if outcome is None:
            return missing(request)
        if outcome:
            return render(request, outcome, status_code=400)
        return RedirectResponse(
            path_for(request, "corrections", application_no=application_no) + "#files", status_code=303
        )

    @router.post(
        "/applications/{application_no}/corrections/files/{file_id}/remove",
        name="corrections_file_remove",
        dependencies=[Depends(require_csrf)],
    )
    def file_remove(
        request: Request, application_no: str, file_id: int, applicant_id: int = Depends(current_applicant_id)
    ) -> Response:
        with runtime.db.transaction() as session:
            application = mine(session, applicant_id, application_no)
            if (
                application is None
                or corrections.notice_current(session=session, application=application) is None
            ):
                return missing(request)
            proof_remove(
                session=session, application_id=application.id, proof_id=file_id, purpose="correction"
            )
        return RedirectResponse(
            path_for(request, "corrections", application_no=application_no) + "#files", status_code=303
        )

    @router.post(
        "/applications/{application_no}/corrections",
        name="corrections_submit",
        dependencies=[Depends(require_csrf)],
    )
    async def submit(
        request: Request, application_no: str, applicant_id: int = Depends(current_applicant_id)
    ) -> Response:
        form = await request.form()
        reply = str(form.get("reply", ""))

        def send() -> dict[str, Any] | None:
            with runtime.db.transaction() as session:
                application = mine(session, applicant_id, application_no)
                applicant = identity.applicant_get(session=session, applicant_id=applicant_id)
                if application is None or applicant is None:
                    return None
                try:
                    corrections.correction_submit(
                        session=session,
                        application=application,
                        applicant=applicant,
                        reply=reply,
                        cipher=runtime.cipher,
                        outbox=runtime.tables.outbox,
                    )
                except corrections.CorrectionNotOpen:
                    return None
                except ReviewRefused as exc:
                    context = context_of(session, application)
                    return {**context, "error": exc.message, "reply": reply} if context else None
                return {}

        outcome = await anyio.to_thread.run_sync(send)
        if outcome is None:
            return missing(request)
        if outcome:
            return render(request, outcome, status_code=400)
        return RedirectResponse(
            path_for(request, "application_show", application_no=application_no) + "?corrected=1",
            status_code=303,
        )

    return router
