"""POST /v1/evaluations/bad: a 差评 from the platform becomes the office's follow-up task."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from anju.core import signing
from anju.core.httpapi import ApiError, error_responses, signed_callers
from anju.core.web import RuntimeDep
from anju.housing.followup.service import task_receive
from anju.housing.models import Case

ALLOWED_CALLERS = frozenset({"platform"})


class BadRating(BaseModel):
    """A rating of 1 or 2 stars, with what the rater said."""

    model_config = ConfigDict(extra="forbid")

    ref: str = Field(pattern=r"^EV-\d+$")
    case_no: str = Field(max_length=50)
    overall: int = Field(ge=1, le=2)
    level: str = Field(max_length=16)
    indicators: dict[str, int] = {}
    comment: str = Field(default="", max_length=500)
    due_on: date | None = None


Caller = Annotated[
    signing.VerifiedRequest, Depends(signed_callers(ALLOWED_CALLERS, message="该系统无权推送评价。"))
]

router = APIRouter(prefix="/v1/evaluations", tags=["evaluation"])


@router.post(
    "/bad",
    status_code=201,
    summary="接收评价人的差评，生成回访整改任务",
    responses=error_responses(401, 403, 404, 422),
)
def bad_rating(runtime: RuntimeDep, body: BadRating, caller: Caller) -> dict[str, Any]:
    with runtime.db.transaction() as session:
        case = session.scalar(select(Case).where(Case.case_no == body.case_no))
        if case is None:
            raise ApiError(code="case_unknown", message="没有这件办件。", status_code=404)
        task = task_receive(
            session=session,
            ref=body.ref,
            case=case,
            overall=body.overall,
            level=body.level,
            comment=body.comment,
            due_on=body.due_on,
        )
        return {"ref": task.ref, "task": task.id}
