"""Prefill: what the registers already said, turned into form values, with where each came from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from anju.core import crypto
from anju.core.masking import mask_name
from anju.platform.backfill.service import MEMBER_ID_CONTEXT, PreviewItem, backfill_preview
from anju.platform.backfill.sources import source_list
from anju.platform.catalog.derive import derive_application_value, derive_member_value, derive_suggestion
from anju.platform.catalog.service import PRECHECK_SOURCE, form_catalog
from anju.platform.models import ApplicationMember


@dataclass(frozen=True)
class Prefill:
    """A value a register supplied for a field (of one member, or of the application)."""

    value: Any
    source: str
    department: str
    request_id: str
    disputed: bool
    # A suggestion (form.yaml `suggest`) the applicant confirms or corrects; ``basis`` says what it rests on.
    suggested: bool = False
    basis: str = ""


def _register_answers(
    session: Session, application_id: int, cipher: crypto.FieldCipher, items: list[PreviewItem] | None
) -> list[PreviewItem]:
    """The draft's register answers: those the caller already read, or read now."""
    if items is None:
        return backfill_preview(session=session, application_id=application_id, cipher=cipher)
    return items


def _by_member_source(
    items: list[PreviewItem], statuses: tuple[str, ...]
) -> dict[tuple[int | None, str], PreviewItem]:
    return {(i.member_id, i.source): i for i in items if i.status in statuses}


def form_prefill(
    *,
    session: Session,
    application_id: int,
    members: list[ApplicationMember],
    cipher: crypto.FieldCipher,
    today: date,
    items: list[PreviewItem] | None = None,
) -> dict[tuple[int | None, str], Prefill]:
    """Every field value the registers settle, keyed by (member id or None, field code); ``items``: the
    draft's register answers when the caller already read them (one decryption per page)."""
    catalog = form_catalog()
    notices = source_list().sources
    items = _register_answers(session, application_id, cipher, items)
    by_member_source = _by_member_source(items, ("found",))
    # For household figures a register's "no record" is an answer too (no homes, no vehicles).
    answered_for_household = _by_member_source(items, ("found", "no_record"))
    numbers = {m.id: cipher.decrypt(m.id_number_enc, context=MEMBER_ID_CONTEXT) for m in members}
    values: dict[tuple[int | None, str], Prefill] = {}
    for field in catalog.fields.values():
        if not field.backfilled:
            continue
        register, _, register_field = field.source.partition(".")
        notice = notices[register]
        if field.scope == "member":
            for member in members:
                item = by_member_source.get((member.id, register))
                if item is None:
                    continue
                value = derive_member_value(
                    derive=field.derive, register_field=register_field, fields=item.fields, today=today
                )
                if value is not None:
                    values[(member.id, field.code)] = Prefill(
                        value=value,
                        source=notice.name,
                        department=notice.department,
                        request_id=item.request_id,
                        disputed=item.review == "disputed",
                    )
        else:
            answered = {
                numbers[m.id]: answered_for_household[(m.id, register)]
                for m in members
                if (m.id, register) in answered_for_household
            }
            if not answered or len(answered) < len(members):
                continue  # a household figure needs every member's answer; otherwise the applicant says
            assert field.derive is not None
            value = derive_application_value(
                derive=field.derive, members={n: i.fields for n, i in answered.items()}, today=today
            )
            if value is not None:
                first = next(iter(answered.values()))
                values[(None, field.code)] = Prefill(
                    value=value,
                    source=notice.name,
                    department=notice.department,
                    request_id=first.request_id,
                    disputed=any(i.review == "disputed" for i in answered.values()),
                )
    return values


def prefill_gaps(
    *,
    session: Session,
    application_id: int,
    members: list[ApplicationMember],
    cipher: crypto.FieldCipher,
    items: list[PreviewItem] | None = None,
) -> dict[str, str]:
    """Why a household figure a register could settle was not filled, by field code: some members' answers
    are there, others are missing (not authorised, or the register did not answer). The form says so next
    to the field instead of silently asking for what a register already half answered."""
    catalog = form_catalog()
    notices = source_list().sources
    if items is None:
        items = backfill_preview(session=session, application_id=application_id, cipher=cipher)
    answered = {(i.member_id, i.source) for i in items if i.status in ("found", "no_record")}
    failed = {(i.member_id, i.source) for i in items if i.status not in ("found", "no_record", "no_consent")}
    gaps: dict[str, str] = {}
    for field in catalog.fields.values():
        if not field.backfilled or field.scope != "application":
            continue
        register = field.source.partition(".")[0]
        missing = [m for m in members if (m.id, register) not in answered]
        if not missing or len(missing) == len(members):
            continue
        who = "、".join(
            f"{mask_name(m.name)}（{m.relation}，{'查询未成功' if (m.id, register) in failed else '未授权查询'}）"
            for m in missing
        )
        gaps[field.code] = (
            f"已查到部分家庭成员的{notices[register].name}，还缺少{who}，所以需要您填写；"
            "补齐授权并重新查询后会自动填好。"
        )
    return gaps


def form_suggestions(
    *,
    session: Session,
    application_id: int,
    members: list[ApplicationMember],
    cipher: crypto.FieldCipher,
    today: date,
    items: list[PreviewItem] | None = None,
) -> dict[tuple[int | None, str], Prefill]:
    """Values the registers suggest for fields the applicant answers (form.yaml `suggest`): a member's own
    answer for member fields, the applicant's for application fields. The pre-check's suggestion (the
    applicant group) is the page's to add, as it asks housing."""
    catalog = form_catalog()
    notices = source_list().sources
    found = _by_member_source(_register_answers(session, application_id, cipher, items), ("found",))
    values: dict[tuple[int | None, str], Prefill] = {}
    for field in catalog.fields.values():
        targets = members if field.scope == "member" else members[:1]
        for member in targets:
            for suggestion in field.suggest:
                if suggestion.source == PRECHECK_SOURCE:
                    continue
                register, _, register_field = suggestion.source.partition(".")
                item = found.get((member.id, register))
                if item is None:
                    continue
                value = derive_suggestion(
                    derive=suggestion.derive, register_field=register_field, fields=item.fields, today=today
                )
                if value is None:
                    continue
                key = (member.id if field.scope == "member" else None, field.code)
                values[key] = Prefill(
                    value=value,
                    source=notices[register].name,
                    department=notices[register].department,
                    request_id=item.request_id,
                    disputed=False,
                    suggested=True,
                    basis=suggestion.basis,
                )
                break
    return values
