"""The provincial 好差评 system's stand-in, speaking Fujian's protocol (core/hcpwire.py, decision 0032):
the API gateway's token, the SOAP methods that take a rating and the 差评整改 round, and the joint-test page
/hcp of what was received.

It checks what the real one would: the app key and the token's MD5 sign and time, a token it issued and
that has not run out, an xmlStr that decrypts under the app's secret, and every field of the rating
against the national field set (standards.md §5.2): required fields, code lists, a valid ID number, the
time format, a follow-up rating only after a first one. A refusal names the field.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from anju.core import hcpwire, idcard
from anju.core.runtime import Runtime
from anju.core.timeutil import shanghai_date, utcnow
from anju.sandbox.hcp.models import HcpRecord, HcpRectifyTask, HcpToken
from anju.sandbox.web import RuntimeDep, render

GATEWAY = "/hcp/gateway"
TOKEN_SECONDS = 3600
RECTIFY_DAYS = 10  # the stand-in's 整改 deadline (real ones are local: 5 or 15 working days, domain.md §4)
CODES = hcpwire.PROVISIONAL["codes"]
TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
XML = "text/xml; charset=utf-8"

router = APIRouter()


class Refusal(Exception):
    """A message the province would refuse: its code and the reason."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _credentials(runtime: Runtime) -> tuple[str, str]:
    """Our app's key and secret, as the province registered them (the same settings in the joint test)."""
    return runtime.settings.hcp_app_key, runtime.settings.hcp_app_secret.get_secret_value()


@router.get(GATEWAY + hcpwire.TOKEN_PATH, include_in_schema=False)
def token(
    runtime: RuntimeDep, app_key: str = Query(""), timestamp: str = Query(""), sign: str = Query("")
) -> Response:
    """An access token for an app that signs MD5(secret + timestamp) within the window."""
    key, secret = _credentials(runtime)
    now_ms = int(utcnow().timestamp() * 1000)
    window = int(hcpwire.PROVISIONAL["token_window_seconds"]) * 1000
    if not hmac.compare_digest(app_key, key):
        return JSONResponse({"code": "app_key_invalid", "message": "应用标识不存在"}, status_code=401)
    if not timestamp.isdigit() or abs(now_ms - int(timestamp)) > window:
        return JSONResponse({"code": "timestamp_invalid", "message": "时间戳超出允许范围"}, status_code=401)
    if not hmac.compare_digest(sign.upper(), hcpwire.token_sign(secret, timestamp).upper()):
        return JSONResponse({"code": "sign_invalid", "message": "签名错误"}, status_code=401)
    issued = secrets.token_hex(16)
    with runtime.db.transaction() as session:
        session.add(
            HcpToken(token=issued, app_key=key, expires_at=utcnow() + timedelta(seconds=TOKEN_SECONDS))
        )
    body = {
        "access_token": issued,
        "expires_in": TOKEN_SECONDS,
        "refresh_token": secrets.token_hex(16),
        "re_expires_in": TOKEN_SECONDS * 2,
    }
    return JSONResponse(body)


@router.post(GATEWAY + "/api-gateway/gateway/96hyvzxl/wailian/webservice/{method}", include_in_schema=False)
async def service(method: str, request: Request, runtime: RuntimeDep) -> Response:
    """One SOAP call: a stale token gets the fault, anything else a ``<Case>`` answer."""
    key, secret = _credentials(runtime)
    try:
        called, token_value, app_key, xml_str = hcpwire.envelope_read(await request.body())
    except hcpwire.WireError as exc:
        return Response(hcpwire.fault(exc.message), status_code=500, media_type=XML)
    with runtime.db.transaction() as session:
        known = session.get(HcpToken, token_value) if token_value else None
        if known is None or known.expires_at <= utcnow():
            return Response(hcpwire.fault(hcpwire.TOKEN_INVALID), status_code=500, media_type=XML)
        try:
            if called != method or method not in HANDLERS:
                raise Refusal(CODES["bad_request"], f"没有方法 {method}")
            if not hmac.compare_digest(app_key, key):
                raise Refusal(CODES["unknown_app"], "appKey 不存在")
            try:
                fields = hcpwire.case_fields(hcpwire.sm4_decrypt(xml_str, secret))
            except hcpwire.WireError as exc:
                raise Refusal(CODES["unreadable"], exc.message) from exc
            data = HANDLERS[method](session, fields)
        except Refusal as exc:  # raised before a handler writes anything
            return Response(hcpwire.answer(method, exc.code, exc.message), media_type=XML)
    return Response(hcpwire.answer(method, hcpwire.OK, "成功", data), media_type=XML)


# --------------------------------------------------------------------------------------------------
# The methods


REQUIRED = (
    "sysNO",
    "projectNo",
    "proStatus",
    "regionCode",
    "userProp",
    "userName",
    "userPageType",
    "certKey",
)
RATING = ("pf", "satisfaction", "assessTime", "assessNumber", "serviceTime")
CODE_LISTS = {
    "proStatus": {"1", "2", "3"},
    "userProp": {"1", "2"},
    "userPageType": set(hcpwire.PROVISIONAL["user_page_types"]),
    "pf": {str(n) for n in range(1, 8)},
    "satisfaction": {str(n) for n in range(1, 6)},
    "assessNumber": {"1", "2"},
}
LONGEST = {
    "projectNo": 50,
    "userName": 100,
    "evalDetail": 500,
    "writingEvaluation": 500,
    "handleUserName": 100,
}


