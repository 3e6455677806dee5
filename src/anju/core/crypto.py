"""SM3 hashing, HMAC-SM3, SM4-GCM field encryption with key rotation, and blind indexes."""

from __future__ import annotations

import base64
import binascii
import fcntl
import json
import os
import re
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

__all__ = [
    "BlindIndex",
    "DataKeys",
    "DecryptionError",
    "FieldCipher",
    "hmac_sm3",
    "load_or_create_data_keys",
    "rotate_data_key",
    "sm3",
    "sm3_hex",
]

SM4_KEY_SIZE = 16
GCM_NONCE_SIZE = 12
GCM_TAG_SIZE = 16
FIELD_SCHEME = "sm4gcm"
INDEX_KEY_SIZE = 32

_KEY_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SYSTEM_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_B64URL_RE = re.compile(r"^[A-Za-z0-9_-]+$")


def sm3(data: bytes) -> bytes:
    """Return the 32-byte SM3 digest of data (GB/T 32905)."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


def sm3_hex(data: bytes) -> str:
    """Return the lowercase hex SM3 digest of data."""
    return sm3(data).hex()


def hmac_sm3(*, key: bytes, data: bytes) -> bytes:
    """Return the 32-byte HMAC-SM3 of data under key."""
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize()


class DecryptionError(ValueError):
    """A field token could not be decrypted; `code` is stable, `message` is for people."""

    MESSAGES: Mapping[str, str] = {
        "token_malformed": "字段密文格式不正确",
        "unknown_key_id": "字段密文使用的密钥标识未知",
        "decryption_failed": "字段密文无法解密（可能已被篡改或上下文不符）",
    }

    def __init__(self, code: str, message: str | None = None) -> None:
        self.code = code
        self.message = message or self.MESSAGES.get(code, "字段密文无法解密")
        super().__init__(f"{code}: {self.message}")


def _b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    if not _B64URL_RE.fullmatch(text) or len(text) % 4 == 1:
        raise DecryptionError("token_malformed")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise DecryptionError("token_malformed") from exc


class FieldCipher:
    """SM4-GCM field encryption producing `sm4gcm.<key_id>.<base64url(nonce ‖ ciphertext ‖ tag)>` tokens."""

    def __init__(self, *, keys: Mapping[str, bytes], current_key_id: str) -> None:
        """Hold the key ring; every key is 16 bytes and current_key_id must be one of them."""
        if not keys:
            raise ValueError("FieldCipher needs at least one key")
        for key_id, key in keys.items():
            if not _KEY_ID_RE.fullmatch(key_id):
                raise ValueError(f"invalid key id {key_id!r}")
            if len(key) != SM4_KEY_SIZE:
                raise ValueError(f"SM4 key {key_id!r} must be {SM4_KEY_SIZE} bytes")
        if current_key_id not in keys:
            raise ValueError(f"current key id {current_key_id!r} is not in the key ring")
        self._keys = dict(keys)
        self._current_key_id = current_key_id

    @property
    def current_key_id(self) -> str:
        """The key id new tokens are encrypted under."""
        return self._current_key_id

    def encrypt(self, plaintext: str, *, context: str = "") -> str:
        """Encrypt plaintext (UTF-8) under the current key, binding context as associated data."""
        nonce = os.urandom(GCM_NONCE_SIZE)
        encryptor = Cipher(algorithms.SM4(self._keys[self._current_key_id]), modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(context.encode("utf-8"))
        ciphertext = encryptor.update(plaintext.encode("utf-8")) + encryptor.finalize()
        payload = nonce + ciphertext + encryptor.tag
        return f"{FIELD_SCHEME}.{self._current_key_id}.{_b64url_encode(payload)}"

    def decrypt(self, token: str, *, context: str = "") -> str:
        """Decrypt a token with the key its key id names; raise DecryptionError on any failure."""
        key_id, payload = self._parse(token)
        key = self._keys.get(key_id)
        if key is None:
            raise DecryptionError("unknown_key_id")
        nonce = payload[:GCM_NONCE_SIZE]
        tag = payload[-GCM_TAG_SIZE:]
        ciphertext = payload[GCM_NONCE_SIZE:-GCM_TAG_SIZE]
        decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(context.encode("utf-8"))
        try:
            plaintext = decryptor.update(ciphertext) + decryptor.finalize()
        except InvalidTag as exc:
            raise DecryptionError("decryption_failed") from exc
        try:
            return plaintext.decode("utf-8")
        except UnicodeDecodeError as exc:  # pragma: no cover - authenticated data we wrote ourselves
            raise DecryptionError("decryption_failed") from exc

    def key_id_of(self, token: str) -> str:
        """Return the key id a token names (without decrypting it)."""
        return self._parse(token)[0]

    def needs_rotation(self, token: str) -> bool:
        """Whether the token was encrypted under a key other than the current one."""
        return self.key_id_of(token) != self._current_key_id

    def reencrypt(self, token: str, *, context: str = "") -> str:
        """Decrypt a token with its own key and encrypt the plaintext again under the current key."""
        return self.encrypt(self.decrypt(token, context=context), context=context)

    @staticmethod
    def _parse(token: str) -> tuple[str, bytes]:
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != FIELD_SCHEME or not _KEY_ID_RE.fullmatch(parts[1]):
            raise DecryptionError("token_malformed")
        payload = _b64url_decode(parts[2])
        if len(payload) < GCM_NONCE_SIZE + GCM_TAG_SIZE:
            raise DecryptionError("token_malformed")
        return parts[1], payload


class BlindIndex:
    """Keyed HMAC-SM3 index for equality search over encrypted fields."""

    def __init__(self, *, key: bytes) -> None:
        """Hold the index key (at least 16 bytes)."""
        if len(key) < 16:
            raise ValueError("blind index key must be at least 16 bytes")
        self._key = key

    def digest(self, value: str, *, kind: str) -> str:
        """Hex HMAC-SM3 over `kind + "\\x1f" + value`; the caller normalises value first."""
        if not kind or "\x1f" in kind:
            raise ValueError("blind index kind must be non-empty and must not contain U+001F")
        return hmac_sm3(key=self._key, data=f"{kind}\x1f{value}".encode()).hex()


@dataclass(frozen=True)
class DataKeys:
    """A system's data keys: SM4 field keys by id, the current id, and the blind index key."""

    current_key_id: str
    keys: Mapping[str, bytes] = field(repr=False)
    index_key: bytes = field(repr=False)

    def field_cipher(self) -> FieldCipher:
        """Return a FieldCipher over all keys, encrypting under the current one."""
        return FieldCipher(keys=self.keys, current_key_id=self.current_key_id)

    def blind_index(self) -> BlindIndex:
        """Return the BlindIndex for this system."""
        return BlindIndex(key=self.index_key)

    def to_json(self) -> dict[str, Any]:
        """Serialise as {"current": kid, "keys": {kid: hex}, "index_key": hex}."""
        return {
            "current": self.current_key_id,
            "keys": {kid: key.hex() for kid, key in self.keys.items()},
            "index_key": self.index_key.hex(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DataKeys:
        """Parse and validate the on-disk JSON shape."""
        try:
            current = data["current"]
            raw_keys = data["keys"]
            index_hex = data["index_key"]
            if (
                not isinstance(current, str)
                or not isinstance(raw_keys, dict)
                or not isinstance(index_hex, str)
            ):
                raise TypeError("wrong types")
            keys = {str(kid): bytes.fromhex(str(value)) for kid, value in raw_keys.items()}
            index_key = bytes.fromhex(index_hex)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"malformed data key file: {exc}") from exc
        result = cls(current_key_id=current, keys=keys, index_key=index_key)
        result.field_cipher()  # validates key ids, sizes and the current id
        result.blind_index()
        return result


def _new_key_id() -> str:
    return "k" + secrets.token_hex(4)


def _data_key_path(directory: Path, system: str) -> Path:
    if not _SYSTEM_RE.fullmatch(system):
        raise ValueError(f"invalid system name {system!r}")
    return directory / f"{system}.datakeys.json"


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    lock_path = path.with_name(path.name + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _write_private_json(path: Path, data: Mapping[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _read_data_keys(path: Path) -> DataKeys:
    with path.open(encoding="utf-8") as handle:
        return DataKeys.from_json(json.load(handle))


def load_or_create_data_keys(*, directory: Path, system: str) -> DataKeys:
    """Read `<directory>/<system>.datakeys.json`, creating it (mode 0600) with fresh keys on first run."""
    path = _data_key_path(directory, system)
    if path.exists():
        return _read_data_keys(path)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    with _locked(path):
        if path.exists():
            return _read_data_keys(path)
        key_id = _new_key_id()
        keys = DataKeys(
            current_key_id=key_id,
            keys={key_id: os.urandom(SM4_KEY_SIZE)},
            index_key=os.urandom(INDEX_KEY_SIZE),
        )
        _write_private_json(path, keys.to_json())
        return keys


def rotate_data_key(*, directory: Path, system: str) -> str:
    """Add a new SM4 key, make it current and return its id; old keys stay for decryption."""
    path = _data_key_path(directory, system)
    load_or_create_data_keys(directory=directory, system=system)
    with _locked(path):
        current = _read_data_keys(path)
        key_id = _new_key_id()
        while key_id in current.keys:  # pragma: no cover - 32-bit collision
            key_id = _new_key_id()
        rotated = DataKeys(
            current_key_id=key_id,
            keys={**current.keys, key_id: os.urandom(SM4_KEY_SIZE)},
            index_key=current.index_key,
        )
        _write_private_json(path, rotated.to_json())
    return key_id


def remove_data_key(*, directory: Path, system: str, key_id: str) -> None:
    """Drop an old SM4 key from the key file (core/rekey.retire_data_key checks nothing uses it first)."""
    path = _data_key_path(directory, system)
    with _locked(path):
        current = _read_data_keys(path)
        if key_id == current.current_key_id:
            raise ValueError("the current key cannot be removed")
        kept = {kid: key for kid, key in current.keys.items() if kid != key_id}
        _write_private_json(
            path,
            DataKeys(current_key_id=current.current_key_id, keys=kept, index_key=current.index_key).to_json(),
        )
