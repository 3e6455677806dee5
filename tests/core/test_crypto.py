"""Tests for anju.core.crypto: SM3/SM4 standard vectors, HMAC-SM3, field encryption, blind indexes."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import gmssl_pyx
import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from anju.core.crypto import (
    BlindIndex,
    DataKeys,
    DecryptionError,
    FieldCipher,
    hmac_sm3,
    load_or_create_data_keys,
    rotate_data_key,
    sm3,
    sm3_hex,
)

KEY_A = bytes(range(16))
KEY_B = bytes(range(16, 32))
CONTEXT = "platform.applications.id_number"


# GB/T 32905-2016 Appendix A


def test_sm3_standard_vector_abc() -> None:
    assert sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_sm3_standard_vector_64_bytes() -> None:
    assert sm3_hex(b"abcd" * 16) == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"


def test_sm3_bytes_and_gmssl_agree() -> None:
    data = "申请公租房一件事".encode()
    assert sm3(data) == bytes.fromhex(sm3_hex(data))
    assert sm3(data) == gmssl_pyx.sm3_hash(data)


# GB/T 32907-2016 Appendix A, example 1 (one block)


def test_sm4_standard_vector() -> None:
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()  # noqa: S305 - single-block KAT
    ciphertext = encryptor.update(key) + encryptor.finalize()
    assert ciphertext.hex() == "681edf34d206965e86b3e94f536e4246"


@pytest.mark.parametrize(
    ("key", "data"),
    [(b"key", b"data"), (b"k" * 64, b""), (b"k" * 100, "生僻字𠀀".encode()), (bytes(32), b"abc" * 50)],
)
def test_hmac_sm3_matches_gmssl(key: bytes, data: bytes) -> None:
    assert hmac_sm3(key=key, data=data) == gmssl_pyx.sm3_hmac(key, data)


# FieldCipher


def _cipher(current: str = "k1") -> FieldCipher:
    return FieldCipher(keys={"k1": KEY_A, "k2": KEY_B}, current_key_id=current)


def test_field_cipher_round_trip_and_token_shape() -> None:
    cipher = _cipher()
    token = cipher.encrypt("350102199001011234", context=CONTEXT)
    prefix, key_id, payload = token.split(".")
    assert (prefix, key_id) == ("sm4gcm", "k1")
    assert "=" not in payload and token.isascii()
    assert len(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))) == 12 + 18 + 16
    assert cipher.decrypt(token, context=CONTEXT) == "350102199001011234"
    assert cipher.encrypt("350102199001011234", context=CONTEXT) != token  # fresh nonce


def test_field_cipher_token_is_standard_sm4_gcm() -> None:
    token = _cipher().encrypt("abc", context=CONTEXT)
    raw = base64.urlsafe_b64decode(token.split(".")[2] + "==")
    nonce, body, tag = raw[:12], raw[12:-16], raw[-16:]
    decryptor = Cipher(algorithms.SM4(KEY_A), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(CONTEXT.encode())
    assert decryptor.update(body) + decryptor.finalize() == b"abc"


@pytest.mark.parametrize("plaintext", ["𠀀𪚥䶮", "陈䶮（生僻字）", "福建省福州市鼓楼区", "", "a\u0000b"])
def test_field_cipher_chinese_and_rare_characters(plaintext: str) -> None:
    cipher = _cipher()
    assert cipher.decrypt(cipher.encrypt(plaintext, context=CONTEXT), context=CONTEXT) == plaintext


def test_field_cipher_tampered_token_fails() -> None:
    cipher = _cipher()
    token = cipher.encrypt("13800000000", context=CONTEXT)
    prefix, key_id, payload = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    for index in (0, 13, len(raw) - 1):  # nonce, ciphertext, tag
        tampered = bytearray(raw)
        tampered[index] ^= 0x01
        bad = f"{prefix}.{key_id}." + base64.urlsafe_b64encode(bytes(tampered)).rstrip(b"=").decode()
        with pytest.raises(DecryptionError) as info:
            cipher.decrypt(bad, context=CONTEXT)
        assert info.value.code == "decryption_failed"


def test_field_cipher_wrong_context_fails() -> None:
    cipher = _cipher()
    token = cipher.encrypt("13800000000", context="platform.applications.phone")
    with pytest.raises(DecryptionError) as info:
        cipher.decrypt(token, context="platform.applications.id_number")
    assert info.value.code == "decryption_failed"
    assert isinstance(info.value, ValueError)
    assert "解密" in info.value.message


def test_field_cipher_swapped_key_id_fails() -> None:
    cipher = _cipher()
    token = cipher.encrypt("x", context=CONTEXT)
    with pytest.raises(DecryptionError) as info:
        cipher.decrypt(token.replace(".k1.", ".k2."), context=CONTEXT)
    assert info.value.code == "decryption_failed"


@pytest.mark.parametrize(
    "token",
    [
        "",
        "sm4gcm.k1",
        "aes.k1.AAAA",
        "sm4gcm.k1.AAAA",
        "sm4gcm.k 1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "sm4gcm.k1.!!!",
    ],
)
def test_field_cipher_malformed_tokens(token: str) -> None:
    with pytest.raises(DecryptionError) as info:
        _cipher().decrypt(token)
    assert info.value.code == "token_malformed"


def test_field_cipher_unknown_key_id() -> None:
    token = FieldCipher(keys={"k9": KEY_A}, current_key_id="k9").encrypt("x")
    with pytest.raises(DecryptionError) as info:
        _cipher().decrypt(token)
    assert info.value.code == "unknown_key_id"


def test_field_cipher_rejects_bad_configuration() -> None:
    with pytest.raises(ValueError):
        FieldCipher(keys={"k1": b"short"}, current_key_id="k1")
    with pytest.raises(ValueError):
        FieldCipher(keys={"k1": KEY_A}, current_key_id="k2")
    with pytest.raises(ValueError):
        FieldCipher(keys={"k.1": KEY_A}, current_key_id="k.1")
    with pytest.raises(ValueError):
        FieldCipher(keys={}, current_key_id="k1")


def test_rotation_keeps_old_tokens_and_reencrypts_to_new_key() -> None:
    old = FieldCipher(keys={"k1": KEY_A}, current_key_id="k1")
    token = old.encrypt("陈䶮", context=CONTEXT)
    rotated = _cipher(current="k2")
    assert rotated.needs_rotation(token)
    assert rotated.decrypt(token, context=CONTEXT) == "陈䶮"
    fresh = rotated.reencrypt(token, context=CONTEXT)
    assert rotated.key_id_of(fresh) == "k2"
    assert not rotated.needs_rotation(fresh)
    assert rotated.decrypt(fresh, context=CONTEXT) == "陈䶮"
    with pytest.raises(DecryptionError):
        rotated.reencrypt(token, context="other")


# BlindIndex


def test_blind_index_stable_and_kind_separated() -> None:
    index = BlindIndex(key=b"i" * 32)
    first = index.digest("350102199001011234", kind="id_number")
    assert first == index.digest("350102199001011234", kind="id_number")
    assert first == hmac_sm3(key=b"i" * 32, data=b"id_number\x1f350102199001011234").hex()
    assert len(first) == 64
    assert first != index.digest("350102199001011234", kind="phone")
    assert first != BlindIndex(key=b"j" * 32).digest("350102199001011234", kind="id_number")
    assert index.digest("陈䶮", kind="name") == index.digest("陈䶮", kind="name")


def test_blind_index_rejects_bad_kind_and_key() -> None:
    with pytest.raises(ValueError):
        BlindIndex(key=b"short")
    with pytest.raises(ValueError):
        BlindIndex(key=b"i" * 32).digest("x", kind="")
    with pytest.raises(ValueError):
        BlindIndex(key=b"i" * 32).digest("x", kind="a\x1fb")


# DataKeys on disk


def test_data_keys_created_once_with_private_mode(tmp_path: Path) -> None:
    directory = tmp_path / "keys"
    keys = load_or_create_data_keys(directory=directory, system="platform")
    path = directory / "platform.datakeys.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = json.loads(path.read_text())
    assert set(data) == {"current", "keys", "index_key"}
    assert data["keys"][data["current"]] == keys.keys[keys.current_key_id].hex()
    assert len(bytes.fromhex(data["index_key"])) == 32
    again = load_or_create_data_keys(directory=directory, system="platform")
    assert again == keys
    token = keys.field_cipher().encrypt("x", context=CONTEXT)
    assert again.field_cipher().decrypt(token, context=CONTEXT) == "x"
    assert keys.blind_index().digest("x", kind="k") == again.blind_index().digest("x", kind="k")
    assert keys.index_key.hex() not in repr(keys)
    assert keys.keys[keys.current_key_id].hex() not in repr(keys)


def test_rotate_data_key(tmp_path: Path) -> None:
    keys = load_or_create_data_keys(directory=tmp_path, system="housing")
    token = keys.field_cipher().encrypt("旧密钥", context=CONTEXT)
    new_id = rotate_data_key(directory=tmp_path, system="housing")
    rotated = load_or_create_data_keys(directory=tmp_path, system="housing")
    assert rotated.current_key_id == new_id != keys.current_key_id
    assert set(rotated.keys) == {keys.current_key_id, new_id}
    assert rotated.index_key == keys.index_key
    cipher = rotated.field_cipher()
    assert cipher.needs_rotation(token)
    assert cipher.decrypt(token, context=CONTEXT) == "旧密钥"
    assert cipher.key_id_of(cipher.reencrypt(token, context=CONTEXT)) == new_id
    assert stat.S_IMODE((tmp_path / "housing.datakeys.json").stat().st_mode) == 0o600


def test_data_keys_reject_bad_system_and_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        load_or_create_data_keys(directory=tmp_path, system="../etc")
    (tmp_path / "bad.datakeys.json").write_text('{"current": "k1", "keys": {}, "index_key": "00"}')
    with pytest.raises(ValueError):
        load_or_create_data_keys(directory=tmp_path, system="bad")
    with pytest.raises(ValueError):
        DataKeys.from_json({"current": "k1", "keys": {"k1": "zz"}, "index_key": "00" * 32})
