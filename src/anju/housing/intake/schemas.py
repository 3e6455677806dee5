"""The intake contract: a case as the platform submits it (docs/interfaces/housing-intake.openapi.json)."""

from __future__ import annotations

import base64
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from anju.core import idcard, regions
from anju.core.crypto import sm3_hex

PROOF_MAX_BYTES = 5 * 1024 * 1024  # the platform's upload limit; a fetch is cut off past a file's size


def _parse_id(value: str) -> str:
    try:
        return idcard.parse(value).number
    except idcard.InvalidIdNumber as exc:
        raise ValueError(f"{exc.code}: {exc.message}") from exc


class IntakeApplicant(BaseModel):
    """The applicant, as verified by 统一身份认证."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64)
    id_number: str = Field(description="公民身份号码 (GB 11643), 18 characters")
    phone: str = Field(pattern=r"^1[3-9]\d{9}$")
    real_name_level: int = Field(ge=0, le=3)

    @field_validator("id_number")
    @classmethod
    def _valid_id(cls, value: str) -> str:
        return _parse_id(value)


class HouseholdMember(BaseModel):
    """A person applying together with the applicant (the applicant included, role applicant)."""

    model_config = ConfigDict(extra="forbid")

    role: Literal["applicant", "co_applicant"]
    relation: str = Field(max_length=16, description="relation to the applicant: 本人 配偶 子女 父母 其他")
    name: str = Field(min_length=1, max_length=64)
    id_number: str
    birth_date: date

    @field_validator("id_number")
    @classmethod
    def _valid_id(cls, value: str) -> str:
        return _parse_id(value)


class Proof(BaseModel):
    """A proof the applicant uploaded for an item (PDF, JPEG or PNG, at most 5 MB), declared by its name,
    type, size and SM3. Housing fetches the file from the platform by reference (decision 0035:
    ``GET /v1/applications/{case_no}/proofs/{sm3}``) and checks it against this declaration; an older
    platform may still send it inline as ``content_b64`` (accepted for one release)."""

    model_config = ConfigDict(extra="forbid")

    filename: str = Field(min_length=1, max_length=200)
    content_type: Literal["application/pdf", "image/jpeg", "image/png"]
    size: int = Field(ge=1, le=PROOF_MAX_BYTES)
    sm3: str = Field(pattern=r"^[0-9a-f]{64}$", description="SM3 of the file, checked on receipt")
    content_b64: str | None = Field(
        default=None, description="deprecated: the file inline (base64); absent, housing fetches it"
    )

    @model_validator(mode="after")
    def _intact(self) -> Proof:
        if self.content_b64 is None:
            return self
        try:
            data = base64.b64decode(self.content_b64, validate=True)
        except ValueError as exc:
            raise ValueError("content_b64 is not base64") from exc
        if len(data) != self.size or sm3_hex(data) != self.sm3:
            raise ValueError("proof content does not match its size and SM3 digest")
        return self


class EvidenceItem(BaseModel):
    """What a register said about a member, with provenance and the applicant's confirmation or dispute."""

    model_config = ConfigDict(extra="forbid")

    id_number: str
    source: str = Field(max_length=32)
    status: Literal["found", "no_record", "failed", "no_consent", "circuit_open"]
    fields: dict[str, Any] = Field(default_factory=dict)
    request_id: str = Field(default="", max_length=64)
    fetched_at: datetime
    review: Literal["", "confirmed", "disputed"] = ""
    review_reason: str = Field(default="", max_length=2000)
    proofs: list[Proof] = Field(default_factory=list, max_length=10)


class SignedDocument(BaseModel):
    """A document the applicant signed (the application, the pledge), with the e-signature service's signature."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(pattern=r"^[a-z_]{1,32}$")
    title: str = Field(min_length=1, max_length=100)
    content: str = Field(min_length=1, max_length=1_000_000, description="the exact UTF-8 text signed")
    signature: dict[str, Any] = Field(description="anju.core.esign.ESignature (GB/T 38540 TBS_Sign fields)")


class CaseSubmission(BaseModel):
    """A submitted application, handed to the housing department's case system."""

    model_config = ConfigDict(extra="forbid")

    case_no: str = Field(
        min_length=1, max_length=50, description="办件编号 = the platform's application number"
    )
    city_code: str = Field(pattern=r"^\d{6}$")
    district_code: str = Field(pattern=r"^\d{6}$")
    channel: Literal["web", "h5", "counter", "kiosk"]
    submitted_at: datetime
    applicant: IntakeApplicant
    applicant_group: Literal["dibao", "low_income", "lower_middle_income", "new_graduate", "migrant_worker"]
    household_size: int = Field(ge=1, le=20)
    address: str = Field(min_length=1, max_length=200)
    household: list[HouseholdMember] = Field(default_factory=list, max_length=20)
    evidence: list[EvidenceItem] = Field(default_factory=list, max_length=400)
    signed_documents: list[SignedDocument] = Field(default_factory=list, max_length=10)
    other_proofs: list[Proof] = Field(
        default_factory=list, max_length=10, description="其他证明材料 the registers cannot show"
    )

    @field_validator("city_code")
    @classmethod
    def _jurisdiction(cls, value: str) -> str:
        if not regions.is_jurisdiction(value):
            raise ValueError("city_code is not one of the 10 jurisdictions")
        return value


class IntakeReceipt(BaseModel):
    """Housing's acknowledgement: the case is stored (once)."""

    case_no: str
    status: str
    received_at: datetime
    duplicate: bool
