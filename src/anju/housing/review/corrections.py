"""补正: one complete notice of what is missing, with a deadline; the applicant's answer comes back over
the bus and puts the case back in the acceptance queue with what was left of the office's time."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from anju.core import crypto
from anju.core.audit import AuditChain
from anju.core.timeutil import utcnow
from anju.housing.intake.schemas import Proof
from anju.housing.intake.service import attachments_store
from anju.housing.models import Case, CaseCorrection, CaseEvent
from anju.housing.review.service import TransitionRefused, case_transition

REPLY_CONTEXT = "housing.case.correction_reply"
MAX_ITEMS = 20


def corrections_notice(items: list[str]) -> str:
    """The notice as the applicant reads it: every item, numbered, in one message."""
    lines = [f"{n}. {item}" for n, item in enumerate(items, start=1)]
    return "请一次性补正以下材料或说明（逾期未补正的，不予受理）：\n" + "\n".join(lines)


def corrections_request(
    *,
    session: Session,
    case: Case,
    items: list[str],
    actor: str,
    actor_role: str,
    outbox: Table,
    audit: AuditChain,
    today: date | None = None,
) -> CaseCorrection:
    """Send one complete 补正 notice (raises TransitionRefused when empty or not allowed)."""
    items = [" ".join(i.split()) for i in items if i.strip()]
    if not items:
        raise TransitionRefused(
            "items_required", "请逐项写明需要补正的内容（每行一项），将一次性告知申请人。"
        )
    if len(items) > MAX_ITEMS:
        raise TransitionRefused("too_many_items", f"一次补正通知最多 {MAX_ITEMS} 项。")
    case_transition(
        session=session,
        case=case,
        event="request_corrections",
        actor=actor,
        actor_role=actor_role,
        outbox=outbox,
        audit=audit,
        reason=corrections_notice(items),
        channel="staff_console",
        today=today,
    )
    rounds = session.scalar(
        select(func.count()).select_from(CaseCorrection).where(CaseCorrection.case_id == case.id)
    )
    correction = CaseCorrection(
        case_id=case.id,
        round=int(rounds or 0) + 1,
        items_json=json.dumps(items, ensure_ascii=False),
        requested_by=actor,
        reply_due_on=case.due_on,
    )
    session.add(correction)
    session.flush()
    return correction


def corrections_of(*, session: Session, case: Case) -> list[CaseCorrection]:
    """Every notice of the case, first first."""
    return list(
        session.scalars(
            select(CaseCorrection).where(CaseCorrection.case_id == case.id).order_by(CaseCorrection.round)
        )
    )


class CorrectionRefused(Exception):
    """The answer cannot be taken (no such notice, or the case no longer waits for it)."""

    def __init__(self, code: str, message: str, status_code: int) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status_code = status_code


def corrections_receive(
    *,
    session: Session,
    case: Case,
    round_no: int,
    reply: str,
    proofs: list[Proof],
    applicant: str,
    outbox: Table,
    audit: AuditChain,
    cipher: crypto.FieldCipher,
) -> CaseEvent:
    """Record the applicant's answer to notice ``round_no`` and return the case to acceptance."""
    latest = corrections_of(session=session, case=case)
    if not latest or latest[-1].round != round_no:
        raise CorrectionRefused("round_unknown", "没有这一次补正通知。", 404)
    if case.status != "corrections_requested":
        raise CorrectionRefused("not_waiting", "该办件已不在等待补正（可能已逾期或已撤回）。", 409)
    correction = latest[-1]
    correction.reply_enc = cipher.encrypt(reply.strip(), context=REPLY_CONTEXT)
    correction.replied_at = utcnow()
    attachments_store(
        session=session,
        case=case,
        proofs=proofs,
        purpose="correction",
        cipher=cipher,
        correction_round=round_no,
    )
    return case_transition(
        session=session,
        case=case,
        event="corrections_supplied",
        actor=f"applicant:{applicant}",
        actor_role="applicant",
        outbox=outbox,
        audit=audit,
        reason=f"申请人已提交补正材料（{len(proofs)} 个文件）。",
        channel="web",
    )
