"""The synthetic registers of Fujian (sandbox only): people in hukou books and what each department holds.

Dates the law counts are calendar dates; money is integer fen; areas are integer hundredths of m².
Rows for which a department holds nothing are simply absent (the source answers "no record").
E-licences are not stored: which certificates exist follows from the registers (see sources/elicence).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from anju.core.db import UTCDateTime
from anju.core.timeutil import utcnow
from anju.sandbox.models import Base


class HukouBook(Base):
    """户口簿: one household register, at an address in a county."""

    __tablename__ = "pop_hukou_book"

    id: Mapped[int] = mapped_column(primary_key=True)
    book_no: Mapped[str] = mapped_column(String(20), unique=True)
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    address: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Person(Base):
    """A person as the 公安 population register knows them (户籍), with their place in a hukou book."""

    __tablename__ = "pop_person"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    sex: Mapped[str] = mapped_column(String(1))  # M / F
    birth_date: Mapped[date] = mapped_column(Date)
    book_id: Mapped[int] = mapped_column(ForeignKey("pop_hukou_book.id"), index=True)
    relation: Mapped[str] = mapped_column(String(8))  # 户主 配偶 子女 父母 孙子女 兄弟姐妹 其他
    hukou_moved_in: Mapped[date] = mapped_column(Date)
    phone: Mapped[str] = mapped_column(String(20), default="")
    persona: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ResidencePermit(Base):
    """居住证 (公安): held by people living in a city other than their hukou's."""

    __tablename__ = "reg_residence_permit"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("pop_person.id"), index=True)
    city_code: Mapped[str] = mapped_column(String(6))
    address: Mapped[str] = mapped_column(String(200), default="")  # 居住地址, as on the permit
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MarriageRecord(Base):
    """婚姻登记 (民政): the person's latest marital status."""

    __tablename__ = "reg_marriage"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("pop_person.id"), index=True)
    status: Mapped[str] = mapped_column(String(12))  # married / divorced / widowed
    spouse_id_number: Mapped[str] = mapped_column(String(18), default="")
    registered_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AssistanceStatus(Base):
    """低保 / 特困 (民政): a period of minimum-living or extreme-hardship support in a city."""

    __tablename__ = "reg_dibao"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("pop_person.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # dibao / tekun
    city_code: Mapped[str] = mapped_column(String(6))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class EducationRecord(Base):
    """学历 (学信网 for higher education; 中专 from the education department)."""

    __tablename__ = "reg_education"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("pop_person.id"), index=True)
    level: Mapped[str] = mapped_column(String(8))  # 中专 大专 本科 硕士 博士
    school: Mapped[str] = mapped_column(String(100))
    full_time: Mapped[bool] = mapped_column(Boolean)
    graduated_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class InsuranceSpan(Base):
    """社保参保缴费 (人社): an unbroken run of monthly contributions with one employer in one city."""

    __tablename__ = "reg_insurance_span"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("pop_person.id"), index=True)
    city_code: Mapped[str] = mapped_column(String(6))
    employer: Mapped[str] = mapped_column(String(100))
    base_fen: Mapped[int] = mapped_column(Integer)
    first_month: Mapped[date] = mapped_column(Date)  # first day of the first month paid
    last_month: Mapped[date] = mapped_column(Date)  # first day of the last month paid
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PropertyRecord(Base):
    """不动产登记: a home a person owns or owned (disposed_on = sold or transferred)."""

    __tablename__ = "reg_property"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("pop_person.id"), index=True)
    city_code: Mapped[str] = mapped_column(String(6))
    address: Mapped[str] = mapped_column(String(200))
    area_centi_m2: Mapped[int] = mapped_column(Integer)  # building area, hundredths of m²
    acquired_on: Mapped[date] = mapped_column(Date)
    disposed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class VehicleRecord(Base):
    """车辆 (公安交管): a vehicle registered to a person."""

    __tablename__ = "reg_vehicle"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("pop_person.id"), index=True)
    plate: Mapped[str] = mapped_column(String(12))
    purchase_value_fen: Mapped[int] = mapped_column(Integer)
    purchased_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
