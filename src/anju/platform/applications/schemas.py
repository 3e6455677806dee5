"""What the platform sends and receives about applications (see docs/interfaces/)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from anju.core.vocab import APPLICANT_GROUP_LABELS, CASE_STATUS_LABELS

ApplicantGroup = Literal["dibao", "low_income", "lower_middle_income", "new_graduate", "migrant_worker"]
assert set(ApplicantGroup.__args__) == set(APPLICANT_GROUP_LABELS)  # type: ignore[attr-defined]


class StatusEvent(BaseModel):
    """A status change of a case, sent by housing over the bus."""

    model_config = ConfigDict(extra="forbid")

    case_no: str = Field(max_length=50, description="办件编号 (= the platform's application number)")
    seq: int = Field(ge=1, description="position of this event in the case's history, from 1")
    status: str = Field(description="status code, one of " + ", ".join(CASE_STATUS_LABELS))
    event: str = Field(max_length=64, description="what happened (accept, request_corrections…)")
    occurred_at: datetime
    office: str = Field(default="", max_length=100, description="the office that acted")
    reason: str = Field(
        default="", max_length=2000, description="written reasons, where the law requires them"
    )
    due_on: date | None = Field(
        default=None, description="the deadline of the step the case is now in (the applicant's, during 补正)"
    )
    due_note: str = Field(
        default="",
        max_length=200,
        description="what to know about due_on (e.g. counted without the year's holiday arrangement, provisional)",
    )
    document: str = Field(
        default="", max_length=64, description="title of the sealed written decision for this event, if any"
    )


class BusReceipt(BaseModel):
    """The platform's answer to a status event."""

    case_no: str
    accepted: bool
    duplicate: bool
