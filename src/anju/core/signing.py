"""SM2 message signing (GB/T 35276 usage) and the signed request/response protocol between systems.

Signatures are DER ``SEQUENCE { INTEGER r, INTEGER s }`` over e = SM3(Z ‖ M), where Z is computed
with the default signer ID ``1234567812345678``; public keys are the uncompressed point 04 ‖ X ‖ Y.
The wire protocol is specified in ``docs/interfaces/signing.md``.

Canonical request string (UTF-8, lines joined by "\\n", no trailing newline)::

    ANJU-SM2-SM3-V1
    <METHOD, upper case>
    <request target: path plus "?query" exactly as sent, or the path alone>
    <X-Anju-Timestamp: decimal unix seconds, as sent>
    <X-Anju-Nonce>
    <X-Anju-Caller>
    <X-Anju-Key-Id>
    <X-Anju-Message-Id>
    <X-Anju-User, or "">
    <X-Anju-Purpose as sent (percent-encoded UTF-8), or "">
    <X-Anju-Case, or "">
    <lowercase hex SM3 of the body bytes (SM3 of b"" when there is no body)>

Canonical response string::

    ANJU-SM2-SM3-V1-RESPONSE
    <status code, decimal>
    <the request's X-Anju-Nonce>
    <X-Anju-Responder>
    <X-Anju-Key-Id>
    <X-Anju-Timestamp>
    <lowercase hex SM3 of the response body bytes>

Key id convention: the first 16 lowercase hex characters of SM3(04 ‖ X ‖ Y).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import secrets
import threading
import time
import urllib.parse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, Protocol

import gmssl_pyx

from anju.core.crypto import sm3, sm3_hex

__all__ = [
    "DEFAULT_SIGNER_ID",
    "DEFAULT_WINDOW_SECONDS",
    "HEADER_CALLER",
    "HEADER_CASE",
    "HEADER_KEY_ID",
    "HEADER_MESSAGE_ID",
    "HEADER_NONCE",
    "HEADER_PURPOSE",
    "HEADER_RESPONDER",
    "HEADER_SIGNATURE",
    "HEADER_TIMESTAMP",
    "HEADER_USER",
    "REQUEST_SCHEME",
    "RESPONSE_SCHEME",
    "KeyRegistry",
    "MemoryNonceStore",
    "NonceStore",
    "SignatureError",
    "Sm2PrivateKey",
    "Sm2PublicKey",
    "VerifiedRequest",
    "VerifiedResponse",
    "canonical_request",
    "canonical_response",
    "decode_purpose",
    "decode_signature_der",
    "encode_purpose",
    "encode_signature_der",
    "generate_keypair",
    "kiosk_card_text",
    "kiosk_terminal_text",
    "load_or_create_keypair",
    "sign_request",
    "sign_response",
    "sm2_message_digest",
    "sm2_sign",
    "sm2_verify",
    "sm2_z",
    "verify_request",
    "verify_response",
    "window_rating_text",
]

DEFAULT_SIGNER_ID: Final = b"1234567812345678"
REQUEST_SCHEME: Final = "ANJU-SM2-SM3-V1"
RESPONSE_SCHEME: Final = "ANJU-SM2-SM3-V1-RESPONSE"
DEFAULT_WINDOW_SECONDS: Final = 300
MAX_PURPOSE_CHARS: Final = 200

HEADER_CALLER: Final = "X-Anju-Caller"
HEADER_KEY_ID: Final = "X-Anju-Key-Id"
HEADER_TIMESTAMP: Final = "X-Anju-Timestamp"
HEADER_NONCE: Final = "X-Anju-Nonce"
HEADER_MESSAGE_ID: Final = "X-Anju-Message-Id"
HEADER_USER: Final = "X-Anju-User"
HEADER_PURPOSE: Final = "X-Anju-Purpose"
HEADER_CASE: Final = "X-Anju-Case"
HEADER_SIGNATURE: Final = "X-Anju-Signature"
HEADER_RESPONDER: Final = "X-Anju-Responder"

# Recommended curve, GB/T 32918.5-2017.
_P: Final = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
_A: Final = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
_B: Final = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
_N: Final = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
_GX: Final = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
_GY: Final = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
_SYSTEM_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_NONCE_RE = re.compile(r"^[A-Za-z0-9_-]{16,128}$")
_TIMESTAMP_RE = re.compile(r"^[0-9]{1,12}$")
_TOKEN_RE = re.compile(r"^[\x21-\x7e]{1,128}$")
_TEXT_RE = re.compile(r"^(?:[\x21-\x7e](?:[\x20-\x7e]{0,126}[\x21-\x7e])?)?$")
_PURPOSE_HEADER_RE = re.compile(r"^[\x21-\x7e]{0,2000}$")
_BASE64_RE = re.compile(r"^[A-Za-z0-9+/]{4,200}={0,2}$")

# The signed request headers in canonical order: the header, its field in canonical_request, its
# format, and whether it must be present (the optional ones are omitted when empty).
_REQUEST_HEADERS: Final = (
    (HEADER_CALLER, "caller", _NAME_RE, True),
    (HEADER_KEY_ID, "key_id", _NAME_RE, True),
    (HEADER_TIMESTAMP, "timestamp", _TIMESTAMP_RE, True),
    (HEADER_NONCE, "nonce", _NONCE_RE, True),
    (HEADER_MESSAGE_ID, "message_id", _TOKEN_RE, True),
    (HEADER_USER, "user", _TEXT_RE, False),
    (HEADER_PURPOSE, "purpose_header", _PURPOSE_HEADER_RE, False),
    (HEADER_CASE, "case", _TEXT_RE, False),
)


# --------------------------------------------------------------------------------------------------
# Errors


class SignatureError(Exception):
    """A signed message was rejected; `code` is stable, `message` is for people, `http_status` is 401."""

    MESSAGES: Mapping[str, str] = {
        "signature_missing": "请求缺少签名或必需的签名头",
        "signature_malformed": "签名或签名头格式不正确",
        "unknown_caller": "调用方或密钥标识未登记",
        "key_retired": "调用方的这把密钥已过停用时间（密钥轮换后旧密钥不再接受）",
        "signature_invalid": "签名验证失败",
        "timestamp_stale": "时间戳超出允许的时间窗口",
        "nonce_replayed": "随机数已被使用，疑似重放请求",
    }

    def __init__(self, code: str, message: str | None = None) -> None:
        if code not in self.MESSAGES:
            raise ValueError(f"unknown signature error code {code!r}")
        self.code = code
        self.message = message or self.MESSAGES[code]
        self.http_status = 401
        super().__init__(f"{code}: {self.message}")

    def to_body(self) -> dict[str, dict[str, str]]:
        """Return the JSON error body {"error": {"code": ..., "message": ...}}."""
        return {"error": {"code": self.code, "message": self.message}}


# --------------------------------------------------------------------------------------------------
# Keys


def _on_curve(x: int, y: int) -> bool:
    return 0 <= x < _P and 0 <= y < _P and (y * y - (x * x * x + _A * x + _B)) % _P == 0


def _jacobian_double(point: tuple[int, int, int]) -> tuple[int, int, int]:
    x1, y1, z1 = point
    if z1 == 0 or y1 == 0:
        return (1, 1, 0)
    z1_sq = z1 * z1 % _P
    m = (3 * x1 * x1 + _A * z1_sq * z1_sq) % _P
    y1_sq = y1 * y1 % _P
    s = 4 * x1 * y1_sq % _P
    x3 = (m * m - 2 * s) % _P
    y3 = (m * (s - x3) - 8 * y1_sq * y1_sq) % _P
    return (x3, y3, 2 * y1 * z1 % _P)


def _jacobian_add_affine(point: tuple[int, int, int], x2: int, y2: int) -> tuple[int, int, int]:
    x1, y1, z1 = point
    if z1 == 0:
        return (x2, y2, 1)
    z1_sq = z1 * z1 % _P
    u2 = x2 * z1_sq % _P
    s2 = y2 * z1_sq * z1 % _P
    if u2 == x1:
        return _jacobian_double(point) if s2 == y1 else (1, 1, 0)
    h = (u2 - x1) % _P
    r = (s2 - y1) % _P
    h_sq = h * h % _P
    h_cu = h_sq * h % _P
    x3 = (r * r - h_cu - 2 * x1 * h_sq) % _P
    y3 = (r * (x1 * h_sq - x3) - y1 * h_cu) % _P
    return (x3, y3, h * z1 % _P)


def _derive_public(d: int) -> bytes:
    """Compute 04 ‖ X ‖ Y of [d]G (used only when loading a key; gmssl_pyx has no derivation call)."""
    acc = (1, 1, 0)
    for bit in bin(d)[2:]:
        acc = _jacobian_double(acc)
        if bit == "1":
            acc = _jacobian_add_affine(acc, _GX, _GY)
    x, y, z = acc
    z_inv = pow(z, -1, _P)
    z_inv_sq = z_inv * z_inv % _P
    return b"\x04" + (x * z_inv_sq % _P).to_bytes(32, "big") + (y * z_inv_sq * z_inv % _P).to_bytes(32, "big")


def _hex_exactly(value: str, length: int, refusal: str) -> bytes:
    """The bytes of exactly ``length`` hex characters (surrounding space ignored), or ValueError(refusal)."""
    text = value.strip()
    if len(text) != length:
        raise ValueError(refusal)
    return bytes.fromhex(text)


@dataclass(frozen=True)
class Sm2PublicKey:
    """An SM2 public key as the 65-byte uncompressed point 04 ‖ X ‖ Y on the recommended curve."""

    point: bytes

    def __post_init__(self) -> None:
        if len(self.point) != 65 or self.point[0] != 0x04:
            raise ValueError("SM2 public key must be 65 bytes 04 ‖ X ‖ Y")
        x = int.from_bytes(self.point[1:33], "big")
        y = int.from_bytes(self.point[33:], "big")
        if not _on_curve(x, y):
            raise ValueError("SM2 public key is not a point on the recommended curve")

    def __repr__(self) -> str:
        """Show the key as hex."""
        return f"Sm2PublicKey({self.to_hex()!r})"

    @classmethod
    def from_hex(cls, value: str) -> Sm2PublicKey:
        """Parse 130 hex characters 04 ‖ X ‖ Y."""
        return cls(point=_hex_exactly(value, 130, "SM2 public key hex must be 130 characters (04 ‖ X ‖ Y)"))

    def to_hex(self) -> str:
        """Return lowercase hex of 04 ‖ X ‖ Y."""
        return self.point.hex()

    @property
    def xy(self) -> bytes:
        """X ‖ Y without the 04 prefix (64 bytes, the form gmssl_pyx takes)."""
        return self.point[1:]

    @property
    def key_id(self) -> str:
        """Key id convention: first 16 lowercase hex characters of SM3(04 ‖ X ‖ Y)."""
        return sm3_hex(self.point)[:16]


@dataclass(frozen=True)
class Sm2PrivateKey:
    """An SM2 private key d (32 bytes, 1 ≤ d ≤ n−2) with its derived public key."""

    secret: bytes = field(repr=False)
    public_key: Sm2PublicKey = field(init=False)

    def __post_init__(self) -> None:
        if len(self.secret) != 32:
            raise ValueError("SM2 private key must be 32 bytes")
        d = int.from_bytes(self.secret, "big")
        if not 1 <= d <= _N - 2:
            raise ValueError("SM2 private key is out of range")
        object.__setattr__(self, "public_key", Sm2PublicKey(point=_derive_public(d)))

    @classmethod
    def from_hex(cls, value: str) -> Sm2PrivateKey:
        """Parse 64 hex characters."""
        return cls(secret=_hex_exactly(value, 64, "SM2 private key hex must be 64 characters"))

    def to_hex(self) -> str:
        """Return lowercase hex of the 32-byte private key."""
        return self.secret.hex()

    @property
    def key_id(self) -> str:
        """The key id of the public half."""
        return self.public_key.key_id


def generate_keypair() -> Sm2PrivateKey:
    """Generate a fresh SM2 key pair with GmSSL (the private key carries its public key and key id)."""
    public_xy, secret = gmssl_pyx.sm2_key_generate()
    key = Sm2PrivateKey(secret=bytes(secret))
    if key.public_key.xy != bytes(public_xy):
        raise RuntimeError("SM2 public key derivation disagrees with GmSSL")
    return key


def write_new_file(path: Path, text: str, mode: int) -> bool:
    """Atomically create path with text; return False if it already exists."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        return True
    finally:
        tmp.unlink(missing_ok=True)


