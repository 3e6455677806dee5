"""The joint-test environment's front page: what each stand-in is and where to find it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from anju.sandbox.web import render

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse, name="home")
def home(request: Request) -> Response:
    """The list of stand-ins."""
    return render(request, "home.html", {"title": "联调测试环境"})
