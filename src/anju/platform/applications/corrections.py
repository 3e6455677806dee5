"""The applicant's side of 补正: the notice as housing sent it, files and a reply, sent back through the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from anju.core import crypto
from anju.core.outbox import outbox_enqueue
from anju.platform.applications.service import proof_payload
from anju.platform.backfill.service import ReviewRefused, proof_remove, proof_store, proofs_of
from anju.platform.models import Applicant, Application, ApplicationEvent, CorrectionReply, ProofUpload

CORRECTIONS_PATH = "/v1/cases/{case_no}/corrections"
CORRECTIONS_PURPOSE = "申请公租房：申请人提交补正材料"
REPLY_CONTEXT = "platform.correction.reply"
REPLY_MAX = 2000


@dataclass(frozen=True)
class Notice:
    """The 补正 notice the applicant must answer now."""

    round: int
    text: str
    due_on: date | None
    replied: bool


def notice_current(*, session: Session, application: Application) -> Notice | None:
    """The open 补正 notice, if the case waits for the applicant (None otherwise)."""
    if application.status != "corrections_requested":
        return None
    notices = list(
        session.scalars(
            select(ApplicationEvent)
            .where(
                ApplicationEvent.application_id == application.id,
                ApplicationEvent.source == "housing",
                ApplicationEvent.status == "corrections_requested",
            )
            .order_by(ApplicationEvent.seq)
        )
    )
    if not notices:
        return None
    round_no = len(notices)
    replied = session.scalar(
        select(CorrectionReply.id).where(
            CorrectionReply.application_id == application.id, CorrectionReply.round == round_no
        )
    )
    return Notice(
        round=round_no, text=notices[-1].reason, due_on=notices[-1].due_on, replied=replied is not None
    )


class CorrectionNotOpen(Exception):
    """There is nothing to answer (no open notice, or it was answered already)."""


def _open(session: Session, application: Application) -> Notice:
    notice = notice_current(session=session, application=application)
    if notice is None or notice.replied:
        raise CorrectionNotOpen(application.application_no)
    return notice


def correction_file_add(
    *,
    session: Session,
    application: Application,
    filename: str,
    data: bytes,
    cipher: crypto.FieldCipher,
    on_paper: bool = False,
) -> ProofUpload:
    """Add a file to the answer being prepared (raises ReviewRefused with the reason, CorrectionNotOpen)."""
    notice = _open(session, application)
    if len(correction_files(session=session, application=application, round_no=notice.round)) >= 10:
        raise ReviewRefused("too_many_files", "一次补正最多上传 10 个文件。")
    return proof_store(
        session=session,
        application_id=application.id,
        filename=filename,
        data=data,
        cipher=cipher,
        purpose="correction",
        correction_round=notice.round,
        on_paper=on_paper,
    )


def correction_file_remove(*, session: Session, application: Application, file_id: int) -> bool:
    """Take a file out of the answer still being written. A file of an answer already sent stays: housing
    fetches it from here by reference (decision 0035). Raises CorrectionNotOpen when no answer is open."""
    notice = _open(session, application)
    files = correction_files(session=session, application=application, round_no=notice.round)
    if not any(f.id == file_id for f in files):
        return False
    return proof_remove(
        session=session, application_id=application.id, proof_id=file_id, purpose="correction"
    )


def correction_files(*, session: Session, application: Application, round_no: int) -> list[ProofUpload]:
    """The files of one answer."""
    return proofs_of(
        session=session, application_id=application.id, purpose="correction", correction_round=round_no
    )


def correction_submit(
    *,
    session: Session,
    application: Application,
    applicant: Applicant,
    reply: str,
    cipher: crypto.FieldCipher,
    outbox: Table,
) -> CorrectionReply:
    """Send the answer to housing (through the outbox: delivered even if housing is down right now)."""
    notice = _open(session, application)
    reply = reply.strip()
    files = correction_files(session=session, application=application, round_no=notice.round)
    if not reply and not files:
        raise ReviewRefused("reply_empty", "请上传补正材料，或写明情况说明。")
    if len(reply) > REPLY_MAX:
        raise ReviewRefused("reply_too_long", f"情况说明不能超过 {REPLY_MAX} 个字。")
    answer = CorrectionReply(
        application_id=application.id,
        round=notice.round,
        reply_enc=cipher.encrypt(reply, context=REPLY_CONTEXT),
        files=len(files),
    )
    session.add(answer)
    session.flush()
    outbox_enqueue(
        session,
        outbox,
        topic="case.corrections",
        destination="housing",
        path=CORRECTIONS_PATH.format(case_no=application.application_no),
        payload={"round": notice.round, "reply": reply, "proofs": [proof_payload(p) for p in files]},
        case_no=application.application_no or "",
        acting_user=applicant.subject,
        purpose=CORRECTIONS_PURPOSE,
    )
    return answer
