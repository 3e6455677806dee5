"""容缺受理 at a counter window (issue 16, decision 0018): a register could not give an item, the person has
not brought the paper proof, and the city allows that proof to be brought later. The clerk records the
applicant's promise; the promise goes into the application the applicant signs, so it travels with the case
and housing counts its deadline from the day it receives the case. The rule is housing's, per city
(housing/intake/deferrals.yaml), read here from the guide facts housing publishes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from anju.core import masking
from anju.core.refusals import Refused
from anju.platform.backfill.sources import source_list
from anju.platform.models import ApplicationMember, BackfillResult, ProofPromise, ProofUpload

UNIT_WORDS = {"workdays": "个工作日", "calendar_days": "日"}
# The items a promise can stand for: a register that was asked and did not answer or had nothing, or
# whose answer the applicant disputes. A register nobody authorised was never asked: its paper is simply
# brought (or the query authorised), not promised.
PROMISABLE = ("failed", "circuit_open", "no_record")


def item_promisable(status: str, review: str) -> bool:
    """Whether a register item's proof may be promised for later (容缺受理), given what the register said."""
    return status in PROMISABLE or review == "disputed"


class PromiseRefused(Refused):
    """The promise cannot be recorded: what the clerk reads."""


@dataclass(frozen=True)
class Deferral:
    """A city's 容缺受理 rule, as housing publishes it."""

    allowed: bool
    limit: int
    unit: str
    materials: tuple[str, ...]
    provisional: bool
    source: str

    @classmethod
    def of_facts(cls, facts: dict[str, Any]) -> Deferral:
        """From the guide facts' ``deferral`` block."""
        return cls(
            allowed=bool(facts["allowed"]),
            limit=int(facts["limit"]),
            unit=str(facts["unit"]),
            materials=tuple(facts["materials"]),
            provisional=bool(facts["provisional"]),
            source=str(facts["source"]),
        )

    @property
    def period(self) -> str:
        """The limit in words: "5 个工作日"."""
        return period_words(self.limit, self.unit)


def period_words(limit: int, unit: str) -> str:
    """A limit in words: "5 个工作日", "10 日"."""
    return f"{limit} {UNIT_WORDS.get(unit, unit)}"


def material_of(source: str) -> str:
    """The paper proof a register stands in for, as the applicant and the reviewer read it."""
    notice = source_list().sources.get(source)
    return "、".join(notice.replaces) if notice else source


def deferral_words(facts: dict[str, Any]) -> dict[str, Any]:
    """The rule as the guide shows it: allowed or not, for which materials, within how long."""
    rule = Deferral.of_facts(facts)
    return {
        "allowed": rule.allowed,
        "period": rule.period,
        "materials": [material_of(code) for code in rule.materials],
        "provisional": rule.provisional,
        "source": rule.source,
    }


def promise_record(
    *, session: Session, application_id: int, result_id: int, rule: Deferral, clerk: str
) -> ProofPromise:
    """Record that the applicant will bring the proof for one register item later (idempotent); raises
    PromiseRefused where the city does not allow it, for that item, or the item needs no proof."""
    row = _item(session, application_id, result_id)
    if not rule.allowed:
        raise PromiseRefused("本市不办理容缺受理，请收取纸质证明材料，或打印一次性告知书。")
    if row.source not in rule.materials:
        raise PromiseRefused(
            f"{material_of(row.source)}不在本市可容缺受理的材料范围内，请收取纸质证明材料，或打印一次性告知书。"
        )
    if not item_promisable(row.status, row.review):
        raise PromiseRefused(
            "这项信息已查询到，不需要补交证明材料。"
            if row.status == "found"
            else "这项登记信息未经授权查询：请申请人授权查询，或收取纸质证明材料。"
        )
    if _proof_given(session, row):
        raise PromiseRefused("这项已收取证明材料，不需要承诺补交。")
    existing = _promises_for(session, row)
    if existing:
        return existing[0]
    promise = ProofPromise(
        application_id=application_id,
        result_id=row.id,
        member_id=row.member_id,
        source=row.source,
        limit=rule.limit,
        unit=rule.unit,
        clerk=clerk,
    )
    session.add(promise)
    session.flush()
    return promise


def promise_withdraw(*, session: Session, application_id: int, result_id: int) -> None:
    """Take back the promise for an item (the proof turned up after all, or it was chosen by mistake)."""
    for promise in _promises_for(session, _item(session, application_id, result_id)):
        session.delete(promise)


def _item(session: Session, application_id: int, result_id: int) -> BackfillResult:
    """The application's register item, or PromiseRefused."""
    row = session.get(BackfillResult, result_id)
    if row is None or row.application_id != application_id:
        raise PromiseRefused("没有找到这条数据。")
    return row


def _promises_for(session: Session, row: BackfillResult) -> list[ProofPromise]:
    """The promises standing for an item's member and register (at most one)."""
    return list(
        session.scalars(
            select(ProofPromise).where(
                ProofPromise.application_id == row.application_id,
                ProofPromise.member_id == row.member_id,
                ProofPromise.source == row.source,
            )
        )
    )


def _proof_given(session: Session, row: BackfillResult) -> bool:
    return (
        session.scalar(
            select(ProofUpload.id).where(
                ProofUpload.application_id == row.application_id,
                ProofUpload.purpose == "register",
                ProofUpload.member_id == row.member_id,
                ProofUpload.source == row.source,
            )
        )
        is not None
    )


def promises_open(*, session: Session, application_id: int) -> list[ProofPromise]:
    """The promises still standing: a proof given since for the same item fulfils its promise."""
    given = {
        (p.member_id, p.source)
        for p in session.scalars(
            select(ProofUpload).where(
                ProofUpload.application_id == application_id, ProofUpload.purpose == "register"
            )
        )
    }
    members = {
        m.id
        for m in session.scalars(
            select(ApplicationMember).where(
                ApplicationMember.application_id == application_id, ApplicationMember.role != "removed"
            )
        )
    }
    return [
        p
        for p in session.scalars(
            select(ProofPromise)
            .where(ProofPromise.application_id == application_id)
            .order_by(ProofPromise.id)
        )
        if (p.member_id, p.source) not in given and p.member_id in members
    ]


def promises_words(*, session: Session, application_id: int) -> list[str]:
    """The standing promises as the applicant reads them before signing, and on the receipt."""
    names = {
        m.id: m.name
        for m in session.scalars(
            select(ApplicationMember).where(ApplicationMember.application_id == application_id)
        )
    }
    return [
        f"{masking.mask_name(names.get(p.member_id, ''))}的{material_of(p.source)}："
        f"自住房保障部门收到申请之日起 {period_words(p.limit, p.unit)}内补交"
        for p in promises_open(session=session, application_id=application_id)
    ]
