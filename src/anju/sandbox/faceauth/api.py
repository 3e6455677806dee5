"""POST /v1/faceauth/verifications: compare a live face photo with the person's ID photo on record.

The sandbox has no ID photos. Its rule is that a well-formed photo of a resident known to 统一身份认证,
under the right name, passes, unless the `mismatch` fault knob says the faces differ. Photos are
checked against the contract (core/faceauth) and then forgotten: only the outcome is kept."""

from __future__ import annotations

import base64
import binascii
import secrets
from typing import Annotated, Any, Literal

import anyio
from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from anju.core import faceauth, idcard, signing
from anju.core.httpapi import ApiError, error_responses, signed_callers
from anju.core.timeutil import utcnow
from anju.sandbox.models import Resident
from anju.sandbox.web import FaultsDep, RuntimeDep

ALLOWED_CALLERS = frozenset({"platform"})
FAULT_KEY = "faceauth"


class FaceCheck(BaseModel):
    """One comparison: who the person says they are, and their photo now."""

    model_config = ConfigDict(extra="forbid")

    biz_seq: str = Field(pattern=r"^[A-Za-z0-9_-]{8,64}$", description="unique per call, for reconciliation")
    auth_mode: Literal["face"] = Field(description="what is compared (only the live face here)")
    name: str = Field(min_length=1, max_length=64)
    id_number: str = Field(min_length=18, max_length=18)
    photo_b64: str = Field(description="the photo, base64; 10 KB to 70 KB once decoded; JPEG, PNG or BMP")


class FaceResult(BaseModel):
    """The outcome; the photo is not kept."""

    biz_seq: str
    result: Literal["pass", "fail"]
    reason: str = Field(description="why it failed, in words for the person; empty on pass")
    verification_id: str
    checked_at: str


Caller = Annotated[
    signing.VerifiedRequest, Depends(signed_callers(ALLOWED_CALLERS, message="该系统无权使用人脸认证服务。"))
]

router = APIRouter(prefix="/v1/faceauth", tags=["faceauth"])


@router.post(
    "/verifications",
    response_model=FaceResult,
    summary="人脸身份认证：现场人脸照片与身份证照片比对",
    responses=error_responses(400, 401, 403, 404, 422, 503),
)
async def verify(runtime: RuntimeDep, faults: FaultsDep, body: FaceCheck, caller: Caller) -> dict[str, Any]:
    fault = await faults.delay_or_fail(
        FAULT_KEY, code="faceauth_unavailable", message="人脸认证服务暂时不可用。"
    )
    if not idcard.is_valid(body.id_number):
        raise ApiError(code="id_number_invalid", message="身份证号码不正确。", status_code=422)
    try:
        photo = base64.b64decode(body.photo_b64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ApiError(code="photo_invalid", message="照片不是有效的 base64 数据。", status_code=422) from exc
    if problem := faceauth.photo_problem(photo):
        raise ApiError(code="photo_invalid", message=problem, status_code=422)

    def known() -> bool:
        with runtime.db.transaction() as session:
            person = session.scalar(select(Resident).where(Resident.id_number == body.id_number))
            return person is not None and person.name == body.name

    if fault.no_record or not await anyio.to_thread.run_sync(known):
        raise ApiError(code="person_unknown", message="统一身份认证平台没有此人的实名信息。", status_code=404)
    passed = not fault.mismatch
    return {
        "biz_seq": body.biz_seq,
        "result": "pass" if passed else "fail",
        "reason": "" if passed else "现场照片与身份证照片不一致。",
        "verification_id": f"FA-{utcnow():%Y%m%d}-{secrets.token_hex(8)}",
        "checked_at": utcnow().isoformat(),
    }
