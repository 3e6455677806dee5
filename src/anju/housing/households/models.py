"""Who is in which case, by the blind index of their ID number: what "one household, one application" is
checked against (issue 19, decision 0037)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from anju.housing.models import Base


class CaseMember(Base):
    """One person of a case's household as submitted: the applicant or a co-applicant."""

    __tablename__ = "case_member"
    __table_args__ = (UniqueConstraint("case_id", "person_bidx", name="uq_case_member_person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), index=True)
    person_bidx: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(16))  # applicant | co_applicant
