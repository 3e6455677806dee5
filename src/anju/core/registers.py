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


class HouseholdQuery(BaseModel):
    """One household in a batch: the caller's reference for it (its case number) and its members."""

    model_config = ConfigDict(extra="forbid")

    ref: str = Field(
        min_length=1, max_length=50, description="the caller's reference (办件编号), echoed back"
    )
    persons: list[str] = Field(min_length=1, max_length=20, description="ID numbers of the household")

    @field_validator("persons")
    @classmethod
    def _valid_ids(cls, values: list[str]) -> list[str]:
        return idcard.numbers_parse(values)


class RegisterBatchQuery(BaseModel):
    """Ask one register about many households at once (批量核查: housing's 年审 of its tenants). Each
    household is logged by the register on its own, under its own reference."""

    model_config = ConfigDict(extra="forbid")

    households: list[HouseholdQuery] = Field(min_length=1, max_length=100)
    fields: list[str] = Field(
        min_length=1, max_length=30, description="the fields wanted, for every household"
    )

    @field_validator("households")
    @classmethod
    def _refs_once(cls, values: list[HouseholdQuery]) -> list[HouseholdQuery]:
        refs = [h.ref for h in values]
        if len(set(refs)) != len(refs):
            raise ValueError("each household's ref must be different")
        return values


class HouseholdAnswer(BaseModel):
    ref: str
    request_id: str = Field(description="this household's entry in the register's query log")
    records: list[RegisterRecord]


class RegisterBatchAnswer(BaseModel):
    """The answers, household by household in the order asked, with one request id for the batch."""

    source: str
    department: str
    request_id: str
    answered_at: datetime
    households: list[HouseholdAnswer]
