"""The e-signature stand-in: it signs a document's digest for a resident known to 统一身份认证, and the
platform's check (core/esign.esign_verify) accepts exactly that document and signer."""

from __future__ import annotations

import pytest

from anju.core import crypto, esign
from tests.conftest import Systems
from tests.support.signed import signed_post

LIN = {"name": "林晓峰", "id_number": "350102199203150519"}
DOCUMENT = "公租房申请表（测试）".encode()


def sign(systems: Systems, signer: dict[str, str], *, as_system: str = "platform") -> object:
    payload = {
        "signer": signer,
        "documents": [
            {
                "kind": "application",
                "title": "申请表",
                "sm3": crypto.sm3_hex(DOCUMENT),
                "byte_count": len(DOCUMENT),
            }
        ],
    }
    return signed_post(
        systems.client("sandbox"),
        as_system=systems.runtimes[as_system],
        path="/v1/esign/signatures",
        payload=payload,
    )


def test_a_signature_verifies_for_that_document_and_that_signer_only(systems: Systems) -> None:
    response = sign(systems, LIN)
    assert response.status_code == 200
    signature = esign.ESignature(**response.json()["signatures"][0])
    registry = systems.runtimes["platform"].api.registry
    esign.esign_verify(
        signature, registry=registry, document=DOCUMENT, signer_id_number=LIN["id_number"], kind="application"
    )
    with pytest.raises(esign.EsignInvalid) as changed:
        esign.esign_verify(
            signature,
            registry=registry,
            document=DOCUMENT + b" ",
            signer_id_number=LIN["id_number"],
            kind="application",
        )
    assert changed.value.code == "document_changed"
    with pytest.raises(esign.EsignInvalid) as other:
        esign.esign_verify(
            signature,
            registry=registry,
            document=DOCUMENT,
            signer_id_number="350203198507080422",
            kind="application",
        )
    assert other.value.code == "wrong_signer"


def test_a_person_unknown_or_under_another_name_cannot_sign(systems: Systems) -> None:
    wrong_name = sign(systems, {**LIN, "name": "林晓"})
    assert wrong_name.status_code == 404 and wrong_name.json()["error"]["code"] == "signer_unknown"
    invalid = sign(systems, {**LIN, "id_number": "350102199203150518"})
    assert invalid.status_code == 422 and invalid.json()["error"]["code"] == "signer_id_invalid"


def test_only_the_platform_may_ask_for_a_signature(systems: Systems) -> None:
    refused = sign(systems, LIN, as_system="housing")
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "该系统无权使用电子签名服务。"
