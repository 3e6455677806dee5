"""E-signatures: what a signature proves, and each way one can fail to prove it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from anju.core import crypto, esign, signing

SIGNER = "350102199203150519"
DOCUMENT = '{"title":"福建省公共租赁住房申请表","answers":{"phone":"13805910001"}}'.encode()


@pytest.fixture(scope="module")
def service_key() -> signing.Sm2PrivateKey:
    return signing.generate_keypair()


@pytest.fixture(scope="module")
def registry(service_key: signing.Sm2PrivateKey) -> signing.KeyRegistry:
    r = signing.KeyRegistry()
    r.add(caller="sandbox", key_id=service_key.key_id, public_key=service_key.public_key)
    return r


def made(key: signing.Sm2PrivateKey, document: bytes = DOCUMENT, **changes: str) -> esign.ESignature:
    return esign.esign_make(
        private_key=key,
        service=changes.get("service", "sandbox"),
        serial="ES-20261128-0001",
        kind=changes.get("kind", "application"),
        title="福建省公共租赁住房申请表",
        document_sm3=crypto.sm3_hex(document),
        byte_count=len(document),
        signer_name="林晓峰",
        signer_id_number=changes.get("signer", SIGNER),
        signed_at=datetime(2026, 11, 28, 2, 0, tzinfo=UTC),
    )


def verify(signature: esign.ESignature, registry: signing.KeyRegistry, document: bytes = DOCUMENT) -> None:
    esign.esign_verify(
        signature, registry=registry, document=document, signer_id_number=SIGNER, kind="application"
    )


def test_a_signature_by_the_trusted_service_over_the_document_verifies(service_key, registry) -> None:  # type: ignore[no-untyped-def]
    signature = made(service_key)
    verify(signature, registry)
    assert signature.version == 4 and signature.protection_range == "全文"
    assert SIGNER not in str(signature.as_dict())  # the signer is named by digest, not by number
    assert esign.ESignature.from_dict(signature.as_dict()) == signature


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda s, k: (s, DOCUMENT + b" "), "document_changed"),
        (lambda s, k: (made(k, signer="350104199011200641"), DOCUMENT), "wrong_signer"),
        (lambda s, k: (made(k, kind="pledge"), DOCUMENT), "wrong_kind"),
        (lambda s, k: (replace(s, signer_name="别人"), DOCUMENT), "bad_signature"),
        (lambda s, k: (replace(s, signed_at="2027-01-01T00:00:00+00:00"), DOCUMENT), "bad_signature"),
        (lambda s, k: (made(signing.generate_keypair()), DOCUMENT), "unknown_key"),
        (lambda s, k: (made(k, service="platform"), DOCUMENT), "untrusted_service"),
        (lambda s, k: (replace(s, signature="not base64!"), DOCUMENT), "malformed"),
        (lambda s, k: (replace(s, version=5), DOCUMENT), "version"),
    ],
)
def test_each_broken_claim_is_refused_with_its_reason(service_key, registry, change, code) -> None:  # type: ignore[no-untyped-def]
    signature, document = change(made(service_key), service_key)
    with pytest.raises(esign.EsignInvalid) as refused:
        verify(signature, registry, document)
    assert refused.value.code == code


def test_a_signature_with_a_field_missing_or_added_cannot_be_read(service_key) -> None:  # type: ignore[no-untyped-def]
    body = made(service_key).as_dict()
    with pytest.raises(esign.EsignInvalid):
        esign.ESignature.from_dict({k: v for k, v in body.items() if k != "serial"})
    with pytest.raises(esign.EsignInvalid):
        esign.ESignature.from_dict({**body, "extra": 1})
