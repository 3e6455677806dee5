"""Shared page plumbing: templates with our filters, static assets, health checks, page errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, pass_context, select_autoescape

from anju.core import masking
from anju.core.db import Database
from anju.core.timeutil import format_shanghai
from anju.core.websession import CsrfError

CORE_DIR = Path(__file__).parent


def make_templates(directory: Path) -> Jinja2Templates:
    """Jinja2 templates of one system, falling back to the shared layout, with masking filters."""
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(directory), FileSystemLoader(CORE_DIR / "templates")]),
        autoescape=select_autoescape(["html"]),
        auto_reload=False,  # templates ship with the code; no stat() per render (bench/progress.py)
    )
    env.filters["mask_name"] = masking.mask_name
    env.filters["mask_id"] = masking.mask_id_number
    env.filters["mask_phone"] = masking.mask_phone
    env.filters["shanghai"] = format_shanghai
    env.globals["url_for"] = url_for
    return Jinja2Templates(env=env)


ROUTE_PATHS_KEPT = 4096


def _route_path(router: Any, name: str, params: dict[str, Any]) -> str:
    # Kept on the router itself (each app has its own), forgotten wholesale when it grows too large.
    paths: dict[tuple[Any, ...], str] = router.__dict__.setdefault("_anju_route_paths", {})
    key = (name, *sorted(params.items()))
    path = paths.get(key)
    if path is None:
        if len(paths) >= ROUTE_PATHS_KEPT:
            paths.clear()
        path = paths[key] = str(router.url_path_for(name, **params))
    return path


@pass_context
def url_for(context: Any, name: str, /, **path_params: Any) -> str:
    """Templates' ``url_for``: the path from the site root (what a link needs), remembered per route and
    parameters. Starlette's own walks every nested router and builds an absolute URL on each call, which
    was a fifth of a page's time (bench/progress.py); routes never change while the process runs."""
    request: Request = context["request"]
    path = _route_path(request.scope["router"], name, path_params)
    return str(request.scope.get("root_path", "")) + path


def mount_static(app: FastAPI) -> None:
    """Serve the shared CSS and scripts from the app itself (no CDN on government networks)."""
    app.mount("/static", StaticFiles(directory=CORE_DIR / "static"), name="static")


def add_health_routes(app: FastAPI, *, db: Database, system: str) -> None:
    """/healthz: the process answers; /readyz: its database answers too."""

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "system": system}

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> JSONResponse:
        try:
            db.ping()
        except Exception as exc:
            return JSONResponse(
                {"status": "unavailable", "system": system, "database": type(exc).__name__}, status_code=503
            )
        return JSONResponse({"status": "ready", "system": system, "database": "ok"})


def install_page_errors(
    app: FastAPI, templates: Jinja2Templates, *, context: dict[str, Any] | None = None
) -> None:
    """A clear page, in Chinese, when a form arrives without its CSRF token."""

    @app.exception_handler(CsrfError)
    async def _csrf(request: Request, _exc: CsrfError) -> HTMLResponse:
        return templates.TemplateResponse(
            request,
            "error.html",
            {
                **(context or {}),
                "title": "页面已过期",
                "message": "为保护您的信息安全，这个表单需要重新提交。您已保存的内容没有丢失，请返回上一页刷新后再试。",
                "code": "csrf_invalid",
            },
            status_code=403,
        )


async def form_file(request: Request, name: str) -> tuple[str, bytes]:
    """The file uploaded in a multipart form field, as (filename, content); ("", b"") when none."""
    form = await request.form()
    upload = form.get(name)
    if upload is None or isinstance(upload, str):
        return "", b""
    return upload.filename or "", await upload.read()
