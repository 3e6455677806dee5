"""Consents: granted per person, per source, per application; listed and revocable; every change recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from anju.core import idcard, masking
from anju.core.timeutil import utcnow
from anju.platform.backfill.sources import source_list
from anju.platform.models import (
    MEMBER_REMOVED,
    Agency,
    Applicant,
    Application,
    ApplicationMember,
    Consent,
    ConsentEvent,
)


class ConsentRefused(Exception):
    """The consent cannot be recorded as asked."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def member_is_adult(*, member: ApplicationMember, today: date) -> bool:
    """Adults authorise for themselves; a guardian authorises for a minor."""
    return idcard.age_on(member.birth_date, on=today) >= idcard.ADULT_AGE


def consent_may_grant(
    *, actor_bidx: str, actor_is_applicant: bool, member: ApplicationMember, today: date
) -> bool:
    """Whether the signed-in person may consent for this member: themself, or the applicant for a minor."""
    if actor_bidx == member.id_number_bidx:
        return True
    return actor_is_applicant and not member_is_adult(member=member, today=today)


@dataclass(frozen=True)
class GrantTarget:
    """Whose consent the signed-in person is about to give, and in what capacity."""

    actor: Applicant
    member: ApplicationMember
    is_applicant: bool


def consent_target(
    *, session: Session, actor_id: int, draft_id: int, member_id: int, today: date
) -> GrantTarget | None:
    """The member of an open draft the signed-in person may consent for (themself, or as the applicant a
    minor of the household), or None: the same answer whether the member does not exist or is not theirs."""
    actor = session.get(Applicant, actor_id)
    member = session.get(ApplicationMember, member_id)
    if actor is None or member is None or member.application_id != draft_id or member.role == MEMBER_REMOVED:
        return None
    draft = session.get(Application, draft_id)
    if draft is None or draft.status != "draft":
        return None
    is_applicant = draft.applicant_id == actor.id
    if not consent_may_grant(
        actor_bidx=actor.id_number_bidx, actor_is_applicant=is_applicant, member=member, today=today
    ):
        return None
    return GrantTarget(actor=actor, member=member, is_applicant=is_applicant)


NOT_CONFIRMED_IN_PERSON = (
    "请把以上告知读给申请人听（或请其阅读屏幕），申请人本人当面确认同意后，再勾选“申请人已当面确认”。"
)


def consents_grant(
    *,
    session: Session,
    member: ApplicationMember,
    sources: list[str],
    separately_agreed: set[str],
    granted_by: str,
    actor_bidx: str,
    actor_is_applicant: bool,
    channel: str,
    today: date,
    witnessed_by: str | None = None,
    witness_confirmed: bool = False,
    agency_id: int | None = None,
) -> list[Consent]:
    """Record consents; a sensitive source needs its own separate agreement (PIPL art. 29). At a counter
    window (``witnessed_by``, the clerk) the person confirms in person, and the clerk says so
    (``witness_confirmed``): the consent is still theirs, given before the clerk — or conveyed by their
    agent (``agency_id``, a 帮办代办)."""
    catalog = source_list()
    if witnessed_by and not witness_confirmed:
        raise ConsentRefused("not_confirmed_in_person", NOT_CONFIRMED_IN_PERSON)
    if not consent_may_grant(
        actor_bidx=actor_bidx, actor_is_applicant=actor_is_applicant, member=member, today=today
    ):
        raise ConsentRefused("not_your_consent", "成年家庭成员须本人登录授权，他人不能代为授权。")
    unknown = [s for s in sources if s not in catalog.sources]
    if unknown:
        raise ConsentRefused("source_unknown", f"未知的数据来源：{'、'.join(unknown)}")
    missing_separate = [s for s in sources if catalog.sources[s].sensitive and s not in separately_agreed]
    if missing_separate:
        names = "、".join(catalog.sources[s].name for s in missing_separate)
        raise ConsentRefused("separate_consent_required", f"{names}属于敏感个人信息，须单独勾选同意。")
    active = {c.source: c for c in consents_active_for_member(session=session, member_id=member.id)}
    now = utcnow()
    granted = []
    for code in sources:
        if code in active:
            continue
        notice = catalog.sources[code]
        consent = Consent(
            application_id=member.application_id,
            member_id=member.id,
            subject_bidx=member.id_number_bidx,
            granted_by=granted_by,
            source=code,
            purpose=notice.purpose,
            fields=",".join(notice.fields),
            sensitive=notice.sensitive,
            text_version=catalog.notice_version(code),
            channel=channel,
            witnessed_by=witnessed_by,
            agency_id=agency_id,
            granted_at=now,
        )
        session.add(consent)
        session.flush()
        session.add(
            ConsentEvent(
                consent_id=consent.id, event="granted", actor=granted_by, channel=channel, occurred_at=now
            )
        )
        granted.append(consent)
    return granted


