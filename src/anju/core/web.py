"""Shared page plumbing: templates with our filters, static assets, health checks, page errors."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, pass_context, select_autoescape
from markupsafe import Markup
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException

from anju.core import masking
from anju.core.db import Database
from anju.core.httpapi import (
    API_PREFIX,
    SignedResponseMiddleware,
    api_validation_error,
    error_body,
    install_api_errors,
)
from anju.core.observability import SystemMetrics, install_metrics
from anju.core.runtime import Runtime
from anju.core.timeutil import format_shanghai, spoken_date, spoken_moment, to_shanghai
from anju.core.websession import CsrfError, WebSessionMiddleware, require_csrf

CORE_DIR = Path(__file__).parent
log = logging.getLogger(__name__)


def page_router(**options: Any) -> APIRouter:
    """A router of pages: left out of the OpenAPI description, and every form it takes must carry
    the session's CSRF token (secure by default; a route that must not, such as a device agent's,
    belongs on a router of its own)."""
    return APIRouter(include_in_schema=False, dependencies=[Depends(require_csrf)], **options)


def pdf_response(data: bytes, filename: str, *, inline: bool = False) -> Response:
    """A PDF to save (``inline``: to open in the browser's viewer, as a window's printout), never cached."""
    disposition = "inline" if inline else "attachment"
    headers = {"Content-Disposition": f'{disposition}; filename="{filename}"', "Cache-Control": "no-store"}
    return Response(data, media_type="application/pdf", headers=headers)


def client_address(request: Request) -> str:
    """The address the request came from, for rate limits and the sign-in log ("unknown" if none)."""
    return request.client.host if request.client else "unknown"


def app_runtime(request: Request) -> Runtime:
    """The serving app's runtime (``app.state.runtime``, set by each system's create_app)."""
    runtime: Runtime = request.app.state.runtime
    return runtime


# A route's runtime as a dependency, so routes are plain module-level functions (decision 0025).
RuntimeDep = Annotated[Runtime, Depends(app_runtime)]


def time_element(moment: datetime | date | None) -> Markup:
    """A day or a moment as ``<time>``: the exact value for machines, words a screen reader speaks well."""
    if moment is None:
        return Markup("")
    if isinstance(moment, datetime):
        return Markup('<time datetime="{}">{}</time>').format(
            to_shanghai(moment).isoformat(timespec="minutes"), spoken_moment(moment)
        )
    return Markup('<time datetime="{}">{}</time>').format(moment.isoformat(), spoken_date(moment))


def make_templates(*directories: Path) -> Jinja2Templates:
    """Jinja2 templates of one system (its channels' directories, in order), falling back to the shared
    layout, with masking filters."""
    env = Environment(
        loader=ChoiceLoader(
            [*(FileSystemLoader(d) for d in directories), FileSystemLoader(CORE_DIR / "templates")]
        ),
        autoescape=select_autoescape(["html"]),
        auto_reload=False,  # templates ship with the code; no stat() per render (bench/progress.py)
    )
    env.filters["mask_name"] = masking.mask_name
    env.filters["mask_id"] = masking.mask_id_number
    env.filters["mask_phone"] = masking.mask_phone
    env.filters["shanghai"] = format_shanghai
    env.filters["time"] = time_element
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


def path_for(request: Request, name: str, /, **path_params: Any) -> str:
    """The path from the site root to the named route of the app serving ``request``: what a link or a
    redirect needs. It asks the app's own router, never the one the app is mounted in (the embedded server
    mounts three apps whose route names overlap, such as ``static``), and puts the app's mount point
    (``root_path``) in front. Paths are remembered per route and parameters: Starlette's ``url_for`` walks
    every nested router and builds an absolute URL on each call, which was a fifth of a page's time
    (bench/progress.py), and routes never change while the process runs."""
    path = _route_path(request.app.router, name, path_params)
    return str(request.scope.get("root_path", "")) + path


@pass_context
def url_for(context: Any, name: str, /, **path_params: Any) -> str:
    """Templates' ``url_for``: :func:`path_for` for the page's request."""
    return path_for(context["request"], name, **path_params)


# Our pages load only our own CSS and scripts and are never framed; inline scripts and styles are refused,
# so injected markup cannot run. Only HTML gets the policy: Chromium's PDF viewer does not open under it.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)


def content_security_policy(*devices: str) -> str:
    """The policy of every page; ``devices``: the services the page's script may also reach (a kiosk's or a
    counter window's local device service: card reader, camera preview, printer)."""
    if not devices:
        return CONTENT_SECURITY_POLICY
    origin = " ".join(dict.fromkeys("{0.scheme}://{0.netloc}".format(urlsplit(d)) for d in devices))
    return (
        f"default-src 'self'; connect-src 'self' {origin}; img-src 'self' data: blob: {origin}; "
        "object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
    )


