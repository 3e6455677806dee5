"""The allocation tables: facts that place a household in a priority group, and the draws (摇号)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from anju.core.db import UTCDateTime
from anju.core.timeutil import utcnow
from anju.housing.models import Base


class CasePriority(Base):
    """A checked fact of a case's household (a 残疾人证, an 优待证): what, on which proof, by whom, when;
    withdrawn rather than deleted, so the order a list had on a day can be explained afterwards."""

    __tablename__ = "case_priority"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), index=True)
    fact: Mapped[str] = mapped_column(String(16))  # disabled | veteran
    proof: Mapped[str] = mapped_column(String(200))  # what was checked, e.g. 残疾人证 第 … 号（已核验原件）
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    withdrawn_by: Mapped[str] = mapped_column(String(64), default="")
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class LotteryDraw(Base):
    """A 摇号 (allocation/lottery.py): the list frozen and hashed, housing's value sealed, then the seed
    published and the value revealed, then the draw. Each step once, in that order, by a named person."""

    __tablename__ = "lottery_draw"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    title: Mapped[str] = mapped_column(String(100))
    list_text: Mapped[str] = mapped_column(Text)  # exactly as published (its SM3 is list_sm3)
    list_sm3: Mapped[str] = mapped_column(String(64))
    case_ids: Mapped[str] = mapped_column(Text)  # JSON: the cases in the list's order (not published)
    sealed_enc: Mapped[str] = mapped_column(Text)  # housing's random value, SM4-encrypted until revealed
    sealed_commitment: Mapped[str] = mapped_column(String(64))
    frozen_by: Mapped[str] = mapped_column(String(64))
    frozen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    seed: Mapped[str] = mapped_column(String(200), default="")
    seed_source: Mapped[str] = mapped_column(String(200), default="")
    sealed_revealed: Mapped[str] = mapped_column(String(64), default="")
    seeded_by: Mapped[str] = mapped_column(String(64), default="")
    seeded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    drawn_order: Mapped[str] = mapped_column(Text, default="")  # JSON: the list's numbers in the order drawn
    drawn_by: Mapped[str] = mapped_column(String(64), default="")
    drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
