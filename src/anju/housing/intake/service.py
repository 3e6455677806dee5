"""Receiving cases from the platform: stored once, whatever the number of deliveries."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from anju.core import crypto, esign, regions, signing
from anju.core.audit import AuditChain
from anju.core.timeutil import utcnow
from anju.housing.households.service import case_members_record
from anju.housing.intake.schemas import CaseSubmission, Proof
from anju.housing.models import Case, CaseAttachment
from anju.housing.review.service import case_transition

ID_CONTEXT = "housing.case.applicant_id"
PHONE_CONTEXT = "housing.case.phone"
HOUSEHOLD_CONTEXT = "housing.case.household"
EVIDENCE_CONTEXT = "housing.case.evidence"


class IntakeRejected(Exception):
    """The submission cannot be taken in as sent."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class IntakeResult:
    """The stored case and whether this delivery was a repeat."""

    case: Case
    duplicate: bool


def case_household(*, case: Case, cipher: crypto.FieldCipher) -> list[dict[str, Any]]:
    """The household as submitted (decrypted; callers mask what they show)."""
    return (
        list(json.loads(cipher.decrypt(case.household_enc, context=HOUSEHOLD_CONTEXT)))
        if case.household_enc
        else []
    )


def case_signed_application(*, case: Case, cipher: crypto.FieldCipher) -> dict[str, Any]:
    """The application document as signed (by the applicant, or their agent at a window), or {} for an
    unsigned case."""
    if not case.signed_documents_enc:
        return {}
    for document in json.loads(cipher.decrypt(case.signed_documents_enc, context=SIGNED_CONTEXT)):
        if document["kind"] == "application":
            content: dict[str, Any] = json.loads(document["content"])
            return content
    return {}


def case_agent(*, case: Case, cipher: crypto.FieldCipher) -> dict[str, Any] | None:
    """Who applied for the applicant at a counter window (帮办代办: name, ID number, basis), as the signed
    application states it; None when the applicant applied themselves."""
    agent = case_signed_application(case=case, cipher=cipher).get("agent")
    return dict(agent) if agent else None


def case_deferred(*, case: Case, cipher: crypto.FieldCipher) -> list[dict[str, Any]]:
    """容缺受理: the proofs the applicant promised at a window to bring later (material, member's ID number,
    limit and unit), as the signed application states them."""
    return [dict(d) for d in case_signed_application(case=case, cipher=cipher).get("deferred_proofs", [])]


def case_evidence(*, case: Case, cipher: crypto.FieldCipher) -> list[dict[str, Any]]:
    """What each register said, with provenance and the applicant's confirmations and disputes."""
    return (
        list(json.loads(cipher.decrypt(case.evidence_enc, context=EVIDENCE_CONTEXT)))
        if case.evidence_enc
        else []
    )


# The e-signature service housing trusts (the province's, in production).
ATTACHMENT_CONTEXT = "housing.case.attachment"


def attachments_store(
    *,
    session: Session,
    case: Case,
    proofs: list[Proof],
    purpose: str,
    cipher: crypto.FieldCipher,
    correction_round: int | None = None,
) -> None:
    """Keep the files the case declares, encrypted: a file sent inline (its size and SM3 were checked by the
    schema) at once; a file by reference as a row the fetch workers fill (decision 0035), counted on the
    case so that nobody acts on it before everything the applicant sent is here."""
    now = utcnow()
    waiting = 0
    for proof in proofs:
        inline = proof.content_b64 is not None
        waiting += 0 if inline else 1
        session.add(
            CaseAttachment(
                case_id=case.id,
                purpose=purpose,
                correction_round=correction_round,
                filename=proof.filename,
                content_type=proof.content_type,
                size_bytes=proof.size,
                digest=proof.sm3,
                content_enc=(
                    cipher.encrypt(proof.content_b64, context=ATTACHMENT_CONTEXT)
                    if proof.content_b64 is not None
                    else ""
                ),
                received_at=now,
                fetched_at=now if inline else None,
                fetch_due_at=None if inline else now,
            )
        )
    if waiting:
        session.flush()
        session.execute(
            update(Case).where(Case.id == case.id).values(proofs_pending=Case.proofs_pending + waiting)
        )
        session.refresh(case, ["proofs_pending"])
    session.flush()


