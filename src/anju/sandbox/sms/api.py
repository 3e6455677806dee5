"""POST /v1/sms/messages (signed; the platform only) and the joint-test page /sms of what was received."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from anju.core import masking, signing
from anju.core.httpapi import ApiError, error_responses, signed_callers
from anju.sandbox.sms.models import SmsMessage
from anju.sandbox.web import FaultsDep, RuntimeDep, render

ALLOWED_CALLERS = frozenset({"platform"})
FAULT_KEY = "sms"
MAX_CHARS = 300  # a long SMS is split by the carrier; more than this is a mistake


class SmsRequest(BaseModel):
    """One message to one mobile number."""

    model_config = ConfigDict(extra="forbid")

    phone: str = Field(pattern=r"^1[3-9]\d{9}$")
    text: str = Field(min_length=1, max_length=MAX_CHARS)


class SmsReceipt(BaseModel):
    """The gateway took the message (once per sender message id)."""

    accepted: bool
    duplicate: bool


Caller = Annotated[
    signing.VerifiedRequest, Depends(signed_callers(ALLOWED_CALLERS, message="该系统无权发送短信。"))
]

router = APIRouter()


@router.post(
    "/v1/sms/messages",
    response_model=SmsReceipt,
    tags=["sms"],
    summary="发送一条短信（联调环境只记录，不真正发送）",
    responses=error_responses(401, 403, 422, 503),
)
def sms_send(runtime: RuntimeDep, faults: FaultsDep, body: SmsRequest, caller: Caller) -> dict[str, Any]:
    if faults.roll_error(faults.get(FAULT_KEY)):
        raise ApiError(code="sms_unavailable", message="短信平台暂时不可用。", status_code=503)
    with runtime.db.transaction() as session:
        seen = session.scalar(select(SmsMessage.id).where(SmsMessage.message_id == caller.message_id))
        if seen is None:
            session.add(
                SmsMessage(
                    message_id=caller.message_id,
                    caller=caller.caller,
                    phone=body.phone,
                    text=body.text,
                    case_no=caller.case,
                )
            )
    return {"accepted": True, "duplicate": seen is not None}


@router.get("/sms", response_class=HTMLResponse, include_in_schema=False, name="sms_inbox")
def sms_inbox(runtime: RuntimeDep, request: Request, phone: str = "") -> Response:
    with runtime.db.transaction() as session:
        query = select(SmsMessage).order_by(SmsMessage.id.desc()).limit(200)
        if phone:
            query = query.where(SmsMessage.phone == phone)
        rows = [
            {"phone": masking.mask_phone(m.phone), "text": m.text, "at": m.received_at, "case_no": m.case_no}
            for m in session.scalars(query)
        ]
    return render(request, "sms.html", {"title": "短信平台（联调）", "rows": rows})