class SecurityHeadersMiddleware:
    """Headers every response carries: no MIME sniffing, no framing, no URL (with an application number)
    sent to other sites, nothing with personal data kept in a browser's cache (a shared computer or a
    kiosk), and HTTPS only once the site runs on it."""

    def __init__(self, app: Any, *, https: bool = False, csp: str = CONTENT_SECURITY_POLICY) -> None:
        self.app = app
        self.https = https
        self.csp = csp

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Add the headers the response did not set itself."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = "/static/" in scope.get("path", "")

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "same-origin")
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", self.csp)
                if not static:
                    headers.setdefault("Cache-Control", "no-store")
                if self.https:
                    headers.setdefault("Strict-Transport-Security", "max-age=31536000")
            await send(message)

        await self.app(scope, receive, send_with_headers)


def mount_static(app: FastAPI) -> None:
    """Serve the shared CSS and scripts from the app itself (no CDN on government networks)."""
    app.mount("/static", StaticFiles(directory=CORE_DIR / "static"), name="static")


def add_health_routes(
    app: FastAPI, *, db: Database, system: str, warnings: Callable[[], list[str]] | None = None
) -> None:
    """/healthz: the process answers; /readyz: its database answers too, with anything operations must
    attend to soon (``warnings``; still ready)."""

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
        body: dict[str, Any] = {"status": "ready", "system": system, "database": "ok"}
        attention = warnings() if warnings else []
        if attention:
            body["warnings"] = attention
        return JSONResponse(body)


# What a resident or clerk reads for each HTTP error on a page: (title, message, code).
PAGE_ERRORS: dict[int, tuple[str, str, str]] = {
    400: ("请求有误", "页面收到的内容不完整或格式不对。请返回上一页核对后重新提交。", "bad_request"),
    404: (
        "找不到这个页面",
        "您访问的地址不存在，可能是输入有误或页面已经移动。请从首页重新进入。",
        "not_found",
    ),
    405: (
        "无法这样打开这个页面",
        "这个地址不能这样访问。请从首页重新进入，按页面上的按钮操作。",
        "method_not_allowed",
    ),
    413: (
        "提交的内容太大",
        "上传的文件或填写的内容超过了系统允许的大小（单个文件不超过 5 MB）。"
        "请压缩图片或拆分文件后重试；您已保存的内容没有丢失。",
        "too_large",
    ),
}
API_ERRORS: dict[int, tuple[str, str]] = {
    404: ("not_found", "接口地址不存在。"),
    405: ("method_not_allowed", "接口不支持这种请求方法。"),
    413: ("too_large", "请求体超过了本接口允许的大小。"),
}
INTERNAL_ERROR = (
    "系统暂时出了问题",
    "这次操作没有完成，您已保存的内容没有丢失。请稍后再试；如果问题一直存在，请联系咨询电话并告知下面的错误编号。",
)


def is_api_request(request: Request) -> bool:
    """Whether the request is for a JSON API (answered in JSON) rather than a page (answered in HTML)."""
    root = str(request.scope.get("root_path", ""))
    path = request.url.path
    local = path[len(root) :] if root and path.startswith(root) else path
    return local.startswith(API_PREFIX)


def system_app(
    *,
    runtime: Runtime,
    title: str,
    service_name: str,
    template_dirs: tuple[Path, ...],
    description: str = "",
    session_names: dict[str, str] | None = None,
    warnings: Callable[[], list[str]] | None = None,
    csp: str = CONTENT_SECURITY_POLICY,
) -> tuple[FastAPI, Jinja2Templates, SystemMetrics]:
    """What every system's app has: its runtime and templates, its static assets, health checks, errors as
    pages in Chinese (JSON on API paths), request body limits and security headers (decision 0012),
    Prometheus metrics (returned, for a system to add its own), page sessions in the cookie
    ``anju_<system>`` and SM2-signed API responses. The system adds its routes."""
    app = FastAPI(title=title, version="1", description=description)
    app.state.runtime = runtime
    templates = make_templates(*template_dirs)
    app.state.templates = templates
    templates.env.globals["service_name"] = service_name
    settings = runtime.settings
    limit_request_bodies(app, default_bytes=settings.max_request_bytes)
    mount_static(app)
    add_health_routes(app, db=runtime.db, system=runtime.system, warnings=warnings)
    install_api_errors(app)
    install_page_errors(app, templates, session_names=session_names)
    app.add_middleware(SecurityHeadersMiddleware, https=settings.https_only, csp=csp)
    metrics = SystemMetrics(system=runtime.system, db=runtime.db, outbox=runtime.tables.outbox)
    install_metrics(app, metrics=metrics, token=settings.metrics_token)
    app.add_middleware(
        WebSessionMiddleware,
        store=runtime.sessions,
        cookie_name=f"anju_{runtime.system}",
        secure=settings.https_only,
    )
    app.add_middleware(SignedResponseMiddleware, api=runtime.api)
    return app, templates, metrics


