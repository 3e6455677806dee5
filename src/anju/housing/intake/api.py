"""POST /v1/cases: housing's intake API, signed and idempotent."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from anju.core import signing
from anju.core.httpapi import ApiError, error_responses, signed_callers
from anju.core.outbox import inbox_accept
from anju.core.web import RuntimeDep
from anju.housing.intake import service
from anju.housing.intake.schemas import CaseSubmission, IntakeReceipt

ALLOWED_CALLERS = frozenset({"platform"})

Caller = Annotated[
    signing.VerifiedRequest, Depends(signed_callers(ALLOWED_CALLERS, message="该系统无权提交办件。"))
]

router = APIRouter(prefix="/v1", tags=["intake"])
# Routes that carry a whole case or its files: the app includes these with the case body limit (0012).
cases = APIRouter(prefix="/v1", tags=["intake"])


@cases.post(
    "/cases",
    response_model=IntakeReceipt,
    status_code=201,
    summary="接收集成化办理平台提交的公租房申请（办件）",
    responses={
        200: {"model": IntakeReceipt, "description": "重复投递：办件已存在，未重复创建"},
        **error_responses(401, 403, 413, 422),
    },
)
def case_intake(runtime: RuntimeDep, submission: CaseSubmission, caller: Caller) -> JSONResponse:
    with runtime.db.transaction() as session:
        fresh = bool(caller.message_id) and inbox_accept(
            session,
            runtime.tables.inbox,
            message_id=caller.message_id,
            sender=caller.caller,
            topic="case.submitted",
        )
        try:
            result = service.case_receive(
                session=session,
                submission=submission,
                cipher=runtime.cipher,
                index=runtime.blind_index,
                outbox=runtime.tables.outbox,
                audit=runtime.audit,
                registry=runtime.registry,
            )
        except service.IntakeRejected as exc:
            raise ApiError(code=exc.code, message=exc.message, status_code=422) from exc
        duplicate = result.duplicate or not fresh
        receipt = IntakeReceipt(
            case_no=result.case.case_no,
            status=result.case.status,
            received_at=result.case.received_at,
            duplicate=duplicate,
        )
    return JSONResponse(receipt.model_dump(mode="json"), status_code=200 if duplicate else 201)
