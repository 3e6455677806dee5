"""The housing console's page plumbing for routes at module level (decision 0025): the runtime, the
templates and the signed-in staff member come through dependencies, so each domain's pages
(``anju.housing.<domain>.pages``) are plain functions that translate HTTP to a service call and a page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from anju.core.timeutil import shanghai_date, utcnow
from anju.core.web import RuntimeDep as RuntimeDep  # re-exported for the pages
from anju.core.websession import WebSession, web_session
from anju.housing.models import StaffUser
from anju.housing.review import calendar
from anju.housing.staff import service

HOUSING_DIR = Path(__file__).parent


class StaffSignInRequired(Exception):
    """The page needs a signed-in staff member."""


Web = Annotated[WebSession, Depends(web_session)]


def current_staff_id(web: Web) -> int:
    """Dependency: the signed-in staff member's id, or off to the sign-in page."""
    staff_id = web.get("staff_id")
    if staff_id is None:
        raise StaffSignInRequired()
    return int(staff_id)


StaffId = Annotated[int, Depends(current_staff_id)]


def staff_of(session: Session, staff_id: int) -> StaffUser:
    """The signed-in staff member's account (signed out if it was removed meanwhile)."""
    staff: StaffUser | None = session.get(StaffUser, staff_id)
    if staff is None:
        raise StaffSignInRequired()
    return staff


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    """A console page, with who is signed in, the role names and any warning about the holiday calendar."""
    web: WebSession = request.state.web
    templates: Jinja2Templates = request.app.state.templates
    base = {
        "staff_name": web.get("staff_name"),
        "role_labels": service.role_labels(),
        "calendar_warning": calendar.calendar_warning(shanghai_date(utcnow()))
        if web.get("staff_name")
        else "",
    }
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)


def error_page(request: Request, status_code: int, *, title: str, message: str, code: str) -> Response:
    """A console error page (not found, not allowed, not available)."""
    return render(request, "error.html", {"title": title, "message": message, "code": code}, status_code)


def domain_template_dirs() -> list[Path]:
    """Each domain's own templates folder (``anju/housing/<domain>/templates``)."""
    return sorted(p for p in HOUSING_DIR.glob("*/templates") if p.is_dir())