def limit_request_bodies(app: FastAPI, *, default_bytes: int) -> None:
    """Every route refuses a body over ``default_bytes`` as it streams in (413, nothing parsed or kept);
    a route that takes files or a whole case says ``max_body_size=`` itself. FastAPI's route-level limit
    does the counting; the app-level one is not used because its fixed English answer is sent outside
    every middleware, where no page in Chinese can replace it (docs/decisions/0012)."""
    app.router.max_body_size = default_bytes


class _TooLargeAnswered:
    """Starlette answers a body over the limit with a fixed plain-text 413; this sends our own instead
    (a page in Chinese, or a JSON error on API paths)."""

    def __init__(
        self, app: Any, *, respond: Callable[[Request, StarletteHTTPException], Awaitable[Response]]
    ):
        self.app = app
        self.respond = respond

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Pass everything through except Starlette's own 413."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        replaced = False

        async def send_ours(message: Any) -> None:
            nonlocal replaced
            if message["type"] == "http.response.start" and message["status"] == 413:
                content_type = MutableHeaders(scope=message).get("content-type", "")
                if content_type.startswith("text/plain"):
                    replaced = True
                    response = await self.respond(Request(scope), StarletteHTTPException(413))
                    await response(scope, receive, send)
                    return
            if not replaced:
                await send(message)

        await self.app(scope, receive, send_ours)


def install_page_errors(
    app: FastAPI, templates: Jinja2Templates, *, session_names: dict[str, str] | None = None
) -> None:
    """Every error a person can meet on a page is a page in Chinese with what to do next; API paths keep
    their JSON errors (install_api_errors). ``session_names`` maps a template variable of the system's
    layout to the session value it shows (who is signed in), so the error page keeps the same header."""

    def page(
        request: Request, title: str, message: str, code: str, status_code: int, reference: str = ""
    ) -> HTMLResponse:
        web = getattr(request.state, "web", None)
        context = {name: web.get(key) for name, key in (session_names or {}).items()} if web else {}
        context.update({"title": title, "message": message, "code": code, "reference": reference})
        return templates.TemplateResponse(request, "error.html", context, status_code=status_code)

    @app.exception_handler(CsrfError)
    async def _csrf(request: Request, _exc: CsrfError) -> HTMLResponse:
        return page(
            request,
            "页面已过期",
            "为保护您的信息安全，这个表单需要重新提交。您已保存的内容没有丢失，请返回上一页刷新后再试。",
            "csrf_invalid",
            403,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers or {})
        if is_api_request(request):
            code, message = API_ERRORS.get(exc.status_code, (f"http_{exc.status_code}", str(exc.detail)))
            return JSONResponse(error_body(code, message), status_code=exc.status_code, headers=headers)
        title, message, code = PAGE_ERRORS.get(
            exc.status_code, ("无法完成这次操作", "请返回上一页重试。", f"http_{exc.status_code}")
        )
        response = page(request, title, message, code, exc.status_code)
        response.headers.update(headers)
        return response

    app.add_middleware(_TooLargeAnswered, respond=_http_error)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if is_api_request(request):
            return api_validation_error(exc)
        return page(request, *PAGE_ERRORS[400], 400)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        # Called by the outermost middleware; the exception is re-raised afterwards for the server's log.
        reference = secrets.token_hex(4).upper()
        log.error("unhandled error %s on %s %s", reference, request.method, request.url.path, exc_info=exc)
        if is_api_request(request):
            return JSONResponse(
                error_body("internal_error", f"服务内部错误（错误编号 {reference}），请稍后重试。"),
                status_code=500,
            )
        try:
            return page(request, *INTERNAL_ERROR, "internal_error", 500, reference)
        except Exception:  # the layout itself failed: still say something a person can act on
            return HTMLResponse(
                f'<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>{INTERNAL_ERROR[0]}</title>'
                f"<h1>{INTERNAL_ERROR[0]}</h1><p>{INTERNAL_ERROR[1]}</p><p>错误编号：{reference}</p></html>",
                status_code=500,
            )


async def form_file(request: Request, name: str) -> tuple[str, bytes]:
    """The file uploaded in a multipart form field, as (filename, content); ("", b"") when none."""
    form = await request.form()
    upload = form.get(name)
    if upload is None or isinstance(upload, str):
        return "", b""
    return upload.filename or "", await upload.read()
