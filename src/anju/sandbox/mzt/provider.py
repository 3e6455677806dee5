"""闽政通 社会实名认证和授权登录, as the sandbox plays it (standards.md §4.1; decision 0029): the ticket flow
observed in a Fujian business system — the browser is sent to ``goLogin.do`` and comes back to the
business system's callback with ``type`` and ``trustticket``; the business system exchanges the ticket
server to server at ``invokeservice.do`` for the user's information. ``checkLoginStatus.do`` passes on a
sign-in the person already has in the 闽政通 app (信任传递); ``goUserCenter.do`` signs them out.

The paths and the callback's ``type``/``trustticket`` are as observed. Every parameter name, every field
of the user information and the error codes are UNCONFIRMED (the province's 闽政通接入文档 decides); the
platform's adapter keeps the same names in one place (platform/identity/mzt.py). A ticket is good once,
for two minutes, for the app it was issued to."""

from __future__ import annotations

import hmac
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from anju.core import idcard
from anju.core.ratelimit import RateLimited
from anju.core.runtime import Runtime
from anju.core.timeutil import utcnow
from anju.core.websession import WebSession, require_csrf, web_session
from anju.sandbox.idp.provider import resident_password_checked, residents_listed
from anju.sandbox.models import Resident
from anju.sandbox.web import RuntimeDep, render

TICKET_SECONDS = 120
SESSION_KEY = "mzt_resident_id"  # the person signed in to the (played) 闽政通 app in this browser


@dataclass(frozen=True)
class MztApp:
    """The one business system registered with the played 闽政通: its app id, 授权码 and callbacks."""

    app_id: str
    auth_code: str
    callback_prefix: str  # every callback must start with it (the business system's own address)


@dataclass
class Tickets:
    """Tickets issued and not yet exchanged (in memory: the sandbox is one process)."""

    issued: dict[str, tuple[int, datetime]] = field(default_factory=dict)
    used: dict[str, datetime] = field(default_factory=dict)  # ticket → until when it is refused as used
    lock: threading.Lock = field(default_factory=threading.Lock)

    def issue(self, resident_id: int) -> str:
        ticket = "ST-" + secrets.token_urlsafe(24)
        now = utcnow()
        with self.lock:  # what has run out is forgotten: a used ticket is remembered while it could be valid
            self.issued = {t: v for t, v in self.issued.items() if v[1] >= now - timedelta(hours=1)}
            self.used = {t: until for t, until in self.used.items() if until >= now}
            self.issued[ticket] = (resident_id, now + timedelta(seconds=TICKET_SECONDS))
        return ticket

    def redeem(self, ticket: str) -> int | str:
        """The resident the ticket names, or why not: "ticket_used", "ticket_expired", "ticket_invalid"."""
        with self.lock:
            if ticket in self.used:
                return "ticket_used"
            found = self.issued.pop(ticket, None)
            if found is None:
                return "ticket_invalid"
            resident_id, expires = found
            self.used[ticket] = expires
        return resident_id if utcnow() <= expires else "ticket_expired"


def app_mzt(request: Request) -> MztApp:
    mzt: MztApp = request.app.state.mzt_app
    return mzt


def app_tickets(request: Request) -> Tickets:
    tickets: Tickets = request.app.state.mzt_tickets
    return tickets


AppDep = Annotated[MztApp, Depends(app_mzt)]
TicketsDep = Annotated[Tickets, Depends(app_tickets)]
router = APIRouter(prefix="/mzt/dataset", include_in_schema=False)


def _back(callback: str, **query: str) -> RedirectResponse:
    return RedirectResponse(f"{callback}{'&' if '?' in callback else '?'}{urlencode(query)}", status_code=303)


def _refused(request: Request, message: str) -> Response:
    context = {"title": "无法登录", "message": message, "code": "invalid_request"}
    return render(request, "error.html", context, status_code=400)


def _checked(mzt: MztApp, app_id: str, callback: str) -> str | None:
    if app_id != mzt.app_id:
        return "该应用未在闽政通登记。"
    if not callback.startswith(mzt.callback_prefix):
        return "回调地址不是该应用登记的地址。"
    return None


def _login_page(runtime: Runtime, request: Request, params: dict[str, str], error: str = "") -> Response:
    context = {
        "title": "闽政通登录",
        "params": params,
        "error": error,
        "residents": residents_listed(runtime),
    }
    return render(request, "mzt_login.html", context, status_code=400 if error else 200)


