"""Drafts and their household: the applicant, and co-applicants chosen from the hukou book."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from anju.core import crypto, idcard
from anju.core.timeutil import today_shanghai
from anju.platform.applications.retention import DELETED, application_erase
from anju.platform.backfill.service import MEMBER_ID_CONTEXT, backfill_preview
from anju.platform.consent.service import (
    consents_active_for_member,
    consents_revoke_for_member,
    member_is_adult,
)
from anju.platform.identity.service import applicant_id_number
from anju.platform.models import MEMBER_REMOVED, Applicant, Application, ApplicationMember

# How a hukou-book relation to the householder reads as a relation to the applicant, when the
# applicant is the householder (the common case); otherwise the applicant says it.
RELATION_FROM_HOUSEHOLDER = {"配偶": "配偶", "子女": "子女", "父母": "父母"}
RELATIONS = ("配偶", "子女", "父母", "其他")
REMOVED = MEMBER_REMOVED


class FieldErrors(Exception):
    """Answers about a person that cannot be accepted: field → message."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__(", ".join(sorted(fields)))
        self.fields = fields


class DraftNotFound(LookupError):
    """The draft is not, or no longer, the signed-in applicant's to work on (submitted, deleted, another's)."""


class HouseholdError(Exception):
    """The household cannot be saved as chosen."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def draft_start(
    *, session: Session, applicant: Applicant, cipher: crypto.FieldCipher, index: crypto.BlindIndex
) -> Application:
    """A new draft with the applicant as its first member."""
    draft = Application(applicant_id=applicant.id, status="draft")
    session.add(draft)
    session.flush()
    number = applicant_id_number(applicant=applicant, cipher=cipher)
    member_add(
        session=session,
        draft=draft,
        role="applicant",
        relation="本人",
        name=applicant.name,
        id_number=number,
        cipher=cipher,
        index=index,
    )
    return draft


def draft_open(*, session: Session, applicant_id: int) -> Application | None:
    """The applicant's draft in progress, if any (one at a time)."""
    return session.scalar(
        select(Application)
        .where(Application.applicant_id == applicant_id, Application.status == "draft")
        .order_by(Application.id.desc())
    )


def draft_get(*, session: Session, applicant_id: int, draft_id: int) -> Application | None:
    """One of the applicant's own drafts."""
    draft = session.get(Application, draft_id)
    if draft is None or draft.applicant_id != applicant_id or draft.status != "draft":
        return None
    return draft


def draft_require(*, session: Session, applicant_id: int, draft_id: int) -> Application:
    """One of the applicant's own drafts, or DraftNotFound (the pages answer it with their 404 page)."""
    draft = draft_get(session=session, applicant_id=applicant_id, draft_id=draft_id)
    if draft is None:
        raise DraftNotFound(draft_id)
    return draft


def member_to_authorise(
    *, session: Session, applicant_id: int, draft_id: int, member_id: int
) -> ApplicationMember | None:
    """An adult co-applicant of the applicant's own open draft, who may authorise in person at a window
    (None for anyone else: the applicant, a minor, a removed member, another draft's)."""
    draft = draft_get(session=session, applicant_id=applicant_id, draft_id=draft_id)
    member = session.get(ApplicationMember, member_id)
    if draft is None or not _is_member(member) or member is None or member.application_id != draft.id:
        return None
    return member if member_is_adult(member=member, today=today_shanghai()) else None


def draft_and_applicant(
    *, session: Session, applicant_id: int, draft_id: int
) -> tuple[Application, Applicant]:
    """One of the applicant's own drafts with the applicant who acts on it, or DraftNotFound."""
    draft = draft_require(session=session, applicant_id=applicant_id, draft_id=draft_id)
    applicant = session.get(Applicant, applicant_id)
    if applicant is None:
        raise DraftNotFound(draft_id)
    return draft, applicant


