"""The sandbox's route plumbing (decision 0025): the fault board and the templates come from the app
through dependencies, so each stand-in's routes are plain module-level functions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from anju.core.web import RuntimeDep as RuntimeDep  # re-exported for the stand-ins
from anju.sandbox.sources.faults import FaultBoard


def app_faults(request: Request) -> FaultBoard:
    """The joint-test environment's fault knobs (one board per app)."""
    faults: FaultBoard = request.app.state.faults
    return faults


FaultsDep = Annotated[FaultBoard, Depends(app_faults)]


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    """A sandbox page."""
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, name, context, status_code=status_code)
