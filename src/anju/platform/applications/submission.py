"""Sign and submit a draft, as one service (issue 21): check that everything is answered and allowed, have
the e-signature service sign the application and the pledge (over the network, outside any transaction),
verify, then submit exactly what was signed in one transaction with the case queued to housing. Any
channel — web, kiosk, and the counter next — calls this; nothing typed is lost on any failure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table

from anju.core import crypto
from anju.core.db import Database
from anju.core.httpclient import SignedClient
from anju.core.timeutil import utcnow
from anju.platform.applications import agency, household, signed
from anju.platform.applications import service as applications
from anju.platform.applications.draft_form import draft_summary
from anju.platform.backfill.service import proof_store, proofs_of
from anju.platform.catalog.answers import answers_burden
from anju.platform.identity import service as identity

MISSING = "missing"
ESIGN_FAILED = "esign_failed"
CHANGED = "changed_while_signing"


class SubmitRefused(Exception):
    """Not submitted: ``code`` (MISSING, ESIGN_FAILED, CHANGED or a SubmissionRefused code), what the
    applicant reads, and the HTTP status that says it."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@dataclass(frozen=True)
class Submitter:
    """What submission needs of the system: its database, the signed HTTP client, the field cipher and
    the outbox, and the real-name level submission requires."""

    db: Database
    client: SignedClient
    cipher: crypto.FieldCipher
    outbox: Table
    min_real_name_level: int


def draft_sign_and_submit(
    *,
    system: Submitter,
    applicant_id: int,
    draft_id: int,
    channel: str,
    today: date,
    agency_id: int | None = None,
    served_by: str | None = None,
    served_since: datetime | None = None,
    handwritten: signed.Handwritten | None = None,
) -> str:
    """Sign and submit the draft; returns the application number. At a window's 帮办代办 (``agency_id``)
    the agent signs, and the application says who for whom on what basis; ``served_by`` is the clerk who
    served it there since ``served_since`` (the counter's figures); ``handwritten`` is the signature a
    window took by hand, bound into the application and kept with it. Raises household.DraftNotFound or
    SubmitRefused."""
    agent: agency.Agent | None = None

    def to_sign(session: Any, draft: Any, applicant: Any) -> list[signed.Unsigned]:
        """What is signed, as the draft stands now (read before signing, and again before submitting)."""
        return signed.documents_for(
            session=session,
            draft=draft,
            applicant=applicant,
            cipher=system.cipher,
            agent=agent,
            handwritten=handwritten,
        )

    # 1. Everything answered, allowed to submit: the documents to sign.
    with system.db.transaction() as session:
        draft, applicant = household.draft_and_applicant(
            session=session, applicant_id=applicant_id, draft_id=draft_id
        )
        if draft_summary(session=session, draft=draft, cipher=system.cipher, today=today).missing:
            raise SubmitRefused(MISSING, "", 400)
        try:
            applications.submission_precheck(
                applicant=applicant, min_real_name_level=system.min_real_name_level
            )
            applications.household_consents_precheck(session=session, draft=draft, today=today)
        except applications.SubmissionRefused as exc:
            raise SubmitRefused(exc.code, exc.message, 403) from exc
        agent = agency.agent_of(session=session, agency_id=agency_id, draft_id=draft.id, cipher=system.cipher)
        documents = to_sign(session, draft, applicant)
        signer_name = agent.name if agent else applicant.name
        signer_id_number = (
            agent.id_number
            if agent
            else identity.applicant_id_number(applicant=applicant, cipher=system.cipher)
        )
        subject = applicant.subject

    # 2. Signed by the e-signature service (over the network, outside any transaction), then verified.
    try:
        signatures = signed.documents_sign(
            client=system.client,
            documents=documents,
            signer_name=signer_name,
            signer_id_number=signer_id_number,
            user=subject,
            case=f"DRAFT-{draft_id}",
        )
    except signed.EsignFailed as exc:
        raise SubmitRefused(
            ESIGN_FAILED, f"{exc.message}您填写的内容都已保存，请稍后再点击提交。", 503
        ) from exc

    # 3. Submitted exactly what was signed, in one transaction with the case queued to housing.
    with system.db.transaction() as session:
        draft, applicant = household.draft_and_applicant(
            session=session, applicant_id=applicant_id, draft_id=draft_id
        )
        now = to_sign(session, draft, applicant)
        if [d.content for d in now] != [d.content for d in documents]:
            raise SubmitRefused(CHANGED, "您的申请内容在签名期间有变动，请重新核对后再提交。", 409)
        summary = draft_summary(session=session, draft=draft, cipher=system.cipher, today=today)
        burden = answers_burden(summary.answers)
        value = summary.application_values()
        form = applications.ApplicationForm(
            city_code=str(value.get("city_code", "")),
            district_code=str(value.get("district_code", "")),
            applicant_group=str(value.get("applicant_group", "")),
            household_size=str(len(household.members_of(session=session, application_id=draft.id))),
            phone=str(value.get("phone", "")),
            address=str(value.get("current_address", "")),
            pledge=bool(value.get("pledge")),
        )
        draft.typed_fields, draft.backfilled_fields, draft.overridden_fields = (
            burden.typed,
            burden.backfilled,
            burden.overridden,
        )
        if handwritten:
            proof_store(
                session=session,
                application_id=draft.id,
                filename=handwritten.filename,
                data=handwritten.image,
                cipher=system.cipher,
                purpose="signature",
                on_paper=handwritten.how == "paper",
            )
        draft.uploads = len(proofs_of(session=session, application_id=draft.id))
        if served_by:
            draft.served_by = served_by
            draft.served_seconds = int((utcnow() - served_since).total_seconds()) if served_since else None
        signed.signatures_store(
            session=session,
            application=draft,
            documents=documents,
            signatures=signatures,
            cipher=system.cipher,
        )
        application = applications.application_submit(
            session=session,
            applicant=applicant,
            form=form,
            cipher=system.cipher,
            outbox=system.outbox,
            min_real_name_level=system.min_real_name_level,
            draft=draft,
            channel=channel,
        )
        return str(application.application_no)