def consent_revoke(
    *, session: Session, consent_id: int, subject_bidx: str, actor: str, channel: str
) -> Consent:
    """Withdraw a consent (only its subject may); future backfills stop querying that source."""
    consent = session.get(Consent, consent_id)
    if consent is None or consent.subject_bidx != subject_bidx:
        raise ConsentRefused("consent_not_found", "没有找到这项授权。")
    if consent.revoked_at is None:
        consent.revoked_at = utcnow()
        session.add(
            ConsentEvent(
                consent_id=consent.id,
                event="revoked",
                actor=actor,
                channel=channel,
                occurred_at=consent.revoked_at,
            )
        )
    return consent


def consents_revoke_for_member(*, session: Session, member_id: int, actor: str, channel: str) -> int:
    """Withdraw every consent of a member who left the household; returns how many."""
    now = utcnow()
    revoked = consents_active_for_member(session=session, member_id=member_id)
    for consent in revoked:
        consent.revoked_at = now
        session.add(
            ConsentEvent(
                consent_id=consent.id, event="revoked", actor=actor, channel=channel, occurred_at=now
            )
        )
    return len(revoked)


def consents_active_for_member(*, session: Session, member_id: int) -> list[Consent]:
    """The member's consents in force."""
    return list(
        session.scalars(
            select(Consent)
            .where(Consent.member_id == member_id, Consent.revoked_at.is_(None))
            .order_by(Consent.id)
        )
    )


def consents_active(*, session: Session, application_id: int) -> dict[tuple[int, str], Consent]:
    """Consents in force for an application, by (member, source)."""
    rows = session.scalars(
        select(Consent).where(Consent.application_id == application_id, Consent.revoked_at.is_(None))
    )
    return {(c.member_id, c.source): c for c in rows}


def consents_of_subject(*, session: Session, subject_bidx: str) -> list[Consent]:
    """Every consent about a person, newest first (their own list, revoked ones included)."""
    return list(
        session.scalars(
            select(Consent).where(Consent.subject_bidx == subject_bidx).order_by(Consent.id.desc())
        )
    )


def members_awaiting_consent(
    *, session: Session, members: list[ApplicationMember], today: date
) -> list[ApplicationMember]:
    """Adult co-applicants who have not yet authorised anything for themselves. Each adult authorises for
    themself (DESIGN.md §3.3), so the application cannot be signed and submitted until they have."""
    waiting = [m for m in members if m.role == "co_applicant" and member_is_adult(member=m, today=today)]
    if not waiting:
        return []
    consented = set(
        session.scalars(
            select(Consent.member_id).where(
                Consent.member_id.in_([m.id for m in waiting]), Consent.revoked_at.is_(None)
            )
        )
    )
    return [m for m in waiting if m.id not in consented]


def consent_agent_name(*, session: Session, consent: Consent) -> str:
    """The agent (masked) who conveyed this consent at a window's 帮办代办, or ""."""
    if consent.agency_id is None:
        return ""
    agency = session.get(Agency, consent.agency_id)
    agent = session.get(Applicant, agency.agent_applicant_id) if agency else None
    return masking.mask_name(agent.name) if agent else ""
