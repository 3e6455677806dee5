"""The web channel's own pages (desktop and the 闽政通 H5): the home page, the display mode, and sign-in
through the provincial identity service. Every other page is its domain's (decision 0025)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from anju.core import regions
from anju.core.timeutil import utcnow
from anju.core.web import page_router, path_for
from anju.core.websession import WebSession
from anju.platform.applications import household
from anju.platform.applications import service as applications
from anju.platform.identity import service as identity
from anju.platform.identity.mzt import TICKET_REFUSALS, MztProvider
from anju.platform.identity.oidc import AuthorizationRequest, OidcProvider, SignInError, VerifiedIdentity
from anju.platform.web import RuntimeDep, Web, render

router = page_router()


def _provider(request: Request) -> OidcProvider:
    provider: OidcProvider = request.app.state.oidc_provider
    return provider


Provider = Annotated[OidcProvider, Depends(_provider)]


def _safe_next(value: str | None) -> str:
    # Only local paths: never redirect a resident to another site after sign-in.
    if value and value.startswith("/") and not value.startswith("//"):
        return value
    return "/"


def _error(request: Request, status_code: int, **context: Any) -> Response:
    return render(request, "error.html", context, status_code)


@router.get("/", name="home", response_class=HTMLResponse)
def home(request: Request, web: Web, runtime: RuntimeDep) -> Response:
    """The service's front page; signed in, also one's applications, open draft and invitations."""
    mine: list[dict[str, Any]] = []
    draft_id, invitations = None, []
    if web.get("applicant_id") is not None:
        applicant_id = int(web.get("applicant_id"))
        with runtime.db.transaction() as session:
            mine = [
                {
                    "no": a.application_no,
                    "city": regions.get(a.city_code).name,
                    "status": a.status,
                    "submitted_at": a.submitted_at,
                }
                for a in applications.applications_of(session=session, applicant_id=applicant_id)
            ]
            draft = household.draft_open(session=session, applicant_id=applicant_id)
            draft_id = draft.id if draft else None
            me = identity.applicant_get(session=session, applicant_id=applicant_id)
            invitations = (
                household.invitations_for(session=session, subject_bidx=me.id_number_bidx) if me else []
            )
    context = {"title": "申请公租房", "applications": mine, "draft_id": draft_id, "invitations": invitations}
    return render(request, "home.html", context)


@router.get("/session/alive", name="session_alive")
def session_alive(web: Web) -> Response:
    """Keep a sign-in open while the person is still there (WCAG 2.2.1): the page asks this when they type,
    or when they answer the warning before the idle sign-out. Asking is itself the activity."""
    body = {"signed_in": web.get("applicant_id") is not None}
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


@router.get("/display", name="display_mode")
def display_mode(request: Request, mode: str = "standard", next: str = "/") -> Response:
    """A display preference (大字版 for older residents), kept in a cookie for a year; it changes nothing else."""
    root = request.scope.get("root_path", "")
    target = _safe_next(next) if next.startswith(root or "/") else root + "/"
    response = RedirectResponse(target, status_code=303)
    if mode == "elder":
        response.set_cookie("anju_display", "elder", max_age=365 * 24 * 3600, httponly=True, samesite="lax")
    else:
        response.delete_cookie("anju_display")
    return response


def _mzt(request: Request) -> MztProvider:
    provider: MztProvider = request.app.state.mzt_provider
    return provider


def _mzt_callback(runtime: RuntimeDep, name: str) -> str:
    """Our address 闽政通 sends the browser back to (absolute, as it is registered)."""
    return runtime.settings.base_url("platform") + MZT_CALLBACKS[name]


MZT_CALLBACKS = {
    "login": "/mztaccount/loginback",
    "check": "/mztaccount/checkback",
    "logout": "/mztaccount/logoutback",
}


@router.get("/login", name="login")
def login(request: Request, web: Web, runtime: RuntimeDep, provider: Provider, next: str = "/") -> Response:
    """Off to the provincial identity service (统一身份认证, or 闽政通), then back to ``next``."""
    web.set("after_sign_in", _safe_next(next))
    if runtime.settings.identity_provider == "mzt":
        return RedirectResponse(_mzt(request).login_url(_mzt_callback(runtime, "login")), status_code=303)
    try:
        auth = provider.authorization_request()
    except Exception:
        message = "统一身份认证服务暂时无法访问，请稍后再试。您已保存的内容不会丢失。"
        return _error(request, 503, title="暂时无法登录", message=message, code="idp_unavailable")
    web.set("oidc", asdict(auth))
    return RedirectResponse(auth.url, status_code=303)


def _signed_in(
    request: Request, web: WebSession, runtime: RuntimeDep, verified: VerifiedIdentity
) -> Response:
    """The person the identity service vouched for is signed in (a new session), and goes on."""
    with runtime.db.transaction() as session:
        applicant = identity.applicant_sign_in(
            session=session, identity=verified, cipher=runtime.cipher, index=runtime.blind_index
        )
        applicant_id, name, level = applicant.id, applicant.name, applicant.real_name_level
    next_path = web.pop("after_sign_in") or "/"
    web.rotate()
    web.set("applicant_id", applicant_id)
    web.set("applicant_name", name)
    web.set("real_name_level", level)
    return RedirectResponse(request.scope.get("root_path", "") + _safe_next(next_path), status_code=303)


def _refused(request: Request, exc: SignInError) -> Response:
    return _error(request, 400, title="登录没有成功", message=exc.message, code=exc.code, retry=True)


@router.get("/auth/callback", name="auth_callback")
def auth_callback(request: Request, web: Web, runtime: RuntimeDep, provider: Provider) -> Response:
    """Back from the identity service: the person is signed in (a new session), or told why not."""
    pending = web.pop("oidc")
    expected = AuthorizationRequest(**pending) if isinstance(pending, dict) else None
    try:
        verified = provider.complete(params=dict(request.query_params), expected=expected)
    except SignInError as exc:
        return _refused(request, exc)
    return _signed_in(request, web, runtime, verified)


@router.get("/mzt/enter", name="mzt_enter")
def mzt_enter(request: Request, web: Web, runtime: RuntimeDep, next: str = "/") -> Response:
    """Opened from the 闽政通 app (H5): whoever is signed in there is passed on (信任传递), no second login."""
    web.set("after_sign_in", _safe_next(next))
    return RedirectResponse(_mzt(request).status_url(_mzt_callback(runtime, "check")), status_code=303)


@router.get("/mztaccount/loginback", name="mzt_login_back")
@router.get("/mztaccount/checkback", name="mzt_check_back")
def mzt_back(
    request: Request, web: Web, runtime: RuntimeDep, trustticket: str = "", type: str = ""
) -> Response:
    """Back from 闽政通 with a ticket: exchanged once for who signed in; ``nologin`` goes to its login."""
    provider = _mzt(request)
    if type == "nologin":
        return RedirectResponse(provider.login_url(_mzt_callback(runtime, "login")), status_code=303)
    try:
        if trustticket and not runtime.api.nonces.remember(
            caller="mzt-ticket", nonce=trustticket[:64], timestamp=int(utcnow().timestamp())
        ):
            raise SignInError("ticket_used", TICKET_REFUSALS["ticket_used"])
        verified = provider.exchange(trustticket)
    except SignInError as exc:
        return _refused(request, exc)
    return _signed_in(request, web, runtime, verified)


@router.post("/logout", name="logout")
def logout(request: Request, web: Web, runtime: RuntimeDep) -> Response:
    """Sign out: the session ends here and now (and at 闽政通 too, when that is how the person came in)."""
    web.destroyed = True
    if runtime.settings.identity_provider == "mzt":
        return RedirectResponse(_mzt(request).logout_url(_mzt_callback(runtime, "logout")), status_code=303)
    return RedirectResponse(path_for(request, "home"), status_code=303)


@router.get("/mztaccount/logoutback", name="mzt_logout_back")
def mzt_logout_back(request: Request) -> Response:
    """Back from signing out of 闽政通."""
    return RedirectResponse(path_for(request, "home"), status_code=303)
