"""Housing's encrypted columns and their contexts, for re-encryption after a data-key rotation
(core/rekey; tests/core/test_rekey.py checks every ``*_enc`` column is here)."""

from __future__ import annotations

from sqlalchemy import Table

from anju.core.outbox import PAYLOAD_CONTEXT as OUTBOX_CONTEXT
from anju.core.rekey import EncryptedColumn
from anju.housing.allocation.draws import SEALED_CONTEXT
from anju.housing.allocation.models import LotteryDraw
from anju.housing.intake.service import (
    ATTACHMENT_CONTEXT,
    EVIDENCE_CONTEXT,
    HOUSEHOLD_CONTEXT,
    ID_CONTEXT,
    PHONE_CONTEXT,
    SIGNED_CONTEXT,
)
from anju.housing.models import Case, CaseAttachment, CaseCorrection, CaseDocument, Objection
from anju.housing.reverify.models import ReviewAnswer, TenancyReview
from anju.housing.reverify.service import ANSWERS_CONTEXT, EXPLANATION_CONTEXT, FINDINGS_CONTEXT
from anju.housing.review.corrections import REPLY_CONTEXT
from anju.housing.review.documents import PDF_CONTEXT
from anju.housing.review.notices import OBJECTOR_CONTEXT


def encrypted_columns(outbox: Table) -> tuple[EncryptedColumn, ...]:
    """Every column of housing that holds SM4-GCM tokens (``outbox``: the runtime's outbox table)."""
    case: Table = Case.__table__  # type: ignore[assignment]
    return (
        EncryptedColumn(case, "applicant_id_enc", ID_CONTEXT),
        EncryptedColumn(case, "phone_enc", PHONE_CONTEXT),
        EncryptedColumn(case, "household_enc", HOUSEHOLD_CONTEXT),
        EncryptedColumn(case, "evidence_enc", EVIDENCE_CONTEXT),
        EncryptedColumn(case, "signed_documents_enc", SIGNED_CONTEXT),
        EncryptedColumn(CaseAttachment.__table__, "content_enc", ATTACHMENT_CONTEXT),  # type: ignore[arg-type]
        EncryptedColumn(CaseCorrection.__table__, "reply_enc", REPLY_CONTEXT),  # type: ignore[arg-type]
        EncryptedColumn(CaseDocument.__table__, "pdf_enc", PDF_CONTEXT),  # type: ignore[arg-type]
        EncryptedColumn(Objection.__table__, "objector_name_enc", OBJECTOR_CONTEXT),  # type: ignore[arg-type]
        EncryptedColumn(Objection.__table__, "objector_phone_enc", OBJECTOR_CONTEXT),  # type: ignore[arg-type]
        EncryptedColumn(LotteryDraw.__table__, "sealed_enc", SEALED_CONTEXT),  # type: ignore[arg-type]
        EncryptedColumn(TenancyReview.__table__, "findings_enc", FINDINGS_CONTEXT),  # type: ignore[arg-type]
        EncryptedColumn(TenancyReview.__table__, "explanation_enc", EXPLANATION_CONTEXT),  # type: ignore[arg-type]
        EncryptedColumn(ReviewAnswer.__table__, "records_enc", ANSWERS_CONTEXT),  # type: ignore[arg-type]
        EncryptedColumn(outbox, "payload", OUTBOX_CONTEXT),
    )
