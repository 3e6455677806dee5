"""The sandbox sources' own record of every query (as each department keeps a 调用日志)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from anju.core.db import UTCDateTime
from anju.core.timeutil import utcnow
from anju.sandbox.models import Base


class SourceQueryLog(Base):
    """Who asked which source about whom, why, for which case, and what happened."""

    __tablename__ = "source_query_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32), index=True)
    caller: Mapped[str] = mapped_column(String(32))
    acting_user: Mapped[str] = mapped_column(String(128), default="")
    purpose: Mapped[str] = mapped_column(String(400), default="")
    case_no: Mapped[str] = mapped_column(String(50), default="", index=True)
    message_id: Mapped[str] = mapped_column(String(128), default="")
    request_id: Mapped[str] = mapped_column(String(64), unique=True)
    subject_hashes: Mapped[str] = mapped_column(Text)  # SM3 of each ID number asked about, comma-separated
    persons: Mapped[int] = mapped_column(Integer)
    fields: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(32))  # answered / fault:<kind>
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
