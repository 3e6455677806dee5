"""The counter channel's own pages: the clerk's sign-in and the window's start page (issue 16, decision
0018). The steps with a walk-in will be the web's own, in this frame."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from anju.core import staffauth
from anju.core.web import client_address, page_router, path_for
from anju.core.websession import WebSession, web_session
from anju.platform.channels.counter import clerks
from anju.platform.models import Clerk
from anju.platform.web import RuntimeDep, Web, render

router = page_router(prefix="/counter")


class ClerkSignInRequired(Exception):
    """The page is the clerk's: sign in at the counter first."""


async def current_clerk_id(web: WebSession = Depends(web_session)) -> int:
    """Dependency: the clerk signed in on this browser, or the counter's sign-in (async: no I/O)."""
    clerk_id = web.get("clerk_id")
    if clerk_id is None:
        raise ClerkSignInRequired()
    return int(clerk_id)


ClerkId = Annotated[int, Depends(current_clerk_id)]


def _login_page(request: Request, status_code: int = 200, **context: Any) -> Response:
    return render(
        request, "counter_login.html", {"title": "窗口人员登录", "username": "", **context}, status_code
    )


@router.get("/login", name="counter_login")
def counter_login(request: Request, signed_out: bool = False) -> Response:
    """The clerk's sign-in at the window."""
    return _login_page(request, signed_out=signed_out)


@router.post("/login", name="counter_login_submit")
def counter_login_submit(
    request: Request, web: Web, runtime: RuntimeDep, username: str = Form(""), password: str = Form("")
) -> Response:
    """Sign a clerk in; whatever this browser held before (a resident's sign-in) is gone."""
    try:
        clerk, failed_before = staffauth.account_sign_in_committed(
            runtime=runtime,
            model=Clerk,
            read=clerks.clerk_view,
            username=username,
            password=password,
            address=client_address(request),
        )
    except staffauth.SignInRefused as exc:
        return _login_page(request, exc.status_code, username=username, error=exc.message)
    web.begin({"clerk_id": clerk.id, "sign_in_notice": staffauth.failed_attempts_notice(failed_before)})
    return RedirectResponse(path_for(request, "counter_home"), status_code=303)


@router.post("/logout", name="counter_logout")
def counter_logout(request: Request, web: Web) -> Response:
    """Sign the clerk out (and anyone served at this window with them)."""
    web.destroyed = True
    return RedirectResponse(path_for(request, "counter_login") + "?signed_out=1", status_code=303)


@router.get("/", name="counter_home")
def counter_home(request: Request, clerk_id: ClerkId, web: Web, runtime: RuntimeDep) -> Response:
    """The window's start page: who is serving, where."""
    with runtime.db.transaction() as session:
        clerk = clerks.clerk_get(session=session, clerk_id=clerk_id)
    if clerk is None:  # the account is gone: this sign-in is over
        web.destroyed = True
        raise ClerkSignInRequired()
    context = {"title": "窗口受理", "clerk": clerk, "notice": web.pop("sign_in_notice")}
    return render(request, "counter_home.html", context)
