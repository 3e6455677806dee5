"""The platform's page plumbing for routes at module level (decision 0025): the runtime and the templates
come from the app through dependencies, so a domain's pages are plain functions in its own package
(``anju.platform.<domain>.pages``) that translate HTTP to a service call and a template."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from anju.core.runtime import Runtime
from anju.core.websession import WebSession

PLATFORM_DIR = Path(__file__).parent


def page_runtime(request: Request) -> Runtime:
    """The serving app's runtime (set by create_app)."""
    runtime: Runtime = request.app.state.runtime
    return runtime


def page_templates(request: Request) -> Jinja2Templates:
    """The serving app's templates (every domain's folder, then the channels', then the shared layout)."""
    templates: Jinja2Templates = request.app.state.templates
    return templates


RuntimeDep = Annotated[Runtime, Depends(page_runtime)]


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    """A page, with who is signed in (for the header)."""
    web: WebSession = request.state.web
    return page_templates(request).TemplateResponse(
        request, name, {"signed_in_name": web.get("applicant_name"), **context}, status_code=status_code
    )


def domain_template_dirs() -> list[Path]:
    """Each domain's own templates folder (``anju/platform/<domain>/templates``)."""
    return sorted(p for p in PLATFORM_DIR.glob("*/templates") if p.is_dir())
