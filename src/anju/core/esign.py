"""Personal e-signatures (个人电子签名) over a document: the signed statement, making one, checking one.

The statement carries the fields of GB/T 38540-2020 ``TBS_Sign`` (version, time, hash of the original,
property information with the protection range) plus who signed, as canonical JSON rather than ASN.1:
the province's e-signature service interface is not published, and this keeps one place to change when it
is (docs/decisions/0008-e-signature.md). The signature is SM2 over SM3 (GB/T 35276 encoding, as our
request signatures), made with the e-signature service's key, which every party finds in its key registry.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any

from anju.core import crypto, signing

ESIGN_VERSION = 4  # GB/T 38540-2020 (v4); GM/T 0031-2025 (v5) would be accepted on read once specified
PROTECTION_RANGE = "全文"


class EsignInvalid(Exception):
    """A signature that does not prove what it claims; ``code`` says which check failed."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ESignature:
    """One signature by one person over one document, as the e-signature service returns it."""

    version: int
    serial: str  # the service's number for this signature
    kind: str  # what was signed, e.g. "application" or "pledge"
    title: str  # the document's title as the signer saw it
    document_sm3: str  # SM3 of the exact bytes signed (hex)
    byte_count: int
    protection_range: str
    signer_name: str
    signer_id_sm3: str  # SM3 of the signer's ID number (hex): names the person without repeating the number
    signed_at: str  # ISO 8601, UTC
    service: str  # the system whose key signed
    key_id: str
    signature: str  # base64 of the DER SM2 signature over statement()

    def statement(self) -> bytes:
        """The canonical bytes the signature covers (every field but the signature itself)."""
        body = {k: v for k, v in asdict(self).items() if k != "signature"}
        return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return asdict(self)

    @classmethod
    def from_dict(cls, value: dict[str, Any]) -> ESignature:
        """Read the JSON form; raises EsignInvalid on a missing or extra field."""
        names = {f.name for f in fields(cls)}
        if set(value) != names:
            raise EsignInvalid("malformed", "电子签名数据不完整。")
        try:
            return cls(**value)
        except TypeError as exc:
            raise EsignInvalid("malformed", "电子签名数据不完整。") from exc


def signer_digest(id_number: str) -> str:
    """How a signature names its signer."""
    return crypto.sm3_hex(id_number.encode())


def esign_make(
    *,
    private_key: signing.Sm2PrivateKey,
    service: str,
    serial: str,
    kind: str,
    title: str,
    document_sm3: str,
    byte_count: int,
    signer_name: str,
    signer_id_number: str,
    signed_at: datetime,
) -> ESignature:
    """Sign a document's digest for a person (what the e-signature service does)."""
    unsigned = ESignature(
        version=ESIGN_VERSION,
        serial=serial,
        kind=kind,
        title=title,
        document_sm3=document_sm3,
        byte_count=byte_count,
        protection_range=PROTECTION_RANGE,
        signer_name=signer_name,
        signer_id_sm3=signer_digest(signer_id_number),
        signed_at=signed_at.isoformat(),
        service=service,
        key_id=private_key.key_id,
        signature="",
    )
    der = signing.sm2_sign(private_key=private_key, message=unsigned.statement())
    return ESignature(**{**unsigned.as_dict(), "signature": base64.b64encode(der).decode()})


def esign_verify(
    signature: ESignature,
    *,
    registry: signing.KeyRegistry,
    document: bytes,
    signer_id_number: str,
    kind: str,
    trusted_services: frozenset[str] = frozenset({"sandbox"}),
) -> None:
    """Check that this person signed exactly this document with a trusted service; raises EsignInvalid."""
    if signature.version != ESIGN_VERSION:
        raise EsignInvalid("version", f"不支持的电子签名版本：{signature.version}。")
    if signature.service not in trusted_services:
        raise EsignInvalid("untrusted_service", "电子签名不是由认可的电子签名服务作出的。")
    if signature.kind != kind:
        raise EsignInvalid("wrong_kind", "电子签名所签的不是这份文件。")
    if signature.document_sm3 != crypto.sm3_hex(document) or signature.byte_count != len(document):
        raise EsignInvalid("document_changed", "文件在签名后被改动过，或签名不是针对这份文件的。")
    if signature.signer_id_sm3 != signer_digest(signer_id_number):
        raise EsignInvalid("wrong_signer", "签名人不是申请人本人。")
    key = registry.lookup(caller=signature.service, key_id=signature.key_id)
    if key is None:
        raise EsignInvalid("unknown_key", "找不到电子签名服务的公钥。")
    try:
        der = base64.b64decode(signature.signature, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise EsignInvalid("malformed", "电子签名数据不完整。") from exc
    if not signing.sm2_verify(public_key=key, message=signature.statement(), signature=der):
        raise EsignInvalid("bad_signature", "电子签名验证不通过。")
