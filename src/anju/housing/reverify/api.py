"""年审 as the tenant meets it on the platform: what the latest re-check found, and the tenant's own
explanation, sent once or revised until a reviewer decides (docs/interfaces/housing-reviews.openapi.json)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from anju.core import regions, signing
from anju.core.httpapi import ApiError, error_responses, signed_callers
from anju.housing.models import Case
from anju.housing.reverify import service
from anju.housing.web import RuntimeDep

Caller = Annotated[
    signing.VerifiedRequest, Depends(signed_callers({"platform"}, message="该系统无权查询年审结果。"))
]
router = APIRouter(prefix="/v1/reviews", tags=["annual reviews"])


class FindingOut(BaseModel):
    """One thing found: which register, whose (masked), what it said when approved and what it says now."""

    source: str
    label: str
    member: str
    before: str
    now: str


class ReviewOut(BaseModel):
    """The latest 年审 of a tenancy."""

    case_no: str
    due_on: date
    state: str = Field(description="asking | clear | flagged")
    state_label: str
    findings: list[FindingOut]
    explanation: str = Field(description="what the tenant said, if anything")
    explained_at: datetime | None
    may_explain: bool = Field(description="a reviewer has not yet decided: the tenant may (re)write")


class Explanation(BaseModel):
    text: str = Field(min_length=1, max_length=service.EXPLANATION_MAX_CHARS)


def _case(session: Session, city_code: str, case_no: str) -> Case:
    if not regions.is_jurisdiction(city_code):
        raise ApiError(code="city_unknown", message="没有这个市（区）。", status_code=404)
    case = session.scalar(select(Case).where(Case.case_no == case_no, Case.city_code == city_code))
    if case is None:
        raise ApiError(code="no_review", message="这件申请还没有年审结果。", status_code=404)
    return case


def _out(case: Case, review: dict[str, object]) -> ReviewOut:
    return ReviewOut(
        case_no=case.case_no,
        due_on=review["due_on"],  # type: ignore[arg-type]
        state=str(review["state"]),
        state_label=service.STATE_LABELS[str(review["state"])],
        findings=[FindingOut(**f) for f in review["findings"]],  # type: ignore[attr-defined]
        explanation=str(review["explanation"]),
        explained_at=review["explained_at"],  # type: ignore[arg-type]
        may_explain=case.status == "reverifying" and review["state"] == "flagged",
    )


@router.get(
    "/{city_code}/{case_no}",
    response_model=ReviewOut,
    summary="一户承租家庭最近一次年审的结果：发现的变化（与批准时对照，已脱敏）和承租人的说明",
    responses=error_responses(401, 403, 404),
)
def review(runtime: RuntimeDep, city_code: str, case_no: str, caller: Caller) -> ReviewOut:
    with runtime.db.transaction() as session:
        case = _case(session, city_code, case_no)
        reviews = service.reviews_of(session=session, case=case, cipher=runtime.cipher)
        if not reviews:
            raise ApiError(code="no_review", message="这件申请还没有年审结果。", status_code=404)
        return _out(case, reviews[0])


@router.post(
    "/{city_code}/{case_no}/explanation",
    response_model=ReviewOut,
    summary="承租人对年审发现的情况作出说明（在工作人员核实决定前可以修改）",
    responses=error_responses(401, 403, 404, 409, 422),
)
def explanation(
    runtime: RuntimeDep, city_code: str, case_no: str, body: Explanation, caller: Caller
) -> ReviewOut:
    with runtime.db.transaction() as session:
        case = _case(session, city_code, case_no)
        try:
            service.review_explain(session=session, case=case, text=body.text, cipher=runtime.cipher)
        except service.ReviewRefused as exc:
            raise ApiError(code="review_closed", message=exc.message, status_code=409) from exc
        return _out(case, service.reviews_of(session=session, case=case, cipher=runtime.cipher)[0])