def load_or_create_keypair(*, directory: Path, system: str) -> Sm2PrivateKey:
    """Load `<system>.sm2.key` (0600, private hex), creating it and `<system>.sm2.pub` on first run."""
    if not _SYSTEM_RE.fullmatch(system):
        raise ValueError(f"invalid system name {system!r}")
    key_path = directory / f"{system}.sm2.key"
    pub_path = directory / f"{system}.sm2.pub"
    if not key_path.exists():
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_new_file(key_path, generate_keypair().to_hex() + "\n", 0o600)
    key = Sm2PrivateKey.from_hex(key_path.read_text(encoding="ascii"))
    if pub_path.exists():
        if Sm2PublicKey.from_hex(pub_path.read_text(encoding="ascii")) != key.public_key:
            raise ValueError(f"{pub_path} does not match {key_path}")
    else:
        write_new_file(pub_path, key.public_key.to_hex() + "\n", 0o644)
    return key


def stage_next_keypair(*, directory: Path, system: str) -> Sm2PublicKey:
    """A rotation's first step: make `<system>.next.sm2.key` (unused until promoted) and its public key,
    which peers add beside the current one; a staged key already there is returned, not replaced."""
    load_or_create_keypair(directory=directory, system=system)
    key_path, pub_path = directory / f"{system}.next.sm2.key", directory / f"{system}.next.sm2.pub"
    write_new_file(key_path, generate_keypair().to_hex() + "\n", 0o600)
    key = Sm2PrivateKey.from_hex(key_path.read_text(encoding="ascii"))
    write_new_file(pub_path, key.public_key.to_hex() + "\n", 0o644)
    return key.public_key


