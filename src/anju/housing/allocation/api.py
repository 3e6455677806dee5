"""GET /v1/waitlists/…: a city's waiting list in order, as the platform publishes it (公示: masked names, no ID
numbers), and one waiting household's place, as the platform shows it to the applicant. GET /v1/lotteries/…:
a city's draws (摇号) with everything needed to re-run them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from anju.core import masking, regions, signing
from anju.core.httpapi import ApiError, error_responses, signed_callers
from anju.core.paging import paging
from anju.core.timeutil import shanghai_date, today_shanghai
from anju.core.web import RuntimeDep
from anju.housing.allocation import exits, offers, units
from anju.housing.allocation import lease as contract
from anju.housing.allocation.draws import draw_public, draws_of
from anju.housing.allocation.models import HousingOffer, LotteryDraw
from anju.housing.allocation.tenancy import tenancy_of
from anju.housing.allocation.waitlist import Standing, waitlist_page, waitlist_rule, waitlist_standing
from anju.housing.models import Case
from anju.housing.review.api import CaseStatusReceipt, latest_receipt

ALLOWED_CALLERS = frozenset({"platform"})
PAGE_SIZE = 50

Caller = Annotated[
    signing.VerifiedRequest, Depends(signed_callers(ALLOWED_CALLERS, message="该系统无权调用轮候接口。"))
]

waitlists = APIRouter(prefix="/v1/waitlists", tags=["waiting list"])


class WaitlistRuleOut(BaseModel):
    """The order the list follows, and where it comes from."""

    effective_from: date
    source: str
    provisional: bool
    groups: list[str] = Field(description="the priority groups, in turn")
    then: str


class WaitlistEntry(BaseModel):
    """One line of the public list: never an ID number, never income."""

    position: int
    waitlist_no: int
    name: str = Field(description="masked, e.g. 林**")
    district: str
    household_size: int
    group: str = Field(description="the priority group the household stands in, or empty")
    approved_on: date | None


class WaitlistOut(BaseModel):
    city_code: str
    city: str
    on: date
    rule: WaitlistRuleOut
    entries: list[WaitlistEntry]
    total: int
    page: int
    pages: int


class StandingOut(BaseModel):
    """One waiting household's place today."""

    case_no: str
    city: str
    on: date
    position: int
    total: int
    waitlist_no: int
    group: str
    approved_on: date | None
    rule: WaitlistRuleOut


def _approved_on(case: Case) -> date | None:
    return shanghai_date(case.decided_at) if case.decided_at else None


def _entry(s: Standing) -> WaitlistEntry:
    return WaitlistEntry(
        position=s.position,
        waitlist_no=s.case.waitlist_no or 0,
        name=masking.mask_name(s.case.applicant_name),
        district=regions.get(s.case.district_code).name,
        household_size=s.case.household_size,
        group=s.group,
        approved_on=_approved_on(s.case),
    )


def _city_case(session: Any, city_code: str, case_no: str) -> Case | None:
    """A case of this city by its number."""
    found: Case | None = session.scalar(
        select(Case).where(Case.case_no == case_no, Case.city_code == city_code)
    )
    return found


def _city(city_code: str) -> str:
    if not regions.is_jurisdiction(city_code):
        raise ApiError(code="city_unknown", message="没有这个市（区）。", status_code=404)
    return regions.get(city_code).name


