"""POST /v1/eligibility/assessments: the eligibility assessment as housing's API (the platform's pre-check uses it)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from anju.core import signing
from anju.core.httpapi import ApiError, error_responses, signed_callers
from anju.core.web import RuntimeDep
from anju.housing.eligibility.admin import parameters_in_force
from anju.housing.eligibility.assess import eligibility_assess
from anju.housing.eligibility.from_case import situation_from
from anju.housing.eligibility.params import NoRuleInForce
from anju.housing.eligibility.situation import Situation
from anju.housing.intake.schemas import EvidenceItem, HouseholdMember

ALLOWED_CALLERS = frozenset({"platform"})


class AssessmentRequest(BaseModel):
    """A household situation and the date to assess it on."""

    model_config = ConfigDict(extra="forbid")

    situation: Situation
    on: date


class PreCheckAnswers(BaseModel):
    """The applicant's answers: the application's, and each member's by ID number."""

    model_config = ConfigDict(extra="forbid")

    application: dict[str, Any] = Field(default_factory=dict)
    members: dict[str, dict[str, Any]] = Field(default_factory=dict)


class PreCheckRequest(BaseModel):
    """An application as it stands (the shapes of the case payload: docs/interfaces/housing-intake), the
    city and the date."""

    model_config = ConfigDict(extra="forbid")

    city_code: str = Field(pattern=r"^\d{6}$")
    on: date
    household: list[HouseholdMember] = Field(min_length=1, max_length=20)
    evidence: list[EvidenceItem] = Field(default_factory=list, max_length=400)
    answers: PreCheckAnswers = Field(default_factory=PreCheckAnswers)


Caller = Annotated[
    signing.VerifiedRequest, Depends(signed_callers(ALLOWED_CALLERS, message="该系统无权调用资格判断。"))
]

router = APIRouter(prefix="/v1/eligibility", tags=["eligibility"])


@router.post(
    "/assessments",
    summary="按申请城市当时有效的规则判断一户家庭可申请的类别，并逐条说明（只作参考，不作决定）",
    responses=error_responses(401, 403, 422),
)
def assessment(runtime: RuntimeDep, body: AssessmentRequest, caller: Caller) -> dict[str, Any]:
    try:
        with runtime.db.transaction() as session:
            parameters = parameters_in_force(session=session, city_code=body.situation.city_code)
        return eligibility_assess(body.situation, on=body.on, parameters=parameters)
    except NoRuleInForce as exc:
        raise ApiError(code="no_rule_in_force", message=exc.message, status_code=422) from exc


@router.post(
    "/pre-checks",
    summary="申请前自查：按申请材料（家庭成员、登记信息、申报内容）判断并逐条说明，仅供参考",
    responses=error_responses(401, 403, 422),
)
def pre_check(runtime: RuntimeDep, body: PreCheckRequest, caller: Caller) -> dict[str, Any]:
    try:
        situation = situation_from(
            city_code=body.city_code,
            household=[m.model_dump(mode="json") for m in body.household],
            evidence=[e.model_dump(mode="json", exclude={"proofs"}) for e in body.evidence],
            answers=body.answers.model_dump(mode="json"),
        )
    except (KeyError, TypeError, ValueError) as exc:  # a register's fields not in the shape they have
        if isinstance(exc, ValidationError):
            reasons = "；".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        else:
            reasons = "登记信息的内容不完整"
        raise ApiError(
            code="situation_invalid", message=f"家庭情况不完整或有误：{reasons}", status_code=422
        ) from exc
    try:
        with runtime.db.transaction() as session:
            parameters = parameters_in_force(session=session, city_code=situation.city_code)
        return eligibility_assess(situation, on=body.on, parameters=parameters)
    except NoRuleInForce as exc:
        raise ApiError(code="no_rule_in_force", message=exc.message, status_code=422) from exc