def _checked(fields: dict[str, str], required: tuple[str, ...]) -> None:
    for name in required:
        if not fields.get(name):
            raise Refusal(CODES["bad_request"], f"缺少必填字段 {name}")
    for name, allowed in CODE_LISTS.items():
        if name in fields and fields[name] and fields[name] not in allowed:
            raise Refusal(CODES["bad_request"], f"{name} 的取值 {fields[name]} 不在代码表中")
    for name, longest in LONGEST.items():
        if len(fields.get(name, "")) > longest:
            raise Refusal(CODES["bad_request"], f"{name} 超过 {longest} 个字符")
    for name in ("assessTime", "serviceTime", "acceptDate", "rectifyTime"):
        if fields.get(name) and not TIME.match(fields[name]):
            raise Refusal(CODES["bad_request"], f"{name} 应为 yyyy-MM-dd HH:mm:ss")


def _rating(session: Session, fields: dict[str, str]) -> dict[str, str]:
    """getSaveEvaluation: keep a rating once per case and rating number; a 差评 gets a 整改 task."""
    _checked(fields, REQUIRED + RATING)
    if not re.fullmatch(r"\d{12}", fields["regionCode"]):
        raise Refusal(CODES["bad_request"], "regionCode 应为 12 位行政区划代码")
    if fields["userPageType"] == "111" and not idcard.is_valid(fields["certKey"]):
        raise Refusal(CODES["bad_request"], "certKey 不是有效的居民身份证号码")
    number = int(fields["assessNumber"])
    project = fields["projectNo"]
    if (
        number == 2
        and session.scalar(
            select(HcpRecord.id).where(HcpRecord.project_no == project, HcpRecord.assess_number == 1)
        )
        is None
    ):
        raise Refusal(CODES["unknown_rating"], "二次评价之前没有首次评价")
    seen = session.scalar(
        select(HcpRecord).where(HcpRecord.project_no == project, HcpRecord.assess_number == number)
    )
    if seen is None:
        seen = HcpRecord(
            project_no=project,
            assess_number=number,
            satisfaction=int(fields["satisfaction"]),
            area_code=fields["regionCode"],
            payload=json.dumps(fields, ensure_ascii=False),
        )
        session.add(seen)
        session.flush()
        if number == 1 and seen.satisfaction <= 2:
            deadline = shanghai_date(utcnow()) + timedelta(days=RECTIFY_DAYS)
            session.add(HcpRectifyTask(record_id=seen.id, project_no=project, deadline=deadline))
    return {"evaluateUnid": f"HCP-{seen.id}"}


def _tasks(session: Session, fields: dict[str, str]) -> dict[str, Any]:
    """getRectifyTaskList (provisional): the open 差评整改 tasks."""
    _checked(fields, ("sysNO",))
    open_tasks = session.scalars(
        select(HcpRectifyTask).where(HcpRectifyTask.rectified_at.is_(None)).order_by(HcpRectifyTask.id)
    )
    listed = [
        {
            "taskId": f"ZG-{t.id}",
            "evaluateUnid": f"HCP-{t.record_id}",
            "projectNo": t.project_no,
            "deadline": t.deadline.isoformat(),
        }
        for t in open_tasks
    ]
    return {"tasks": listed, "count": str(len(listed))}


def _rectify(session: Session, fields: dict[str, str]) -> dict[str, str]:
    """saveRectifyResult (provisional): the department's rectification of one task, once."""
    _checked(fields, ("sysNO", "taskId", "projectNo", "rectifyResult", "rectifyContent", "rectifyTime"))
    if fields["rectifyResult"] not in {"1", "2"}:
        raise Refusal(CODES["bad_request"], "rectifyResult 应为 1（已整改）或 2（解释说明）")
    task = (
        session.get(HcpRectifyTask, int(fields["taskId"].removeprefix("ZG-")))
        if fields["taskId"].startswith("ZG-") and fields["taskId"][3:].isdigit()
        else None
    )
    if task is None or task.project_no != fields["projectNo"]:
        raise Refusal(CODES["unknown_rating"], "没有这条整改任务")
    if task.rectified_at is None:
        task.rectified_at, task.result, task.content = (
            utcnow(),
            fields["rectifyResult"],
            fields["rectifyContent"],
        )
    return {"taskId": fields["taskId"]}


HANDLERS = {
    hcpwire.METHODS["report"]: _rating,
    hcpwire.METHODS["supplement"]: _rating,
    hcpwire.PROVISIONAL["methods"]["tasks"]: _tasks,
    hcpwire.PROVISIONAL["methods"]["rectify"]: _rectify,
}


@router.get("/hcp", response_class=HTMLResponse, include_in_schema=False, name="hcp_inbox")
def inbox(runtime: RuntimeDep, request: Request) -> Response:
    with runtime.db.transaction() as session:
        rows = [
            {
                "no": r.project_no,
                "n": r.assess_number,
                "s": r.satisfaction,
                "area": r.area_code,
                "at": r.received_at,
            }
            for r in session.scalars(select(HcpRecord).order_by(HcpRecord.id.desc()).limit(200))
        ]
        tasks = [
            {
                "id": f"ZG-{t.id}",
                "no": t.project_no,
                "deadline": t.deadline,
                "done": t.rectified_at,
                "result": t.result,
                "content": t.content,
            }
            for t in session.scalars(select(HcpRectifyTask).order_by(HcpRectifyTask.id.desc()).limit(200))
        ]
    return render(request, "hcp.html", {"title": "好差评系统（联调）", "rows": rows, "tasks": tasks})
