"""The platform's encrypted columns and their contexts, for re-encryption after a data-key rotation
(core/rekey; tests/core/test_rekey.py checks every ``*_enc`` column is here)."""

from __future__ import annotations

from sqlalchemy import Table

from anju.core.outbox import PAYLOAD_CONTEXT as OUTBOX_CONTEXT
from anju.core.rekey import EncryptedColumn
from anju.platform.applications.corrections import REPLY_CONTEXT
from anju.platform.applications.signed import DOCUMENT_CONTEXT
from anju.platform.backfill.service import MEMBER_ID_CONTEXT, PAYLOAD_CONTEXT, PROOF_CONTEXT
from anju.platform.catalog.answers import ANSWER_CONTEXT
from anju.platform.identity.service import ID_CONTEXT, PHONE_CONTEXT
from anju.platform.models import (
    APPLICATION_PHONE_CONTEXT,
    Applicant,
    Application,
    ApplicationMember,
    ApplicationSignature,
    BackfillResult,
    CorrectionReply,
    DraftAnswer,
    ProofUpload,
)


def encrypted_columns(outbox: Table) -> tuple[EncryptedColumn, ...]:
    """Every column of the platform that holds SM4-GCM tokens (``outbox``: the runtime's outbox table)."""
    return (
        EncryptedColumn(Applicant.__table__, "id_number_enc", ID_CONTEXT),  # type: ignore[arg-type]
        EncryptedColumn(Applicant.__table__, "phone_enc", PHONE_CONTEXT),  # type: ignore[arg-type]
        EncryptedColumn(Application.__table__, "phone_enc", APPLICATION_PHONE_CONTEXT),  # type: ignore[arg-type]
        EncryptedColumn(ApplicationMember.__table__, "id_number_enc", MEMBER_ID_CONTEXT),  # type: ignore[arg-type]
        EncryptedColumn(ApplicationSignature.__table__, "document_enc", DOCUMENT_CONTEXT),  # type: ignore[arg-type]
        EncryptedColumn(CorrectionReply.__table__, "reply_enc", REPLY_CONTEXT),  # type: ignore[arg-type]
        EncryptedColumn(BackfillResult.__table__, "payload_enc", PAYLOAD_CONTEXT),  # type: ignore[arg-type]
        EncryptedColumn(DraftAnswer.__table__, "value_enc", ANSWER_CONTEXT),  # type: ignore[arg-type]
        EncryptedColumn(ProofUpload.__table__, "content_enc", PROOF_CONTEXT),  # type: ignore[arg-type]
        EncryptedColumn(outbox, "payload", OUTBOX_CONTEXT),
    )
