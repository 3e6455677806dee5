"""Facts a reviewer has checked that place a household in a priority group of the waiting list."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
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