def attachments_of(
    *, session: Session, case: Case, purposes: tuple[str, ...] | None = None
) -> list[CaseAttachment]:
    """The case's attachments (of these purposes), in the order received; their content is not read."""
    query = select(CaseAttachment).where(CaseAttachment.case_id == case.id)
    if purposes is not None:
        query = query.where(CaseAttachment.purpose.in_(purposes))
    return list(session.scalars(query.order_by(CaseAttachment.id)))


APPLICANT_FILES = ("other", "correction")  # listed apart from the register proofs, which sit by their item


def attachment_state(attachment: CaseAttachment) -> str:
    """``fetched``, ``waiting`` (a worker will try), or ``failed`` (tries spent: operations are alerted)."""
    if attachment.fetched_at is not None:
        return "fetched"
    return "waiting" if attachment.fetch_due_at is not None else "failed"


@dataclass(frozen=True)
class CaseFile:
    """A file of the case as staff open it: None content while it is still being fetched."""

    filename: str
    content_type: str
    content: bytes | None


def case_file(attachment: CaseAttachment, *, cipher: crypto.FieldCipher) -> CaseFile:
    """The attachment as the applicant sent it (decrypted only when it has arrived)."""
    content = None
    if attachment.fetched_at is not None:
        content = base64.b64decode(cipher.decrypt(attachment.content_enc, context=ATTACHMENT_CONTEXT))
    return CaseFile(filename=attachment.filename, content_type=attachment.content_type, content=content)


def register_proof(
    *, session: Session, case: Case, proof_no: int, cipher: crypto.FieldCipher
) -> CaseFile | None:
    """The ``proof_no``-th proof attached to a register's answer (in the evidence's order), or None. A case
    received before proofs travelled by reference carries the file inside its evidence."""
    proofs = [p for e in case_evidence(case=case, cipher=cipher) for p in e.get("proofs", [])]
    if not 0 <= proof_no < len(proofs):
        return None
    proof = proofs[proof_no]
    if proof.get("content_b64"):
        return CaseFile(proof["filename"], proof["content_type"], base64.b64decode(proof["content_b64"]))
    for attachment in attachments_of(session=session, case=case, purposes=("register",)):
        if attachment.digest == proof["sm3"]:
            return case_file(attachment, cipher=cipher)
    return None


ESIGN_SERVICES = frozenset({"sandbox"})
SIGNED_CONTEXT = "housing.case.signed_documents"


def expected_signer(submission: CaseSubmission) -> str:
    """Whose signature the documents must carry: the applicant's, or at a counter window's 帮办代办 the
    agent's whom the signed application names (the reviewer sees the agent and the scanned basis)."""
    if submission.channel == "counter":
        for document in submission.signed_documents:
            if document.kind == "application":
                try:
                    agent = json.loads(document.content).get("agent")
                except (ValueError, AttributeError):
                    agent = None
                if isinstance(agent, dict) and isinstance(agent.get("id_number"), str):
                    return str(agent["id_number"])
    return submission.applicant.id_number


def signatures_verify(*, submission: CaseSubmission, registry: signing.KeyRegistry) -> list[dict[str, Any]]:
    """Check every signed document carries the applicant's own (or their agent's), unaltered signature;
    raises IntakeRejected."""
    kept = []
    signer = expected_signer(submission)
    for document in submission.signed_documents:
        try:
            signature = esign.ESignature.from_dict(document.signature)
            esign.esign_verify(
                signature,
                registry=registry,
                document=document.content.encode(),
                signer_id_number=signer,
                kind=document.kind,
                trusted_services=ESIGN_SERVICES,
            )
        except esign.EsignInvalid as exc:
            raise IntakeRejected(
                f"signature_{exc.code}", f"申请人电子签名验证不通过（{document.title}）：{exc.message}"
            ) from exc
        kept.append(document.model_dump(mode="json"))
    return kept


