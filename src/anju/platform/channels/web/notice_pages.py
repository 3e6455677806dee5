"""公示 pages: anyone may read a city's notice; a signed-in resident may object to an entry."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from anju.core import regions
from anju.core.runtime import Runtime
from anju.core.websession import WebSession, require_csrf
from anju.platform.applications import notices
from anju.platform.channels.web.pages import current_applicant_id
from anju.platform.identity import service as identity


def build_router(*, runtime: Runtime, templates: Jinja2Templates) -> APIRouter:
    """GET /public-notices, GET/POST /public-notices/{city}/{case_no}/objection."""
    router = APIRouter(include_in_schema=False)

    def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
        web: WebSession = request.state.web
        return templates.TemplateResponse(
            request, name, {"signed_in_name": web.get("applicant_name"), **context}, status_code=status_code
        )

    @router.get("/public-notices", name="public_notices")
    def notice_list(request: Request, city: str = "350100") -> Response:
        cities = {r.code: r.name for r in regions.jurisdictions()}
        context: dict[str, Any] = {
            "title": "公租房申请公示",
            "cities": cities,
            "city": city,
            "entries": [],
            "error": "",
        }
        if city not in cities:
            return render(
                request, "notices.html", {**context, "error": "请选择设区市或平潭综合实验区。"}, 400
            )
        try:
            context["entries"] = notices.notices_fetch(client=runtime.client, city_code=city)["entries"]
        except notices.NoticeUnavailable as exc:
            return render(request, "notices.html", {**context, "error": exc.message}, 503)
        return render(request, "notices.html", context)

    @router.get("/public-notices/{city}/{case_no}/objection", name="objection_form")
    def objection_form(
        request: Request, city: str, case_no: str, applicant_id: int = Depends(current_applicant_id)
    ) -> Response:
        return render(
            request,
            "objection.html",
            {"title": "提出异议", "city": city, "case_no": case_no, "text": "", "error": ""},
        )

    @router.post(
        "/public-notices/{city}/{case_no}/objection",
        name="objection_submit",
        dependencies=[Depends(require_csrf)],
    )
    def objection_submit(
        request: Request,
        city: str,
        case_no: str,
        text: str = Form(""),
        applicant_id: int = Depends(current_applicant_id),
    ) -> Response:
        with runtime.db.transaction() as session:
            me = identity.applicant_get(session=session, applicant_id=applicant_id)
            assert me is not None
            name, phone, subject = (
                me.name,
                identity.applicant_phone(applicant=me, cipher=runtime.cipher),
                me.subject,
            )
        context = {"title": "提出异议", "city": city, "case_no": case_no, "text": text}
        if not 10 <= len(text.strip()) <= 2000:
            return render(
                request,
                "objection.html",
                {**context, "error": "异议内容请写 10 到 2000 个字，说明事实和理由。"},
                400,
            )
        try:
            notices.objection_send(
                client=runtime.client,
                case_no=case_no,
                text=text.strip(),
                name=name,
                phone=phone,
                user=subject,
            )
        except notices.NoticeUnavailable as exc:
            return render(request, "objection.html", {**context, "error": exc.message}, 409)
        return render(
            request, "objection_done.html", {"title": "异议已提交", "case_no": case_no, "city": city}
        )

    return router
