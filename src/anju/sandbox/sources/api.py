"""The partner interfaces over signed HTTP, and the joint-test operators' fault knobs."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Body, Depends
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from anju.core import signing
from anju.core.httpapi import ApiError, error_responses, signed_callers
from anju.core.timeutil import today_shanghai, utcnow
from anju.sandbox.sources import service
from anju.sandbox.sources.schemas import (
    RegisterAnswer,
    RegisterBatchAnswer,
    RegisterBatchQuery,
    RegisterQuery,
)
from anju.sandbox.web import FaultsDep, RuntimeDep

ALLOWED_CALLERS = frozenset({"platform", "housing"})


OTHER_SERVICES = frozenset(
    {"esign", "sms", "faceauth"}
)  # fault knobs for the services that are not registers

Caller = Annotated[
    signing.VerifiedRequest,
    Depends(signed_callers(ALLOWED_CALLERS, message="该系统无权查询此数据源。", purpose_required=True)),
]
BatchCaller = Annotated[  # 批量核查 is housing's, for the tenants it re-checks (年审); never the platform's
    signing.VerifiedRequest,
    Depends(signed_callers({"housing"}, message="该系统无权批量核查。", purpose_required=True)),
]

router = APIRouter()


@dataclass(frozen=True)
class _Query:
    """One query as the register logs it: one household, or a batch of them (each logged on its own, under
    its own case number)."""

    source: str
    caller: signing.VerifiedRequest
    households: list[tuple[str, list[str]]]  # (case number, ID numbers)
    fields: list[str]
    request_id: str

    def logged(self, session: Session, outcome: str) -> None:
        service.query_log_write(
            session=session,
            source=self.source,
            caller=self.caller.caller,
            acting_user=self.caller.user,
            purpose=self.caller.purpose,
            message_id=self.caller.message_id,
            fields=self.fields,
            outcome=outcome,
            households=[
                (case_no, self.household_request_id(i), persons)
                for i, (case_no, persons) in enumerate(self.households)
            ],
        )

    def household_request_id(self, i: int) -> str:
        """Each household's own request id in the register's log (the batch's, numbered, for a batch)."""
        return self.request_id if len(self.households) == 1 else f"{self.request_id}.{i + 1:03d}"

    @property
    def persons(self) -> list[str]:
        return [n for _, persons in self.households for n in persons]


async def _fault_played(runtime: RuntimeDep, faults: FaultsDep, asked: _Query) -> Response | None:
    """What the joint-test operator set for this register: a delay, a hang, an error, a broken answer."""
    fault = faults.get(asked.source)

    def log(outcome: str) -> None:
        with runtime.db.transaction() as session:
            asked.logged(session, outcome)

    if fault.latency_ms:
        await asyncio.sleep(fault.latency_ms / 1000)
    if fault.hang:
        await anyio.to_thread.run_sync(log, "fault:hang")
        await asyncio.sleep(fault.hang_seconds)
    if faults.roll_error(fault):
        await anyio.to_thread.run_sync(log, "fault:error")
        raise ApiError(code="source_unavailable", message="数据源暂时无法提供服务。", status_code=503)
    if fault.malformed:
        await anyio.to_thread.run_sync(log, "fault:malformed")
        return Response(b'{"records": [{"id_number": tru', media_type="application/json")
    return None


def _records(runtime: RuntimeDep, asked: _Query, no_record: bool) -> list[dict[str, Any]]:
    """Every person's record, in the order asked, logged as answered."""
    with runtime.db.transaction() as session:
        try:
            records = service.source_answer(
                session=session,
                source=asked.source,
                id_numbers=asked.persons,
                fields=asked.fields,
                today=today_shanghai(),
            )
        except service.UnknownFields as exc:
            raise ApiError(
                code="field_unknown",
                message=f"数据源没有这些字段：{exc}",
                status_code=422,
                details={"fields": exc.fields},
            ) from exc
        if no_record:
            records = [{"id_number": r["id_number"], "found": False, "fields": {}} for r in records]
        asked.logged(session, "answered")
    return records


def _answer(runtime: RuntimeDep, asked: _Query, department: str, no_record: bool) -> dict[str, Any]:
    return {
        "source": asked.source,
        "department": department,
        "request_id": asked.request_id,
        "answered_at": utcnow().isoformat(),
        "records": _records(runtime, asked, no_record),
    }


def _batch_answer(runtime: RuntimeDep, asked: _Query, department: str, no_record: bool) -> dict[str, Any]:
    records = iter(_records(runtime, asked, no_record))
    return {
        "source": asked.source,
        "department": department,
        "request_id": asked.request_id,
        "answered_at": utcnow().isoformat(),
        "households": [
            {
                "ref": ref,
                "request_id": asked.household_request_id(i),
                "records": [next(records) for _ in persons],
            }
            for i, (ref, persons) in enumerate(asked.households)
        ],
    }


@router.post(
    "/v1/sources/{source}/query",
    response_model=RegisterAnswer,
    tags=["sources"],
    summary="查询一户家庭在某一部门登记的信息（只返回所请求的字段）",
    responses=error_responses(400, 401, 403, 404, 422),
)
async def register_query(
    runtime: RuntimeDep, faults: FaultsDep, source: str, query: RegisterQuery, caller: Caller
) -> Response:
    asked = _Query(source, caller, [(caller.case, query.persons)], query.fields, _request_id(source))
    return await _answered(runtime, faults, asked, _answer)


def _request_id(source: str) -> str:
    if source not in service.source_list():
        raise ApiError(code="source_unknown", message="没有这个数据源。", status_code=404)
    return f"{source}-{utcnow():%Y%m%d%H%M%S}-{secrets.token_hex(6)}"


async def _answered(runtime: RuntimeDep, faults: FaultsDep, asked: _Query, answer: Any) -> Response:
    played = await _fault_played(runtime, faults, asked)
    if played is not None:
        return played
    department = service.source_list()[asked.source].department
    no_record = faults.get(asked.source).no_record
    return JSONResponse(await anyio.to_thread.run_sync(answer, runtime, asked, department, no_record))


@router.post(
    "/v1/sources/{source}/batch",
    response_model=RegisterBatchAnswer,
    tags=["sources"],
    summary="批量核查：一次查询多户家庭在某一部门登记的信息（每户分别记录查询日志；仅住房保障部门年审使用）",
    responses=error_responses(400, 401, 403, 404, 422),
)
async def register_batch(
    runtime: RuntimeDep, faults: FaultsDep, source: str, query: RegisterBatchQuery, caller: BatchCaller
) -> Response:
    households = [(h.ref, h.persons) for h in query.households]
    asked = _Query(source, caller, households, query.fields, _request_id(source))
    return await _answered(runtime, faults, asked, _batch_answer)


@router.get("/admin/faults", tags=["joint-test"], summary="各数据源当前的故障设置")
def faults_list(faults: FaultsDep) -> dict[str, Any]:
    return {source: fault.as_dict() for source, fault in faults.all().items()}


@router.put("/admin/faults/{source}", tags=["joint-test"], summary="设置某一数据源的故障（联调测试用）")
def faults_set(faults: FaultsDep, source: str, knobs: dict[str, Any] = Body(...)) -> dict[str, Any]:
    if source not in service.source_list() and source not in OTHER_SERVICES:
        raise ApiError(code="source_unknown", message="没有这个数据源。", status_code=404)
    try:
        return faults.set(source, **knobs).as_dict()
    except (TypeError, ValueError) as exc:
        raise ApiError(code="fault_invalid", message=f"故障设置无效：{exc}", status_code=422) from exc


@router.delete("/admin/faults", tags=["joint-test"], summary="恢复所有数据源")
def faults_reset(faults: FaultsDep) -> dict[str, str]:
    faults.reset()
    return {"status": "healthy"}
