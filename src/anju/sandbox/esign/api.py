"""POST /v1/esign/signatures: sign documents' digests for a person known to 统一身份认证."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends
from sqlalchemy import select

from anju.core import esign, idcard, signing
from anju.core.httpapi import ApiError, error_responses, signed_callers
from anju.core.runtime import Runtime
from anju.core.timeutil import utcnow
from anju.sandbox.esign.models import EsignRecord
from anju.sandbox.esign.schemas import SignRequest, SignResponse
from anju.sandbox.models import Resident
from anju.sandbox.web import FaultsDep, RuntimeDep

ALLOWED_CALLERS = frozenset({"platform"})
FAULT_KEY = "esign"

Caller = Annotated[
    signing.VerifiedRequest, Depends(signed_callers(ALLOWED_CALLERS, message="该系统无权使用电子签名服务。"))
]

router = APIRouter(prefix="/v1/esign", tags=["esign"])


@router.post(
    "/signatures",
    response_model=SignResponse,
    summary="为已实名认证的个人对文件摘要作电子签名",
    responses=error_responses(400, 401, 403, 404, 422, 503),
)
async def signatures_make(
    runtime: RuntimeDep, faults: FaultsDep, body: SignRequest, caller: Caller
) -> dict[str, Any]:
    await faults.delay_or_fail(FAULT_KEY, code="esign_unavailable", message="电子签名服务暂时不可用。")
    if not idcard.is_valid(body.signer.id_number):
        raise ApiError(code="signer_id_invalid", message="签名人身份证号码不正确。", status_code=422)

    return {"signatures": await anyio.to_thread.run_sync(_signatures, runtime, body, caller)}


def _signatures(runtime: Runtime, body: SignRequest, caller: signing.VerifiedRequest) -> list[dict[str, Any]]:
    """Each document signed for the resident, and recorded (no document content is kept, only its digest)."""
    with runtime.db.transaction() as session:
        person = session.scalar(select(Resident).where(Resident.id_number == body.signer.id_number))
        if person is None or person.name != body.signer.name:
            raise ApiError(
                code="signer_unknown", message="签名人未在统一身份认证平台实名注册。", status_code=404
            )
        now = utcnow()
        made = []
        for doc in body.documents:
            signature = esign.esign_make(
                private_key=runtime.identity.private_key,
                service=runtime.system,
                serial=f"ES-{now:%Y%m%d}-{secrets.token_hex(8)}",
                kind=doc.kind,
                title=doc.title,
                document_sm3=doc.sm3,
                byte_count=doc.byte_count,
                signer_name=person.name,
                signer_id_number=person.id_number,
                signed_at=now,
            )
            session.add(
                EsignRecord(
                    serial=signature.serial,
                    caller=caller.caller,
                    case_no=caller.case,
                    kind=doc.kind,
                    document_sm3=doc.sm3,
                    signer_id_sm3=signature.signer_id_sm3,
                )
            )
            made.append(signature.as_dict())
        return made