def member_add(
    *,
    session: Session,
    draft: Application,
    role: str,
    relation: str,
    name: str,
    id_number: str,
    cipher: crypto.FieldCipher,
    index: crypto.BlindIndex,
) -> ApplicationMember:
    """Add a person to the household (ID encrypted, blind-indexed)."""
    parsed = idcard.parse(id_number)
    member = ApplicationMember(
        application_id=draft.id,
        role=role,
        relation=relation,
        name=name,
        id_number_enc=cipher.encrypt(parsed.number, context=MEMBER_ID_CONTEXT),
        id_number_bidx=index.digest(parsed.number, kind="id_number"),
        birth_date=parsed.birth_date,
    )
    session.add(member)
    session.flush()
    return member


def members_of(*, session: Session, application_id: int) -> list[ApplicationMember]:
    """The household, applicant first."""
    return list(
        session.scalars(
            select(ApplicationMember)
            .where(ApplicationMember.application_id == application_id, ApplicationMember.role != REMOVED)
            .order_by(ApplicationMember.id)
        )
    )


@dataclass(frozen=True)
class Candidate:
    """A person in the applicant's hukou book who may be added as a co-applicant."""

    id_number: str
    name: str
    relation: str
    birth_date: date


def _latest_payload(
    session: Session, *, application_id: int, member_id: int, source: str, cipher: crypto.FieldCipher
) -> dict[str, Any] | None:
    # The same answer the applicant sees in the preview: a failed re-query does not hide an earlier one.
    for item in backfill_preview(session=session, application_id=application_id, cipher=cipher):
        if item.member_id == member_id and item.source == source and item.status == "found":
            return dict(item.fields)
    return None


def hukou_book_relation(
    *, session: Session, draft: Application, id_number: str, cipher: crypto.FieldCipher
) -> str | None:
    """Where a person stands in the applicant's hukou book, as the 户籍 register answered: their relation
    to the householder (户主, 子女 …), "" when the book does not list them, None when the register has
    not answered for the applicant (a 帮办代办's basis, corroborated or not, for the reviewer)."""
    applicant = members_of(session=session, application_id=draft.id)[0]
    hukou = _latest_payload(
        session, application_id=draft.id, member_id=applicant.id, source="hukou", cipher=cipher
    )
    if hukou is None:
        return None
    listed = [m for m in hukou.get("book_members") or [] if m.get("id_number") == id_number]
    return str(listed[0]["relation"]) if listed else ""


def household_candidates(
    *, session: Session, draft: Application, cipher: crypto.FieldCipher
) -> list[Candidate] | None:
    """Others in the applicant's hukou book (None when the hukou register has not answered)."""
    applicant = members_of(session=session, application_id=draft.id)[0]
    hukou = _latest_payload(
        session, application_id=draft.id, member_id=applicant.id, source="hukou", cipher=cipher
    )
    if hukou is None:
        return None
    own = cipher.decrypt(applicant.id_number_enc, context=MEMBER_ID_CONTEXT)
    members = hukou.get("book_members") or []
    assert isinstance(members, list)
    candidates = [
        Candidate(
            id_number=m["id_number"],
            name=m["name"],
            relation=RELATION_FROM_HOUSEHOLDER.get(m["relation"], "其他"),
            birth_date=date.fromisoformat(m["birth_date"]),
        )
        for m in members
        if m["id_number"] != own
    ]
    # A spouse with a hukou book of their own is known from the marriage register: offered (and required)
    # here too, so nobody types a number a register already holds.
    marriage = _latest_payload(
        session, application_id=draft.id, member_id=applicant.id, source="marriage", cipher=cipher
    )
    spouse = spouse_on_record(session=session, draft=draft, cipher=cipher)
    if (
        spouse
        and marriage
        and marriage.get("spouse_name")
        and spouse not in {c.id_number for c in candidates}
    ):
        try:
            parsed = idcard.parse(spouse)
        except idcard.InvalidIdNumber:
            parsed = None  # a register's bad number is not offered; the applicant can add the spouse by hand
        if parsed is not None:
            candidates.insert(
                0,
                Candidate(
                    id_number=parsed.number,
                    name=str(marriage["spouse_name"]),
                    relation="配偶",
                    birth_date=parsed.birth_date,
                ),
            )
    return candidates


