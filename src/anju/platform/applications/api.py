"""The platform's bus endpoint: status changes from housing, signed and idempotent."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field

from anju.core import signing
from anju.core.httpapi import ApiError, error_responses, signed_callers
from anju.core.outbox import inbox_accept
from anju.core.web import RuntimeDep
from anju.platform.applications import service
from anju.platform.applications.schemas import BusReceipt, StatusEvent
from anju.platform.backfill.service import proof_content
from anju.platform.evaluation import service as evaluation

log = logging.getLogger(__name__)
ALLOWED_SENDERS = frozenset({"housing"})

Caller1 = Annotated[
    signing.VerifiedRequest, Depends(signed_callers(ALLOWED_SENDERS, message="该系统无权推送办件状态。"))
]
Caller2 = Annotated[
    signing.VerifiedRequest, Depends(signed_callers(ALLOWED_SENDERS, message="该系统无权推送回访结果。"))
]
Caller3 = Annotated[
    signing.VerifiedRequest, Depends(signed_callers(ALLOWED_SENDERS, message="该系统无权推送复核结论。"))
]

Housing = Annotated[
    signing.VerifiedRequest, Depends(signed_callers(ALLOWED_SENDERS, message="该系统无权获取申请材料。"))
]

router = APIRouter(prefix="/v1/bus", tags=["bus"])
proofs = APIRouter(prefix="/v1/applications", tags=["proofs"])


@proofs.get(
    "/{application_no}/proofs/{sm3}",
    summary="公租房管理信息系统按办件声明的 SM3 获取申请人上传的材料（decision 0035）",
    responses={
        200: {"description": "the file's bytes, signed as every answer", "content": {"application/pdf": {}}},
        **error_responses(401, 403, 404),
    },
    response_class=Response,
)
def proof_serve(runtime: RuntimeDep, application_no: str, sm3: str, caller: Housing) -> Response:
    with runtime.db.transaction() as session:
        proof = service.submitted_proof(session=session, application_no=application_no, sm3=sm3)
        if proof is None:
            raise ApiError(code="proof_unknown", message="该申请没有这份材料。", status_code=404)
        content = proof_content(proof, cipher=runtime.cipher)
        media_type = proof.content_type
    log.info(
        "proof served", extra={"case_no": application_no, "caller": caller.caller, "bytes": len(content)}
    )
    return Response(content, media_type=media_type, headers={"Cache-Control": "no-store"})


@router.post(
    "/status-events",
    response_model=BusReceipt,
    summary="接收公租房管理信息系统推送的办件状态",
    responses=error_responses(401, 403, 404, 422),
)
def status_event_receive(runtime: RuntimeDep, event: StatusEvent, caller: Caller1) -> BusReceipt:
    if not caller.message_id:
        raise ApiError(code="message_id_missing", message="缺少消息编号（X-Anju-Message-Id）。")
    with runtime.db.transaction() as session:
        fresh = inbox_accept(
            session,
            runtime.tables.inbox,
            message_id=caller.message_id,
            sender=caller.caller,
            topic="case.status",
        )
        if not fresh:
            return BusReceipt(case_no=event.case_no, accepted=True, duplicate=True)
        try:
            service.status_event_apply(
                session=session,
                event=event,
                message_id=caller.message_id,
                cipher=runtime.cipher,
                outbox=runtime.tables.outbox,
            )
        except service.UnknownCase as exc:
            raise ApiError(code="case_unknown", message="平台没有这个办件编号。", status_code=404) from exc
        except ValueError as exc:
            raise ApiError(code="status_unknown", message="未知的办件状态代码。", status_code=422) from exc
    return BusReceipt(case_no=event.case_no, accepted=True, duplicate=False)


@router.post(
    "/evaluation-follow-ups",
    summary="接收办理部门对差评的回访整改结果（转告评价人）",
    responses=error_responses(401, 403, 404, 422),
)
def follow_up_receive(runtime: RuntimeDep, body: FollowUpResult, caller: Caller2) -> dict[str, object]:
    with runtime.db.transaction() as session:
        applied = evaluation.follow_up_apply(
            session=session,
            ref=body.ref,
            finding=body.finding,
            action=body.action,
            at=body.done_at,
            outbox=runtime.tables.outbox,
        )
        if applied is None:
            raise ApiError(code="evaluation_unknown", message="没有这条评价。", status_code=404)
    return {"ref": body.ref, "accepted": True}


@router.post(
    "/evaluation-appeals",
    summary="接收差评申诉复核结论（复核成立的差评不计入差评统计）",
    responses=error_responses(401, 403, 404, 422),
)
def appeal_receive(runtime: RuntimeDep, body: AppealOutcome, caller: Caller3) -> dict[str, object]:
    with runtime.db.transaction() as session:
        if evaluation.appeal_apply(session=session, ref=body.ref, upheld=body.upheld) is None:
            raise ApiError(code="evaluation_unknown", message="没有这条评价。", status_code=404)
    return {"ref": body.ref, "accepted": True}


class AppealOutcome(BaseModel):
    """Whether the office's appeal against a 差评 was upheld."""

    model_config = ConfigDict(extra="forbid")

    ref: str = Field(pattern=r"^EV-\d+$")
    upheld: bool


class FollowUpResult(BaseModel):
    """What the office found and did about a 差评."""

    model_config = ConfigDict(extra="forbid")

    ref: str = Field(pattern=r"^EV-\d+$")
    finding: str = Field(min_length=1, max_length=2000)
    action: Literal["rectified", "explained"]
    done_at: datetime
