"""Tests for anju.core.signing, including cross-library checks against tests/core/sm2_reference.py."""

from __future__ import annotations

import base64
import json
import stat
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import gmssl_pyx
import pytest

from anju.core import signing
from anju.core.crypto import sm3, sm3_hex
from anju.core.signing import (
    DEFAULT_SIGNER_ID,
    HEADER_CASE,
    HEADER_NONCE,
    HEADER_PURPOSE,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    KeyRegistry,
    MemoryNonceStore,
    SignatureError,
    Sm2PrivateKey,
    Sm2PublicKey,
    canonical_request,
    canonical_response,
    decode_signature_der,
    encode_signature_der,
    generate_keypair,
    load_or_create_keypair,
    sign_request,
    sign_response,
    sm2_message_digest,
    sm2_sign,
    sm2_verify,
    sm2_z,
    verify_request,
    verify_response,
)

from . import sm2_reference as ref

NOW = 1_764_000_000.0
VECTORS_PATH = Path(__file__).resolve().parents[2] / "docs" / "interfaces" / "signing-vectors.json"

# GM/T 0003.5-2012 / GB/T 32918.5-2017 worked signature example on the recommended curve.
EXAMPLE_D = 0x3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8
EXAMPLE_XA = 0x09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020
EXAMPLE_YA = 0xCCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13
EXAMPLE_K = 0x59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21
EXAMPLE_R = 0xF5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3
EXAMPLE_S = 0xB1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA


def _ref_point(public_key: Sm2PublicKey) -> tuple[int, int]:
    return (int.from_bytes(public_key.point[1:33], "big"), int.from_bytes(public_key.point[33:], "big"))


@pytest.fixture(scope="module")
def key() -> Sm2PrivateKey:
    return generate_keypair()


@pytest.fixture
def registry(key: Sm2PrivateKey) -> KeyRegistry:
    return KeyRegistry(keys={"platform": {key.key_id: key.public_key}})


def _signed(key: Sm2PrivateKey, **overrides: Any) -> tuple[dict[str, str], bytes]:
    body: bytes = overrides.pop("body", b'{"applicant":"\xe9\x99\x88"}')
    arguments: dict[str, Any] = {
        "method": "POST",
        "path": "/housing/v1/cases?dry_run=1",
        "body": body,
        "caller": "platform",
        "key_id": key.key_id,
        "private_key": key,
        "message_id": "msg-1",
        "user": "u-42",
        "purpose": "申请公租房资格审核",
        "case": "FJ350100-2025-000001",
        "now": NOW,
    }
    arguments.update(overrides)
    return sign_request(**arguments), body


def _verify(
    headers: Mapping[str, str],
    body: bytes,
    registry: KeyRegistry,
    *,
    path: str = "/housing/v1/cases?dry_run=1",
    method: str = "post",
    now: float = NOW,
    nonces: MemoryNonceStore | None = None,
) -> signing.VerifiedRequest:
    return verify_request(
        method=method,
        path=path,
        headers=headers,
        body=body,
        registry=registry,
        nonces=MemoryNonceStore() if nonces is None else nonces,
        now=now,
    )


def _error_code(headers: Mapping[str, str], body: bytes, registry: KeyRegistry, **kwargs: Any) -> str:
    with pytest.raises(SignatureError) as info:
        _verify(headers, body, registry, **kwargs)
    assert info.value.http_status == 401
    assert info.value.to_body()["error"]["code"] == info.value.code
    return info.value.code


# Keys


def test_key_serialisation_and_key_id(key: Sm2PrivateKey) -> None:
    assert len(key.to_hex()) == 64
    assert key.public_key.to_hex().startswith("04") and len(key.public_key.to_hex()) == 130
    assert Sm2PrivateKey.from_hex(key.to_hex()) == key
    assert Sm2PublicKey.from_hex(key.public_key.to_hex().upper()) == key.public_key
    assert key.key_id == sm3_hex(key.public_key.point)[:16]
    assert key.to_hex() not in repr(key)


def test_public_key_validation() -> None:
    good = Sm2PrivateKey.from_hex(format(EXAMPLE_D, "064x")).public_key
    with pytest.raises(ValueError):
        Sm2PublicKey.from_hex(good.to_hex()[2:])  # X ‖ Y without 04
    with pytest.raises(ValueError):
        Sm2PublicKey(point=good.point[:-1] + bytes([good.point[-1] ^ 1]))  # off the curve
    with pytest.raises(ValueError):
        Sm2PrivateKey(secret=bytes(32))
    with pytest.raises(ValueError):
        Sm2PrivateKey(secret=(ref.N - 1).to_bytes(32, "big"))


