"""Answering a 补正 notice: the notice, files, a reply — sent to housing through the outbox
(decision 0025)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio
from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from anju.core.web import form_file, page_router, path_for
from anju.platform.applications import corrections
from anju.platform.applications import service as applications
from anju.platform.backfill.service import ReviewRefused
from anju.platform.identity import service as identity
from anju.platform.models import Applicant, Application
from anju.platform.web import ApplicantId, RuntimeDep, collected_on_paper, not_found_page, render

router = page_router()
# Routes that take a file: the app includes these with the upload body limit (decision 0012).
uploads = page_router()


def _page(request: Request, context: dict[str, Any], status_code: int = 200) -> Response:
    return render(request, "corrections.html", {"title": "提交补正材料", **context}, status_code)


def _nothing_open(request: Request) -> Response:
    return not_found_page(
        request,
        title="没有需要补正的内容",
        message="这件申请目前没有需要您补正的内容，或补正材料已经提交。",
        code="no_open_corrections",
    )


def _context(session: Session, application: Application) -> dict[str, Any] | None:
    notice = corrections.notice_current(session=session, application=application)
    if notice is None:
        return None
    files = corrections.correction_files(session=session, application=application, round_no=notice.round)
    return {
        "application_no": application.application_no,
        "notice": notice,
        "files": [
            {"id": f.id, "name": f.filename, "kb": max(1, f.size_bytes // 1024), "paper": f.on_paper}
            for f in files
        ],
        "error": "",
        "reply": "",
    }


Act = Callable[[Session, Application, Applicant], None]


def _act(
    runtime: RuntimeDep, applicant_id: int, application_no: str, act: Act, **kept: str
) -> dict[str, Any] | None:
    """Do one thing to the open 补正 of one's own application: {} when done, the page's context with the
    refusal when refused, None when there is nothing open to do it to."""
    with runtime.db.transaction() as session:
        application = applications.application_get_for(
            session=session, applicant_id=applicant_id, application_no=application_no
        )
        applicant = identity.applicant_get(session=session, applicant_id=applicant_id)
        if application is None or applicant is None:
            return None
        try:
            act(session, application, applicant)
        except corrections.CorrectionNotOpen:
            return None
        except ReviewRefused as exc:
            context = _context(session, application)
            return {**context, "error": exc.message, **kept} if context else None
        return {}


def _answered(request: Request, outcome: dict[str, Any] | None, done: str) -> Response:
    if outcome is None:
        return _nothing_open(request)
    if outcome:
        return _page(request, outcome, 400)
    return RedirectResponse(done, status_code=303)


@router.get("/applications/{application_no}/corrections", name="corrections")
def corrections_page(
    request: Request, application_no: str, applicant_id: ApplicantId, runtime: RuntimeDep
) -> Response:
    """What the reviewer asked for, the files added so far, and the reply box."""
    with runtime.db.transaction() as session:
        application = applications.application_get_for(
            session=session, applicant_id=applicant_id, application_no=application_no
        )
        context = _context(session, application) if application else None
    if context is None:
        return _nothing_open(request)
    return _page(request, context)


@uploads.post("/applications/{application_no}/corrections/files", name="corrections_file_add")
async def corrections_file_add(
    request: Request, application_no: str, applicant_id: ApplicantId, runtime: RuntimeDep
) -> Response:
    """Add a file to the answer (checked as every proof is)."""
    filename, data = await form_file(request, "file")
    on_paper = collected_on_paper(request.state.web)

    def add(session: Session, application: Application, _applicant: Applicant) -> None:
        corrections.correction_file_add(
            session=session,
            application=application,
            filename=filename,
            data=data,
            cipher=runtime.cipher,
            on_paper=on_paper,
        )

    outcome = await anyio.to_thread.run_sync(lambda: _act(runtime, applicant_id, application_no, add))
    return _answered(
        request, outcome, path_for(request, "corrections", application_no=application_no) + "#files"
    )


@router.post(
    "/applications/{application_no}/corrections/files/{file_id}/remove", name="corrections_file_remove"
)
def corrections_file_remove(
    request: Request, application_no: str, file_id: int, applicant_id: ApplicantId, runtime: RuntimeDep
) -> Response:
    """Remove a file from the answer before it is sent."""

    def remove(session: Session, application: Application, _applicant: Applicant) -> None:
        corrections.correction_file_remove(session=session, application=application, file_id=file_id)

    outcome = _act(runtime, applicant_id, application_no, remove)
    return _answered(
        request, outcome, path_for(request, "corrections", application_no=application_no) + "#files"
    )


@router.post("/applications/{application_no}/corrections", name="corrections_submit")
async def corrections_submit(
    request: Request, application_no: str, applicant_id: ApplicantId, runtime: RuntimeDep
) -> Response:
    """Send the files and the reply to housing (the review's clock starts again there)."""
    reply = str((await request.form()).get("reply", ""))

    def send(session: Session, application: Application, applicant: Applicant) -> None:
        corrections.correction_submit(
            session=session,
            application=application,
            applicant=applicant,
            reply=reply,
            cipher=runtime.cipher,
            outbox=runtime.tables.outbox,
        )

    outcome = await anyio.to_thread.run_sync(
        lambda: _act(runtime, applicant_id, application_no, send, reply=reply)
    )
    done = path_for(request, "application_show", application_no=application_no) + "?corrected=1"
    return _answered(request, outcome, done)
