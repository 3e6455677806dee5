"""What the platform sends and receives about applications (see docs/interfaces/)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from anju.core.messages import StatusEvent
from anju.core.vocab import APPLICANT_GROUP_LABELS

__all__ = ["BusReceipt", "StatusEvent"]  # StatusEvent lives in core/messages: one contract, both ends

ApplicantGroup = Literal["dibao", "low_income", "lower_middle_income", "new_graduate", "migrant_worker"]
assert set(ApplicantGroup.__args__) == set(APPLICANT_GROUP_LABELS)  # type: ignore[attr-defined]


class BusReceipt(BaseModel):
    """The platform's answer to a status event."""

    case_no: str
    accepted: bool
    duplicate: bool
