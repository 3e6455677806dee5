"""Independent pure-Python SM2 signature reference written from GB/T 32918.2 and 32918.5 (tests only)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

# Recommended curve parameters, GB/T 32918.5-2017 (sm2p256v1): y^2 = x^3 + ax + b over F_p.
P = 0xFFFFFFFE_FFFFFFFF_FFFFFFFF_FFFFFFFF_FFFFFFFF_00000000_FFFFFFFF_FFFFFFFF
A = 0xFFFFFFFE_FFFFFFFF_FFFFFFFF_FFFFFFFF_FFFFFFFF_00000000_FFFFFFFF_FFFFFFFC
B = 0x28E9FA9E_9D9F5E34_4D5A9E4B_CF6509A7_F39789F5_15AB8F92_DDBCBD41_4D940E93
N = 0xFFFFFFFE_FFFFFFFF_FFFFFFFF_FFFFFFFF_7203DF6B_21C6052B_53BBF409_39D54123
GX = 0x32C4AE2C_1F198119_5F990446_6A39C994_8FE30BBF_F2660BE1_715A4589_334C74C7
GY = 0xBC3736A2_F4F6779C_59BDCEE3_6B692153_D0A9877C_C62A4740_02DF32E5_2139F0A0

DEFAULT_ID = b"1234567812345678"

Point = tuple[int, int] | None  # affine point, None is the point at infinity
Jacobian = tuple[int, int, int]  # (X, Y, Z) with x = X/Z^2, y = Y/Z^3; Z == 0 is infinity


def _sm3(data: bytes) -> bytes:
    """SM3 from OpenSSL through hashlib, falling back to anju.core.crypto."""
    if "sm3" in hashlib.algorithms_available:
        return hashlib.new("sm3", data).digest()
    from anju.core.crypto import sm3

    return sm3(data)


def is_on_curve(point: Point) -> bool:
    """Whether an affine point satisfies the curve equation."""
    if point is None:
        return True
    x, y = point
    return 0 <= x < P and 0 <= y < P and (y * y - (x * x * x + A * x + B)) % P == 0


def _to_jacobian(point: Point) -> Jacobian:
    if point is None:
        return (1, 1, 0)
    return (point[0], point[1], 1)


def _to_affine(point: Jacobian) -> Point:
    x, y, z = point
    if z == 0:
        return None
    z_inv = pow(z, -1, P)
    z_inv2 = z_inv * z_inv % P
    return (x * z_inv2 % P, y * z_inv2 * z_inv % P)


def _jacobian_double(point: Jacobian) -> Jacobian:
    x1, y1, z1 = point
    if z1 == 0 or y1 == 0:
        return (1, 1, 0)
    # General a (not assuming a = -3): lambda1 = 3 X^2 + a Z^4.
    z1_sq = z1 * z1 % P
    lambda1 = (3 * x1 * x1 + A * z1_sq * z1_sq) % P
    lambda2 = 4 * x1 * y1 * y1 % P
    lambda3 = 8 * pow(y1, 4, P) % P
    x3 = (lambda1 * lambda1 - 2 * lambda2) % P
    y3 = (lambda1 * (lambda2 - x3) - lambda3) % P
    z3 = 2 * y1 * z1 % P
    return (x3, y3, z3)


def _jacobian_add(p1: Jacobian, p2: Jacobian) -> Jacobian:
    x1, y1, z1 = p1
    x2, y2, z2 = p2
    if z1 == 0:
        return p2
    if z2 == 0:
        return p1
    z1_sq = z1 * z1 % P
    z2_sq = z2 * z2 % P
    u1 = x1 * z2_sq % P
    u2 = x2 * z1_sq % P
    s1 = y1 * z2_sq * z2 % P
    s2 = y2 * z1_sq * z1 % P
    if u1 == u2:
        if s1 != s2:
            return (1, 1, 0)
        return _jacobian_double(p1)
    h = (u2 - u1) % P
    r = (s2 - s1) % P
    h_sq = h * h % P
    h_cu = h_sq * h % P
    x3 = (r * r - h_cu - 2 * u1 * h_sq) % P
    y3 = (r * (u1 * h_sq - x3) - s1 * h_cu) % P
    z3 = h * z1 * z2 % P
    return (x3, y3, z3)


def point_add(p1: Point, p2: Point) -> Point:
    """Affine point addition via Jacobian coordinates."""
    return _to_affine(_jacobian_add(_to_jacobian(p1), _to_jacobian(p2)))


def scalar_mult(k: int, point: Point) -> Point:
    """Compute [k]point by left-to-right double-and-add."""
    if k % N == 0 or point is None:
        return None
    result: Jacobian = (1, 1, 0)
    addend = _to_jacobian(point)
    for bit in bin(k % N)[2:]:
        result = _jacobian_double(result)
        if bit == "1":
            result = _jacobian_add(result, addend)
    return _to_affine(result)


G: Point = (GX, GY)


@dataclass(frozen=True)
class ReferenceSignature:
    """An SM2 signature as the integer pair (r, s)."""

    r: int
    s: int


def public_from_private(d: int) -> tuple[int, int]:
    """P = [d]G."""
    if not 1 <= d <= N - 2:
        raise ValueError("private key out of range")
    point = scalar_mult(d, G)
    assert point is not None
    return point


def encode_public(point: tuple[int, int]) -> bytes:
    """Uncompressed point 04 || X || Y."""
    return b"\x04" + point[0].to_bytes(32, "big") + point[1].to_bytes(32, "big")


def z_value(*, public: tuple[int, int], user_id: bytes = DEFAULT_ID) -> bytes:
    """Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA), ENTL = bit length of ID in 2 bytes."""
    entl = len(user_id) * 8
    if entl > 0xFFFF:
        raise ValueError("ID too long")
    parts = [
        entl.to_bytes(2, "big"),
        user_id,
        A.to_bytes(32, "big"),
        B.to_bytes(32, "big"),
        GX.to_bytes(32, "big"),
        GY.to_bytes(32, "big"),
        public[0].to_bytes(32, "big"),
        public[1].to_bytes(32, "big"),
    ]
    return _sm3(b"".join(parts))


def message_digest(*, public: tuple[int, int], message: bytes, user_id: bytes = DEFAULT_ID) -> int:
    """e = SM3(Z || M) as an integer."""
    return int.from_bytes(_sm3(z_value(public=public, user_id=user_id) + message), "big")


def sign(*, d: int, message: bytes, k: int, user_id: bytes = DEFAULT_ID) -> ReferenceSignature:
    """Sign with a caller-chosen k (GB/T 32918.2 §6.1); raises if k is unusable."""
    public = public_from_private(d)
    e = message_digest(public=public, message=message, user_id=user_id)
    if not 1 <= k <= N - 1:
        raise ValueError("k out of range")
    point = scalar_mult(k, G)
    assert point is not None
    r = (e + point[0]) % N
    if r == 0 or r + k == N:
        raise ValueError("bad k: r")
    s = (pow(1 + d, -1, N) * (k - r * d)) % N
    if s == 0:
        raise ValueError("bad k: s")
    return ReferenceSignature(r=r, s=s)


def verify(
    *, public: tuple[int, int], message: bytes, signature: ReferenceSignature, user_id: bytes = DEFAULT_ID
) -> bool:
    """Verify per GB/T 32918.2 §7.1."""
    r, s = signature.r, signature.s
    if not (1 <= r <= N - 1 and 1 <= s <= N - 1):
        return False
    if not is_on_curve(public):
        return False
    e = message_digest(public=public, message=message, user_id=user_id)
    t = (r + s) % N
    if t == 0:
        return False
    point = point_add(scalar_mult(s, G), scalar_mult(t, public))
    if point is None:
        return False
    return (e + point[0]) % N == r


def _der_integer(value: int) -> bytes:
    body = value.to_bytes((value.bit_length() + 7) // 8 or 1, "big")
    if body[0] & 0x80:
        body = b"\x00" + body
    return b"\x02" + bytes([len(body)]) + body


def der_encode(signature: ReferenceSignature) -> bytes:
    """DER SEQUENCE { INTEGER r, INTEGER s } (short-form lengths suffice for 256-bit values)."""
    content = _der_integer(signature.r) + _der_integer(signature.s)
    return b"\x30" + bytes([len(content)]) + content


def der_decode(data: bytes) -> ReferenceSignature:
    """Strictly parse DER SEQUENCE { INTEGER r, INTEGER s }."""
    if len(data) < 8 or data[0] != 0x30 or data[1] != len(data) - 2:
        raise ValueError("not a DER SEQUENCE")
    values: list[int] = []
    pos = 2
    for _ in range(2):
        if pos + 2 > len(data) or data[pos] != 0x02:
            raise ValueError("not a DER INTEGER")
        length = data[pos + 1]
        body = data[pos + 2 : pos + 2 + length]
        if length == 0 or length > 0x7F or len(body) != length:
            raise ValueError("bad INTEGER length")
        if body[0] & 0x80 or (length > 1 and body[0] == 0 and not body[1] & 0x80):
            raise ValueError("non-minimal or negative INTEGER")
        values.append(int.from_bytes(body, "big"))
        pos += 2 + length
    if pos != len(data):
        raise ValueError("trailing bytes")
    return ReferenceSignature(r=values[0], s=values[1])
