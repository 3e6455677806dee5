"""Ratings received (one per case, rating number)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from anju.core.db import UTCDateTime
from anju.core.timeutil import utcnow
from anju.sandbox.models import Base


class HcpRecord(Base):
    """One rating report."""

    __tablename__ = "hcp_record"
    __table_args__ = (UniqueConstraint("project_no", "assess_number", name="uq_hcp_record_rating"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_no: Mapped[str] = mapped_column(String(64))
    assess_number: Mapped[int] = mapped_column(Integer)
    satisfaction: Mapped[int] = mapped_column(Integer)
    area_code: Mapped[str] = mapped_column(String(12))
    payload: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
