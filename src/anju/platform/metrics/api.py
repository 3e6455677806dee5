"""GET /v1/metrics: the figures for housing's staff dashboard (signed; housing only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from anju.core import regions, signing
from anju.core.httpapi import ApiError, error_responses, signed_callers
from anju.core.web import RuntimeDep
from anju.platform.metrics.service import metrics

Caller = Annotated[
    signing.VerifiedRequest, Depends(signed_callers({"housing"}, message="该系统无权获取统计。"))
]

router = APIRouter(prefix="/v1", tags=["metrics"])


@router.get(
    "/metrics",
    summary="办件成效：按城市、渠道、月份统计的办件量、用时、材料、字段和好差评（均由存储的事件计算）",
    responses=error_responses(401, 403, 404),
)
def figures(runtime: RuntimeDep, caller: Caller, city_code: str = "") -> dict[str, Any]:
    if city_code and not regions.is_jurisdiction(city_code):
        raise ApiError(code="city_unknown", message="没有这个市（区）。", status_code=404)
    with runtime.db.transaction() as session:
        return metrics(session=session, city_code=city_code or None)
