"""What the provincial 好差评 system's stand-in keeps: ratings received (one per case and rating number),
the tokens it issued, and the 差评整改 tasks it set."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from anju.core.db import UTCDateTime
from anju.core.timeutil import utcnow
from anju.sandbox.models import Base


class HcpRecord(Base):
    """One rating report (its evaluateUnid is ``HCP-<id>``)."""

    __tablename__ = "hcp_record"
    __table_args__ = (UniqueConstraint("project_no", "assess_number", name="uq_hcp_record_rating"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_no: Mapped[str] = mapped_column(String(64))
    assess_number: Mapped[int] = mapped_column(Integer)
    satisfaction: Mapped[int] = mapped_column(Integer)
    area_code: Mapped[str] = mapped_column(String(12))
    payload: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class HcpToken(Base):
    """An access token the gateway issued, until it runs out."""

    __tablename__ = "hcp_token"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    app_key: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class HcpRectifyTask(Base):
    """A 差评整改 task set for a bad first rating, and the rectification reported for it."""

    __tablename__ = "hcp_rectify_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(Integer, unique=True)
    project_no: Mapped[str] = mapped_column(String(64))
    deadline: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    rectified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    result: Mapped[str] = mapped_column(String(2), default="")
    content: Mapped[str] = mapped_column(Text, default="")