def test_derived_public_key_matches_reference_and_gmssl() -> None:
    for _ in range(5):
        public_xy, secret = gmssl_pyx.sm2_key_generate()
        key = Sm2PrivateKey(secret=secret)
        assert key.public_key.xy == public_xy
        assert (
            ref.encode_public(ref.public_from_private(int.from_bytes(secret, "big"))) == key.public_key.point
        )


def test_load_or_create_keypair(tmp_path: Path) -> None:
    first = load_or_create_keypair(directory=tmp_path / "keys", system="housing")
    key_path = tmp_path / "keys" / "housing.sm2.key"
    pub_path = tmp_path / "keys" / "housing.sm2.pub"
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert key_path.read_text().strip() == first.to_hex()
    assert pub_path.read_text().strip() == first.public_key.to_hex()
    assert load_or_create_keypair(directory=tmp_path / "keys", system="housing") == first
    registry = KeyRegistry.from_directory(tmp_path / "keys")
    assert registry.lookup(caller="housing", key_id=first.key_id) == first.public_key
    pub_path.unlink()
    assert load_or_create_keypair(directory=tmp_path / "keys", system="housing") == first
    assert pub_path.exists()
    pub_path.write_text(generate_keypair().public_key.to_hex() + "\n")
    with pytest.raises(ValueError):
        load_or_create_keypair(directory=tmp_path / "keys", system="housing")
    with pytest.raises(ValueError):
        load_or_create_keypair(directory=tmp_path, system="../x")


def test_registry_from_json(tmp_path: Path, key: Sm2PrivateKey) -> None:
    path = tmp_path / "registry.json"
    path.write_text(json.dumps({"sandbox": {"partner-key-2025": key.public_key.to_hex()}}))
    registry = KeyRegistry.from_json(path)
    assert registry.lookup(caller="sandbox", key_id="partner-key-2025") == key.public_key
    assert registry.lookup(caller="sandbox", key_id="other") is None
    assert list(registry) == [("sandbox", "partner-key-2025")]
    path.write_text(json.dumps({"sandbox": {"k": "04" + "00" * 64}}))
    with pytest.raises(ValueError):
        KeyRegistry.from_json(path)


# SM2 primitives


def test_sign_verify_round_trip_is_der(key: Sm2PrivateKey) -> None:
    for index in range(64):  # enough to hit 70/71/72-byte encodings
        message = f"message {index}".encode()
        signature = sm2_sign(private_key=key, message=message)
        assert signature[0] == 0x30 and 68 <= len(signature) <= 72
        r, s = decode_signature_der(signature)
        assert encode_signature_der(r=r, s=s) == signature
        assert sm2_verify(public_key=key.public_key, message=message, signature=signature)
        assert not sm2_verify(public_key=key.public_key, message=message + b"!", signature=signature)


def test_raw_r_s_signature_rejected(key: Sm2PrivateKey) -> None:
    signature = sm2_sign(private_key=key, message=b"m")
    r, s = decode_signature_der(signature)
    raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    assert not sm2_verify(public_key=key.public_key, message=b"m", signature=raw)
    with pytest.raises(ValueError):
        decode_signature_der(raw)


def test_non_minimal_der_rejected(key: Sm2PrivateKey) -> None:
    signature = sm2_sign(private_key=key, message=b"m")
    r, s = decode_signature_der(signature)
    body_r = b"\x00" + r.to_bytes(33, "big")  # two leading zero bytes: not minimal
    body_s = s.to_bytes(33, "big")
    content = b"\x02" + bytes([len(body_r)]) + body_r + b"\x02" + bytes([len(body_s)]) + body_s
    padded = b"\x30" + bytes([len(content)]) + content
    assert not sm2_verify(public_key=key.public_key, message=b"m", signature=padded)
    assert not sm2_verify(public_key=key.public_key, message=b"m", signature=signature + b"\x00")