def promote_next_keypair(*, directory: Path, system: str) -> tuple[Sm2PublicKey, Sm2PublicKey]:
    """A rotation's second step, once every peer accepts the staged key: it becomes the key this system
    signs with (from the next start of each process). The old private key file is removed; its public key is
    kept as `<system>.retired-<key id>.pub` for the record, which no registry reads. Returns (old, new)."""
    key_path, pub_path = directory / f"{system}.sm2.key", directory / f"{system}.sm2.pub"
    next_key, next_pub = directory / f"{system}.next.sm2.key", directory / f"{system}.next.sm2.pub"
    if not next_key.exists():
        raise FileNotFoundError(f"no staged key for {system}: run the stage step first")
    old = load_or_create_keypair(directory=directory, system=system).public_key
    new = Sm2PrivateKey.from_hex(next_key.read_text(encoding="ascii")).public_key
    write_new_file(directory / f"{system}.retired-{old.key_id}.pub", old.to_hex() + "\n", 0o644)
    os.replace(next_key, key_path)  # atomic: a process starting now reads the old key or the new, whole
    os.replace(next_pub, pub_path)
    return old, new


# --------------------------------------------------------------------------------------------------
# SM2 primitives


def sm2_z(public_key: Sm2PublicKey, *, signer_id: bytes = DEFAULT_SIGNER_ID) -> bytes:
    """Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA), ENTL being the ID's bit length in 2 bytes."""
    entl = len(signer_id) * 8
    if entl > 0xFFFF:
        raise ValueError("signer ID is too long")
    return sm3(
        entl.to_bytes(2, "big")
        + signer_id
        + b"".join(v.to_bytes(32, "big") for v in (_A, _B, _GX, _GY))
        + public_key.xy
    )


