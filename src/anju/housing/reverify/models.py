"""年审 (annual re-verification) tables: a round of the batch, one review per tenancy due in it, and each
register's answer for that household in that round, so that a round stopped half-way picks up where it
stopped and asks no register twice for the same household."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from anju.core.db import UTCDateTime
from anju.core.timeutil import utcnow
from anju.housing.models import Base


class ReverifyRound(Base):
    """One run of the batch over the tenancies due on ``as_of``; running until every review is concluded."""

    __tablename__ = "reverify_round"
    __table_args__ = (  # one round runs at a time, whatever the number of parts started side by side
        Index(
            "uq_reverify_round_running",
            "state",
            unique=True,
            postgresql_where=text("state = 'running'"),
            sqlite_where=text("state = 'running'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[date] = mapped_column(Date)  # tenancies whose 年审 falls on or before this day
    state: Mapped[str] = mapped_column(String(16), default="running", index=True)  # running | finished
    started_by: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class TenancyReview(Base):
    """A tenancy's 年审 in a round: asked, then clear or flagged with what was found (a review task for a
    person, the case in status reverifying); nothing is decided here."""

    __tablename__ = "tenancy_review"
    __table_args__ = (UniqueConstraint("round_id", "tenancy_id", name="uq_tenancy_review_round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("reverify_round.id"), index=True)
    tenancy_id: Mapped[int] = mapped_column(ForeignKey("tenancy.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date)  # the 年审 date it was due on
    state: Mapped[str] = mapped_column(String(16), default="asking", index=True)  # asking|clear|flagged
    findings_enc: Mapped[str] = mapped_column(Text, default="")  # SM4-GCM JSON: what changed, side by side
    concluded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    explanation_enc: Mapped[str] = mapped_column(Text, default="")  # the tenant's own words, if any
    explained_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ReviewAnswer(Base):
    """One register's answer about one household in one round (or its failure, to be asked again)."""

    __tablename__ = "review_answer"
    __table_args__ = (UniqueConstraint("review_id", "source", name="uq_review_answer_source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("tenancy_review.id"), index=True)
    source: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))  # answered | failed
    records_enc: Mapped[str] = mapped_column(Text, default="")  # SM4-GCM JSON: the records as answered
    request_id: Mapped[str] = mapped_column(String(64), default="")
    tries: Mapped[int] = mapped_column(Integer, default=1)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
