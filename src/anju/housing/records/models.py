"""Housing-assistance records the housing department holds (保障性住房信息)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from anju.core.db import UTCDateTime
from anju.core.timeutil import utcnow
from anju.housing.models import Base


class AssistanceRecord(Base):
    """A household member's public-rental tenancy or rent subsidy, found by the blind index of their ID."""

    __tablename__ = "assistance_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_bidx: Mapped[str] = mapped_column(String(64), index=True)
    city_code: Mapped[str] = mapped_column(String(6))
    kind: Mapped[str] = mapped_column(String(16))  # public_rental / rent_subsidy
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)  # None: still in force
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