@waitlists.get(
    "/{city_code}",
    response_model=WaitlistOut,
    summary="某市的公租房轮候名单（按当地轮候排序规则排序；姓名脱敏，不含身份证号码）",
    responses=error_responses(401, 403, 404),
)
def waitlist(
    runtime: RuntimeDep,
    city_code: str,
    caller: Caller,
    page: Annotated[int, Query(ge=1, description="page number, from 1")] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = PAGE_SIZE,
) -> WaitlistOut:
    city, on = _city(city_code), today_shanghai()
    with runtime.db.transaction() as session:
        standings, total = waitlist_page(
            session=session, city_code=city_code, on=on, offset=(page - 1) * page_size, limit=page_size
        )
        entries = [_entry(s) for s in standings]
    return WaitlistOut(
        city_code=city_code,
        city=city,
        on=on,
        rule=WaitlistRuleOut(**waitlist_rule(city_code, on).as_dict()),
        entries=entries,
        total=total,
        page=page,  # as asked: past the end, an empty page that says how many there are
        pages=paging(total, page, page_size).pages,
    )


@waitlists.get(
    "/{city_code}/cases/{case_no}",
    response_model=StandingOut,
    summary="某户在轮候名单中的位次（今天按当地规则计算）",
    responses=error_responses(401, 403, 404),
)
def standing(runtime: RuntimeDep, city_code: str, case_no: str, caller: Caller) -> StandingOut:
    city, on = _city(city_code), today_shanghai()
    with runtime.db.transaction() as session:
        case = _city_case(session, city_code, case_no)
        found = waitlist_standing(session=session, case=case, on=on) if case else None
        if found is None:
            raise ApiError(code="not_waiting", message="这件申请不在轮候中。", status_code=404)
        out = StandingOut(
            case_no=case_no,
            city=city,
            on=on,
            position=found.position,
            total=found.total,
            waitlist_no=found.case.waitlist_no or 0,
            group=found.group,
            approved_on=_approved_on(found.case),
            rule=WaitlistRuleOut(**waitlist_rule(city_code, on).as_dict()),
        )
    return out


lotteries = APIRouter(prefix="/v1/lotteries", tags=["lottery"])


class DrawOut(BaseModel):
    """A draw as published at its step (frozen → seeded → drawn): the list's SM3 and the commitment from the
    start; the seed and the revealed value before the draw; the order after it."""

    id: int
    city_code: str
    city: str
    title: str
    state: str = Field(description="frozen | seeded | drawn")
    algorithm: str
    frozen_at: datetime
    households: int
    list_sm3: str
    sealed_commitment: str = Field(description="SM3 of housing's sealed value, published at freezing")
    seed: str
    seed_source: str
    seeded_at: datetime | None
    sealed_revealed: str = Field(description="housing's value, revealed with the seed")
    drawn_at: datetime | None
    result: list[dict[str, object]] = Field(description="rank, and the list's line, in the order drawn")


class DrawDetail(DrawOut):
    list_text: str = Field(description="the list exactly as frozen; its UTF-8 SM3 is list_sm3")


@lotteries.get(
    "/{city_code}",
    response_model=list[DrawOut],
    summary="某市的公租房配租摇号（名单摘要、种子与结果，任何人可据此重新计算）",
    responses=error_responses(401, 403, 404),
)
def draws(runtime: RuntimeDep, city_code: str, caller: Caller) -> list[DrawOut]:
    _city(city_code)
    with runtime.db.transaction() as session:
        return [DrawOut(**draw_public(d)) for d in draws_of(session=session, city_code=city_code)]


@lotteries.get(
    "/{city_code}/{draw_id}",
    response_model=DrawDetail,
    summary="一次摇号的全部公开信息，含冻结的名单原文",
    responses=error_responses(401, 403, 404),
)
def draw(runtime: RuntimeDep, city_code: str, draw_id: int, caller: Caller) -> DrawDetail:
    _city(city_code)
    with runtime.db.transaction() as session:
        found = session.get(LotteryDraw, draw_id)
        if found is None or found.city_code != city_code:
            raise ApiError(code="draw_unknown", message="没有这次摇号。", status_code=404)
        return DrawDetail(**draw_public(found), list_text=found.list_text)


offer_routes = APIRouter(prefix="/v1/offers", tags=["offers"])

OfferCaller = Annotated[
    signing.VerifiedRequest, Depends(signed_callers(ALLOWED_CALLERS, message="该系统无权办理配租。"))
]


