"""The register query contract every partner source answers (sandbox registers, housing's records).

A household per call, only the fields asked for; purpose, case and acting user travel in the signed
headers. Shared here so that each answering system validates the same way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from anju.core import idcard


class RegisterQuery(BaseModel):
    """Ask one register about a whole household."""

    model_config = ConfigDict(extra="forbid")

    persons: list[str] = Field(
        min_length=1, max_length=20, description="ID numbers (公民身份号码) of the household"
    )
    fields: list[str] = Field(
        min_length=1, max_length=30, description="the fields wanted, from the source's catalog"
    )

    @field_validator("persons")
    @classmethod
    def _valid_ids(cls, values: list[str]) -> list[str]:
        return idcard.numbers_parse(values)


class RegisterRecord(BaseModel):
    """What the register holds about one person: found or not; only the fields asked for."""

    id_number: str
    found: bool
    fields: dict[str, Any] = Field(default_factory=dict)


class RegisterAnswer(BaseModel):
    """The answer for the household, with the department's request id for reconciliation."""

    source: str
    department: str
    request_id: str
    answered_at: datetime
    records: list[RegisterRecord]