def test_z_and_digest_match_gmssl_digest_api(key: Sm2PrivateKey) -> None:
    """gmssl_pyx.sm2_sign computes e = SM3(Z ‖ M) with the default ID; our Z agrees."""
    message = b"abc"
    assert sm2_z(key.public_key) == ref.z_value(public=_ref_point(key.public_key))
    digest = sm2_message_digest(public_key=key.public_key, message=message)
    assert digest == sm3(sm2_z(key.public_key) + message)
    signature = gmssl_pyx.sm2_sign_sm3_digest(key.secret, digest)
    assert sm2_verify(public_key=key.public_key, message=message, signature=signature)
    assert sm2_z(key.public_key, signer_id=b"ALICE123@YAHOO.COM") == ref.z_value(
        public=_ref_point(key.public_key), user_id=b"ALICE123@YAHOO.COM"
    )


# Cross-library: pure-Python reference vs gmssl_pyx


def test_our_signature_verifies_with_reference(key: Sm2PrivateKey) -> None:
    for index in range(8):
        message = f"跨库验证 {index}".encode()
        signature = sm2_sign(private_key=key, message=message)
        parsed = ref.der_decode(signature)
        assert ref.verify(public=_ref_point(key.public_key), message=message, signature=parsed)
        assert not ref.verify(public=_ref_point(key.public_key), message=message + b"x", signature=parsed)


def test_reference_signature_verifies_with_ours(key: Sm2PrivateKey) -> None:
    d = int.from_bytes(key.secret, "big")
    for k in (0x1234567, ref.N - 2, 0xDEADBEEF << 200):
        message = b"reference signer " + k.to_bytes(32, "big")
        reference = ref.sign(d=d, message=message, k=k)
        der = ref.der_encode(reference)
        assert sm2_verify(public_key=key.public_key, message=message, signature=der)
        assert not sm2_verify(public_key=key.public_key, message=message[:-1], signature=der)


def test_gmt_0003_5_example() -> None:
    """Key, Z, e and (r, s) of the GM/T 0003.5 / GB/T 32918.5 example (ID 1234567812345678)."""
    public = ref.public_from_private(EXAMPLE_D)
    assert public == (EXAMPLE_XA, EXAMPLE_YA)
    assert (
        ref.z_value(public=public).hex() == "b2e14c5c79c6df5b85f4fe7ed8db7a262b9da7e07ccb0ea9f4747b8ccda8a4f3"
    )
    e = ref.message_digest(public=public, message=b"message digest")
    assert format(e, "064x") == "f0b43e94ba45accaace692ed534382eb17e6ab5a19ce7b31f4486fdfc0d28640"
    signature = ref.sign(d=EXAMPLE_D, message=b"message digest", k=EXAMPLE_K)
    assert (signature.r, signature.s) == (EXAMPLE_R, EXAMPLE_S)

    ours = Sm2PrivateKey(secret=EXAMPLE_D.to_bytes(32, "big"))
    assert ours.public_key.point == ref.encode_public(public)
    assert sm2_z(ours.public_key) == ref.z_value(public=public)
    der = encode_signature_der(r=EXAMPLE_R, s=EXAMPLE_S)
    assert der == ref.der_encode(signature)
    assert sm2_verify(public_key=ours.public_key, message=b"message digest", signature=der)
    assert gmssl_pyx.sm2_verify(ours.public_key.xy, b"message digest", der, DEFAULT_SIGNER_ID)
    assert not sm2_verify(public_key=ours.public_key, message=b"message digesT", signature=der)


# Request protocol


def test_request_round_trip(key: Sm2PrivateKey, registry: KeyRegistry) -> None:
    headers, body = _signed(key)
    assert headers[HEADER_PURPOSE].isascii()
    assert all(value.isascii() for value in headers.values())
    verified = _verify(headers, body, registry)
    assert verified.caller == "platform"
    assert verified.key_id == key.key_id
    assert verified.message_id == "msg-1"
    assert verified.user == "u-42"
    assert verified.purpose == "申请公租房资格审核"
    assert verified.case == "FJ350100-2025-000001"
    assert verified.timestamp == int(NOW)
    assert verified.nonce == headers[HEADER_NONCE]


def test_request_headers_are_case_insensitive(key: Sm2PrivateKey, registry: KeyRegistry) -> None:
    headers, body = _signed(key)
    lowered = {name.lower(): value for name, value in headers.items()}
    assert _verify(lowered, body, registry).caller == "platform"


