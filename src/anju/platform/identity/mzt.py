"""Adapter to 闽政通 社会实名认证和授权登录 (standards.md §4.1, §4.3; decision 0029): a ticket flow, not OIDC.

The browser goes to ``goLogin.do`` and comes back to our ``/mztaccount/loginback`` with ``type`` and
``trustticket``; we exchange the ticket server to server at ``invokeservice.do`` with our app id and
授权码 for who signed in. ``checkLoginStatus.do`` passes on a sign-in the person already has in the 闽政通
app (信任传递, for the H5 pages opened inside it); ``goUserCenter.do`` signs them out of 闽政通 too.

What is observed and what is not: the four paths, the callbacks and the ``type``/``trustticket`` pair are
observed in a Fujian business system. Every other name below — the request parameters, the fields of the
user information, the error codes and the meaning of the level — is UNCONFIRMED and kept here, in
``PROVISIONAL``, until the province's 闽政通接入文档 says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from anju.platform.identity.oidc import SignInError, VerifiedIdentity

PATHS = {  # observed (standards.md §4.1)
    "login": "UnifiedController/goLogin.do",
    "status": "UnifiedController/checkLoginStatus.do",
    "user_centre": "UnifiedController/goUserCenter.do",
    "user_info": "AppSerController/invokeservice.do",
}
PROVISIONAL: dict[str, Any] = {  # UNCONFIRMED: one place to correct when the 接入文档 is in hand
    "app_param": "appId",
    "callback_param": "callback",
    "auth_code_param": "authCode",
    "ticket_param": "trustticket",
    "logout_action": {"action": "logout"},
    # the user information, as one provincial 政务服务网 contract names it (standards.md §4.3)
    "fields": {"subject": "userid", "name": "name", "id_number": "papersnumber", "phone": "mobile"},
    "id_card_type": "1",  # paperstype 1 = 居民身份证
    "level_field": "authlevel",  # 0 未认证, 1 初级, 2 中级, 3 高级 (our real-name levels, one to one)
}
LEVEL_NAMES = {0: "未认证", 1: "初级", 2: "中级", 3: "高级"}
TICKET_REFUSALS = {
    "ticket_used": "这次登录已经用过，请重新登录。",
    "ticket_expired": "登录已超时，请重新登录。",
    "ticket_invalid": "登录票据无效，请重新登录。",
}


@dataclass(frozen=True)
class MztProvider:
    """闽政通 as our app is registered with it."""

    base: str
    app_id: str
    auth_code: str
    min_level: int
    timeout: float = 10.0

    def _url(self, path: str, callback: str, **extra: str) -> str:
        query = {PROVISIONAL["app_param"]: self.app_id, PROVISIONAL["callback_param"]: callback, **extra}
        return f"{self.base}/{PATHS[path]}?{urlencode(query)}"

    def login_url(self, callback: str) -> str:
        """Where the browser signs in to 闽政通."""
        return self._url("login", callback)

    def status_url(self, callback: str) -> str:
        """信任传递: whether the person is already signed in to 闽政通 (back with a ticket, or ``nologin``)."""
        return self._url("status", callback)

    def logout_url(self, callback: str) -> str:
        """Signing out of 闽政通 as well, then back to us."""
        return self._url("user_centre", callback, **PROVISIONAL["logout_action"])

    def exchange(self, ticket: str) -> VerifiedIdentity:
        """The person a ticket names, exchanged once server to server; raises SignInError (never a session)
        for a missing, used, expired or foreign ticket, an unreachable 闽政通, or a level too low."""
        if not ticket:
            raise SignInError("ticket_missing", "没有收到闽政通的登录票据，请重新登录。")
        form = {
            PROVISIONAL["app_param"]: self.app_id,
            PROVISIONAL["auth_code_param"]: self.auth_code,
            PROVISIONAL["ticket_param"]: ticket,
        }
        try:
            answer = httpx.post(f"{self.base}/{PATHS['user_info']}", data=form, timeout=self.timeout).json()
        except (httpx.HTTPError, ValueError) as exc:
            raise SignInError("mzt_unavailable", "闽政通暂时无法确认您的登录，请稍后再试。") from exc
        if (
            not isinstance(answer, dict)
            or not answer.get("success")
            or not isinstance(answer.get("data"), dict)
        ):
            code = str(answer.get("errcode", "")) if isinstance(answer, dict) else ""
            raise SignInError(
                code or "mzt_refused", TICKET_REFUSALS.get(code, "闽政通没有确认这次登录，请重新登录。")
            )
        return self._identity(answer["data"])

    def _identity(self, data: dict[str, Any]) -> VerifiedIdentity:
        names = PROVISIONAL["fields"]
        try:
            level = int(data.get(PROVISIONAL["level_field"], 0))
            identity = VerifiedIdentity(
                subject=str(data[names["subject"]]),
                name=str(data[names["name"]]),
                id_number=str(data[names["id_number"]]),
                phone=str(data.get(names["phone"], "")),
                real_name_level=level,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise SignInError("mzt_user_info", "闽政通返回的用户信息不完整，请稍后再试。") from exc
        if str(data.get("paperstype", PROVISIONAL["id_card_type"])) != PROVISIONAL["id_card_type"]:
            raise SignInError("not_id_card", "本事项需要以居民身份证实名登录闽政通。")
        if level < self.min_level:
            raise SignInError(
                "level_too_low",
                f"您的闽政通账号实名等级为“{LEVEL_NAMES.get(level, level)}”，申请公租房需要"
                f"“{LEVEL_NAMES.get(self.min_level, self.min_level)}”及以上。"
                "请先在闽政通 APP 的“实名认证”中完成认证，再回来登录。",
            )
        return identity
