"""A draft's form as it stands: every value supplied for it (registers, suggestions, identity), the answers
given, and what is still missing before it can be signed. One place for what the form pages, the check
page, submission and — next — the counter channel all ask (issue 21: rules out of route closures)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from anju.core import crypto, masking
from anju.platform.applications import household
from anju.platform.backfill.service import MEMBER_ID_CONTEXT, backfill_preview
from anju.platform.catalog.answers import Answer, Key, answers_current, form_key, member_adult, section_fields
from anju.platform.catalog.prefill import Prefill, form_prefill, form_suggestions, prefill_gaps
from anju.platform.catalog.service import answer_display, field_required, form_catalog, is_blank
from anju.platform.identity import service as identity
from anju.platform.models import Application, ApplicationMember


@dataclass(frozen=True)
class FormState:
    """The household, every value supplied for the form, and the answers given so far."""

    members: list[ApplicationMember]
    prefill: dict[Key, Prefill]
    answers: dict[Key, Answer]
    gaps: dict[str, str]  # why a household figure a register half answered is asked (catalog.prefill_gaps)

    def page_fingerprint(self, section: str) -> str:
        """SM3 of the answers on one page as they stand: a page saved with another fingerprint was changed
        meanwhile somewhere else (another window, the applicant's phone), and must not overwrite it."""
        fields = {code for code, f in form_catalog().fields.items() if f.section == section}
        current = sorted(
            (str(member), code, json.dumps(a.value, ensure_ascii=False, default=str), a.origin)
            for (member, code), a in self.answers.items()
            if code in fields
        )
        return crypto.sm3_hex(json.dumps(current, ensure_ascii=False).encode())


def identity_prefill(members: list[ApplicationMember], cipher: crypto.FieldCipher) -> dict[Key, Prefill]:
    """Who the members are is already known: the applicant from 统一身份认证, co-applicants from the hukou
    book (their name, ID number and relation are never typed)."""
    values: dict[Key, Prefill] = {}
    for m in members:
        department, source = (
            ("统一身份认证", "实名身份") if m.role == "applicant" else ("户口簿", "共同申请人")
        )
        number = cipher.decrypt(m.id_number_enc, context=MEMBER_ID_CONTEXT)
        for code, value in (("name", m.name), ("id_number", number), ("relation", m.relation)):
            values[(m.id, code)] = Prefill(
                value=value, source=source, department=department, request_id="", disputed=False
            )
    return values


def form_state(
    *,
    session: Session,
    draft: Application,
    cipher: crypto.FieldCipher,
    today: date,
    extra: dict[Key, Prefill] | None = None,
) -> FormState:
    """Everything the form pages show and save against (``extra``: the pre-check's suggested group, which
    the page asks housing for). Registers win over identity, identity over suggestions."""
    members = household.members_of(session=session, application_id=draft.id)
    applicant = identity.applicant_get(session=session, applicant_id=draft.applicant_id)
    phone = identity.applicant_phone(applicant=applicant, cipher=cipher) if applicant else ""
    contact = (
        {
            (None, "phone"): Prefill(
                value=phone, source="实名身份", department="统一身份认证", request_id="", disputed=False
            )
        }
        if phone
        else {}
    )
    items = backfill_preview(session=session, application_id=draft.id, cipher=cipher)  # decrypted once a page
    registers = form_prefill(
        session=session, application_id=draft.id, members=members, cipher=cipher, today=today, items=items
    )
    suggestions = form_suggestions(
        session=session, application_id=draft.id, members=members, cipher=cipher, today=today, items=items
    )
    prefill = contact | suggestions | (extra or {}) | identity_prefill(members, cipher) | registers
    return FormState(
        members=members,
        prefill=prefill,
        answers=answers_current(session=session, application_id=draft.id, cipher=cipher),
        gaps=prefill_gaps(
            session=session, application_id=draft.id, members=members, cipher=cipher, items=items
        ),
    )


@dataclass(frozen=True)
class DraftSummary:
    """The draft as the check page shows it: the answers by section, and what is missing (section code,
    input name, message), in form order."""

    sections: list[dict[str, Any]]
    missing: list[tuple[str, str, str]]
    answers: dict[Key, Answer]

    def application_values(self) -> dict[str, Any]:
        """The application-level answers by field code."""
        return {code: a.value for (m, code), a in self.answers.items() if m is None}


def draft_summary(
    *, session: Session, draft: Application, cipher: crypto.FieldCipher, today: date
) -> DraftSummary:
    """Every answer and every required answer not yet given (the draft can be signed when none is)."""
    catalog = form_catalog()
    members = household.members_of(session=session, application_id=draft.id)
    answers = answers_current(session=session, application_id=draft.id, cipher=cipher)
    context = {code: a.value for (m, code), a in answers.items() if m is None}
    sections, missing = [], []
    for code, label in catalog.sections.items():
        rows = []
        for f in section_fields(code):
            for member in [None] if f.scope == "application" else members:
                key = (member.id if member else None, f.code)
                whose = f"（{masking.mask_name(member.name)}）" if member else ""
                answer = answers.get(key)
                value = answer.value if answer else None
                if is_blank(value):
                    if field_required(f, context, adult=member_adult(members, key[0], today)):
                        missing.append((code, form_key(*key), f"请填写{f.label}{whose}"))
                    continue
                rows.append(
                    {
                        "label": f.label + whose,
                        "value": answer_display(f, value, context),
                        "origin": answer.origin if answer else "",
                        "anchor": form_key(*key),
                    }
                )
        sections.append({"code": code, "label": label, "rows": rows})
    return DraftSummary(sections=sections, missing=missing, answers=answers)
