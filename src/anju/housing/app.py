"""The housing department's public-rental-housing management system (公租房管理信息系统)."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.exc import DBAPIError

from anju.core import anchors
from anju.core.runtime import Runtime, build_runtime
from anju.core.settings import Settings
from anju.core.timeutil import shanghai_date, utcnow
from anju.core.vocab import status_label
from anju.core.web import path_for, system_app
from anju.housing.allocation import api as allocation_api
from anju.housing.allocation import pages as allocation_pages
from anju.housing.eligibility import api as eligibility_api
from anju.housing.eligibility import pages as eligibility_pages
from anju.housing.followup import api as followup_api
from anju.housing.followup import pages as followup_pages
from anju.housing.households import api as households_api
from anju.housing.intake import api as intake_api
from anju.housing.intake.fetch import CaseFilesCollector
from anju.housing.models import TABLES
from anju.housing.records import api as records_api
from anju.housing.records import models as _records_models  # noqa: F401 - tables on the metadata
from anju.housing.reverify import api as reverify_api
from anju.housing.review import api as review_api
from anju.housing.review import guide_api, notices
from anju.housing.review import pages as review_pages
from anju.housing.review.calendar import calendar_warning
from anju.housing.review.holidays import calendar_load
from anju.housing.staff import pages as staff_pages
from anju.housing.web import StaffSignInRequired, domain_template_dirs

TEMPLATES_DIR = Path(__file__).with_name("templates")
# Every module of console pages, by domain (decision 0025).
PAGES = (staff_pages, review_pages, allocation_pages, eligibility_pages, followup_pages)


log = logging.getLogger(__name__)


def housing_runtime(settings: Settings) -> Runtime:
    """The housing system's database, keys and peers."""
    return build_runtime(system="housing", settings=settings, tables=TABLES)


def create_app(settings: Settings, *, runtime: Runtime | None = None) -> FastAPI:
    """The housing ASGI app: the intake API and the staff console."""
    runtime = runtime or housing_runtime(settings)
    try:
        with runtime.db.transaction() as session:  # the holiday arrangements administrators entered
            calendar_load(session=session)
    except DBAPIError:  # not migrated yet (the OpenAPI export, a health check): the review jobs load them
        log.warning("holiday calendar not loaded: the database is not ready")
    app, templates, _metrics = system_app(
        runtime=runtime,
        title="公租房管理信息系统",
        description="住房保障部门办件系统对外接口：接收集成化办理平台提交的办件。所有请求与响应均以 SM2 签名，见 docs/interfaces/signing.md。",
        service_name="公租房管理信息系统",
        template_dirs=(*domain_template_dirs(), TEMPLATES_DIR),
        session_names={"staff_name": "staff_name"},
        warnings=lambda: [w for w in (calendar_warning(shanghai_date(utcnow())),) if w],
    )
    templates.env.globals["status_label"] = status_label
    _metrics.registry.register(CaseFilesCollector(runtime.db))  # files still on their way (decision 0035)
    for api in (
        intake_api,
        anchors,
        records_api,
        households_api,
        allocation_api,
        reverify_api,
        review_api,
        notices,
        eligibility_api,
        followup_api,
        guide_api,
    ):
        app.include_router(api.router)
        if hasattr(api, "cases"):
            app.include_router(api.cases, max_body_size=settings.max_case_request_bytes)
    app.include_router(staff_pages.root)
    for domain in PAGES:
        app.include_router(domain.router)
        if hasattr(domain, "uploads"):
            app.include_router(domain.uploads, max_body_size=settings.max_upload_request_bytes)

    @app.exception_handler(StaffSignInRequired)
    async def _sign_in(request: Request, _exc: StaffSignInRequired) -> RedirectResponse:
        return RedirectResponse(path_for(request, "staff_login"), status_code=303)

    return app
