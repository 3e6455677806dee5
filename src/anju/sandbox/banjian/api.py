"""POST /v1/banjian/records and GET /v1/banjian/records (signed; housing only): the 一体化政务服务平台's 办件库
as the sandbox plays it. Each record is checked against the national ``up_pro_*`` element list
(standards.md §6.4: a 办件编号 of at most 50 characters, the columns' lengths, 2-character codes) and kept
once per record id; the list of what was acknowledged for a 办件编号 lets housing reconcile."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select

from anju.core import idcard, signing
from anju.core.httpapi import ApiError, error_responses, signed_callers
from anju.sandbox.banjian.models import BanjianRecord
from anju.sandbox.web import RuntimeDep

MOMENT = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"
CODE2 = r"^\d{2}$"


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")

    project_no: str = Field(min_length=1, max_length=50, description="办件编号")


class AcceptRecord(_Record):
    """受理 (up_pro_accept)."""

    project_name: str = Field(max_length=200)
    task_name: str = Field(max_length=200)
    catalog_code: str | None = Field(default=None, max_length=12)
    task_code: str | None = Field(default=None, max_length=36)
    apply_date: str = Field(pattern=MOMENT)
    apply_type: str = Field(pattern=CODE2)
    applyer_type: str = Field(max_length=2)
    applyer_name: str = Field(min_length=1, max_length=100)
    applyer_page_type: str = Field(max_length=3)
    applyer_page_code: str = Field(max_length=18)
    address: str = Field(default="", max_length=200)
    org_name: str = Field(max_length=100)
    org_code: str = Field(max_length=20)
    handle_user_name: str = Field(max_length=64)
    accept_date: str = Field(pattern=MOMENT)


class ProcessRecord(_Record):
    """过程 (up_pro_process)."""

    process_name: str = Field(min_length=1, max_length=100)
    event_name: str = Field(pattern=CODE2)
    event_start_time: str = Field(pattern=MOMENT)
    event_end_time: str = Field(pattern=MOMENT)
    handle_user_name: str = Field(max_length=64)
    handle_explain: str = Field(default="", max_length=2000)


class ResultRecord(_Record):
    """结果 (up_pro_result)."""

    result_date: str = Field(pattern=MOMENT)
    result_type: str = Field(pattern=CODE2)
    result_explain: str = Field(default="", max_length=2000)
    is_delivery_results: bool = False


class MaterialRecord(_Record):
    """材料 (up_pro_material)."""

    material_name: str = Field(min_length=1, max_length=200)
    get_type: str = Field(pattern=CODE2)
    get_num: int = Field(ge=1, le=99)
    material_attach_name: str = Field(default="", max_length=200)


class SpecialRecord(_Record):
    """特别程序 (up_pro_special_procedure): a period the time limit does not count (公示, 异议复核)."""

    special_type: str = Field(pattern=CODE2)
    special_name: str = Field(min_length=1, max_length=100)
    special_reason: str = Field(min_length=1, max_length=2000)
    special_time: str = Field(pattern=MOMENT)
    end_time: str = Field(pattern=MOMENT)
    result: str = Field(min_length=1, max_length=2000)


KINDS: dict[str, type[_Record]] = {
    "accept": AcceptRecord,
    "process": ProcessRecord,
    "result": ResultRecord,
    "material": MaterialRecord,
    "special": SpecialRecord,
}


class RecordEnvelope(BaseModel):
    """One record, with the id that makes a resend harmless."""

    model_config = ConfigDict(extra="forbid")

    record_id: str = Field(min_length=1, max_length=80)
    kind: Literal["accept", "process", "result", "material", "special"]
    record: dict[str, Any]


Caller = Annotated[
    signing.VerifiedRequest, Depends(signed_callers({"housing"}, message="该系统无权汇聚办件数据。"))
]
router = APIRouter(prefix="/v1/banjian", tags=["banjian"])


@router.post(
    "/records",
    summary="办件数据汇聚（受理、过程、结果；联调环境：校验并记录）",
    responses=error_responses(401, 403, 422),
)
def record_receive(runtime: RuntimeDep, body: RecordEnvelope, caller: Caller) -> dict[str, Any]:
    try:
        record = KINDS[body.kind].model_validate(body.record)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ApiError(
            code="record_invalid", message=f"办件记录不符合数据元要求：{problems}", status_code=422
        ) from exc
    if isinstance(record, AcceptRecord):
        try:
            idcard.parse(record.applyer_page_code)
        except idcard.InvalidIdNumber as exc:
            raise ApiError(code="record_invalid", message="申请人证件号码无效。", status_code=422) from exc
    with runtime.db.transaction() as session:
        seen = session.get(BanjianRecord, body.record_id)
        if seen is None:
            session.add(
                BanjianRecord(
                    record_id=body.record_id,
                    project_no=record.project_no,
                    kind=body.kind,
                    payload=json.dumps(record.model_dump(), ensure_ascii=False),
                )
            )
    return {"accepted": True, "duplicate": seen is not None}


@router.get("/records", summary="某办件已汇聚的记录（对账用）", responses=error_responses(401, 403))
def records_of(runtime: RuntimeDep, project_no: str, caller: Caller) -> dict[str, Any]:
    with runtime.db.transaction() as session:
        ids = session.scalars(
            select(BanjianRecord.record_id)
            .where(BanjianRecord.project_no == project_no)
            .order_by(BanjianRecord.record_id)
        ).all()
    return {"project_no": project_no, "records": list(ids)}
