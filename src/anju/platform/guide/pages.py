"""办事指南 pages: a page per city (printable) and the same as JSON (decision 0025: routes at module level)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from anju.core import regions
from anju.platform.guide import service as guide
from anju.platform.guide.elements import item_elements
from anju.platform.web import RuntimeDep, render

router = APIRouter(include_in_schema=False)


def _unavailable(request: Request, status_code: int, message: str) -> Response:
    context = {"title": "办事指南", "message": message, "code": "guide_unavailable"}
    return render(request, "error.html", context, status_code)


@router.get("/guide", name="guide_index")
def guide_index(request: Request) -> Response:
    """Every city's guide."""
    cities = [(r.code, r.name) for r in regions.jurisdictions()]
    return render(request, "guide_index.html", {"title": "办事指南", "cities": cities})


def _guide_json(runtime: RuntimeDep, city_code: str, shape: Callable[[dict[str, Any]], Any]) -> Response:
    """A city's guide as JSON in some shape, or the JSON error a caller can act on."""
    try:
        return JSONResponse(shape(guide.guide_for(client=runtime.client, city_code=city_code)))
    except KeyError:
        return JSONResponse(
            {"error": {"code": "city_unknown", "message": "没有这个市（区）。"}}, status_code=404
        )
    except guide.GuideUnavailable:
        return JSONResponse(
            {"error": {"code": "guide_unavailable", "message": "暂时无法生成办事指南。"}}, status_code=503
        )


@router.get("/guide/{city_code}.json", name="guide_json")
def guide_json(city_code: str, runtime: RuntimeDep) -> Response:
    """One city's guide as JSON."""
    return _guide_json(runtime, city_code, lambda data: data)


@router.get("/guide/{city_code}/item.json", name="guide_item_json")
def guide_item_json(city_code: str, runtime: RuntimeDep) -> Response:
    """One city's service item in the national element list (实施清单), from the guide's own data."""
    platform_url = runtime.settings.base_url("platform")
    return _guide_json(runtime, city_code, lambda data: item_elements(data, platform_url=platform_url))


@router.get("/guide/{city_code}", name="guide_page")
def guide_page(request: Request, city_code: str, runtime: RuntimeDep) -> Response:
    """One city's guide, as a page."""
    try:
        data = guide.guide_for(client=runtime.client, city_code=city_code)
    except KeyError:
        return _unavailable(request, 404, "没有这个市（区）的办事指南。")
    except guide.GuideUnavailable:
        return _unavailable(request, 503, "暂时无法生成办事指南，请稍后再试。")
    return render(request, "guide.html", {"title": f"{data['city']}办事指南", "g": data})
