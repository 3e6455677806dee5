"""The platform's tables (its own metadata and Alembic history: migrations/platform)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from anju.core.db import UTCDateTime
from anju.core.runtime import PlumbingTables
from anju.core.timeutil import utcnow

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
TABLES = PlumbingTables.on(metadata)


class Base(DeclarativeBase):
    metadata = metadata


class Applicant(Base):
    """A resident who signed in through 统一身份认证; ID and phone encrypted, ID blind-indexed."""

    __tablename__ = "applicant"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(128), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    id_number_enc: Mapped[str] = mapped_column(Text)
    id_number_bidx: Mapped[str] = mapped_column(String(64), index=True)
    phone_enc: Mapped[str] = mapped_column(Text, default="")
    real_name_level: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_sign_in_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Application(Base):
    """One application for public rental housing; its number is the case number across systems."""

    __tablename__ = "application"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_no: Mapped[str] = mapped_column(String(50), unique=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicant.id"), index=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    district_code: Mapped[str] = mapped_column(String(6))
    applicant_group: Mapped[str] = mapped_column(String(32))
    household_size: Mapped[int] = mapped_column(Integer)
    phone_enc: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(16), default="web")
    status: Mapped[str] = mapped_column(String(32))
    status_seq: Mapped[int] = mapped_column(Integer, default=0)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    events: Mapped[list[ApplicationEvent]] = relationship(
        back_populates="application", order_by="ApplicationEvent.occurred_at"
    )


class ApplicationEvent(Base):
    """The applicant's timeline: one row per status, never updated or deleted."""

    __tablename__ = "application_event"
    __table_args__ = (UniqueConstraint("application_id", "source", "seq", name="uq_application_event_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    source: Mapped[str] = mapped_column(String(16))
    seq: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(32))
    office: Mapped[str] = mapped_column(String(100), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    message_id: Mapped[str] = mapped_column(String(64), default="")
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    application: Mapped[Application] = relationship(back_populates="events")


class ApplicationCounter(Base):
    """Per-city, per-day sequence behind readable application numbers."""

    __tablename__ = "application_counter"

    city_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
