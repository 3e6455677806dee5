"""POST /v1/assistance/query: the housing system's own 保障性住房信息查询, signed like every partner source."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends

from anju.core import signing
from anju.core.httpapi import ApiError, error_responses, signed_callers
from anju.core.registers import RegisterAnswer, RegisterQuery
from anju.core.timeutil import today_shanghai, utcnow
from anju.core.web import RuntimeDep
from anju.housing.records import service

ALLOWED_CALLERS = frozenset({"platform"})

Caller = Annotated[
    signing.VerifiedRequest,
    Depends(signed_callers(ALLOWED_CALLERS, message="该系统无权查询保障性住房信息。", purpose_required=True)),
]

router = APIRouter(prefix="/v1", tags=["records"])


@router.post(
    "/assistance/query",
    response_model=RegisterAnswer,
    summary="保障性住房信息查询：家庭成员是否正在承租公租房或领取住房租赁补贴",
    responses=error_responses(400, 401, 403, 422),
)
def assistance_query(runtime: RuntimeDep, query: RegisterQuery, caller: Caller) -> RegisterAnswer:
    if set(query.fields) - {"records"}:
        raise ApiError(code="field_unknown", message="只提供 records 字段。", status_code=422)
    with runtime.db.transaction() as session:
        records = service.assistance_records(
            session=session, id_numbers=query.persons, index=runtime.blind_index, today=today_shanghai()
        )
    return RegisterAnswer.model_validate(
        {
            "source": "assistance",
            "department": "住房保障部门",
            "request_id": f"assistance-{utcnow():%Y%m%d%H%M%S}-{secrets.token_hex(6)}",
            "answered_at": utcnow(),
            "records": records,
        }
    )
