"""Following an application without signing in: number + ID number, then the code sent by SMS
(decision 0025: routes at module level)."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import Response

from anju.core import masking, regions
from anju.core.ratelimit import RateLimited
from anju.core.vocab import housing_office_name, status_label
from anju.core.web import client_address, page_router
from anju.core.websession import WebSession, web_session
from anju.platform.applications import service as applications
from anju.platform.models import Applicant, Application
from anju.platform.progress import service as progress
from anju.platform.progress.view import timeline_entries
from anju.platform.web import RuntimeDep, render

PENDING = "progress_pending"
WRONG_CODE = "验证码不正确或已过期，请核对，或重新获取验证码。"

router = page_router()
Web = Annotated[WebSession, Depends(web_session)]


def _page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    return render(
        request, name, {"title": "查询申请进度", "status_label": status_label, **context}, status_code
    )


def _ask(request: Request, error: str = "", status_code: int = 200) -> Response:
    return _page(request, "progress_query.html", {"step": "ask", "message": "", "error": error}, status_code)


@router.get("/progress", name="progress_query")
def progress_query(request: Request) -> Response:
    """Ask for the application number and the applicant's ID number."""
    return _ask(request)


@router.post("/progress/code", name="progress_code")
def progress_code(
    request: Request, web: Web, runtime: RuntimeDep, application_no: str = Form(""), id_number: str = Form("")
) -> Response:
    """Text a code to the application's phone when number and ID match (the same answer either way)."""
    if not application_no.strip() or not id_number.strip():
        return _ask(request, "请填写申请编号和申请人身份证号码。", 400)
    address = client_address(request)
    try:
        with runtime.db.transaction() as session:
            pending = progress.code_request(
                session=session,
                index=runtime.blind_index,
                cipher=runtime.cipher,
                outbox=runtime.tables.outbox,
                rates=runtime.rates,
                number=application_no,
                id_number=id_number,
                address=address,
            )
    except RateLimited as exc:
        return _ask(request, exc.message, 429)
    web.set(PENDING, dataclasses.asdict(pending))
    return _page(request, "progress_query.html", {"step": "code", "message": progress.SENT, "error": ""})


@router.post("/progress/verify", name="progress_verify")
def progress_verify(request: Request, web: Web, runtime: RuntimeDep, code: str = Form("")) -> Response:
    """The right code shows the application's progress (masked), once."""
    raw = web.get(PENDING)
    pending = progress.Pending(**raw) if raw else None
    if pending is None or not progress.code_check(pending=pending, code=code, index=runtime.blind_index):
        if pending is not None:
            web.set(PENDING, {**dataclasses.asdict(pending), "tries": pending.tries + 1})
        return _page(
            request, "progress_query.html", {"step": "code", "message": "", "error": WRONG_CODE}, 400
        )
    web.pop(PENDING)
    with runtime.db.transaction() as session:
        application = session.get(Application, pending.application_id)
        assert application is not None
        applicant = session.get(Applicant, application.applicant_id)
        view = {
            "no": application.application_no,
            "name": masking.mask_name(applicant.name) if applicant is not None else "",
            "city": regions.get(application.city_code).name,
            "office": housing_office_name(application.city_code),
            "status": application.status,
        }
        timeline = timeline_entries(
            applications.application_timeline(session=session, application=application)
        )
    return _page(request, "progress_public.html", {"application": view, "timeline": timeline})