class OfferOut(BaseModel):
    """The flat offered to a household and the date to answer by."""

    case_no: str
    unit: dict[str, object] = Field(
        description="the flat: label, district, address, area, rooms, floor, rent"
    )
    offered_at: datetime
    reply_due_on: date
    refusals: int = Field(description="earlier offers refused or lapsed")
    refusals_before_requeue: int
    rule_provisional: bool


class OfferAnswer(BaseModel):
    """The applicant's answer, once."""

    model_config = ConfigDict(extra="forbid")

    accept: bool
    reason: str = Field(default="", max_length=200)


def _offered(session: Any, city_code: str, case_no: str, *, lock: bool) -> tuple[Case, HousingOffer]:
    """The case and its open offer (404 when there is none); ``lock`` for an answer that changes them."""
    query = select(Case).where(Case.case_no == case_no, Case.city_code == city_code)
    case: Case | None = session.scalar(query.with_for_update() if lock else query)
    found = offers.offer_open(session=session, case=case) if case else None
    if case is None or found is None:
        raise ApiError(code="no_open_offer", message="这件申请没有待确认的配租房源。", status_code=404)
    return case, found


@offer_routes.get(
    "/{city_code}/{case_no}",
    response_model=OfferOut,
    summary="一户待确认的配租房源（供申请人在平台确认）",
    responses=error_responses(401, 403, 404),
)
def offer(runtime: RuntimeDep, city_code: str, case_no: str, caller: OfferCaller) -> OfferOut:
    _city(city_code)
    with runtime.db.transaction() as session:
        case, found = _offered(session, city_code, case_no, lock=False)
        project, unit = units.unit_with_project(session, found.unit_id)
        rule = offers.offer_rule(city_code, today_shanghai())
        return OfferOut(
            case_no=case_no,
            unit=units.unit_facts(project, unit),
            offered_at=found.offered_at,
            reply_due_on=found.reply_due_on,
            refusals=offers.refusals_of(session=session, case=case),
            refusals_before_requeue=rule.refusals_before_requeue,
            rule_provisional=rule.provisional,
        )


@offer_routes.post(
    "/{city_code}/{case_no}/answer",
    response_model=CaseStatusReceipt,
    summary="申请人确认接受或放弃配租（一次）；答复即办件的新状态，与状态总线所载相同",
    responses=error_responses(401, 403, 404, 422),
)
def offer_answer(
    runtime: RuntimeDep, city_code: str, case_no: str, body: OfferAnswer, caller: OfferCaller
) -> CaseStatusReceipt:
    _city(city_code)
    with runtime.db.transaction() as session:
        case, _ = _offered(session, city_code, case_no, lock=True)
        offers.offer_answer(
            session=session,
            case=case,
            accept=body.accept,
            reason=body.reason,
            actor=f"applicant:{caller.user}",
            role="applicant",
            via="web",
            outbox=runtime.tables.outbox,
            audit=runtime.audit,
            today=today_shanghai(),
            cipher=runtime.cipher,
            index=runtime.blind_index,
        )
        session.flush()
        return latest_receipt(session, case)


tenancy_routes = APIRouter(prefix="/v1/tenancies", tags=["tenancies"])


class LeaseOut(BaseModel):
    """The 租赁合同: the exact text the tenant signs (UTF-8), its SM3, and whether it is signed."""

    title: str
    kind: str = Field(description="the e-signature's document kind: lease")
    content: str
    sm3: str
    signed: bool
    serial: str = Field(description="the e-signature service's number for the tenant's signature")
    signed_at: str | None


