"""The allocation tables: facts that place a household in a priority group, the draws (摇号), the housing
stock (房源) and the offers made from it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
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


class HousingProject(Base):
    """A public-rental housing project (项目) of a city, as its stock file names it."""

    __tablename__ = "housing_project"
    __table_args__ = (UniqueConstraint("city_code", "name", name="uq_housing_project_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    district_code: Mapped[str] = mapped_column(String(6))
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class HousingUnit(Base):
    """A flat (房源): where it is, how big, its rent per m², and whether it is free, offered or let."""

    __tablename__ = "housing_unit"
    __table_args__ = (UniqueConstraint("project_id", "building", "unit_no", name="uq_housing_unit_place"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("housing_project.id"), index=True)
    building: Mapped[str] = mapped_column(String(20))
    unit_no: Mapped[str] = mapped_column(String(20))
    area_centi_m2: Mapped[int] = mapped_column(Integer)  # 建筑面积 in hundredths of a m² (exact)
    rooms: Mapped[int] = mapped_column(Integer)
    floor: Mapped[int] = mapped_column(Integer)
    rent_fen_per_m2: Mapped[int] = mapped_column(Integer)  # 租金 per m² per month, in fen (exact)
    accessible: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(16), default="available", index=True)  # available|offered|let
    imported_by: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class HousingOffer(Base):
    """A flat offered to a waiting household, answered once: accepted, refused, withdrawn or lapsed.
    At most one open offer per flat and per case, enforced by the database (partial unique indexes)."""

    __tablename__ = "housing_offer"
    __table_args__ = (
        Index(
            "uq_housing_offer_open_unit",
            "unit_id",
            unique=True,
            postgresql_where=text("state = 'open'"),
            sqlite_where=text("state = 'open'"),
        ),
        Index(
            "uq_housing_offer_open_case",
            "case_id",
            unique=True,
            postgresql_where=text("state = 'open'"),
            sqlite_where=text("state = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("housing_unit.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="open")  # open|accepted|refused|withdrawn|lapsed
    offered_by: Mapped[str] = mapped_column(String(64))
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reply_due_on: Mapped[date] = mapped_column(Date)
    answered_by: Mapped[str] = mapped_column(String(64), default="")
    answered_via: Mapped[str] = mapped_column(String(16), default="")  # web | counter | system
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reason: Mapped[str] = mapped_column(String(200), default="")


class Tenancy(Base):
    """A household's tenancy of a flat, from the accepted offer: the term, the rent split into the city's
    subsidy and what the household pays (fen, exact), and the next re-check (年审)."""

    __tablename__ = "tenancy"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), index=True, unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("housing_unit.id"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("housing_offer.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    rent_fen: Mapped[int] = mapped_column(Integer)
    subsidy_fen: Mapped[int] = mapped_column(Integer)
    payable_fen: Mapped[int] = mapped_column(Integer)
    next_review_on: Mapped[date] = mapped_column(Date, index=True)
    rule_source: Mapped[str] = mapped_column(String(200))
    rule_provisional: Mapped[bool] = mapped_column(Boolean)
    signed_via: Mapped[str] = mapped_column(String(16))  # web | counter
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # the day the flat was handed back
    # 退出 (allocation/exits.py): why, when the household was told, the 腾退 date, and what it pays until then
    # (None: the rent the tenancy says). Cleared again when the notice is withdrawn; the timeline keeps it.
    exit_reason: Mapped[str] = mapped_column(String(32), default="")
    exit_noticed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    vacate_by: Mapped[date | None] = mapped_column(Date, nullable=True)
    transition_rent_fen: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The 租赁合同 (allocation/lease.py): the e-signature service's number for the tenant's signature, and when.
    lease_serial: Mapped[str] = mapped_column(String(64), default="")
    lease_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