def test_optional_headers_omitted_when_empty(key: Sm2PrivateKey, registry: KeyRegistry) -> None:
    headers, _ = _signed(key, user="", purpose="", case="", body=b"")
    assert HEADER_CASE not in headers and HEADER_PURPOSE not in headers
    verified = _verify(headers, b"", registry)
    assert (verified.user, verified.purpose, verified.case) == ("", "", "")


def test_tampered_body(key: Sm2PrivateKey, registry: KeyRegistry) -> None:
    headers, body = _signed(key)
    assert _error_code(headers, body + b" ", registry) == "signature_invalid"


def test_tampered_path(key: Sm2PrivateKey, registry: KeyRegistry) -> None:
    headers, body = _signed(key)
    assert _error_code(headers, body, registry, path="/housing/v1/cases?dry_run=0") == "signature_invalid"
    assert _error_code(headers, body, registry, path="/housing/v1/cases") == "signature_invalid"
    assert _error_code(headers, body, registry, method="PUT") == "signature_invalid"


def test_tampered_purpose_and_case(key: Sm2PrivateKey, registry: KeyRegistry) -> None:
    headers, body = _signed(key)
    forged = dict(headers, **{HEADER_PURPOSE: signing.encode_purpose("查询他人房产")})
    assert _error_code(forged, body, registry) == "signature_invalid"
    dropped = {name: value for name, value in headers.items() if name != HEADER_CASE}
    assert _error_code(dropped, body, registry) == "signature_invalid"


@pytest.mark.parametrize("skew", [301, -301, 10_000])
def test_stale_timestamp(key: Sm2PrivateKey, registry: KeyRegistry, skew: int) -> None:
    headers, body = _signed(key)
    assert _error_code(headers, body, registry, now=NOW + skew) == "timestamp_stale"


@pytest.mark.parametrize("skew", [300, -300, 0])
def test_timestamp_window_is_inclusive(key: Sm2PrivateKey, registry: KeyRegistry, skew: int) -> None:
    headers, body = _signed(key)
    assert _verify(headers, body, registry, now=NOW + skew).caller == "platform"


def test_replayed_nonce(key: Sm2PrivateKey, registry: KeyRegistry) -> None:
    nonces = MemoryNonceStore()
    headers, body = _signed(key)
    _verify(headers, body, registry, nonces=nonces)
    assert _error_code(headers, body, registry, nonces=nonces) == "nonce_replayed"
    again, _ = _signed(key, message_id="msg-2")  # fresh nonce: accepted
    assert _verify(again, body, registry, nonces=nonces).message_id == "msg-2"


def test_nonce_remembered_only_after_valid_signature(key: Sm2PrivateKey, registry: KeyRegistry) -> None:
    nonces = MemoryNonceStore()
    headers, body = _signed(key)
    assert _error_code(headers, body + b"x", registry, nonces=nonces) == "signature_invalid"
    assert _verify(headers, body, registry, nonces=nonces).caller == "platform"


def test_unknown_caller_and_key(key: Sm2PrivateKey, registry: KeyRegistry) -> None:
    headers, body = _signed(key, caller="stranger")
    assert _error_code(headers, body, registry) == "unknown_caller"
    headers, body = _signed(key, key_id="0000000000000000")
    assert _error_code(headers, body, registry) == "unknown_caller"


def test_other_key_signature_invalid(key: Sm2PrivateKey, registry: KeyRegistry) -> None:
    other = generate_keypair()
    headers, body = _signed(other, key_id=key.key_id)
    assert _error_code(headers, body, registry) == "signature_invalid"


def test_missing_headers(key: Sm2PrivateKey, registry: KeyRegistry) -> None:
    headers, body = _signed(key)
    for name in (HEADER_SIGNATURE, HEADER_NONCE, HEADER_TIMESTAMP):
        partial = {k: v for k, v in headers.items() if k != name}
        assert _error_code(partial, body, registry) == "signature_missing"
    assert _error_code({}, body, registry) == "signature_missing"


def test_raw_signature_header_is_malformed(key: Sm2PrivateKey, registry: KeyRegistry) -> None:
    headers, body = _signed(key)
    r, s = decode_signature_der(base64.b64decode(headers[HEADER_SIGNATURE]))
    raw = base64.b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big")).decode()
    assert _error_code(dict(headers, **{HEADER_SIGNATURE: raw}), body, registry) == "signature_malformed"
    assert _error_code(dict(headers, **{HEADER_SIGNATURE: "not base64!"}), body, registry) == (
        "signature_malformed"
    )
    assert _error_code(dict(headers, **{HEADER_TIMESTAMP: "17e8"}), body, registry) == "signature_malformed"


