"""The provincial integrated platform (集成化办理平台)."""

from __future__ import annotations

from pathlib import Path

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from anju.core import anchors
from anju.core.runtime import Runtime, build_runtime
from anju.core.settings import Settings
from anju.core.vocab import status_label
from anju.core.web import content_security_policy, path_for, system_app
from anju.platform.applications import api as applications_api
from anju.platform.applications import check_pages, correction_pages, draft_pages, form_pages, notice_pages
from anju.platform.applications import pages as application_pages
from anju.platform.applications.household import DraftNotFound
from anju.platform.backfill import pages as backfill_pages
from anju.platform.backfill.breaker import CircuitBreakers
from anju.platform.backfill.observe import BackfillMetrics
from anju.platform.channels.counter import pages as counter_pages
from anju.platform.channels.counter.pages import ClerkSignInRequired
from anju.platform.channels.kiosk import pages as kiosk_pages
from anju.platform.channels.web import pages as web_pages
from anju.platform.consent import pages as consent_pages
from anju.platform.evaluation import hcp
from anju.platform.evaluation import pages as evaluation_pages
from anju.platform.guide import pages as guide_pages
from anju.platform.identity import pages as identity_pages
from anju.platform.identity import terminals
from anju.platform.identity.mzt import MztProvider
from anju.platform.identity.oidc import OidcProvider
from anju.platform.metrics import api as metrics_api
from anju.platform.metrics import rollup
from anju.platform.models import TABLES
from anju.platform.progress import pages as progress_pages
from anju.platform.web import KIOSK_IDLE, SignInRequired, domain_template_dirs, not_found_page

# Every module of pages the platform serves, by domain (a module's ``uploads`` take files).
PAGES = (
    web_pages,
    application_pages,
    draft_pages,
    consent_pages,
    backfill_pages,
    form_pages,
    check_pages,
    identity_pages,
    correction_pages,
    notice_pages,
    progress_pages,
    evaluation_pages,
    guide_pages,
    kiosk_pages,
    counter_pages,
)
TEMPLATES_DIR = Path(__file__).parent / "channels" / "web" / "templates"
KIOSK_TEMPLATES_DIR = Path(__file__).parent / "channels" / "kiosk" / "templates"
COUNTER_TEMPLATES_DIR = Path(__file__).parent / "channels" / "counter" / "templates"


def platform_runtime(settings: Settings) -> Runtime:
    """The platform's database, keys and peers, and the provincial 好差评 system's adapter."""
    runtime = build_runtime(system="platform", settings=settings, tables=TABLES)
    runtime.senders[hcp.DESTINATION] = hcp.HcpGateway.from_settings(settings).deliver
    rollup.track(runtime.db)  # every change to what the dashboard counts marks its city-month stale
    return runtime


def _at_a_window(request: Request) -> bool:
    """Whether this browser is a counter window's (bound to its devices), whoever is signed in on it."""
    token = request.cookies.get(terminals.COOKIE)
    if not token:
        return False
    runtime: Runtime = request.app.state.runtime
    with runtime.db.transaction() as session:
        return terminals.bound_kind(session=session, token=token) == terminals.WINDOW


def create_app(settings: Settings, *, runtime: Runtime | None = None) -> FastAPI:
    """The platform ASGI app: applicant pages and the bus API."""
    runtime = runtime or platform_runtime(settings)
    app, templates, metrics = system_app(
        runtime=runtime,
        title="福建省申请公租房一件事 集成化办理平台",
        description="平台对外接口：接收公租房管理信息系统的办件状态（状态总线）。所有请求与响应均以 SM2 签名，见 docs/interfaces/signing.md。",
        service_name="申请公租房一件事",
        template_dirs=(*domain_template_dirs(), TEMPLATES_DIR, KIOSK_TEMPLATES_DIR, COUNTER_TEMPLATES_DIR),
        session_names={"signed_in_name": "applicant_name"},
        # the kiosk's and the counter window's card reader and camera
        csp=content_security_policy(settings.kiosk_devices(), settings.counter_devices()),
    )
    templates.env.globals["status_label"] = status_label
    templates.env.globals["kiosk_idle_seconds"] = int(KIOSK_IDLE.total_seconds())
    templates.env.globals["session_idle_seconds"] = settings.session_idle_minutes * 60
    templates.env.globals["kiosk_devices"] = settings.kiosk_devices()
    templates.env.globals["counter_devices"] = settings.counter_devices()

    app.state.mzt_provider = MztProvider(
        base=settings.mzt_base(),
        app_id=settings.mzt_app_id,
        auth_code=settings.mzt_auth_code,
        min_level=settings.mzt_min_sign_in_level,
        timeout=settings.http_timeout_seconds,
    )
    app.state.oidc_provider = OidcProvider(
        issuer=settings.base_url("sandbox") + "/idp"
        if settings.oidc_issuer is None
        else settings.oidc_issuer,
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        redirect_uri=settings.base_url("platform") + "/auth/callback",
        timeout=settings.http_timeout_seconds,
    )
    app.state.breakers = CircuitBreakers(  # shared by every replica, through the database (decision 0033)
        threshold=settings.backfill_breaker_threshold,
        cooldown_seconds=settings.backfill_breaker_cooldown_seconds,
        db=runtime.db,
    )
    app.state.backfill_metrics = BackfillMetrics(registry=metrics.registry, breakers=app.state.breakers)
    metrics.registry.register(rollup.RollupCollector(runtime.db))  # the dashboard's rollup, for alerts
    for api in (anchors, applications_api, metrics_api):
        app.include_router(api.router)
    app.include_router(applications_api.proofs)  # housing fetches a case's files by reference (0035)
    # Each domain's pages (decision 0025); the routes that take a file with the upload limit (0012).
    for domain in PAGES:
        app.include_router(domain.router)
        if hasattr(domain, "uploads"):
            app.include_router(domain.uploads, max_body_size=settings.max_upload_request_bytes)
    app.include_router(kiosk_pages.devices)

    @app.exception_handler(DraftNotFound)
    async def _draft_missing(request: Request, exc: DraftNotFound) -> Response:
        return not_found_page(request)

    @app.exception_handler(ClerkSignInRequired)
    async def _clerk_sign_in(request: Request, exc: ClerkSignInRequired) -> RedirectResponse:
        return RedirectResponse(path_for(request, "counter_login"), status_code=303)

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> RedirectResponse:
        if request.state.web.get("clerk_id") is not None:  # at a window: identify the walk-in first
            return RedirectResponse(path_for(request, "counter_home"), status_code=303)
        if await anyio.to_thread.run_sync(_at_a_window, request):  # the window's sign-in ran out
            return RedirectResponse(path_for(request, "counter_login") + "?expired=1", status_code=303)
        if exc.kiosk:
            return RedirectResponse(path_for(request, "kiosk_home") + "?ended=1", status_code=303)
        login = path_for(request, "login")
        return RedirectResponse(f"{login}?next={exc.next_path}", status_code=303)

    return app
