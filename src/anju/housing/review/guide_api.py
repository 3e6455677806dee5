"""GET /v1/guide-facts/{city_code}: what the service guide must not retype — conditions from the rule set in
force, each step's time limit, the path of the review, whether 容缺受理 is allowed — for the platform's guide
and its counter windows."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from anju.core import regions, signing
from anju.core.httpapi import ApiError, error_responses, signed_callers
from anju.core.timeutil import today_shanghai
from anju.core.vocab import housing_office_name
from anju.core.web import RuntimeDep
from anju.housing.eligibility.admin import parameters_in_force
from anju.housing.eligibility.conditions import conditions_in_words
from anju.housing.intake.deferrals import deferral_for
from anju.housing.review.deadlines import limits_for

STEP_NAMES = {
    "acceptance": "受理（或一次性告知补正、不予受理）",
    "corrections_reply": "申请人补正",
    "first_review": "初审（街道、乡镇）",
    "review": "审核（县、区住房保障部门）",
    "public_notice": "公示",
    "recheck": "异议复核",
}

Caller = Annotated[signing.VerifiedRequest, Depends(signed_callers({"platform"}, message="该系统无权调用。"))]

router = APIRouter(prefix="/v1", tags=["guide"])


@router.get(
    "/guide-facts/{city_code}",
    summary="办事指南中由规则生成的内容：受理条件、各环节时限、办理流程",
    responses=error_responses(401, 403, 404),
)
def guide_facts(runtime: RuntimeDep, city_code: str, caller: Caller) -> dict[str, Any]:
    if not regions.is_jurisdiction(city_code):
        raise ApiError(code="city_unknown", message="没有这个市（区）。", status_code=404)
    today = today_shanghai()
    with runtime.db.transaction() as session:
        parameters = parameters_in_force(session=session, city_code=city_code)
    limits = limits_for(city_code)
    return {
        "city_code": city_code,
        "office": housing_office_name(city_code),
        "conditions": conditions_in_words(parameters, today),
        "steps": [
            {
                "step": s.step,
                "name": STEP_NAMES.get(s.step, s.step),
                "limit": s.limit,
                "unit": "个工作日" if s.unit == "workdays" else "日（自然日）",
                "provisional": s.provisional,
                "source": s.source,
                "clock": "申请人" if s.clock == "applicant" else "办理部门",
            }
            for s in limits.values()
        ],
        "deferral": deferral_for(city_code).as_facts(),
    }
