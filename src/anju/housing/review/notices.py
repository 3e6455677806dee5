"""公示: the cases approved in principle, published for the notice period with masked names; objections
from the public are recorded against the case, which goes to 复核 and cannot be approved until resolved."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select

from anju.core import masking, regions, signing
from anju.core.httpapi import ApiError, error_responses, signed_callers
from anju.core.paging import paging
from anju.core.web import RuntimeDep
from anju.housing.models import Case, Objection
from anju.housing.review.service import TransitionRefused, case_transition

ALLOWED_CALLERS = frozenset({"platform"})
OBJECTOR_CONTEXT = "housing.objection.objector"


class NoticeEntry(BaseModel):
    """One line of the public notice: never an ID number, never income or status."""

    case_no: str
    name: str = Field(description="masked, e.g. 林*峰")
    district: str
    household_size: int
    notice_starts_at: str
    notice_ends_on: str


class NoticeList(BaseModel):
    """One page of a city's current public notice."""

    city_code: str
    city: str
    entries: list[NoticeEntry]
    total: int = Field(description="entries on notice in the city, on every page")
    page: int
    pages: int


PAGE_SIZE = 50


class ObjectionIn(BaseModel):
    """An objection from a member of the public, with who they are (kept, not published)."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=10, max_length=2000)
    name: str = Field(min_length=1, max_length=64)
    phone: str = Field(pattern=r"^1[3-9]\d{9}$")


def notice_entries(
    *, session: Any, city_code: str, page: int = 1, page_size: int = PAGE_SIZE
) -> tuple[list[NoticeEntry], int]:
    """One page of a city's cases on public notice now, longest-running first, and how many there are."""
    on_notice = (Case.city_code == city_code, Case.status == "public_notice")
    total = int(session.scalar(select(func.count()).select_from(Case).where(*on_notice)) or 0)
    cases = session.scalars(
        select(Case)
        .where(*on_notice)
        .order_by(Case.status_since, Case.id)
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    entries = [
        NoticeEntry(
            case_no=c.case_no,
            name=masking.mask_name(c.applicant_name),
            district=regions.get(c.district_code).name,
            household_size=c.household_size,
            notice_starts_at=c.status_since.isoformat() if c.status_since else "",
            notice_ends_on=c.notice_ends_on.isoformat() if c.notice_ends_on else "",
        )
        for c in cases
    ]
    return entries, total


router = APIRouter(prefix="/v1/public-notices", tags=["public notice"])

Caller = Annotated[
    signing.VerifiedRequest, Depends(signed_callers(ALLOWED_CALLERS, message="该系统无权调用公示接口。"))
]


@router.get(
    "/{city_code}",
    response_model=NoticeList,
    summary="某市正在公示的公租房申请（姓名脱敏，不含身份证号码）",
    responses=error_responses(401, 403, 404),
)
def notices(
    runtime: RuntimeDep,
    city_code: str,
    caller: Caller,
    page: Annotated[int, Query(ge=1, description="page number, from 1")] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = PAGE_SIZE,
) -> NoticeList:
    if not regions.is_jurisdiction(city_code):
        raise ApiError(code="city_unknown", message="没有这个市（区）。", status_code=404)
    with runtime.db.transaction() as session:
        entries, total = notice_entries(session=session, city_code=city_code, page=page, page_size=page_size)
    return NoticeList(
        city_code=city_code,
        city=regions.get(city_code).name,
        entries=entries,
        total=total,
        page=page,  # as asked: past the end, an empty page that says how many there are
        pages=paging(total, page, page_size).pages,
    )


@router.post(
    "/{case_no}/objections",
    status_code=201,
    summary="对公示中的申请提出异议（转入复核，异议处理完毕前不得审批）",
    responses=error_responses(401, 403, 404, 409, 422),
)
def objection(runtime: RuntimeDep, case_no: str, body: ObjectionIn, caller: Caller) -> dict[str, Any]:
    with runtime.db.transaction() as session:
        case = session.scalar(select(Case).where(Case.case_no == case_no).with_for_update())
        if case is None:
            raise ApiError(code="case_unknown", message="没有这件申请。", status_code=404)
        if case.status not in ("public_notice", "rechecking"):
            raise ApiError(code="not_on_notice", message="这件申请不在公示期内。", status_code=409)
        session.add(
            Objection(
                case_id=case.id,
                text=body.text.strip(),
                objector_name_enc=runtime.cipher.encrypt(body.name.strip(), context=OBJECTOR_CONTEXT),
                objector_phone_enc=runtime.cipher.encrypt(body.phone, context=OBJECTOR_CONTEXT),
            )
        )
        if case.status == "public_notice":  # a second objection joins the 复核 already running
            try:
                case_transition(
                    session=session,
                    case=case,
                    event="object",
                    actor="public",
                    actor_role="system",
                    outbox=runtime.tables.outbox,
                    audit=runtime.audit,
                    reason="公示期间收到异议，转入复核。",
                    channel="web",
                )
            except TransitionRefused as exc:  # pragma: no cover - the table allows it from public_notice
                raise ApiError(code=exc.code, message=exc.message, status_code=409) from exc
    return {"case_no": case_no, "recorded": True}
