"""A city's draws (摇号), step by step: freeze the list, publish the seed, draw — each once, in that
order, by a city administrator; the order is computed by the same re-run anyone can make
(allocation/lottery.py), so what housing publishes and what a citizen checks cannot differ."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from anju.core import crypto, masking, regions
from anju.core.refusals import Refused
from anju.core.timeutil import utcnow
from anju.housing.allocation import lottery
from anju.housing.allocation.models import LotteryDraw
from anju.housing.allocation.waitlist import waitlist_page

SEALED_CONTEXT = "housing.lottery.sealed"
DRAW_ROLES = frozenset({"city_admin"})
MAX_CANDIDATES = 100_000


class DrawRefused(Refused):
    """The step cannot be taken; ``message`` says why."""


def draw_state(draw: LotteryDraw) -> str:
    """frozen → seeded → drawn."""
    return "drawn" if draw.drawn_at else "seeded" if draw.seeded_at else "frozen"


def draw_freeze(
    *, session: Session, city_code: str, title: str, actor: str, cipher: crypto.FieldCipher, on: date
) -> LotteryDraw:
    """Freeze the city's waiting households, in today's order, as the draw's list; seal housing's value."""
    title = " ".join(title.split())
    if not 4 <= len(title) <= 100:
        raise DrawRefused("请填写摇号名称，例如“2026年第1批公租房配租摇号”，4 到 100 个字。")
    standings, _ = waitlist_page(session=session, city_code=city_code, on=on, offset=0, limit=MAX_CANDIDATES)
    if not standings:
        raise DrawRefused("目前没有轮候中的家庭，无法摇号。")
    candidates = [
        lottery.Candidate(
            waitlist_no=s.case.waitlist_no or 0,
            name=masking.mask_name(s.case.applicant_name),
            district=regions.get(s.case.district_code).name,
            household_size=s.case.household_size,
        )
        for s in standings
    ]
    text = lottery.list_text(candidates)
    sealed = lottery.sealed_value()
    draw = LotteryDraw(
        city_code=city_code,
        title=title,
        list_text=text,
        list_sm3=lottery.list_digest(text),
        case_ids=json.dumps([s.case.id for s in standings]),
        sealed_enc=cipher.encrypt(sealed, context=SEALED_CONTEXT),
        sealed_commitment=lottery.commitment(sealed),
        frozen_by=actor,
        frozen_at=utcnow(),
    )
    session.add(draw)
    session.flush()
    return draw


def draw_seed(
    *, session: Session, draw: LotteryDraw, seed: str, source: str, actor: str, cipher: crypto.FieldCipher
) -> None:
    """Publish the seed, with where it came from, and reveal housing's sealed value (once)."""
    if draw_state(draw) != "frozen":
        raise DrawRefused("种子已经公布，不能更改。")
    seed, source = seed.strip(), " ".join(source.split())
    if not 1 <= len(seed) <= 200 or "\n" in seed:
        raise DrawRefused("请填写种子（一行，1 到 200 个字符），例如公证员现场抽取的号码。")
    if not 4 <= len(source) <= 200:
        raise DrawRefused("请写明种子的来源，例如“福州市某公证处公证员现场抽取”。")
    draw.seed, draw.seed_source, draw.seeded_by, draw.seeded_at = seed, source, actor, utcnow()
    draw.sealed_revealed = cipher.decrypt(draw.sealed_enc, context=SEALED_CONTEXT)


def draw_run(*, session: Session, draw: LotteryDraw, actor: str) -> list[int]:
    """Make the draw from the published inputs (once, after the seed is published); the order drawn."""
    if draw_state(draw) == "frozen":
        raise DrawRefused("请先公布种子，再摇号。")
    if draw_state(draw) == "drawn":
        raise DrawRefused("已经摇号，结果不能更改。")
    order = lottery.rerun(
        text=draw.list_text,
        seed=draw.seed,
        sealed=draw.sealed_revealed,
        digest=draw.list_sm3,
        committed=draw.sealed_commitment,
    )
    draw.drawn_order, draw.drawn_by, draw.drawn_at = json.dumps(order), actor, utcnow()
    return order


def draws_of(*, session: Session, city_code: str) -> list[LotteryDraw]:
    """A city's draws, newest first."""
    query = select(LotteryDraw).where(LotteryDraw.city_code == city_code).order_by(LotteryDraw.id.desc())
    return list(session.scalars(query))


def draw_public(draw: LotteryDraw) -> dict[str, Any]:
    """What is published of a draw at its step: never the sealed value before the seed, never a case."""
    lines = draw.list_text.splitlines()[1:]
    order = json.loads(draw.drawn_order) if draw.drawn_order else []
    return {
        "id": draw.id,
        "city_code": draw.city_code,
        "city": regions.get(draw.city_code).name,
        "title": draw.title,
        "state": draw_state(draw),
        "algorithm": lottery.ALGORITHM,
        "frozen_at": draw.frozen_at,
        "households": len(lines),
        "list_sm3": draw.list_sm3,
        "sealed_commitment": draw.sealed_commitment,
        "seed": draw.seed,
        "seed_source": draw.seed_source,
        "seeded_at": draw.seeded_at,
        "sealed_revealed": draw.sealed_revealed,
        "drawn_at": draw.drawn_at,
        "result": [{"rank": rank, "line": lines[n - 1].split("\t")} for rank, n in enumerate(order, start=1)],
    }