class TenancyOut(BaseModel):
    """A household's tenancy as its tenant reads it: the flat, the term, the rent and the next 年审."""

    case_no: str
    unit: dict[str, object]
    starts_on: date
    ends_on: date
    rent: str = Field(description="yuan a month, two decimals, before the subsidy")
    subsidy: str = Field(description="the city's subsidy for the household's group, yuan a month")
    payable: str = Field(description="what the household pays, yuan a month")
    next_review_on: date
    provisional: bool = Field(description="the subsidy levels are not yet confirmed by the city")
    exit_reason: str = Field("", description="退出: the ground the tenancy ends on (its label), or empty")
    exit_noticed_on: date | None = None
    vacate_by: date | None = Field(None, description="退出: the 腾退 date")
    transition_rent: str = Field("", description="退出: yuan a month until 腾退 where the city sets one")
    ended_on: date | None = Field(None, description="the day the flat was handed back")
    lease: LeaseOut | None = Field(None, description="the 租赁合同 while the tenancy runs")


class LeaseSignature(BaseModel):
    signature: dict[str, object] = Field(
        description="anju.core.esign.ESignature over the content, kind lease"
    )


@tenancy_routes.get(
    "/{city_code}/{case_no}",
    response_model=TenancyOut,
    summary="一户的公租房租赁信息：房源、租期、租金与补贴、下次年审日期（供承租人在平台查看）",
    responses=error_responses(401, 403, 404),
)
def tenancy(runtime: RuntimeDep, city_code: str, case_no: str, caller: OfferCaller) -> TenancyOut:
    _city(city_code)
    with runtime.db.transaction() as session:
        case = _city_case(session, city_code, case_no)
        lease = tenancy_of(session=session, case=case) if case else None
        if case is None or lease is None:
            raise ApiError(code="no_tenancy", message="这件申请还没有租赁信息。", status_code=404)
        project, unit = units.unit_with_project(session, lease.unit_id)
        return TenancyOut(
            case_no=case_no,
            unit=units.unit_facts(project, unit),
            starts_on=lease.starts_on,
            ends_on=lease.ends_on,
            rent=units.yuan(lease.rent_fen),
            subsidy=units.yuan(lease.subsidy_fen),
            payable=units.yuan(lease.payable_fen),
            next_review_on=lease.next_review_on,
            provisional=lease.rule_provisional,
            exit_reason=exits.exit_reason_label(lease.exit_reason),
            exit_noticed_on=lease.exit_noticed_on,
            vacate_by=lease.vacate_by,
            transition_rent=units.yuan(lease.transition_rent_fen) if lease.transition_rent_fen else "",
            ended_on=lease.ended_on,
            lease=LeaseOut(**view) if (view := contract.lease_view(session=session, case=case)) else None,
        )


@tenancy_routes.post(
    "/{city_code}/{case_no}/lease",
    response_model=LeaseOut,
    summary="承租人对租赁合同的电子签名：住房保障部门核验后记录，并出具加盖电子印章的合同",
    responses=error_responses(401, 403, 404, 409, 422),
)
def lease_sign(
    runtime: RuntimeDep, city_code: str, case_no: str, body: LeaseSignature, caller: OfferCaller
) -> LeaseOut:
    _city(city_code)
    with runtime.db.transaction() as session:
        case = _city_case(session, city_code, case_no)
        if case is None:
            raise ApiError(code="no_tenancy", message="这件申请还没有租赁信息。", status_code=404)
        try:
            contract.lease_sign(
                session=session,
                case=case,
                signature=body.signature,
                actor=f"applicant:{caller.user}",
                registry=runtime.registry,
                cipher=runtime.cipher,
                outbox=runtime.tables.outbox,
                audit=runtime.audit,
            )
        except contract.LeaseRefused as exc:
            raise ApiError(code="lease_refused", message=exc.message, status_code=409) from exc
        view = contract.lease_view(session=session, case=case)
        assert view is not None
        return LeaseOut(**view)


# Everything allocation publishes to the platform, as one router the app includes.
router = APIRouter()
for _routes in (waitlists, lotteries, offer_routes, tenancy_routes):
    router.include_router(_routes)
