"""Answers to the unified form: saved page by page, append-only, with where each value came from."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from anju.core import crypto
from anju.platform.catalog.prefill import Prefill
from anju.platform.catalog.service import FormField, field_check, form_catalog, is_blank
from anju.platform.models import ApplicationMember, DraftAnswer

ANSWER_CONTEXT = "platform.draft.answer"
Key = tuple[int | None, str]  # (member id or None for the application, field code)


@dataclass(frozen=True)
class Answer:
    """A current answer and how it was obtained."""

    value: Any
    origin: str  # typed / backfilled / overridden / suggested (a suggestion the applicant kept)


def answers_current(
    *, session: Session, application_id: int, cipher: crypto.FieldCipher
) -> dict[Key, Answer]:
    """The newest answer per (member, field)."""
    current: dict[Key, Answer] = {}
    for row in session.scalars(
        select(DraftAnswer).where(DraftAnswer.application_id == application_id).order_by(DraftAnswer.id)
    ):
        value = json.loads(cipher.decrypt(row.value_enc, context=ANSWER_CONTEXT))
        current[(row.member_id, row.field_code)] = Answer(value=value, origin=row.origin)
    return current


def form_key(member_id: int | None, code: str) -> str:
    """The name of an input on the page: `a.<code>` for the application, `m<id>.<code>` for a member."""
    return f"a.{code}" if member_id is None else f"m{member_id}.{code}"


@dataclass
class SectionResult:
    """What happened when a page was saved: the errors by input, and what to show again."""

    errors: dict[str, str] = field(default_factory=dict)
    shown: dict[str, str] = field(default_factory=dict)
    saved: int = 0


def member_adult(members: list[ApplicationMember], member_id: int | None, today: date) -> bool | None:
    """Whether a member is 18 or over on the day (None for application fields)."""
    from anju.core import idcard

    for m in members:
        if m.id == member_id:
            return idcard.age_on(m.birth_date, on=today) >= 18
    return None


def section_fields(section: str) -> list[FormField]:
    """The fields of one section, in form order."""
    return [f for f in form_catalog().fields.values() if f.section == section]


def section_save(
    *,
    session: Session,
    application_id: int,
    section: str,
    raw: dict[str, Any],
    members: list[ApplicationMember],
    prefill: dict[Key, Prefill],
    cipher: crypto.FieldCipher,
    today: date,
) -> SectionResult:
    """Check a page's answers and save them all, or none when any is wrong (what was typed is kept for the page).

    A backfilled value the catalogue does not let the applicant change is taken from the register whatever
    the page sent; a changed value where changes are allowed is saved as ``overridden`` (a dispute).
    """
    current = answers_current(session=session, application_id=application_id, cipher=cipher)
    context = {code: answer.value for (member, code), answer in current.items() if member is None}
    context.update(
        {code[2:]: value for code, value in raw.items() if code.startswith("a.") and isinstance(value, str)}
    )
    result = SectionResult()
    staged: list[tuple[Key, Any, str]] = []
    for f in section_fields(section):
        targets: list[int | None] = [m.id for m in members] if f.scope == "member" else [None]
        for member_id in targets:
            key = (member_id, f.code)
            name = form_key(member_id, f.code)
            supplied = prefill.get(key)
            if supplied is not None and not supplied.suggested and not f.override:
                staged.append((key, supplied.value, "backfilled"))
                continue
            adult = member_adult(members, member_id, today)
            checked = field_check(f, raw.get(name, ""), answers=context, today=today, adult=adult)
            if checked.error:
                result.errors[name] = checked.error
                result.shown[name] = checked.shown
                continue
            origin = "typed"
            if supplied is not None and supplied.suggested:  # kept, or corrected: the applicant's answer
                origin = "suggested" if checked.value == supplied.value else "typed"
            elif supplied is not None:
                origin = "backfilled" if checked.value == supplied.value else "overridden"
            staged.append((key, checked.value, origin))
    if result.errors:
        return result
    for key, value, origin in staged:
        previous = current.get(key)
        if previous is not None and previous.value == value and previous.origin == origin:
            continue
        session.add(
            DraftAnswer(
                application_id=application_id,
                member_id=key[0],
                field_code=key[1],
                value_enc=cipher.encrypt(json.dumps(value, ensure_ascii=False), context=ANSWER_CONTEXT),
                origin=origin,
            )
        )
        result.saved += 1
    return result


@dataclass(frozen=True)
class Burden:
    """What the applicant had to do: the one-thing service's own yardstick."""

    typed: int
    backfilled: int  # from a register as it stood, including the suggestions the applicant kept
    overridden: int
    suggested: int = 0  # of those backfilled: suggestions confirmed on the page


def answers_burden(answers: dict[Key, Answer]) -> Burden:
    """Fields typed, backfilled and overridden among the current answers (empty optional ones not counted)."""
    values = [a for a in answers.values() if not is_blank(a.value)]
    return Burden(
        typed=sum(1 for a in values if a.origin == "typed"),
        backfilled=sum(1 for a in values if a.origin in ("backfilled", "suggested")),
        overridden=sum(1 for a in values if a.origin == "overridden"),
        suggested=sum(1 for a in values if a.origin == "suggested"),
    )