def spouse_on_record(*, session: Session, draft: Application, cipher: crypto.FieldCipher) -> str | None:
    """The spouse's ID number if the marriage register says the applicant is married."""
    applicant = members_of(session=session, application_id=draft.id)[0]
    marriage = _latest_payload(
        session, application_id=draft.id, member_id=applicant.id, source="marriage", cipher=cipher
    )
    if marriage and marriage.get("status") == "已婚" and marriage.get("spouse_id_number"):
        return str(marriage["spouse_id_number"])
    return None


def household_set(
    *,
    session: Session,
    draft: Application,
    chosen: list[str],
    actor: str,
    cipher: crypto.FieldCipher,
    index: crypto.BlindIndex,
) -> list[ApplicationMember]:
    """Replace the co-applicants with those chosen from the hukou book; the spouse is required when married."""
    candidates = household_candidates(session=session, draft=draft, cipher=cipher)
    if candidates is None:
        raise HouseholdError(
            "hukou_not_available", "户籍信息尚未查询到，请先授权并查询户籍信息，或到窗口办理。"
        )
    by_number = {c.id_number: c for c in candidates}
    unknown = [n for n in chosen if n not in by_number]
    if unknown:
        raise HouseholdError("not_in_hukou_book", "只能从您户口簿上的成员中选择共同申请人。")
    everyone = {
        m.id_number_bidx: m
        for m in session.scalars(
            select(ApplicationMember).where(ApplicationMember.application_id == draft.id)
        )
    }
    keep = {index.digest(n, kind="id_number") for n in chosen}
    in_book = {index.digest(n, kind="id_number") for n in by_number}
    spouse = spouse_on_record(session=session, draft=draft, cipher=cipher)
    if spouse:
        spouse_bidx = index.digest(spouse, kind="id_number")
        added_elsewhere = spouse_bidx not in in_book and _is_member(everyone.get(spouse_bidx))
        if spouse not in chosen and not added_elsewhere:
            raise HouseholdError("spouse_required", "婚姻登记显示您已婚，配偶须作为共同申请人。")
    for member in everyone.values():
        if member.id_number_bidx not in in_book:
            continue  # added by hand (not in the hukou book): kept until removed from that list
        if member.role == "co_applicant" and member.id_number_bidx not in keep:
            member.role = REMOVED  # kept, not deleted: their consents and the queries made stay on record
            consents_revoke_for_member(session=session, member_id=member.id, actor=actor, channel="web")
        elif member.role == REMOVED and member.id_number_bidx in keep:
            member.role = "co_applicant"
    for number in chosen:
        if index.digest(number, kind="id_number") not in everyone:
            c = by_number[number]
            member_add(
                session=session,
                draft=draft,
                role="co_applicant",
                relation=c.relation,
                name=c.name,
                id_number=number,
                cipher=cipher,
                index=index,
            )
    session.flush()
    draft.household_size = len(members_of(session=session, application_id=draft.id))
    return members_of(session=session, application_id=draft.id)


def _is_member(member: ApplicationMember | None) -> bool:
    return member is not None and member.role == "co_applicant"


NAME = re.compile(r"^[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0002ebef·•A-Za-z ]{1,32}$")