def sm2_message_digest(*, public_key: Sm2PublicKey, message: bytes) -> bytes:
    """e = SM3(Z ‖ M) with the default signer ID (what an HSM/KMS signing a digest must be given)."""
    return sm3(sm2_z(public_key) + message)


def _der_integer(value: int) -> bytes:
    body = value.to_bytes(value.bit_length() // 8 + 1, "big")  # minimal, with a clear sign bit
    return b"\x02" + bytes([len(body)]) + body


def encode_signature_der(*, r: int, s: int) -> bytes:
    """DER-encode SEQUENCE { INTEGER r, INTEGER s } with 1 ≤ r, s ≤ n−1."""
    if not (1 <= r < _N and 1 <= s < _N):
        raise ValueError("SM2 signature component out of range")
    content = _der_integer(r) + _der_integer(s)
    return b"\x30" + bytes([len(content)]) + content


def decode_signature_der(signature: bytes) -> tuple[int, int]:
    """Parse a strict DER SM2 signature into (r, s); raise ValueError for anything else (e.g. raw r ‖ s)."""
    if len(signature) < 8 or signature[0] != 0x30 or signature[1] != len(signature) - 2:
        raise ValueError("SM2 signature is not a DER SEQUENCE")
    values: list[int] = []
    pos = 2
    for _ in range(2):
        if pos + 2 > len(signature) or signature[pos] != 0x02:
            raise ValueError("SM2 signature component is not a DER INTEGER")
        length = signature[pos + 1]
        body = signature[pos + 2 : pos + 2 + length]
        if not 1 <= length <= 33 or len(body) != length:
            raise ValueError("SM2 signature INTEGER has a bad length")
        if body[0] & 0x80 or (length > 1 and body[0] == 0 and not body[1] & 0x80):
            raise ValueError("SM2 signature INTEGER is negative or not minimally encoded")
        values.append(int.from_bytes(body, "big"))
        pos += 2 + length
    if pos != len(signature):
        raise ValueError("SM2 signature has trailing bytes")
    r, s = values
    if not (1 <= r < _N and 1 <= s < _N):
        raise ValueError("SM2 signature component out of range")
    return r, s


def sm2_sign(*, private_key: Sm2PrivateKey, message: bytes) -> bytes:
    """Sign e = SM3(Z ‖ M) (default signer ID); return DER SEQUENCE { r, s }.

    e is computed here (OpenSSL's SM3) and GmSSL signs the digest: its message form costs ~9.5 ms a call
    against ~0.4 ms for the digest form, and every delivery between systems signs twice (decision 0033)."""
    digest = sm2_message_digest(public_key=private_key.public_key, message=message)
    raw = bytes(gmssl_pyx.sm2_sign_sm3_digest(private_key.secret, digest))
    r, s = decode_signature_der(raw)
    return encode_signature_der(r=r, s=s)


def sm2_verify(*, public_key: Sm2PublicKey, message: bytes, signature: bytes) -> bool:
    """Verify a strict-DER signature over e = SM3(Z ‖ M) (default signer ID); raw r ‖ s is rejected."""
    try:
        decode_signature_der(signature)
    except ValueError:
        return False
    digest = sm2_message_digest(public_key=public_key, message=message)  # as in sm2_sign: the fast form
    try:
        return bool(gmssl_pyx.sm2_verify_sm3_digest(public_key.xy, digest, signature))
    except gmssl_pyx.GmsslInnerError:
        return False


# --------------------------------------------------------------------------------------------------
# Canonical strings


def encode_purpose(purpose: str) -> str:
    """Percent-encode a (possibly Chinese) purpose for the X-Anju-Purpose header."""
    return urllib.parse.quote(purpose, safe="")


def decode_purpose(header_value: str) -> str:
    """Decode an X-Anju-Purpose header value into text."""
    return urllib.parse.unquote(header_value, encoding="utf-8", errors="strict")


def canonical_request(
    *,
    method: str,
    path: str,
    timestamp: str,
    nonce: str,
    caller: str,
    key_id: str,
    message_id: str,
    user: str,
    purpose_header: str,
    case: str,
    body: bytes,
) -> str:
    """Build the canonical request string; purpose_header is the percent-encoded header value as sent."""
    fields = [REQUEST_SCHEME, method.upper(), path, timestamp, nonce, caller, key_id, message_id]
    fields += [user, purpose_header, case, sm3_hex(body)]
    if any("\n" in value or "\r" in value for value in fields):
        raise ValueError("canonical request fields must not contain line breaks")
    return "\n".join(fields)


def canonical_response(
    *, status_code: int, request_nonce: str, responder: str, key_id: str, timestamp: str, body: bytes
) -> str:
    """Build the canonical response string."""
    fields = [RESPONSE_SCHEME, str(status_code), request_nonce, responder, key_id, timestamp, sm3_hex(body)]
    if any("\n" in value or "\r" in value for value in fields):
        raise ValueError("canonical response fields must not contain line breaks")
    return "\n".join(fields)


def _require(pattern: re.Pattern[str], value: str, name: str) -> None:
    if not pattern.fullmatch(value):
        raise ValueError(f"{name} has an invalid value: {value!r}")


def _sign_b64(private_key: Sm2PrivateKey, canonical: str) -> str:
    signature = sm2_sign(private_key=private_key, message=canonical.encode("utf-8"))
    return base64.b64encode(signature).decode("ascii")


# --------------------------------------------------------------------------------------------------
# Requests


@dataclass(frozen=True)
class VerifiedRequest:
    """The authenticated facts of a verified request (purpose decoded)."""

    caller: str
    key_id: str
    message_id: str
    user: str
    purpose: str
    case: str
    timestamp: int
    nonce: str


def sign_request(
    *,
    method: str,
    path: str,
    body: bytes,
    caller: str,
    key_id: str,
    private_key: Sm2PrivateKey,
    message_id: str,
    user: str = "",
    purpose: str = "",
    case: str = "",
    now: float | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """Return the X-Anju-* headers that sign this request; empty optional headers are omitted."""
    if len(purpose) > MAX_PURPOSE_CHARS:
        raise ValueError(f"purpose must be at most {MAX_PURPOSE_CHARS} characters")
    fields = {
        "caller": caller,
        "key_id": key_id,
        "timestamp": str(int(time.time() if now is None else now)),
        "nonce": secrets.token_urlsafe(18) if nonce is None else nonce,
        "message_id": message_id,
        "user": user,
        "purpose_header": encode_purpose(purpose),
        "case": case,
    }
    for _header, name, pattern, _required in _REQUEST_HEADERS:
        _require(pattern, fields[name], name)
    canonical = canonical_request(method=method, path=path, body=body, **fields)
    headers = {
        header: fields[name]
        for header, name, _pattern, required in _REQUEST_HEADERS
        if required or fields[name]
    }
    headers[HEADER_SIGNATURE] = _sign_b64(private_key, canonical)
    return headers


def _lower_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def _check_missing(lowered: Mapping[str, str], names: tuple[str, ...]) -> None:
    missing = [name for name in names if not lowered.get(name.lower())]
    if missing:
        raise SignatureError("signature_missing", "缺少签名头：" + "、".join(missing))


def _parse_signature(value: str) -> bytes:
    if not _BASE64_RE.fullmatch(value):
        raise SignatureError("signature_malformed", "签名不是标准 Base64 编码")
    try:
        signature = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignatureError("signature_malformed", "签名不是标准 Base64 编码") from exc
    try:
        decode_signature_der(signature)
    except ValueError as exc:
        raise SignatureError("signature_malformed", "签名不是 DER 编码的 SM2 签名值 SEQUENCE{r, s}") from exc
    return signature


def _check_format(pattern: re.Pattern[str], value: str, header: str) -> None:
    if not pattern.fullmatch(value):
        raise SignatureError("signature_malformed", f"签名头 {header} 格式不正确")


def _check_not_retired(registry: KeyRegistry, caller: str, key_id: str, now: float | None) -> None:
    at = datetime.fromtimestamp(time.time() if now is None else now, UTC)
    retired = registry.retired_at(caller=caller, key_id=key_id, now=at)
    if retired is not None:
        raise SignatureError(
            "key_retired", f"{caller} 的密钥 {key_id} 已于 {retired.isoformat()} 停用，请使用新密钥"
        )


def _check_window(timestamp: int, now: float | None, window_seconds: int) -> None:
    current = time.time() if now is None else now
    if abs(current - timestamp) > window_seconds:
        raise SignatureError("timestamp_stale", f"时间戳与当前时间相差超过 {window_seconds} 秒")


def verify_request(
    *,
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes,
    registry: KeyRegistry,
    nonces: NonceStore,
    now: float | None = None,
    window_seconds: int = DEFAULT_WINDOW_SECONDS,
) -> VerifiedRequest:
    """Verify a signed request; path is the raw request target (path plus "?query" as sent)."""
    lowered = _lower_headers(headers)
    _check_missing(
        lowered, (*(header for header, *_, required in _REQUEST_HEADERS if required), HEADER_SIGNATURE)
    )
    fields = {name: lowered.get(header.lower(), "") for header, name, *_ in _REQUEST_HEADERS}
    for header, name, pattern, _required in _REQUEST_HEADERS:
        _check_format(pattern, fields[name], header)
    caller, key_id, nonce = fields["caller"], fields["key_id"], fields["nonce"]
    try:
        purpose = decode_purpose(fields["purpose_header"])
    except UnicodeDecodeError as exc:
        raise SignatureError(
            "signature_malformed", f"签名头 {HEADER_PURPOSE} 不是百分号编码的 UTF-8"
        ) from exc
    if len(purpose) > MAX_PURPOSE_CHARS:
        raise SignatureError("signature_malformed", f"用途说明超过 {MAX_PURPOSE_CHARS} 个字符")
    signature = _parse_signature(lowered[HEADER_SIGNATURE.lower()])

    public_key = registry.lookup(caller=caller, key_id=key_id)
    if public_key is None:
        raise SignatureError("unknown_caller", f"调用方 {caller} 的密钥 {key_id} 未登记")
    _check_not_retired(registry, caller, key_id, now)
    timestamp = int(fields["timestamp"])
    _check_window(timestamp, now, window_seconds)
    canonical = canonical_request(method=method, path=path, body=body, **fields)
    if not sm2_verify(public_key=public_key, message=canonical.encode("utf-8"), signature=signature):
        raise SignatureError("signature_invalid")
    if not nonces.remember(caller=caller, nonce=nonce, timestamp=timestamp):
        raise SignatureError("nonce_replayed")
    return VerifiedRequest(
        caller=caller,
        key_id=key_id,
        message_id=fields["message_id"],
        user=fields["user"],
        purpose=purpose,
        case=fields["case"],
        timestamp=timestamp,
        nonce=nonce,
    )


# --------------------------------------------------------------------------------------------------
# Responses


@dataclass(frozen=True)
class VerifiedResponse:
    """The authenticated facts of a verified response."""

    responder: str
    key_id: str
    timestamp: int


def sign_response(
    *,
    status_code: int,
    body: bytes,
    request_nonce: str,
    responder: str,
    key_id: str,
    private_key: Sm2PrivateKey,
    now: float | None = None,
) -> dict[str, str]:
    """Return the X-Anju-* headers signing a response; request_nonce is echoed as received (may be "")."""
    _require(_NAME_RE, responder, "responder")
    _require(_NAME_RE, key_id, "key_id")
    timestamp = str(int(time.time() if now is None else now))
    canonical = canonical_response(
        status_code=status_code,
        request_nonce=request_nonce,
        responder=responder,
        key_id=key_id,
        timestamp=timestamp,
        body=body,
    )
    return {
        HEADER_RESPONDER: responder,
        HEADER_KEY_ID: key_id,
        HEADER_TIMESTAMP: timestamp,
        HEADER_SIGNATURE: _sign_b64(private_key, canonical),
    }


def verify_response(
    *,
    status_code: int,
    headers: Mapping[str, str],
    body: bytes,
    request_nonce: str,
    registry: KeyRegistry,
    expected_responder: str | None = None,
    now: float | None = None,
    window_seconds: int = DEFAULT_WINDOW_SECONDS,
) -> VerifiedResponse:
    """Verify a signed response to the request that carried request_nonce; raise SignatureError."""
    lowered = _lower_headers(headers)
    _check_missing(lowered, (HEADER_RESPONDER, HEADER_KEY_ID, HEADER_TIMESTAMP, HEADER_SIGNATURE))
    responder = lowered[HEADER_RESPONDER.lower()]
    key_id = lowered[HEADER_KEY_ID.lower()]
    timestamp_text = lowered[HEADER_TIMESTAMP.lower()]
    _check_format(_NAME_RE, responder, HEADER_RESPONDER)
    _check_format(_NAME_RE, key_id, HEADER_KEY_ID)
    _check_format(_TIMESTAMP_RE, timestamp_text, HEADER_TIMESTAMP)
    signature = _parse_signature(lowered[HEADER_SIGNATURE.lower()])
    if expected_responder is not None and responder != expected_responder:
        raise SignatureError("unknown_caller", f"响应方 {responder} 与请求对象 {expected_responder} 不一致")
    public_key = registry.lookup(caller=responder, key_id=key_id)
    if public_key is None:
        raise SignatureError("unknown_caller", f"响应方 {responder} 的密钥 {key_id} 未登记")
    _check_not_retired(registry, responder, key_id, now)
    timestamp = int(timestamp_text)
    _check_window(timestamp, now, window_seconds)
    canonical = canonical_response(
        status_code=status_code,
        request_nonce=request_nonce,
        responder=responder,
        key_id=key_id,
        timestamp=timestamp_text,
        body=body,
    )
    if not sm2_verify(public_key=public_key, message=canonical.encode("utf-8"), signature=signature):
        raise SignatureError("signature_invalid", "响应签名验证失败")
    return VerifiedResponse(responder=responder, key_id=key_id, timestamp=timestamp)


# --------------------------------------------------------------------------------------------------
# Key registry and nonce store


class KeyRegistry:
    """Public keys of known callers, looked up by (caller, key id); a key may have a time after which it
    is refused (the end of a rotation's overlap: docs/operations.md, 密钥轮换)."""

    def __init__(self, *, keys: Mapping[str, Mapping[str, Sm2PublicKey]] | None = None) -> None:
        """Start from {caller: {key_id: public key}}."""
        self._keys: dict[tuple[str, str], Sm2PublicKey] = {}
        self._not_after: dict[tuple[str, str], datetime] = {}
        for caller, by_id in (keys or {}).items():
            for key_id, public_key in by_id.items():
                self.add(caller=caller, key_id=key_id, public_key=public_key)

    def add(
        self, *, caller: str, key_id: str, public_key: Sm2PublicKey, not_after: datetime | None = None
    ) -> None:
        """Register a public key under (caller, key_id), accepted until ``not_after`` if given."""
        _require(_NAME_RE, caller, "caller")
        _require(_NAME_RE, key_id, "key_id")
        if not_after is not None and not_after.tzinfo is None:
            raise ValueError(f"key {caller}/{key_id}: not_after needs a time zone")
        self._keys[(caller, key_id)] = public_key
        if not_after is not None:
            self._not_after[(caller, key_id)] = not_after

    def lookup(self, *, caller: str, key_id: str) -> Sm2PublicKey | None:
        """Return the public key for (caller, key_id), or None."""
        return self._keys.get((caller, key_id))

    def retired_at(self, *, caller: str, key_id: str, now: datetime | None = None) -> datetime | None:
        """When the key stopped being accepted, if that time has passed (None while it is accepted)."""
        end = self._not_after.get((caller, key_id))
        return end if end is not None and (now or datetime.now(UTC)) > end else None

    def __iter__(self) -> Iterator[tuple[str, str]]:
        """Iterate over registered (caller, key_id) pairs."""
        return iter(list(self._keys))

    @classmethod
    def from_directory(cls, path: Path) -> KeyRegistry:
        """Register every `<system>.sm2.pub` in path as caller `<system>` with the SM3-derived key id, and a
        staged `<system>.next.sm2.pub` beside it (a rotation's new key, accepted before it signs anything)."""
        registry = cls()
        for pub_path in sorted(path.glob("*.sm2.pub")):
            system = pub_path.name.removesuffix(".sm2.pub").removesuffix(".next")
            public_key = Sm2PublicKey.from_hex(pub_path.read_text(encoding="ascii"))
            registry.add(caller=system, key_id=public_key.key_id, public_key=public_key)
        return registry

    @classmethod
    def from_json(cls, path: Path) -> KeyRegistry:
        """Load {"caller": {"key_id": "04…hex" | {"public_key": "04…hex", "not_after": ISO 8601}}}
        (production key distribution; ``not_after`` ends a rotation's overlap for the old key)."""
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError(f"{path}: expected a JSON object of callers")
        registry = cls()
        for caller, by_id in data.items():
            if not isinstance(by_id, dict):
                raise ValueError(f"{path}: caller {caller!r} must map key ids to public keys")
            for key_id, entry in by_id.items():
                hex_value, not_after = (
                    (entry, None) if isinstance(entry, str) else _key_entry(path, caller, key_id, entry)
                )
                registry.add(
                    caller=caller,
                    key_id=key_id,
                    public_key=Sm2PublicKey.from_hex(hex_value),
                    not_after=not_after,
                )
        return registry


def _key_entry(path: Path, caller: str, key_id: str, entry: Any) -> tuple[str, datetime | None]:
    """A key given as {"public_key": …, "not_after": …}."""
    if not isinstance(entry, dict) or not isinstance(entry.get("public_key"), str):
        raise ValueError(
            f"{path}: key {caller!r}/{key_id!r} must be a hex string or an object with public_key"
        )
    raw = entry.get("not_after")
    try:
        not_after = datetime.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError as exc:
        raise ValueError(f"{path}: key {caller!r}/{key_id!r}: not_after is not an ISO 8601 time") from exc
    if raw is not None and (not_after is None or not_after.tzinfo is None):
        raise ValueError(
            f"{path}: key {caller!r}/{key_id!r}: not_after must be an ISO 8601 time with its zone"
        )
    return str(entry["public_key"]), not_after


class NonceStore(Protocol):
    """Remembers (caller, nonce) pairs to detect replays."""

    def remember(self, *, caller: str, nonce: str, timestamp: int) -> bool:
        """Record the nonce; return False if this caller already used it."""
        ...


class MemoryNonceStore:
    """Thread-safe in-process NonceStore; forgets nonces 2× window older than the newest timestamp seen."""

    def __init__(self, *, window_seconds: int = DEFAULT_WINDOW_SECONDS) -> None:
        """Use the same (or a larger) window as verify_request."""
        self._retention = 2 * window_seconds
        self._seen: dict[tuple[str, str], int] = {}
        self._newest = 0
        self._lock = threading.Lock()

    def remember(self, *, caller: str, nonce: str, timestamp: int) -> bool:
        """Record the nonce; return False if this caller already used it."""
        key = (caller, nonce)
        with self._lock:
            if timestamp > self._newest:
                self._newest = timestamp
                self._purge()
            if key in self._seen:
                return False
            self._seen[key] = timestamp
            return True

    def count(self) -> int:
        """Number of nonces currently remembered."""
        with self._lock:
            return len(self._seen)

    def _purge(self) -> None:
        cutoff = self._newest - self._retention
        if self._seen and min(self._seen.values()) < cutoff:
            self._seen = {key: ts for key, ts in self._seen.items() if ts >= cutoff}


# What a self-service terminal signs (decision 0022, docs/interfaces/kiosk-devices.md): the terminal's
# device agent and its card reader sign, the platform verifies; one definition for both sides.
def kiosk_terminal_text(*, terminal_id: str, challenge: str) -> bytes:
    """The bytes a terminal's device agent signs to bind its browser."""
    return f"anju-kiosk-terminal|{terminal_id}|{challenge}".encode()


def window_rating_text(*, terminal_id: str, challenge: str, scores: str) -> bytes:
    """The bytes a window's evaluator (评价器) signs for the buttons the person pressed; ``scores`` is the
    indicator codes and levels as ``code=level`` joined by commas, in the device's order."""
    return f"anju-window-rating|{terminal_id}|{challenge}|{scores}".encode()


def signature_pad_text(*, terminal_id: str, challenge: str, image_sm3: str) -> bytes:
    """The bytes a window's signature pad (签名板) signs for one handwritten signature: the SM3 of the PNG it
    captured, over the platform's challenge."""
    return f"anju-signature-pad|{terminal_id}|{challenge}|{image_sm3}".encode()


def kiosk_card_text(
    *, terminal_id: str, challenge: str, id_number: str, name: str, valid_until: str
) -> bytes:
    """The bytes a terminal's card reader signs for one reading."""
    return f"anju-kiosk-card|{terminal_id}|{challenge}|{id_number}|{name}|{valid_until}".encode()
