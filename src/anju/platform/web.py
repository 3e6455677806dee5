"""The platform's page plumbing for routes at module level (decision 0025): the runtime and the templates
come from the app through dependencies, so a domain's pages are plain functions in its own package
(``anju.platform.<domain>.pages``) that translate HTTP to a service call and a template. Who is signed
in, and through which channel, is read here too: every domain's pages ask the same questions."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from anju.core.timeutil import utcnow
from anju.core.web import RuntimeDep as RuntimeDep  # re-exported for the pages
from anju.core.websession import WebSession, web_session
from anju.platform.limits import LIMITS
from anju.platform.models import Clerk

PLATFORM_DIR = Path(__file__).parent

KIOSK = "kiosk"
COUNTER = "counter"  # a walk-in served at a 政务服务中心 window, the clerk working the screen
# A self-service terminal is shared: a sign-in nobody touches for this long ends (the page warns first).
KIOSK_IDLE = LIMITS.durations["kiosk_idle"]
DRAFT_MISSING = "没有找到您名下的这份申请草稿，它可能已经提交。"


class SignInRequired(Exception):
    """The page needs a signed-in applicant (``kiosk``: the sign-in page is the kiosk's own)."""

    def __init__(self, next_path: str, *, kiosk: bool = False) -> None:
        super().__init__(next_path)
        self.next_path = next_path
        self.kiosk = kiosk


def page_templates(request: Request) -> Jinja2Templates:
    """The serving app's templates (every domain's folder, then the channels', then the shared layout)."""
    templates: Jinja2Templates = request.app.state.templates
    return templates


Web = Annotated[WebSession, Depends(web_session)]


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    """A page, with who is signed in (for the header)."""
    web: WebSession = request.state.web
    return page_templates(request).TemplateResponse(
        request, name, {"signed_in_name": web.get("applicant_name"), **context}, status_code=status_code
    )


def not_found_page(
    request: Request,
    *,
    message: str = DRAFT_MISSING,
    title: str = "找不到这份草稿",
    code: str = "draft_not_found",
) -> Response:
    """The 404 page of a draft (or another thing of the signed-in person's, named by ``title``) that is not,
    or no longer, theirs to work on."""
    return render(request, "error.html", {"title": title, "message": message, "code": code}, 404)


def application_missing(request: Request) -> Response:
    """The 404 page of an application number that is not the signed-in person's."""
    context = {
        "title": "找不到这件申请",
        "message": "没有找到您名下编号为该号码的申请，请核对申请编号。",
        "code": "not_found",
    }
    return render(request, "error.html", context, 404)


def channel_of(web: WebSession) -> str:
    """Where this sign-in happened: "kiosk" at a self-service terminal, "counter" at a window, else "web"."""
    return str(web.get("channel") or "web")


def collected_on_paper(web: WebSession) -> bool:
    """Whether a file arriving now was brought on paper and scanned at a counter window (the 高拍仪)."""
    return channel_of(web) == COUNTER


def counter_witness(web: WebSession) -> str | None:
    """At a counter window, the clerk before whom the person acts; elsewhere None."""
    clerk_id = web.get("clerk_id")
    return Clerk.actor(int(clerk_id)) if channel_of(web) == COUNTER and clerk_id is not None else None


def counter_since(web: WebSession) -> datetime | None:
    """When the person now served at a counter window was identified there (None elsewhere)."""
    since = web.get("counter_since")
    return datetime.fromisoformat(since) if since and channel_of(web) == COUNTER else None


PRESENT_MEMBER = "present_member"  # a household member identified at the window to authorise in person


def present_member_actor(web: WebSession, member_id: int) -> int | None:
    """At a counter window, the applicant id of household member ``member_id`` when they were identified
    there in this visit to give their own consent in person; else None."""
    present = web.get(PRESENT_MEMBER)
    if channel_of(web) == COUNTER and present and int(present["member_id"]) == member_id:
        return int(present["applicant_id"])
    return None


def signed_in_applicant_id(web: WebSession, *, next_path: str = "/applications/new") -> int:
    """The signed-in applicant's id, or the redirect to sign in (then back to ``next_path``).

    At a kiosk the sign-in also ends after KIOSK_IDLE without a request, so the next person at the
    terminal never finds the last one's application open."""
    applicant_id = web.get("applicant_id")
    if applicant_id is None:
        raise SignInRequired(next_path)
    if channel_of(web) == KIOSK:
        now = utcnow()
        seen = web.get("kiosk_seen")
        if seen is None or now - datetime.fromisoformat(seen) > KIOSK_IDLE:
            web.destroyed = True
            raise SignInRequired(next_path, kiosk=True)
        web.set("kiosk_seen", now.isoformat())
    return int(applicant_id)


async def current_applicant_id(request: Request, web: WebSession = Depends(web_session)) -> int:
    """Dependency: the signed-in applicant, or sign in and come back to this very page (async: no I/O)."""
    local = request.url.path[len(request.scope.get("root_path", "")) :]
    return signed_in_applicant_id(web, next_path=local)


ApplicantId = Annotated[int, Depends(current_applicant_id)]


def domain_template_dirs() -> list[Path]:
    """Each domain's own templates folder (``anju/platform/<domain>/templates``)."""
    return sorted(p for p in PLATFORM_DIR.glob("*/templates") if p.is_dir())
