"""POST /v1/households/conflicts: one household, one application, asked by the platform before the
applicant signs (issue 19, decision 0037). Blind indexes are keyed per system, so the ID numbers travel in
the signed, purpose-bound request and housing indexes them with its own key."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field, field_validator

from anju.core import idcard, regions, signing
from anju.core.httpapi import ApiError, error_responses, signed_callers
from anju.core.vocab import status_label
from anju.core.web import RuntimeDep
from anju.housing.eligibility.params import NoRuleInForce
from anju.housing.households.service import Conflict, household_conflicts

ALLOWED_CALLERS = frozenset({"platform"})

Caller = Annotated[
    signing.VerifiedRequest,
    Depends(
        signed_callers(
            ALLOWED_CALLERS, message="该系统无权查询家庭成员的在办申请和住房保障情况。", purpose_required=True
        )
    ),
]

router = APIRouter(prefix="/v1/households", tags=["households"])


class ConflictQuery(BaseModel):
    """A household about to apply in a city on a date."""

    model_config = ConfigDict(extra="forbid")

    city_code: str = Field(pattern=r"^\d{6}$", description="the city applied to (6-digit division code)")
    on: date = Field(description="the day of the application (the rules in force on it)")
    persons: list[str] = Field(min_length=1, max_length=20, description="ID numbers of the household")

    @field_validator("persons")
    @classmethod
    def _valid_ids(cls, values: list[str]) -> list[str]:
        return idcard.numbers_parse(values)


class ConflictItem(BaseModel):
    """One rule one person meets. No other case's number and no other person's data: the platform tells the
    applicant what the rule is; the reviewer sees the other case in housing's own console."""

    id_number: str
    rule: Literal["live_case", "current_tenancy", "waiting_period"]
    label: str
    explanation: str = Field(description="the rule and the facts it rests on, in plain words")
    city_code: str
    city: str
    since: date
    until: date | None = None
    status: str = Field(default="", description="the other case's status label, for live_case")
    provisional: bool = Field(default=False, description="the waiting period is not yet confirmed")


class ConflictAnswer(BaseModel):
    checked_on: date
    conflicts: list[ConflictItem]


def conflict_item(conflict: Conflict) -> ConflictItem:
    """A found rule as the platform receives it."""
    return ConflictItem(
        id_number=conflict.id_number,
        rule=conflict.rule,  # type: ignore[arg-type]
        label=conflict.label,
        explanation=conflict.explanation,
        city_code=conflict.city_code,
        city=regions.get(conflict.city_code).name,
        since=conflict.since,
        until=conflict.until,
        status=status_label(conflict.case.status) if conflict.rule == "live_case" and conflict.case else "",
        provisional=bool(conflict.parameter and conflict.parameter.provisional),
    )


@router.post(
    "/conflicts",
    response_model=ConflictAnswer,
    summary="一户一申请核查：家庭成员是否已有在办申请、正在享受住房保障或处在再次申请等待期内（提示，不作决定）",
    responses=error_responses(400, 401, 403, 422),
)
def conflicts(runtime: RuntimeDep, query: ConflictQuery, caller: Caller) -> ConflictAnswer:
    if not regions.is_jurisdiction(query.city_code):
        raise ApiError(code="city_unknown", message="申请城市代码不是福建省的设区市或平潭。", status_code=422)
    try:
        with runtime.db.transaction() as session:
            found = household_conflicts(
                session=session,
                id_numbers=query.persons,
                city_code=query.city_code,
                on=query.on,
                index=runtime.blind_index,
            )
            items = [conflict_item(c) for c in found]
    except NoRuleInForce as exc:
        raise ApiError(code="no_rule_in_force", message=exc.message, status_code=422) from exc
    return ConflictAnswer(checked_on=query.on, conflicts=items)