def test_sign_request_rejects_unsafe_values(key: Sm2PrivateKey) -> None:
    with pytest.raises(ValueError):
        _signed(key, user="张三")  # header values are ASCII; only the purpose is percent-encoded
    with pytest.raises(ValueError):
        _signed(key, case="a\nb")
    with pytest.raises(ValueError):
        _signed(key, nonce="short")
    with pytest.raises(ValueError):
        _signed(key, purpose="长" * 201)


def test_canonical_request_layout() -> None:
    text = canonical_request(
        method="get",
        path="/p?q=1",
        timestamp="1",
        nonce="n",
        caller="c",
        key_id="k",
        message_id="m",
        user="",
        purpose_header="",
        case="",
        body=b"",
    )
    assert text.split("\n") == [
        "ANJU-SM2-SM3-V1",
        "GET",
        "/p?q=1",
        "1",
        "n",
        "c",
        "k",
        "m",
        "",
        "",
        "",
        sm3_hex(b""),
    ]
    assert not text.endswith("\n")


def test_error_messages_are_chinese() -> None:
    error = SignatureError("nonce_replayed")
    assert error.to_body() == {"error": {"code": "nonce_replayed", "message": error.message}}
    assert any("\u4e00" <= char <= "\u9fff" for char in error.message)
    with pytest.raises(ValueError):
        SignatureError("no_such_code")


# Nonce store


def test_memory_nonce_store_purges_and_is_thread_safe() -> None:
    store = MemoryNonceStore(window_seconds=300)
    assert store.remember(caller="a", nonce="n1", timestamp=1000)
    assert not store.remember(caller="a", nonce="n1", timestamp=1000)
    assert store.remember(caller="b", nonce="n1", timestamp=1000)  # nonces are per caller
    assert store.remember(caller="a", nonce="n2", timestamp=1600)  # 600 s later: n1 still kept
    assert not store.remember(caller="a", nonce="n1", timestamp=1000)
    assert store.remember(caller="a", nonce="n3", timestamp=1601)  # n1 now older than 2× window
    assert store.count() == 2

    results: list[bool] = []
    lock = threading.Lock()

    def worker() -> None:
        outcome = store.remember(caller="c", nonce="same", timestamp=1601)
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 1


# Responses


def test_response_round_trip_and_tampering(key: Sm2PrivateKey, registry: KeyRegistry) -> None:
    housing = generate_keypair()
    registry.add(caller="housing", key_id=housing.key_id, public_key=housing.public_key)
    nonce = "q1Yk3c5sVb0r8wZt2nXe7A"
    body = b'{"status":"received"}'
    headers = sign_response(
        status_code=201,
        body=body,
        request_nonce=nonce,
        responder="housing",
        key_id=housing.key_id,
        private_key=housing,
        now=NOW,
    )

    def check(**overrides: Any) -> signing.VerifiedResponse:
        arguments: dict[str, Any] = {
            "status_code": 201,
            "headers": headers,
            "body": body,
            "request_nonce": nonce,
            "registry": registry,
            "expected_responder": "housing",
            "now": NOW + 1,
        }
        arguments.update(overrides)
        return verify_response(**arguments)

    verified = check()
    assert (verified.responder, verified.key_id, verified.timestamp) == ("housing", housing.key_id, int(NOW))
    for overrides, code in (
        ({"status_code": 200}, "signature_invalid"),
        ({"body": b"{}"}, "signature_invalid"),
        ({"request_nonce": "another-nonce-0000000"}, "signature_invalid"),
        ({"now": NOW + 301}, "timestamp_stale"),
        ({"expected_responder": "platform"}, "unknown_caller"),
        ({"headers": {k: v for k, v in headers.items() if k != HEADER_SIGNATURE}}, "signature_missing"),
        ({"registry": KeyRegistry()}, "unknown_caller"),
    ):
        with pytest.raises(SignatureError) as info:
            check(**overrides)
        assert info.value.code == code, overrides


