"""Face verification (人脸身份认证) before submission, for applicants whose sign-in did not reach the
level submission needs (DESIGN.md §3 step 1: "default 3, reached by face verification").

A phone's photo (often megabytes) is re-encoded to the contract's 10-70 KB JPEG here, sent to the
identity platform's face check with a business sequence number, and forgotten. The outcome is written
to the person's data log, with the version of the separate notice they agreed to (PIPL art. 29). A
pass raises the applicant's level for this sign-in: the next sign-in takes the provider's level again.
"""

from __future__ import annotations

import base64
import io
import secrets
from dataclasses import dataclass

import httpx
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy.orm import Session

from anju.core import faceauth
from anju.core.audit import AuditChain
from anju.core.db import Database
from anju.core.httpclient import PeerResponseError, SignedClient
from anju.platform.backfill.sources import source_list
from anju.platform.limits import LIMITS
from anju.platform.models import Applicant, DataAccessLog

CODE = "faceauth"
FACE_VERIFIED_LEVEL = 3  # 高级 (face verified), as the provider's levels count
MAX_PIXELS = 40_000_000  # a photo larger than any phone takes is refused before it is decoded
SIDES = (640, 480, 360)  # longest side tried, largest first: enough for a face, small enough for 70 KB
ATTEMPTS = LIMITS.limits["faceauth"]


class FaceAuthFailed(Exception):
    """The check could not be made or did not pass; ``message`` tells the person what to do."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class FaceOutcome:
    """What the identity platform answered."""

    passed: bool
    reason: str
    verification_id: str


def photo_prepare(raw: bytes) -> bytes:
    """The photo as the face check takes it: upright, at most 640 pixels a side, JPEG of 10-70 KB
    (raises FaceAuthFailed for what is not a photo, or too small or too blank to compare)."""
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise FaceAuthFailed("photo_too_large", "照片像素过大，请用手机相机直接拍摄。")
            image = ImageOps.exif_transpose(probe).convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise FaceAuthFailed("photo_unreadable", "无法识别这张照片，请上传 JPEG 或 PNG 格式的照片。") from exc
    if min(image.size) < 200:
        raise FaceAuthFailed("photo_too_small", "照片太小，看不清面部，请正对镜头重新拍摄。")
    data = b""
    for side in SIDES:  # the largest that fits the contract: detail helps the comparison
        image.thumbnail((side, side))
        for quality in (85, 70, 55, 40):
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=quality)
            data = out.getvalue()
            if len(data) <= faceauth.PHOTO_MAX_BYTES:
                break
        if len(data) <= faceauth.PHOTO_MAX_BYTES:
            break
    if faceauth.photo_problem(data):
        raise FaceAuthFailed("photo_unusable", "照片不清晰，请在光线充足处正对镜头重新拍摄。")
    return data


def face_check(
    *, client: SignedClient, name: str, id_number: str, photo: bytes, user: str, case: str
) -> FaceOutcome:
    """Ask the identity platform to compare the photo with the person's ID photo (raises FaceAuthFailed)."""
    notice = source_list().verifications[CODE]
    try:
        response = client.request(
            method="POST",
            destination=faceauth.FACEAUTH_SYSTEM,
            path=faceauth.FACEAUTH_PATH,
            payload={
                "biz_seq": f"GZF{secrets.token_hex(12)}",
                "auth_mode": "face",
                "name": name,
                "id_number": id_number,
                "photo_b64": base64.b64encode(photo).decode("ascii"),
            },
            user=user,
            purpose=notice.purpose,
            case=case,
        )
    except (httpx.HTTPError, PeerResponseError) as exc:
        raise FaceAuthFailed("faceauth_unreachable", "人脸认证服务暂时无法连接，请稍后再试。") from exc
    if response.status_code == 404:
        raise FaceAuthFailed("person_unknown", "统一身份认证平台没有您的实名信息，请先在该平台完成实名注册。")
    if response.status_code == 422:
        raise FaceAuthFailed("photo_refused", "人脸认证服务不接受这张照片，请正对镜头重新拍摄。")
    if response.status_code != 200:
        raise FaceAuthFailed(f"faceauth_http_{response.status_code}", "人脸认证服务暂时不可用，请稍后再试。")
    try:
        body = response.json()
        return FaceOutcome(
            passed=body["result"] == "pass",
            reason=str(body["reason"]),
            verification_id=str(body["verification_id"]),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise FaceAuthFailed("faceauth_malformed", "人脸认证服务返回的数据无法识别，请稍后再试。") from exc


LOCAL_FAILURES = frozenset({"photo_unreadable", "photo_too_small", "photo_too_large", "photo_unusable"})


def face_record(
    *,
    session: Session,
    audit: AuditChain,
    subject_bidx: str,
    actor: str,
    application_id: int | None,
    outcome: FaceOutcome | None,
    failure: str = "",
) -> None:
    """Log the check in the person's data log, or the failed attempt to make it (``failure``, a code)."""
    notice = source_list().verifications[CODE]
    audit.append(
        session,
        DataAccessLog(
            subject_bidx=subject_bidx,
            source=CODE,
            fields=",".join(notice.fields),
            purpose=f"{notice.purpose}（本人单独同意，告知版本 {notice.notice_version()[:16]}）",
            application_id=application_id,
            actor=actor,
            outcome=f"failed:{failure}" if outcome is None else ("pass" if outcome.passed else "fail"),
            request_id=outcome.verification_id if outcome else "",
        ),
    )


@dataclass(frozen=True)
class FaceClaim:
    """Who the person says they are, and where the check is logged."""

    name: str
    id_number: str
    subject_bidx: str
    actor: str
    application_id: int | None
    case: str


def face_verify(
    *, db: Database, client: SignedClient, audit: AuditChain, raw: bytes, claim: FaceClaim
) -> FaceOutcome:
    """Prepare the photo, ask the provider, and log what happened: a pass or a fail (returned), or a
    failure that may have reached the provider (logged, then raised as FaceAuthFailed). A photo refused
    here never left the platform and is not logged."""
    try:
        outcome = face_check(
            client=client,
            name=claim.name,
            id_number=claim.id_number,
            photo=photo_prepare(raw),
            user=claim.actor,
            case=claim.case,
        )
    except FaceAuthFailed as exc:
        if exc.code not in LOCAL_FAILURES:
            _log(db=db, audit=audit, claim=claim, outcome=None, failure=exc.code)
        raise
    _log(db=db, audit=audit, claim=claim, outcome=outcome)
    return outcome


def failure_status(exc: FaceAuthFailed) -> int:
    """The HTTP status a page answers with: the provider's trouble (502) or the photo's (400)."""
    return 502 if exc.code.startswith("faceauth") else 400


def mismatch_message(outcome: FaceOutcome) -> str:
    """What the person reads when the faces did not match."""
    return f"{outcome.reason or '人脸比对未通过。'}请在光线充足处正对镜头，摘下帽子和口罩后重新拍摄。"


def _log(
    *, db: Database, audit: AuditChain, claim: FaceClaim, outcome: FaceOutcome | None, failure: str = ""
) -> None:
    with db.transaction() as session:
        face_record(
            session=session,
            audit=audit,
            subject_bidx=claim.subject_bidx,
            actor=claim.actor,
            application_id=claim.application_id,
            outcome=outcome,
            failure=failure,
        )


def applicant_face_verified(applicant: Applicant) -> None:
    """A pass: this sign-in may submit (the next sign-in takes the provider's level again)."""
    applicant.real_name_level = max(applicant.real_name_level, FACE_VERIFIED_LEVEL)
