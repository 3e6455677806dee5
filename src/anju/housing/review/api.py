"""What the applicant does to a case through the platform: withdraw before acceptance; answer a 补正 notice."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from anju.core import signing
from anju.core.httpapi import ApiError, error_responses, signed_callers
from anju.core.outbox import inbox_accept
from anju.core.web import RuntimeDep
from anju.housing.intake.schemas import Proof
from anju.housing.models import Case, CaseEvent
from anju.housing.review import corrections, documents
from anju.housing.review.service import TransitionRefused, case_transition, status_event_payload

ALLOWED_CALLERS = frozenset({"platform"})


class WithdrawalRequest(BaseModel):
    """Why the applicant withdraws (optional, in their words)."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", max_length=200)


class CorrectionAnswer(BaseModel):
    """The applicant's answer to 补正 notice number ``round``: what they say and the files they add."""

    model_config = ConfigDict(extra="forbid")

    round: int = Field(ge=1)
    reply: str = Field(default="", max_length=2000)
    proofs: list[Proof] = Field(default_factory=list, max_length=10)


class CaseStatusReceipt(BaseModel):
    """The case's new status, as the same event the bus will carry (the platform may apply it at once)."""

    case_no: str
    seq: int
    status: str
    event: str
    occurred_at: str
    office: str
    reason: str
    due_on: str | None = None
    document: str = ""


class CaseTrail(BaseModel):
    """The case as housing holds it: when it arrived, its status, and every step as the bus carries it."""

    case_no: str
    status: str
    received_at: datetime
    events: list[CaseStatusReceipt]


def latest_receipt(session: Any, case: Case) -> CaseStatusReceipt:
    """The case's latest status event, as answered to a request repeated after it took effect."""
    last = session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq.desc())
    ).first()
    assert last is not None
    return CaseStatusReceipt(**status_event_payload(case=case, record=last))


def case_locked(session: Any, case_no: str) -> Case:
    """The case, locked for this change (404 when housing has not received it)."""
    case: Case | None = session.scalar(select(Case).where(Case.case_no == case_no).with_for_update())
    if case is None:
        raise ApiError(code="case_unknown", message="住房保障部门尚未收到这件申请。", status_code=404)
    return case


Caller1 = Annotated[
    signing.VerifiedRequest, Depends(signed_callers(ALLOWED_CALLERS, message="该系统无权撤回办件。"))
]
Caller2 = Annotated[
    signing.VerifiedRequest, Depends(signed_callers(ALLOWED_CALLERS, message="该系统无权获取文书。"))
]
Caller3 = Annotated[
    signing.VerifiedRequest, Depends(signed_callers(ALLOWED_CALLERS, message="该系统无权提交补正材料。"))
]
Caller4 = Annotated[
    signing.VerifiedRequest, Depends(signed_callers(ALLOWED_CALLERS, message="该系统无权查询办件。"))
]

router = APIRouter(prefix="/v1", tags=["review"])
# Routes that carry a whole case or its files: the app includes these with the case body limit (0012).
cases = APIRouter(prefix="/v1", tags=["review"])


@router.post(
    "/cases/{case_no}/withdrawal",
    response_model=CaseStatusReceipt,
    summary="申请人在受理前撤回申请（经集成化办理平台）",
    responses=error_responses(401, 403, 404, 409, 422),
)
def case_withdraw(
    runtime: RuntimeDep, case_no: str, body: WithdrawalRequest, caller: Caller1
) -> CaseStatusReceipt:
    with runtime.db.transaction() as session:
        case = case_locked(session, case_no)
        if case.status == "withdrawn":  # asked twice: the same answer
            return latest_receipt(session, case)
        try:
            record = case_transition(
                session=session,
                case=case,
                event="withdraw",
                actor=f"applicant:{caller.user}",
                actor_role="applicant",
                outbox=runtime.tables.outbox,
                audit=runtime.audit,
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
        return CaseStatusReceipt(**status_event_payload(case=case, record=record))


@router.get(
    "/cases/{case_no}",
    response_model=CaseTrail,
    summary="办件过程查询：住房保障部门是否已收到、当前状态与每一个环节（供对账）",
    responses=error_responses(401, 403, 404),
)
def case_trail(runtime: RuntimeDep, case_no: str, caller: Caller4) -> CaseTrail:
    with runtime.db.transaction() as session:
        case = session.scalar(select(Case).where(Case.case_no == case_no))
        if case is None:
            raise ApiError(code="case_unknown", message="住房保障部门尚未收到这件申请。", status_code=404)
        steps = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq))
        events = [CaseStatusReceipt(**status_event_payload(case=case, record=step)) for step in steps]
        return CaseTrail(
            case_no=case.case_no, status=case.status, received_at=case.received_at, events=events
        )


@router.get(
    "/cases/{case_no}/documents/{event_seq}",
    summary="办件某一环节的书面决定（加盖电子印章的 PDF）",
    responses={200: {"content": {"application/pdf": {}}}, **error_responses(401, 403, 404)},
    response_class=Response,
)
def case_document(runtime: RuntimeDep, case_no: str, event_seq: int, caller: Caller2) -> Response:
    with runtime.db.transaction() as session:
        case = session.scalar(select(Case).where(Case.case_no == case_no))
        found = (
            documents.document_pdf(
                session=session,
                case=case,
                event_seq=event_seq,
                key_directory=runtime.settings.key_directory,
                cipher=runtime.cipher,
            )
            if case
            else None
        )
        if found is None:
            raise ApiError(code="document_unknown", message="没有这份文书。", status_code=404)
        document, pdf = found
        headers = {"X-Anju-Document-Title": quote(document.title), "X-Anju-Document-Sm3": document.digest}
    return Response(pdf, media_type="application/pdf", headers=headers)


@cases.post(
    "/cases/{case_no}/corrections",
    response_model=CaseStatusReceipt,
    summary="申请人对补正通知的答复（说明与补正材料），经集成化办理平台送达",
    responses=error_responses(401, 403, 404, 409, 413, 422),
)
def case_corrections(
    runtime: RuntimeDep, case_no: str, body: CorrectionAnswer, caller: Caller3
) -> CaseStatusReceipt:
    with runtime.db.transaction() as session:
        case = case_locked(session, case_no)
        fresh = bool(caller.message_id) and inbox_accept(
            session,
            runtime.tables.inbox,
            message_id=caller.message_id,
            sender=caller.caller,
            topic="case.corrections",
        )
        if not fresh:  # delivered again: the same answer, nothing recorded twice
            return latest_receipt(session, case)
        try:
            record = corrections.corrections_receive(
                session=session,
                case=case,
                round_no=body.round,
                reply=body.reply,
                proofs=body.proofs,
                applicant=caller.user,
                outbox=runtime.tables.outbox,
                audit=runtime.audit,
                cipher=runtime.cipher,
            )
        except corrections.CorrectionRefused as exc:
            raise ApiError(code=exc.code, message=exc.message, status_code=exc.status_code) from exc
        session.flush()
        return CaseStatusReceipt(**status_event_payload(case=case, record=record))
