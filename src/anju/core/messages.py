"""The messages two systems exchange over the bus, defined once for both ends: the sender validates what
it queues with the same model the receiver validates what arrives, so a value one side accepts can never be
refused by the other after it has left (a 3,000-character reason once died in the outbox as a 422).
docs/interfaces/platform-bus.openapi.json is generated from these models."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from anju.core.vocab import CASE_STATUS_LABELS

REASON_MAX_CHARS = 2000
DUE_NOTE_MAX_CHARS = 200


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
        default="", max_length=REASON_MAX_CHARS, description="written reasons, where the law requires them"
    )
    due_on: date | None = Field(
        default=None, description="the deadline of the step the case is now in (the applicant's, during 补正)"
    )
    due_note: str = Field(
        default="",
        max_length=DUE_NOTE_MAX_CHARS,
        description="what to know about due_on (e.g. counted without the year's holiday arrangement, provisional)",
    )
    document: str = Field(
        default="", max_length=64, description="title of the sealed written decision for this event, if any"
    )
