"""POST /v1/hcp/evaluations (signed; the platform only) and the joint-test page /hcp of what was received.

The fields follow the national 办件评价 upload (shared/reference/standards.md §5.2): projectNo, proStatus,
pf, satisfaction, evalDetail, writingEvaluation, assessTime, assessNumber (1 first, 2 follow-up)…
Fujian's production interface is a SOAP service with an SM4-encrypted GB2312 XML body; an adapter to it
replaces this receiver's address, not the platform's record.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from anju.core import signing
from anju.core.httpapi import error_responses, signed_callers
from anju.sandbox.hcp.models import HcpRecord
from anju.sandbox.web import RuntimeDep, render


class RatingReport(BaseModel):
    """One rating, as the provincial system takes it."""

    model_config = ConfigDict(extra="forbid")

    projectNo: str = Field(max_length=64, description="办件统一编号")
    taskName: str = Field(max_length=100)
    areaCode: str = Field(pattern=r"^\d{12}$")
    proDepart: str = Field(max_length=100)
    proStatus: int = Field(ge=1, le=3, description="1 待办理 2 办理中 3 已完结")
    pf: int = Field(ge=1, le=7, description="评价渠道：1 PC端 2 移动端 …")
    userProp: int = Field(ge=1, le=2)
    satisfaction: int = Field(ge=1, le=5, description="1 非常不满意 … 5 非常满意")
    evalDetail: str = Field(max_length=500, description="测评内容：指标=等级，逗号分隔")
    writingEvaluation: str = Field(default="", max_length=500)
    assessTime: str = Field(pattern=r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
    assessNumber: int = Field(ge=1, le=2, description="1 首次评价 2 二次评价（回访后）")
    acceptDate: str = Field(default="", max_length=19)


Caller = Annotated[
    signing.VerifiedRequest, Depends(signed_callers({"platform"}, message="该系统无权上报评价。"))
]

router = APIRouter()


@router.post(
    "/v1/hcp/evaluations",
    tags=["hcp"],
    summary="好差评数据上报（联调环境：记录，不转发）",
    responses=error_responses(401, 403, 422),
)
def report(runtime: RuntimeDep, body: RatingReport, caller: Caller) -> dict[str, Any]:
    with runtime.db.transaction() as session:
        seen = session.scalar(
            select(HcpRecord.id).where(
                HcpRecord.project_no == body.projectNo, HcpRecord.assess_number == body.assessNumber
            )
        )
        if seen is None:
            session.add(
                HcpRecord(
                    project_no=body.projectNo,
                    assess_number=body.assessNumber,
                    satisfaction=body.satisfaction,
                    area_code=body.areaCode,
                    payload=json.dumps(body.model_dump(), ensure_ascii=False),
                )
            )
    return {"accepted": True, "duplicate": seen is not None}


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
    return render(request, "hcp.html", {"title": "好差评系统（联调）", "rows": rows})
