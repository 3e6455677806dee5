"""Written decisions: recorded with the status change that needs one, then laid out, sealed with the office's
SM2 seal (core/seal.py) and kept; the applicant downloads them through the platform."""

from __future__ import annotations

import base64
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from anju.core import crypto, seal
from anju.core.pdf import ChineseDocument
from anju.core.timeutil import to_shanghai, utcnow
from anju.core.vocab import housing_office_name as office_name
from anju.housing.models import Case, CaseDocument, CaseEvent

TEMPLATES_FILE = Path(__file__).with_name("documents.yaml")
PDF_CONTEXT = "housing.case.document"


@lru_cache(maxsize=1)
def document_templates() -> dict[str, Any]:
    """The templates file, as data."""
    data: dict[str, Any] = yaml.safe_load(TEMPLATES_FILE.read_text(encoding="utf-8"))
    return data


def document_title(status: str) -> str:
    """The title of the decision a status needs ("" when none)."""
    template = document_templates()["documents"].get(status)
    return str(template["title"]) if template else ""


def document_kind(*, event: str, status: str) -> str:
    """Which document a step issues: the step's own (e.g. the signed lease) or else its status's."""
    return event if document_title(event) else status


def document_record(*, session: Session, case: Case, record: CaseEvent) -> CaseDocument | None:
    """Note, with the status change, that its written decision is due (issued by documents_issue)."""
    kind = document_kind(event=record.event, status=record.to_status)
    title = document_title(kind)
    if not title:
        return None
    document = CaseDocument(case_id=case.id, event_seq=record.seq, kind=kind, title=title)
    session.add(document)
    return document


def _render(case: Case, event: CaseEvent, document: CaseDocument, picture: tuple[bytes, int]) -> bytes:
    t = document_templates()
    template = t["documents"][document.kind]
    office = office_name(case.city_code)
    values = {
        "case_no": case.case_no,
        "submitted_on": f"{to_shanghai(case.submitted_at):%Y年%m月%d日}",
        "due_on": f"{case.due_on:%Y年%m月%d日}" if case.due_on else "期限内",
    }
    doc = ChineseDocument(title=f"{document.title} {case.case_no}", author=office, created=event.occurred_at)
    doc.line(office, size=14, height=9, align="C")
    doc.line(document.title, size=18, height=11, align="C", role="H1")
    doc.line(f"编号：{case.case_no}-{event.seq:02d}", size=10, height=6, align="C")
    doc.space(4)
    doc.line(f"{case.applicant_name}：")
    doc.line(template["body"].format(**values))
    if template.get("reasons") and event.reason:
        doc.line(event.reason)
    if template.get("after"):
        doc.line(template["after"].format(**values))
    if event.event == "deem_accept":
        doc.line("（本机关未在法定期限内作出决定，依法视为受理。）")
    doc.line(f"依据：{template['basis']}", size=10, height=6)
    if template.get("rights"):
        doc.space(2)
        doc.line(t["rights"].strip())
    doc.space(8)
    doc.line(office, align="R")
    doc.line(f"{to_shanghai(event.occurred_at):%Y年%m月%d日}", align="R")
    doc.stamp(picture[0], size_mm=picture[1], overlap_mm=14)
    doc.space(4)
    doc.line("本通知书加盖电子印章，可在福建省公租房申请平台“文书验证”中核验。", size=9, height=5)
    return doc.finish()


def documents_issue(
    *, session: Session, key_directory: Path, cipher: crypto.FieldCipher, limit: int = 50
) -> list[tuple[str, int]]:
    """Lay out and seal decisions not yet issued; returns (case number, event seq) of each issued."""
    pending = session.scalars(
        select(CaseDocument).where(CaseDocument.issued_at.is_(None)).order_by(CaseDocument.id).limit(limit)
    )
    issued = []
    for document in pending:
        document_seal(session=session, document=document, key_directory=key_directory, cipher=cipher)
        issued.append((document.case_id, document.event_seq))
    return [(str(session.get(Case, case_id).case_no), seq) for case_id, seq in issued]  # type: ignore[union-attr]


def document_seal(
    *, session: Session, document: CaseDocument, key_directory: Path, cipher: crypto.FieldCipher
) -> None:
    """Issue one decision: render, seal with the office's certificate, keep (encrypted)."""
    case = session.get(Case, document.case_id)
    event = session.scalar(
        select(CaseEvent).where(CaseEvent.case_id == document.case_id, CaseEvent.seq == document.event_seq)
    )
    assert case is not None and event is not None
    material = seal.seal_material(
        seal.seal_directory(key_directory), office_code=case.city_code, office=office_name(case.city_code)
    )
    sealed = seal.seal_pdf(
        _render(case, event, document, material.picture), seal=material, reason=document.title
    )
    document.pdf_enc = cipher.encrypt(base64.b64encode(sealed).decode("ascii"), context=PDF_CONTEXT)
    document.digest = crypto.sm3_hex(sealed)
    document.issued_at = utcnow()
    session.flush()


def document_pdf(
    *, session: Session, case: Case, event_seq: int, key_directory: Path, cipher: crypto.FieldCipher
) -> tuple[CaseDocument, bytes] | None:
    """A case's decision for one event, issued now if it was still pending (None if there is none)."""
    document = session.scalar(
        select(CaseDocument).where(CaseDocument.case_id == case.id, CaseDocument.event_seq == event_seq)
    )
    if document is None:
        return None
    if document.issued_at is None:
        document_seal(session=session, document=document, key_directory=key_directory, cipher=cipher)
    return document, base64.b64decode(cipher.decrypt(document.pdf_enc, context=PDF_CONTEXT))
