"""What the applicant signs: the application and the pledge as exact bytes, signed by the e-signature service.

The application document is canonical JSON of the household and every answer; the pledge document holds
the pledge and authorisation texts and the SM3 of the application, so each signature binds both. The
platform verifies what the service returns before it keeps it, and housing verifies it again on intake.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from anju.core import crypto, esign
from anju.core.httpclient import PeerResponseError, SignedClient
from anju.platform.applications import household
from anju.platform.applications.agency import Agent
from anju.platform.backfill import deferrals
from anju.platform.backfill.service import MEMBER_ID_CONTEXT, proof_content_type
from anju.platform.catalog.answers import answers_current
from anju.platform.catalog.service import form_catalog
from anju.platform.identity.service import applicant_id_number
from anju.platform.models import Applicant, Application, ApplicationSignature

ESIGN_SYSTEM = "sandbox"  # where the e-signature service answers (the province's, in production)
ESIGN_PATH = "/v1/esign/signatures"
ESIGN_PURPOSE = "申请公租房：申请人对申请表和承诺书作电子签名"
DOCUMENT_CONTEXT = "platform.application.signed_document"
APPLICATION_TITLE = "福建省公共租赁住房申请表"
PLEDGE_TITLE = "诚信承诺及授权书"


HANDWRITING_HOW = {"pad": "窗口签名板", "paper": "纸质申请表签字后扫描"}


@dataclass(frozen=True)
class Handwritten:
    """At a counter window, the applicant's (or agent's) handwritten signature beside the e-signature: the
    signature pad's PNG, or the printed application form signed and scanned back (settings
    ``counter_handwriting``, provisional). Its SM3 goes into the application document, so the e-signature
    binds it."""

    image: bytes
    how: str  # "pad" or "paper"
    terminal_id: str

    @property
    def filename(self) -> str:
        suffix = {"image/png": ".png", "image/jpeg": ".jpg", "application/pdf": ".pdf"}.get(
            proof_content_type(self.image) or "", ""
        )
        return f"手写签名（{HANDWRITING_HOW[self.how]}）{suffix}"

    def as_document(self) -> dict[str, str]:
        return {
            "sm3": crypto.sm3_hex(self.image),
            "how": HANDWRITING_HOW[self.how],
            "terminal_id": self.terminal_id,
        }


@dataclass(frozen=True)
class Unsigned:
    """A document ready to be signed."""

    kind: str
    title: str
    content: bytes


class EsignFailed(Exception):
    """The e-signature service did not sign, or what it returned does not verify."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def canonical(value: Any) -> bytes:
    """One byte string per value: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _deferred(session: Session, draft_id: int, numbers: dict[int, str]) -> dict[str, Any]:
    """容缺受理: each proof the applicant promised at a window to bring later, and within how long (counted by
    housing from the day it receives the case) — part of what they sign."""
    promises = deferrals.promises_open(session=session, application_id=draft_id)
    if not promises:
        return {}
    return {
        "deferred_proofs": [
            {
                "source": p.source,
                "material": deferrals.material_of(p.source),
                "id_number": numbers[p.member_id],
                "limit": p.limit,
                "unit": p.unit,
            }
            for p in promises
        ]
    }


def documents_for(
    *,
    session: Session,
    draft: Application,
    applicant: Applicant,
    cipher: crypto.FieldCipher,
    agent: Agent | None = None,
    handwritten: Handwritten | None = None,
) -> list[Unsigned]:
    """The application and the pledge, as they stand now (with the agent who signs them, at a window's
    帮办代办, and the handwritten signature a window took)."""
    members = household.members_of(session=session, application_id=draft.id)
    numbers = {m.id: cipher.decrypt(m.id_number_enc, context=MEMBER_ID_CONTEXT) for m in members}
    answers = answers_current(session=session, application_id=draft.id, cipher=cipher)
    fields = form_catalog().fields
    by_person = _by_person(members, numbers, answers)
    application = canonical(
        {
            "title": APPLICATION_TITLE,
            "form_version": form_catalog().version,
            "draft": draft.id,
            "applicant": {
                "name": applicant.name,
                "id_number": applicant_id_number(applicant=applicant, cipher=cipher),
            },
            "household": [
                {
                    "role": m.role,
                    "relation": m.relation,
                    "name": m.name,
                    "id_number": numbers[m.id],
                    "birth_date": m.birth_date.isoformat(),
                }
                for m in members
            ],
            "answers": by_person,
            "origins": {
                f"{'a' if m is None else numbers[m]}.{c}": a.origin
                for (m, c), a in answers.items()
                if m is None or m in numbers
            },
            **(
                {
                    "agent": {
                        "name": agent.name,
                        "id_number": agent.id_number,
                        "basis": agent.basis,
                        "hukou_book_relation": agent.hukou_book_relation,
                    }
                }
                if agent
                else {}
            ),
            **_deferred(session, draft.id, numbers),
            **({"handwritten": handwritten.as_document()} if handwritten else {}),
        }
    )
    pledge = canonical(
        {
            "title": PLEDGE_TITLE,
            "pledge": fields["pledge"].help,
            "authorisation": fields["verification_authorisation"].help,
            "application_sm3": crypto.sm3_hex(application),
        }
    )
    return [
        Unsigned(kind="application", title=APPLICATION_TITLE, content=application),
        Unsigned(kind="pledge", title=PLEDGE_TITLE, content=pledge),
    ]


def answers_by_person(*, session: Session, draft: Application, cipher: crypto.FieldCipher) -> dict[str, Any]:
    """The current answers: the application's, and each member's by ID number (the shape housing reads)."""
    members = household.members_of(session=session, application_id=draft.id)
    numbers = {m.id: cipher.decrypt(m.id_number_enc, context=MEMBER_ID_CONTEXT) for m in members}
    return _by_person(
        members, numbers, answers_current(session=session, application_id=draft.id, cipher=cipher)
    )


def _by_person(members: list[Any], numbers: dict[int, str], answers: dict[Any, Any]) -> dict[str, Any]:
    return {
        "application": {c: a.value for (m, c), a in answers.items() if m is None},
        "members": {
            numbers[m.id]: {c: a.value for (mid, c), a in answers.items() if mid == m.id} for m in members
        },
    }


def documents_sign(
    *,
    client: SignedClient,
    documents: list[Unsigned],
    signer_name: str,
    signer_id_number: str,
    user: str,
    case: str,
) -> list[esign.ESignature]:
    """Ask the e-signature service to sign, and verify every signature it returns (raises EsignFailed)."""
    try:
        response = client.request(
            method="POST",
            destination=ESIGN_SYSTEM,
            path=ESIGN_PATH,
            payload={
                "signer": {"name": signer_name, "id_number": signer_id_number},
                "documents": [
                    {
                        "kind": d.kind,
                        "title": d.title,
                        "sm3": crypto.sm3_hex(d.content),
                        "byte_count": len(d.content),
                    }
                    for d in documents
                ],
            },
            user=user,
            purpose=ESIGN_PURPOSE,
            case=case,
        )
    except (httpx.HTTPError, PeerResponseError) as exc:
        raise EsignFailed("esign_unreachable", "电子签名服务暂时无法连接。") from exc
    if response.status_code != 200:
        raise EsignFailed(f"esign_http_{response.status_code}", "电子签名服务暂时无法签名。")
    try:
        returned = [esign.ESignature.from_dict(d) for d in response.json()["signatures"]]
    except (ValueError, KeyError, TypeError, esign.EsignInvalid) as exc:
        raise EsignFailed("esign_malformed", "电子签名服务返回的数据无法识别。") from exc
    if len(returned) != len(documents):
        raise EsignFailed("esign_malformed", "电子签名服务返回的数据无法识别。")
    for signature, document in zip(returned, documents, strict=True):
        try:
            esign.esign_verify(
                signature,
                registry=client.registry,
                document=document.content,
                signer_id_number=signer_id_number,
                kind=document.kind,
                trusted_services=frozenset({ESIGN_SYSTEM}),
            )
        except esign.EsignInvalid as exc:
            raise EsignFailed(f"esign_{exc.code}", "电子签名验证不通过，申请没有提交。") from exc
    return returned


def signatures_store(
    *,
    session: Session,
    application: Application,
    documents: list[Unsigned],
    signatures: list[esign.ESignature],
    cipher: crypto.FieldCipher,
) -> None:
    """Keep each signed document and its signature with the application."""
    for document, signature in zip(documents, signatures, strict=True):
        session.add(
            ApplicationSignature(
                application_id=application.id,
                kind=document.kind,
                title=document.title,
                document_enc=cipher.encrypt(document.content.decode(), context=DOCUMENT_CONTEXT),
                serial=signature.serial,
                signature_json=json.dumps(signature.as_dict(), ensure_ascii=False),
                signed_at=datetime.fromisoformat(signature.signed_at),
            )
        )
    session.flush()


@dataclass(frozen=True)
class SignedDocument:
    """A document of a submitted application with the signature over it."""

    kind: str
    title: str
    content: bytes
    signature: esign.ESignature


def signed_documents_of(
    *, session: Session, application_id: int, cipher: crypto.FieldCipher
) -> list[SignedDocument]:
    """The signed documents of an application, application first."""
    rows = session.scalars(
        select(ApplicationSignature)
        .where(ApplicationSignature.application_id == application_id)
        .order_by(ApplicationSignature.id)
    )
    return [
        SignedDocument(
            kind=r.kind,
            title=r.title,
            content=cipher.decrypt(r.document_enc, context=DOCUMENT_CONTEXT).encode(),
            signature=esign.ESignature(**json.loads(r.signature_json)),
        )
        for r in rows
    ]
