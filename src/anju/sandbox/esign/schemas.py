"""The e-signature interface (docs/interfaces/sandbox-esign.openapi.json)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Signer(BaseModel):
    """The person signing, as verified by 统一身份认证."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64)
    id_number: str = Field(min_length=18, max_length=18)


class DocumentToSign(BaseModel):
    """A document, by digest: the service never receives its content."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(pattern=r"^[a-z_]{1,32}$", description="what it is, e.g. application, pledge")
    title: str = Field(min_length=1, max_length=100, description="the title the signer saw")
    sm3: str = Field(pattern=r"^[0-9a-f]{64}$", description="SM3 of the exact bytes (hex)")
    byte_count: int = Field(ge=1)


class SignRequest(BaseModel):
    """Sign these documents for this person."""

    model_config = ConfigDict(extra="forbid")

    signer: Signer
    documents: list[DocumentToSign] = Field(min_length=1, max_length=10)


class SignResponse(BaseModel):
    """One signature per document, in order (fields of anju.core.esign.ESignature)."""

    signatures: list[dict[str, Any]]