def test_response_to_request_without_nonce_is_still_signed(key: Sm2PrivateKey, registry: KeyRegistry) -> None:
    body = b'{"error":{"code":"signature_missing","message":"x"}}'
    headers = sign_response(
        status_code=401, body=body, request_nonce="", responder="platform", key_id=key.key_id, private_key=key
    )
    verified = verify_response(
        status_code=401, headers=headers, body=body, request_nonce="", registry=registry
    )
    assert verified.responder == "platform"


# Published vectors (docs/interfaces/signing-vectors.json)


def test_published_vectors_match_code() -> None:
    vectors = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))
    private = Sm2PrivateKey.from_hex(vectors["private_key_hex"])
    public = Sm2PublicKey.from_hex(vectors["public_key_hex"])
    assert private.public_key == public
    assert public.key_id == vectors["key_id"]
    assert vectors["signer_id"].encode() == DEFAULT_SIGNER_ID
    assert sm2_z(public).hex() == vectors["z_hex"] == ref.z_value(public=_ref_point(public)).hex()
    registry = KeyRegistry()

    request = vectors["request"]
    body = bytes.fromhex(request["body_hex"])
    assert body.decode() == request["body_utf8"]
    assert sm3_hex(body) == request["body_sm3_hex"]
    assert signing.encode_purpose(request["purpose"]) == request["purpose_header"]
    canonical = canonical_request(
        method=request["method"],
        path=request["path"],
        timestamp=request["timestamp"],
        nonce=request["nonce"],
        caller=request["caller"],
        key_id=request["key_id"],
        message_id=request["message_id"],
        user=request["user"],
        purpose_header=request["purpose_header"],
        case=request["case"],
        body=body,
    )
    assert canonical == request["canonical_string"]
    assert sm3_hex(canonical.encode()) == request["canonical_sm3_hex"]
    assert (
        sm2_message_digest(public_key=public, message=canonical.encode()).hex()
        == request["signed_digest_e_hex"]
    )
    signature = bytes.fromhex(request["signature_der_hex"])
    assert base64.b64encode(signature).decode() == request["headers"][HEADER_SIGNATURE]
    assert decode_signature_der(signature) == (
        int(request["signature_r_hex"], 16),
        int(request["signature_s_hex"], 16),
    )
    assert sm2_verify(public_key=public, message=canonical.encode(), signature=signature)
    assert ref.verify(
        public=_ref_point(public), message=canonical.encode(), signature=ref.der_decode(signature)
    )
    registry.add(caller=request["caller"], key_id=request["key_id"], public_key=public)
    verified = verify_request(
        method=request["method"],
        path=request["path"],
        headers=request["headers"],
        body=body,
        registry=registry,
        nonces=MemoryNonceStore(),
        now=float(request["timestamp"]),
    )
    assert verified.purpose == request["purpose"]
    assert verified.case == request["case"]

    response = vectors["response"]
    response_body = response["body_utf8"].encode()
    assert sm3_hex(response_body) == response["body_sm3_hex"]
    response_canonical = canonical_response(
        status_code=response["status_code"],
        request_nonce=response["request_nonce"],
        responder=response["responder"],
        key_id=response["key_id"],
        timestamp=response["timestamp"],
        body=response_body,
    )
    assert response_canonical == response["canonical_string"]
    assert sm3_hex(response_canonical.encode()) == response["canonical_sm3_hex"]
    response_signature = bytes.fromhex(response["signature_der_hex"])
    assert ref.verify(
        public=_ref_point(public),
        message=response_canonical.encode(),
        signature=ref.der_decode(response_signature),
    )
    registry.add(caller=response["responder"], key_id=response["key_id"], public_key=public)
    verify_response(
        status_code=response["status_code"],
        headers=response["headers"],
        body=response_body,
        request_nonce=response["request_nonce"],
        registry=registry,
        expected_responder=response["responder"],
        now=float(response["timestamp"]),
    )


def test_signing_doc_contains_the_vector() -> None:
    vectors = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))
    doc = (VECTORS_PATH.parent / "signing.md").read_text(encoding="utf-8")
    for value in (
        vectors["public_key_hex"],
        vectors["key_id"],
        vectors["z_hex"],
        vectors["request"]["canonical_string"],
        vectors["request"]["canonical_sm3_hex"],
        vectors["request"]["signed_digest_e_hex"],
        vectors["request"]["signature_der_hex"],
        vectors["request"]["headers"][HEADER_SIGNATURE],
        vectors["response"]["canonical_string"],
        vectors["response"]["signature_der_hex"],
    ):
        assert value in doc, value
