"""帮办代办 at a counter window (issue 16, decision 0018): a family member, a guardian or a community worker
applies for someone who cannot come. The agent is identified like any walk-in; the applicant by their
original ID card on the window's reader; the basis — a 委托书 the applicant signed, or proof of
guardianship — is scanned at the window and kept as a proof of the draft, which housing receives with the
case. The consents stay the applicant's, recorded as conveyed through the agency before the clerk, and the
agent signs the application as the applicant's agent."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

from sqlalchemy import select
from sqlalchemy.orm import Session

from anju.core import crypto, masking
from anju.core.refusals import Refused
from anju.platform.applications import household
from anju.platform.backfill.service import ReviewRefused, proof_store
from anju.platform.identity import service as identity
from anju.platform.identity.card_face import CardHolder
from anju.platform.models import Agency, Applicant, Application

# The bases a window accepts, as the clerk chooses them and the record names them. Which documents each
# needs (the 委托书's form, a court's or the 户籍's proof of guardianship) is for the province to confirm.
BASES = {"entrusted": ("委托代办", "委托书"), "guardian": ("监护人代办", "监护关系证明")}
NO_BASIS = "请选择代办依据：申请人委托，或监护人代为申请。"
SAME_PERSON = "读卡器上的是代办人本人的身份证。请放上申请人的身份证原件；本人办理的，请选择“本人办理”。"


class AgencyRefused(Refused):
    """The agency cannot be recorded: what the clerk reads."""


@dataclass(frozen=True)
class AgencyBegun:
    """The applicant now served through the agent, and the record."""

    agency_id: int
    applicant_id: int
    applicant_name: str
    agent_name: str
    basis: str


def agency_begin(
    *,
    session: Session,
    agent_applicant_id: int,
    holder: CardHolder,
    basis: str,
    filename: str,
    data: bytes,
    clerk: str,
    cipher: crypto.FieldCipher,
    index: crypto.BlindIndex,
) -> AgencyBegun:
    """Record that the agent (already identified at the window) acts for the holder of the card on the
    reader, on ``basis`` with its scanned proof; the applicant's draft is resumed or started."""
    if basis not in BASES:
        raise AgencyRefused(NO_BASIS)
    agent = session.get(Applicant, agent_applicant_id)
    if agent is None:
        raise AgencyRefused("代办人的核验已失效，请重新读取代办人的身份证。")
    if index.digest(holder.id_number, kind="id_number") == agent.id_number_bidx:
        raise AgencyRefused(SAME_PERSON)
    applicant = identity.applicant_sign_in_by_card(
        session=session, name=holder.name, id_number=holder.id_number, cipher=cipher, index=index
    )
    draft = household.draft_open(session=session, applicant_id=applicant.id) or household.draft_start(
        session=session, applicant=applicant, cipher=cipher, index=index
    )
    label, document = BASES[basis]
    suffix = PurePath(filename or "").suffix.lower()[:8]
    try:
        proof = proof_store(
            session=session,
            application_id=draft.id,
            filename=f"{document}（{label}，代办人 {masking.mask_name(agent.name)}）{suffix}",
            data=data,
            cipher=cipher,
            purpose="agency",
            on_paper=True,  # the person brought it to the window
        )
    except ReviewRefused as exc:
        raise AgencyRefused(f"{document}：{exc.message}") from exc
    agency = Agency(
        application_id=draft.id,
        applicant_id=applicant.id,
        agent_applicant_id=agent.id,
        basis=basis,
        proof_id=proof.id,
        clerk=clerk,
    )
    session.add(agency)
    session.flush()
    return AgencyBegun(
        agency_id=agency.id,
        applicant_id=applicant.id,
        applicant_name=applicant.name,
        agent_name=agent.name,
        basis=basis,
    )


@dataclass(frozen=True)
class Agent:
    """Who signs for the applicant, and on what basis (as the signed application states it)."""

    name: str
    id_number: str
    basis: str
    # The agent in the applicant's hukou book (relation to the householder), "" not in it, None not known.
    hukou_book_relation: str | None = None


def agent_of(
    *, session: Session, agency_id: int | None, draft_id: int, cipher: crypto.FieldCipher
) -> Agent | None:
    """The agent acting on the draft in this visit, if any (an agency of another draft is no agency)."""
    if agency_id is None:
        return None
    agency = session.scalar(select(Agency).where(Agency.id == agency_id, Agency.application_id == draft_id))
    if agency is None:
        return None
    agent = session.get(Applicant, agency.agent_applicant_id)
    if agent is None:
        return None
    id_number = identity.applicant_id_number(applicant=agent, cipher=cipher)
    draft = session.get(Application, draft_id)
    relation = (
        household.hukou_book_relation(session=session, draft=draft, id_number=id_number, cipher=cipher)
        if draft
        else None
    )
    return Agent(
        name=agent.name, id_number=id_number, basis=BASES[agency.basis][0], hukou_book_relation=relation
    )
