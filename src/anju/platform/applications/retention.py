"""Keeping personal information no longer than promised (PIPL arts. 19 and 47; DESIGN.md §5).

The consent notice tells every person how long the platform keeps what it gathered (sources.yaml,
`retention`). This module keeps that promise. A draft nobody has changed for `draft_idle_days` is
deleted. An application `years_after_final` years after it ended (不予受理, 不予批准, 撤回, or 退出 for a
household that was housed) has its content erased. 办结 is not an end here: the household rents on, is
re-checked every year and explains what the 年审 found on its application's page.

Erasing removes what identifies or describes the people: answers, register data, files, signed
documents, 补正 replies, the household's names and ID numbers, the phone and the address. It keeps
what makes the platform accountable: the timeline of statuses, the consent records (revoked), and the
hash-chained log of every register query, which the person may still read. Housing's case file is the
record of the decision; its own retention follows the archive rules, not this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from anju.core.timeutil import shanghai_date, utcnow
from anju.core.vocab import FINAL_STATUSES
from anju.platform.backfill.sources import source_list
from anju.platform.consent.service import consents_revoke_for_member
from anju.platform.models import (
    Agency,
    Application,
    ApplicationEvent,
    ApplicationMember,
    ApplicationSignature,
    BackfillResult,
    Consent,
    CorrectionReply,
    DraftAnswer,
    ProofPromise,
    ProofUpload,
)

# The statuses the retention period runs from: every final one but 办结 (closed), where a tenancy begins.
RETENTION_ENDS = FINAL_STATUSES - {"closed"}
DELETED = "deleted"  # a draft's status once it is gone (by the applicant, or by the retention rule)
RETENTION_ACTOR = "system:retention"


def application_erase(*, session: Session, application: Application, actor: str, channel: str) -> None:
    """Erase an application's personal content, keeping its timeline, consents (revoked) and access log."""
    members = list(
        session.scalars(select(ApplicationMember).where(ApplicationMember.application_id == application.id))
    )
    for member in members:
        consents_revoke_for_member(session=session, member_id=member.id, actor=actor, channel=channel)
    session.execute(delete(DraftAnswer).where(DraftAnswer.application_id == application.id))
    session.execute(delete(ProofPromise).where(ProofPromise.application_id == application.id))
    # Who acted for whom stays on record (the consents name it); the scanned 委托书 goes with the content.
    session.execute(update(Agency).where(Agency.application_id == application.id).values(proof_id=None))
    session.execute(delete(ProofUpload).where(ProofUpload.application_id == application.id))
    session.execute(delete(ApplicationSignature).where(ApplicationSignature.application_id == application.id))
    session.execute(
        update(BackfillResult)
        .where(BackfillResult.application_id == application.id)
        .values(payload_enc="", response_signature="", review_reason="")
    )
    session.execute(
        update(CorrectionReply).where(CorrectionReply.application_id == application.id).values(reply_enc="")
    )
    # The blind index stays: it links the access log and the consents to the person, who may still ask
    # to see them, and it reveals nothing without the system's key.
    session.execute(
        update(ApplicationMember)
        .where(ApplicationMember.application_id == application.id)
        .values(name="", id_number_enc="")
    )
    application.phone_enc = ""
    application.address = ""
    application.erased_at = utcnow()
    session.flush()


def erased_notice(application: Application) -> str:
    """What the applicant reads about an erased application ("" if it was not erased)."""
    if application.erased_at is None:
        return ""
    return (
        f"按照保存期限，这件申请的个人信息（填写的内容、查询到的登记信息、上传的证明和签名的申请表）"
        f"已于 {shanghai_date(application.erased_at):%Y-%m-%d} 删除；办理过程和查询记录仍然保留。"
    )


@dataclass(frozen=True)
class RetentionRules:
    """How long the platform keeps an application's content, from the consent notice's own numbers."""

    years_after_final: int
    draft_idle_days: int


def retention_rules() -> RetentionRules:
    """The numbers the consent notice states (sources.yaml)."""
    catalog = source_list()
    return RetentionRules(
        years_after_final=catalog.retention_years_after_final,
        draft_idle_days=catalog.retention_draft_idle_days,
    )


@dataclass
class RetentionRun:
    """What one pass erased (or, on a dry run, would erase)."""

    drafts: list[int] = field(default_factory=list)
    finished: list[str] = field(default_factory=list)  # application numbers


def retention_enforce(
    *,
    session: Session,
    now: datetime | None = None,
    rules: RetentionRules | None = None,
    dry_run: bool = False,
) -> RetentionRun:
    """Delete idle drafts and erase applications past their period; report what was (or would be) done."""
    now = now or utcnow()
    rules = rules or retention_rules()
    run = RetentionRun()
    idle_since = now - timedelta(days=rules.draft_idle_days)
    candidates = session.scalars(
        select(Application).where(Application.status == "draft", Application.updated_at < idle_since)
    ).all()  # read before erasing: no cursor stays open under the updates
    for draft in candidates:
        if _last_activity(session, draft) >= idle_since:
            continue
        run.drafts.append(draft.id)
        if not dry_run:
            application_erase(session=session, application=draft, actor=RETENTION_ACTOR, channel="system")
            draft.status = DELETED
    ended = (
        select(ApplicationEvent.application_id, func.min(ApplicationEvent.occurred_at).label("ended_at"))
        .join(Application, Application.id == ApplicationEvent.application_id)
        .where(ApplicationEvent.status.in_(RETENTION_ENDS), Application.status.in_(RETENTION_ENDS))
        .group_by(ApplicationEvent.application_id)
        .subquery()
    )
    past = session.scalars(
        select(Application)
        .join(ended, ended.c.application_id == Application.id)
        .where(
            Application.erased_at.is_(None), ended.c.ended_at < _years_before(now, rules.years_after_final)
        )
        .order_by(Application.id)
    ).all()
    for application in past:
        run.finished.append(application.application_no or str(application.id))
        if not dry_run:
            application_erase(
                session=session, application=application, actor=RETENTION_ACTOR, channel="system"
            )
    return run


def _last_activity(session: Session, draft: Application) -> datetime:
    """The draft's last change: the row itself, or any answer, file, consent or member added since."""
    moments = [draft.updated_at, draft.created_at]
    for column, owner in (
        (DraftAnswer.created_at, DraftAnswer.application_id),
        (ProofUpload.uploaded_at, ProofUpload.application_id),
        (Consent.created_at, Consent.application_id),
        (ApplicationMember.created_at, ApplicationMember.application_id),
    ):
        latest = session.scalar(select(func.max(column)).where(owner == draft.id))
        if latest is not None:
            moments.append(latest)
    return max(moments)


def _years_before(moment: datetime, years: int) -> datetime:
    """The same calendar moment ``years`` earlier (29 February falls back to the 28th)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)
