"""办件 records received (one per record id)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from anju.core.db import UTCDateTime
from anju.core.timeutil import utcnow
from anju.sandbox.models import Base


class BanjianRecord(Base):
    """One national 办件 record as the 办件库 keeps it."""

    __tablename__ = "banjian_record"

    record_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    project_no: Mapped[str] = mapped_column(String(50), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    payload: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