@router.get("/UnifiedController/goLogin.do", name="mzt_login")
def go_login(
    request: Request, runtime: RuntimeDep, mzt: AppDep, appId: str = "", callback: str = ""
) -> Response:
    """实名认证登录: the 闽政通 sign-in page; back to the callback with a ticket."""
    problem = _checked(mzt, appId, callback)
    if problem:
        return _refused(request, problem)
    return _login_page(runtime, request, {"appId": appId, "callback": callback})


@router.post("/UnifiedController/goLogin.do", dependencies=[Depends(require_csrf)])
def go_login_submit(
    request: Request,
    runtime: RuntimeDep,
    mzt: AppDep,
    tickets: TicketsDep,
    appId: Annotated[str, Form()] = "",
    callback: Annotated[str, Form()] = "",
    id_number: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    web: WebSession = Depends(web_session),
) -> Response:
    problem = _checked(mzt, appId, callback)
    if problem:
        return _refused(request, problem)
    params = {"appId": appId, "callback": callback, "id_number": id_number}
    try:
        found = resident_password_checked(runtime, request, id_number, password)
    except (idcard.InvalidIdNumber, RateLimited) as exc:
        return _login_page(runtime, request, params, exc.message)
    if found is None:
        return _login_page(runtime, request, params, "身份证号码或密码不正确，请核对后重新输入。")
    web.rotate()
    web.set(SESSION_KEY, found[0])
    return _back(callback, type="login", trustticket=tickets.issue(found[0]))


@router.get("/UnifiedController/checkLoginStatus.do", name="mzt_check")
def check_login_status(
    request: Request,
    mzt: AppDep,
    tickets: TicketsDep,
    appId: str = "",
    callback: str = "",
    web: WebSession = Depends(web_session),
) -> Response:
    """信任传递: someone already signed in to 闽政通 comes back with a ticket; otherwise ``type=nologin``."""
    problem = _checked(mzt, appId, callback)
    if problem:
        return _refused(request, problem)
    resident_id = web.get(SESSION_KEY)
    if resident_id is None:
        return _back(callback, type="nologin")
    return _back(callback, type="checklogin", trustticket=tickets.issue(int(resident_id)))


@router.get("/UnifiedController/goUserCenter.do", name="mzt_logout")
def go_user_centre(
    request: Request,
    mzt: AppDep,
    appId: str = "",
    callback: str = "",
    action: str = "",
    web: WebSession = Depends(web_session),
) -> Response:
    """The user centre; with ``action=logout`` the 闽政通 sign-in ends and the person goes back."""
    problem = _checked(mzt, appId, callback)
    if problem:
        return _refused(request, problem)
    if action == "logout":
        web.destroyed = True
    return _back(callback, type="logout")


@router.post("/AppSerController/invokeservice.do", name="mzt_user_info")
def invoke_service(
    runtime: RuntimeDep,
    mzt: AppDep,
    tickets: TicketsDep,
    appId: Annotated[str, Form()] = "",
    authCode: Annotated[str, Form()] = "",
    trustticket: Annotated[str, Form()] = "",
) -> JSONResponse:
    """获取用户信息: the ticket, exchanged once, for who signed in (server to server, with the 授权码)."""
    if appId != mzt.app_id or not hmac.compare_digest(authCode, mzt.auth_code):
        return _answer("app_unauthorized", "应用标识或授权码不正确", status_code=401)
    redeemed = tickets.redeem(trustticket)
    if isinstance(redeemed, str):
        return _answer(
            redeemed, {"ticket_used": "票据已使用", "ticket_expired": "票据已过期"}.get(redeemed, "票据无效")
        )
    with runtime.db.transaction() as session:
        resident = session.get(Resident, redeemed)
        if resident is None:
            return _answer("ticket_invalid", "票据无效")
        data = {
            "userid": resident.subject,
            "loginname": resident.phone,
            "name": resident.name,
            "paperstype": "1",
            "papersnumber": resident.id_number,
            "mobile": resident.phone,
            "isauth": "1" if resident.real_name_level >= 1 else "0",
            "authlevel": str(resident.real_name_level),
        }
    return JSONResponse({"success": True, "errcode": "0", "errmsg": "", "data": data})


def _answer(code: str, message: str, *, status_code: int = 200) -> JSONResponse:
    body: dict[str, Any] = {"success": False, "errcode": code, "errmsg": message, "data": None}
    return JSONResponse(body, status_code=status_code)