def member_add_other(
    *,
    session: Session,
    draft: Application,
    name: str,
    id_number: str,
    relation: str,
    cipher: crypto.FieldCipher,
    index: crypto.BlindIndex,
) -> ApplicationMember:
    """Add a family member who is not in the applicant's hukou book (a spouse or child registered elsewhere).

    Raises HouseholdError with a message per field ("name", "id_number", "relation") the applicant can act on.
    """
    name = " ".join(name.split())
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "请填写姓名，与身份证上的一致"
    elif not NAME.match(name):
        errors["name"] = "姓名只能包含汉字、字母和间隔号“·”，最多 32 个字"
    parsed: idcard.IdNumber | None = None
    if not id_number.strip():
        errors["id_number"] = "请填写身份证号码"
    else:
        try:
            parsed = idcard.parse(id_number)
        except idcard.InvalidIdNumber as exc:
            errors["id_number"] = exc.message
    if relation not in RELATIONS:
        errors["relation"] = "请选择与申请人的关系"
    if parsed is not None and "id_number" not in errors:
        existing = session.scalar(
            select(ApplicationMember).where(
                ApplicationMember.application_id == draft.id,
                ApplicationMember.id_number_bidx == index.digest(parsed.number, kind="id_number"),
            )
        )
        book = household_candidates(session=session, draft=draft, cipher=cipher) or []
        if existing is not None and existing.role != REMOVED:
            errors["id_number"] = "这个人已经在申请人名单中"
        elif any(c.id_number == parsed.number for c in book):
            errors["id_number"] = "这个人在您的户口簿上，请在上方“户口簿上的成员”中勾选"
    if errors:
        raise FieldErrors(errors)
    assert parsed is not None
    existing = session.scalar(
        select(ApplicationMember).where(
            ApplicationMember.application_id == draft.id,
            ApplicationMember.id_number_bidx == index.digest(parsed.number, kind="id_number"),
        )
    )
    if existing is not None:  # removed earlier, now added again: the same record, so its history stays
        existing.role, existing.relation, existing.name = "co_applicant", relation, name
        member = existing
    else:
        member = member_add(
            session=session,
            draft=draft,
            role="co_applicant",
            relation=relation,
            name=name,
            id_number=parsed.number,
            cipher=cipher,
            index=index,
        )
    session.flush()
    draft.household_size = len(members_of(session=session, application_id=draft.id))
    return member


def member_remove(*, session: Session, draft: Application, member_id: int, actor: str) -> bool:
    """Take a co-applicant off the list (kept on record with their consents revoked); False if not found."""
    member = session.get(ApplicationMember, member_id)
    if member is None or member.application_id != draft.id or member.role != "co_applicant":
        return False
    member.role = REMOVED
    consents_revoke_for_member(session=session, member_id=member.id, actor=actor, channel="web")
    session.flush()
    draft.household_size = len(members_of(session=session, application_id=draft.id))
    return True


@dataclass(frozen=True)
class Invitation:
    """Someone listed this person as a co-applicant in a draft: they sign in and authorise for themself."""

    draft_id: int
    member_id: int
    applicant_name: str
    consents: int


def invitations_for(*, session: Session, subject_bidx: str) -> list[Invitation]:
    """Every open draft that lists this person as a co-applicant, with how many consents they have given
    (0: the applicant is waiting for them)."""
    invitations = []
    for member in memberships_of(session=session, subject_bidx=subject_bidx):
        draft = session.get(Application, member.application_id)
        owner = session.get(Applicant, draft.applicant_id) if draft else None
        invitations.append(
            Invitation(
                draft_id=member.application_id,
                member_id=member.id,
                applicant_name=owner.name if owner else "",
                consents=len(consents_active_for_member(session=session, member_id=member.id)),
            )
        )
    return invitations


def memberships_of(*, session: Session, subject_bidx: str) -> list[ApplicationMember]:
    """Drafts in which this person is a co-applicant (so they can sign in and authorise for themselves)."""
    return list(
        session.scalars(
            select(ApplicationMember)
            .join(Application, Application.id == ApplicationMember.application_id)
            .where(
                ApplicationMember.id_number_bidx == subject_bidx,
                ApplicationMember.role == "co_applicant",
                Application.status == "draft",
            )
        )
    )


def draft_delete(*, session: Session, draft: Application, actor: str) -> None:
    """Delete a draft at the applicant's request: answers, register data, proofs and the household's
    identities go; the record of consents (revoked) and of every query made stays, as the law requires
    them to be accountable."""
    application_erase(session=session, application=draft, actor=actor, channel="web")
    draft.status = DELETED
