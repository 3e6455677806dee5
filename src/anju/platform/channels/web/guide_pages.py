"""办事指南: a page per city (printable) and the same as JSON."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from fastapi.templating import Jinja2Templates

from anju.core import regions
from anju.core.runtime import Runtime
from anju.core.websession import WebSession
from anju.platform.guide import service as guide


def build_router(*, runtime: Runtime, templates: Jinja2Templates) -> APIRouter:
    """GET /guide, /guide/{city}, /guide/{city}.json."""
    router = APIRouter(include_in_schema=False)

    def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
        web: WebSession = request.state.web
        return templates.TemplateResponse(
            request, name, {"signed_in_name": web.get("applicant_name"), **context}, status_code=status_code
        )

    def unavailable(request: Request, status_code: int, message: str) -> Response:
        return render(
            request,
            "error.html",
            {"title": "办事指南", "message": message, "code": "guide_unavailable"},
            status_code,
        )

    @router.get("/guide", name="guide_index")
    def index(request: Request) -> Response:
        cities = [(r.code, r.name) for r in regions.jurisdictions()]
        return render(request, "guide_index.html", {"title": "办事指南", "cities": cities})

    @router.get("/guide/{city_code}.json", name="guide_json")
    def as_json(city_code: str) -> Response:
        try:
            return JSONResponse(guide.guide_for(client=runtime.client, city_code=city_code))
        except KeyError:
            return JSONResponse(
                {"error": {"code": "city_unknown", "message": "没有这个市（区）。"}}, status_code=404
            )
        except guide.GuideUnavailable:
            return JSONResponse(
                {"error": {"code": "guide_unavailable", "message": "暂时无法生成办事指南。"}}, status_code=503
            )

    @router.get("/guide/{city_code}", name="guide_page")
    def page(request: Request, city_code: str) -> Response:
        try:
            data = guide.guide_for(client=runtime.client, city_code=city_code)
        except KeyError:
            return unavailable(request, 404, "没有这个市（区）的办事指南。")
        except guide.GuideUnavailable:
            return unavailable(request, 503, "暂时无法生成办事指南，请稍后再试。")
        return render(request, "guide.html", {"title": f"{data['city']}办事指南", "g": data})

    return router