def case_receive(
    *,
    session: Session,
    submission: CaseSubmission,
    cipher: crypto.FieldCipher,
    index: crypto.BlindIndex,
    outbox: Table,
    audit: AuditChain,
    registry: signing.KeyRegistry,
    today: date | None = None,
) -> IntakeResult:
    """Store a submitted case and its first event; a known case number is acknowledged, not duplicated."""
    existing = session.scalar(select(Case).where(Case.case_no == submission.case_no))
    if existing is not None:
        return IntakeResult(case=existing, duplicate=True)
    if regions.jurisdiction_of(submission.district_code).code != submission.city_code:
        raise IntakeRejected("district_outside_city", "县（市、区）不属于所申请的城市。")
    number = submission.applicant.id_number
    signed = signatures_verify(submission=submission, registry=registry)
    case = Case(
        case_no=submission.case_no,
        city_code=submission.city_code,
        district_code=submission.district_code,
        channel=submission.channel,
        applicant_name=submission.applicant.name,
        applicant_id_enc=cipher.encrypt(number, context=ID_CONTEXT),
        applicant_id_bidx=index.digest(number, kind="id_number"),
        phone_enc=cipher.encrypt(submission.applicant.phone, context=PHONE_CONTEXT),
        applicant_group=submission.applicant_group,
        household_size=submission.household_size,
        eldest_born_on=min((m.birth_date for m in submission.household), default=None),
        address=submission.address,
        household_enc=cipher.encrypt(
            json.dumps([m.model_dump(mode="json") for m in submission.household], ensure_ascii=False),
            context=HOUSEHOLD_CONTEXT,
        ),
        # The register proofs' declarations stay with the evidence; their files are attachments.
        evidence_enc=cipher.encrypt(
            json.dumps(
                [
                    e.model_dump(mode="json", exclude={"proofs": {"__all__": {"content_b64"}}})
                    for e in submission.evidence
                ],
                ensure_ascii=False,
            ),
            context=EVIDENCE_CONTEXT,
        ),
        signed_documents_enc=cipher.encrypt(json.dumps(signed, ensure_ascii=False), context=SIGNED_CONTEXT),
        status="",
        event_seq=0,
        submitted_at=submission.submitted_at,
    )
    session.add(case)
    session.flush()
    household = [m.model_dump(mode="json") for m in submission.household]
    case_members_record(session=session, case=case, household=household, index=index)
    register_proofs = [p for e in submission.evidence for p in e.proofs]
    attachments_store(session=session, case=case, proofs=register_proofs, purpose="register", cipher=cipher)
    attachments_store(
        session=session, case=case, proofs=submission.other_proofs, purpose="other", cipher=cipher
    )
    # The platform hears of the receipt too: it carries the acceptance deadline the applicant is shown
    # and the dashboard measures acceptance against (this system's time limits are the only source).
    case_transition(
        session=session,
        case=case,
        event="receive",
        actor="platform",
        actor_role="system",
        outbox=outbox,
        audit=audit,
        channel=submission.channel,
        today=today,
    )
    return IntakeResult(case=case, duplicate=False)


def case_members_backfill(
    *, session: Session, cipher: crypto.FieldCipher, index: crypto.BlindIndex, after_id: int, batch: int
) -> tuple[int, int]:
    """Record the members of up to ``batch`` cases after ``after_id``, and their eldest member's birth date
    (cases received before housing migrations 0022 and 0023); returns (the last case id seen,
    members added), or (after_id, 0) once none are left. Running it again adds nothing."""
    cases = list(session.scalars(select(Case).where(Case.id > after_id).order_by(Case.id).limit(batch)))
    added = 0
    for case in cases:
        household = case_household(case=case, cipher=cipher)
        added += case_members_record(session=session, case=case, household=household, index=index)
        if case.eldest_born_on is None and household:  # the waiting list's age group (migration 0023)
            case.eldest_born_on = min(date.fromisoformat(str(m["birth_date"])) for m in household)
    return (cases[-1].id if cases else after_id), added
