"""POST /v1/cases/{case_no}/withdrawal: the applicant withdraws, through the platform, before acceptance."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from anju.core import signing
from anju.core.httpapi import ApiError, error_responses
from anju.core.runtime import Runtime
from anju.housing.models import Case, CaseEvent
from anju.housing.review.service import TransitionRefused, case_transition, status_event_payload

ALLOWED_CALLERS = frozenset({"platform"})


class WithdrawalRequest(BaseModel):
    """Why the applicant withdraws (optional, in their words)."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", max_length=200)


class WithdrawalReceipt(BaseModel):
    """The case's new status, as the same event the bus will carry (the platform may apply it at once)."""

    case_no: str
    seq: int
    status: str
    event: str
    occurred_at: str
    office: str
    reason: str


def build_router(*, runtime: Runtime) -> APIRouter:
    """The withdrawal route."""
    router = APIRouter(prefix="/v1", tags=["review"])

    @router.post(
        "/cases/{case_no}/withdrawal",
        response_model=WithdrawalReceipt,
        summary="申请人在受理前撤回申请（经集成化办理平台）",
        responses=error_responses(401, 403, 404, 409, 422),
    )
    def case_withdraw(
        case_no: str, body: WithdrawalRequest, caller: signing.VerifiedRequest = Depends(runtime.api.verify)
    ) -> WithdrawalReceipt:
        if caller.caller not in ALLOWED_CALLERS:
            raise ApiError(code="caller_not_allowed", message="该系统无权撤回办件。", status_code=403)
        with runtime.db.transaction() as session:
            case = session.scalar(select(Case).where(Case.case_no == case_no).with_for_update())
            if case is None:
                raise ApiError(code="case_unknown", message="住房保障部门尚未收到这件申请。", status_code=404)
            if case.status == "withdrawn":  # asked twice: the same answer
                last = session.scalars(
                    select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq.desc())
                ).first()
                assert last is not None
                return WithdrawalReceipt(**status_event_payload(case=case, record=last))
            try:
                record = case_transition(
                    session=session,
                    case=case,
                    event="withdraw",
                    actor=f"applicant:{caller.user}",
                    actor_role="applicant",
                    outbox=runtime.tables.outbox,
                    reason=body.reason.strip(),
                    channel="web",
                )
            except TransitionRefused as exc:
                raise ApiError(
                    code="withdrawal_not_allowed",
                    message="申请已受理，不能在线撤回；如需放弃申请，请联系受理部门。",
                    status_code=409,
                ) from exc
            session.flush()
            return WithdrawalReceipt(**status_event_payload(case=case, record=record))

    return router
