"""The face verification (人脸身份认证) contract both sides keep: what a photo must be, where it goes.

Modelled on the national network identity service's face check (standards.md §4.4): a face photo of
10 KB to 70 KB, JPEG, PNG or BMP (JPEG recommended, GB/T 35678-2017), sent with a business sequence
number (bizSeq) unique per call, and answered pass or fail. The sandbox plays the service; the
platform prepares photos to this contract and never keeps them.
"""

from __future__ import annotations

from anju.core.filetypes import sniffed_type

FACEAUTH_SYSTEM = "sandbox"  # the province's identity platform, in production
FACEAUTH_PATH = "/v1/faceauth/verifications"
PHOTO_MIN_BYTES = 10 * 1024
PHOTO_MAX_BYTES = 70 * 1024
PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/bmp"})


def photo_format(data: bytes) -> str | None:
    """The photo's content type by its leading bytes (None if it is none of the accepted ones)."""
    return sniffed_type(data, allowed=PHOTO_TYPES)


def photo_problem(data: bytes) -> str:
    """Why a photo does not meet the contract, in words for the person ("" if it does)."""
    if photo_format(data) is None:
        return "照片须为 JPEG、PNG 或 BMP 格式。"
    if not PHOTO_MIN_BYTES <= len(data) <= PHOTO_MAX_BYTES:
        return f"照片大小须在 {PHOTO_MIN_BYTES // 1024} KB 至 {PHOTO_MAX_BYTES // 1024} KB 之间。"
    return ""
