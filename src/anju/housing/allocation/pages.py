"""轮候 pages of the console: the checked facts that place a household in a priority group, a city's
waiting list in order, and its draws (摇号) (decision 0025: the domain owns its pages)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import anyio
from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from anju.core import regions
from anju.core.paging import paging
from anju.core.refusals import Refused
from anju.core.timeutil import today_shanghai
from anju.core.vocab import status_label
from anju.core.web import form_file, page_router, path_for
from anju.housing.allocation import draws, exits, offers, stock, waitlist
from anju.housing.allocation.models import LotteryDraw
from anju.housing.models import Case
from anju.housing.reverify import service as reverify
from anju.housing.review.case_view import case_context
from anju.housing.staff import service
from anju.housing.web import RuntimeDep, StaffId, error_page, render, staff_of

router = page_router(prefix="/staff")
uploads = page_router(prefix="/staff")  # the stock file: a larger body than a form
PAGE_SIZE = 50


def _case_missing(request: Request) -> Response:
    message = "没有找到该办件，或它不属于您负责的辖区。"
    return error_page(request, 404, title="找不到办件", message=message, code="not_found")


def _not_allowed(request: Request, message: str) -> Response:
    return error_page(request, 403, title="无权操作", message=message, code="role_not_allowed")


def _city_of(staff: Any) -> str:
    """The city a staff member works for (a county's staff: their county's city)."""
    return regions.jurisdiction_of(staff.region_code).code


def _priority_step(
    request: Request, runtime: RuntimeDep, staff_id: int, case_no: str, step: Callable[..., Any], status: int
) -> Response:
    """Record or withdraw a priority fact on a case in the member's region, by a role that may; a refusal
    is said on the case page (``status``), success returns to it."""
    with runtime.db.transaction() as session:
        staff = staff_of(session, staff_id)
        case = service.staff_case(session=session, staff=staff, case_no=case_no)
        if case is None:
            return _case_missing(request)
        if staff.role not in waitlist.PRIORITY_ROLES:
            return _not_allowed(request, "您的岗位不能登记轮候优先情况。")
        try:
            step(session=session, case=case, actor=staff.username)
        except waitlist.PriorityRefused as exc:
            context = case_context(session, staff, case, runtime.cipher, runtime.blind_index)
            return render(request, "staff_case.html", {**context, "priority_error": exc.message}, status)
    return RedirectResponse(path_for(request, "staff_case", case_no=case_no) + "#case-priorities", 303)


@router.post("/cases/{case_no}/priorities", name="staff_case_priority_record")
def staff_case_priority_record(
    request: Request,
    case_no: str,
    staff_id: StaffId,
    runtime: RuntimeDep,
    fact: str = Form(""),
    proof: str = Form(""),
) -> Response:
    """Record a fact checked on a proof (残疾人证, 优待证) that places the household in a priority group."""
    step = functools.partial(waitlist.priority_record, fact=fact, proof=proof)
    return _priority_step(request, runtime, staff_id, case_no, step, 400)


@router.post("/cases/{case_no}/priorities/{priority_id}/withdraw", name="staff_case_priority_withdraw")
def staff_case_priority_withdraw(
    request: Request, case_no: str, priority_id: int, staff_id: StaffId, runtime: RuntimeDep
) -> Response:
    """Withdraw a recorded fact (kept, marked withdrawn)."""
    step = functools.partial(waitlist.priority_withdraw, priority_id=priority_id)
    return _priority_step(request, runtime, staff_id, case_no, step, 409)


@router.get("/waitlist", name="staff_waitlist")
def staff_waitlist(request: Request, staff_id: StaffId, runtime: RuntimeDep, page: int = 1) -> Response:
    """The city's waiting list in today's order, with the rule it follows (the staff member's city; a
    case opens from here where the member's region covers it)."""
    on = today_shanghai()
    with runtime.db.transaction() as session:
        staff = staff_of(session, staff_id)
        city_code = _city_of(staff)
        total = waitlist.waitlist_count(session=session, city_code=city_code)
        shown = paging(total, page, PAGE_SIZE)
        standings, _ = waitlist.waitlist_page(
            session=session, city_code=city_code, on=on, offset=shown.offset, limit=PAGE_SIZE, total=total
        )
        rows = [{"standing": s, "linked": service.case_in_region(staff, s.case)} for s in standings]
    context = {
        "title": "轮候名单",
        "city": regions.get(city_code).name,
        "on": on,
        "rule": waitlist.waitlist_rule(city_code, on).as_dict(),
        "rows": rows,
        "total": total,
        "page": shown.page,
        "pages": shown.pages,
    }
    return render(request, "staff_waitlist.html", context)


def _lotteries_context(session: Any, staff: Any, **extra: Any) -> dict[str, Any]:
    city_code = _city_of(staff)
    return {
        "title": "配租摇号",
        "city": regions.get(city_code).name,
        "draws": [draws.draw_public(d) for d in draws.draws_of(session=session, city_code=city_code)],
        "may_draw": staff.role in draws.DRAW_ROLES,
        "waiting": waitlist.waitlist_count(session=session, city_code=city_code),
        "error": "",
        "title_value": "",
        **extra,
    }


@router.get("/lotteries", name="staff_lotteries")
def staff_lotteries(request: Request, staff_id: StaffId, runtime: RuntimeDep) -> Response:
    """The city's draws; a city administrator freezes a new list here."""
    with runtime.db.transaction() as session:
        context = _lotteries_context(session, staff_of(session, staff_id))
    return render(request, "staff_lotteries.html", context)


@router.post("/lotteries", name="staff_lottery_freeze")
def staff_lottery_freeze(
    request: Request, staff_id: StaffId, runtime: RuntimeDep, title: str = Form("")
) -> Response:
    """Freeze the waiting households, in today's order, as a new draw's list (city administrators)."""
    with runtime.db.transaction() as session:
        staff = staff_of(session, staff_id)
        if staff.role not in draws.DRAW_ROLES:
            return _not_allowed(request, "只有市级管理员可以组织摇号。")
        city_code = _city_of(staff)
        try:
            draw = draws.draw_freeze(
                session=session,
                city_code=city_code,
                title=title,
                actor=staff.username,
                cipher=runtime.cipher,
                on=today_shanghai(),
            )
        except draws.DrawRefused as exc:
            context = _lotteries_context(session, staff, error=exc.message, title_value=title)
            return render(request, "staff_lotteries.html", context, 400)
        draw_id = draw.id
    return RedirectResponse(path_for(request, "staff_lottery", draw_id=draw_id), 303)


def _draw_page(
    request: Request, session: Any, staff: Any, draw: Any, error: str = "", status: int = 200
) -> Response:
    public = draws.draw_public(draw)
    numbers = [int(r["line"][1]) for r in public["result"] or []]
    cases = {
        c.waitlist_no: c
        for c in session.scalars(
            select(Case).where(Case.city_code == draw.city_code, Case.waitlist_no.in_(numbers))
        )
    }
    context = {
        "title": draw.title,
        "draw": public,
        "list_lines": [line.split("\t") for line in draw.list_text.splitlines()[1:]],
        "may_draw": staff.role in draws.DRAW_ROLES,
        "error": error,
        # 配租 in the draw's order: each drawn household's case as it stands now, opened from here
        "now": {
            n: {
                "case_no": c.case_no,
                "status": status_label(c.status),
                "linked": service.case_in_region(staff, c),
            }
            for n, c in cases.items()
        },
    }
    return render(request, "staff_lottery.html", context, status)


def _own_draw(session: Any, staff: Any, draw_id: int) -> Any:
    draw = session.get(LotteryDraw, draw_id)
    city_code = _city_of(staff)
    return draw if draw is not None and draw.city_code == city_code else None


def _draw_missing(request: Request) -> Response:
    return error_page(
        request, 404, title="找不到摇号", message="没有这次摇号，或它不属于您所在的城市。", code="not_found"
    )


@router.get("/lotteries/{draw_id}", name="staff_lottery")
def staff_lottery(request: Request, draw_id: int, staff_id: StaffId, runtime: RuntimeDep) -> Response:
    """One draw: its list, digest and commitment; the seed; the result."""
    with runtime.db.transaction() as session:
        staff = staff_of(session, staff_id)
        draw = _own_draw(session, staff, draw_id)
        return _draw_page(request, session, staff, draw) if draw else _draw_missing(request)


@router.post("/lotteries/{draw_id}/{step}", name="staff_lottery_step")
def staff_lottery_step(
    request: Request,
    draw_id: int,
    step: str,
    staff_id: StaffId,
    runtime: RuntimeDep,
    seed: str = Form(""),
    source: str = Form(""),
) -> Response:
    """Publish the seed (step "seed"), then make the draw (step "draw"): each once, in that order."""
    with runtime.db.transaction() as session:
        staff = staff_of(session, staff_id)
        draw = _own_draw(session, staff, draw_id)
        if draw is None or step not in ("seed", "draw"):
            return _draw_missing(request)
        if staff.role not in draws.DRAW_ROLES:
            return _not_allowed(request, "只有市级管理员可以组织摇号。")
        try:
            if step == "seed":
                draws.draw_seed(
                    session=session,
                    draw=draw,
                    seed=seed,
                    source=source,
                    actor=staff.username,
                    cipher=runtime.cipher,
                )
            else:
                draws.draw_run(session=session, draw=draw, actor=staff.username)
        except draws.DrawRefused as exc:
            return _draw_page(request, session, staff, draw, exc.message, 409)
    return RedirectResponse(path_for(request, "staff_lottery", draw_id=draw_id) + f"#{step}", 303)


def _stock_context(session: Any, staff: Any, **extra: Any) -> dict[str, Any]:
    city_code = _city_of(staff)
    return {
        "title": "房源",
        "city": regions.get(city_code).name,
        "projects": stock.stock_summary(session=session, city_code=city_code),
        "may_import": staff.role in offers.OFFER_ROLES,
        "columns": list(stock.COLUMNS),
        "errors": [],
        "imported": None,
        **extra,
    }


@router.get("/stock", name="staff_stock")
def staff_stock(request: Request, staff_id: StaffId, runtime: RuntimeDep) -> Response:
    """The city's housing stock by project; a city administrator imports a file of flats here."""
    with runtime.db.transaction() as session:
        context = _stock_context(session, staff_of(session, staff_id))
    imported = request.query_params.get("imported")
    return render(
        request,
        "staff_stock.html",
        {**context, "imported": int(imported) if imported and imported.isdigit() else None},
    )


@router.get("/stock/template.csv", name="staff_stock_template")
def staff_stock_template(staff_id: StaffId) -> Response:
    """The file to fill in: the columns and one example row."""
    headers = {"Content-Disposition": 'attachment; filename="stock-template.csv"'}
    return Response(stock.template_csv(), media_type="text/csv; charset=utf-8", headers=headers)


@uploads.post("/stock", name="staff_stock_import")
async def staff_stock_import(request: Request, staff_id: StaffId, runtime: RuntimeDep) -> Response:
    """Read the uploaded file; save it only when every row is right, else name every bad row."""
    filename, content = await form_file(request, "file")
    return await anyio.to_thread.run_sync(_stock_import, request, staff_id, runtime, filename, content)


def _stock_import(
    request: Request, staff_id: int, runtime: RuntimeDep, filename: str, content: bytes
) -> Response:
    with runtime.db.transaction() as session:
        staff = staff_of(session, staff_id)
        if staff.role not in offers.OFFER_ROLES:
            return _not_allowed(request, "只有市级管理员可以导入房源。")
        city_code = _city_of(staff)
        read = stock.stock_read(filename=filename, content=content, city_code=city_code) if content else None
        errors = read.errors if read else ["请选择要上传的房源文件（.csv 或 .xlsx）。"]
        if read and not errors:
            try:
                saved = stock.stock_save(
                    session=session, read=read, city_code=city_code, actor=staff.username
                )
            except ValueError as exc:
                errors = str(exc).splitlines()
        if errors:
            context = _stock_context(session, staff, errors=errors)
            return render(request, "staff_stock.html", context, 400)
    return RedirectResponse(path_for(request, "staff_stock") + f"?imported={saved}", 303)


def _case_step(
    request: Request,
    runtime: RuntimeDep,
    staff_id: int,
    case_no: str,
    *,
    roles: frozenset[str] | None,
    refusal: str,
    errors: type[Refused],
    panel: str,
    act: Callable[[Any, dict[str, Any]], object],
) -> Response:
    """One step on a case from its page: ``act(staff, common)`` with the session, case, actor, outbox, audit
    and today, by a role in ``roles`` (None: the service checks); what it refuses is said on the case page
    (``{panel}_error``), success returns to the panel (``#case-{panel}``)."""
    with runtime.db.transaction() as session:
        staff = staff_of(session, staff_id)
        case = service.staff_case(session=session, staff=staff, case_no=case_no)
        if case is None:
            return _case_missing(request)
        if roles is not None and staff.role not in roles:
            return _not_allowed(request, refusal)
        common: dict[str, Any] = {
            "session": session,
            "case": case,
            "actor": staff.username,
            "outbox": runtime.tables.outbox,
            "audit": runtime.audit,
            "today": today_shanghai(),
        }
        try:
            act(staff, common)
        except errors as exc:
            context = case_context(session, staff, case, runtime.cipher, runtime.blind_index)
            return render(request, "staff_case.html", {**context, f"{panel}_error": exc.message}, 409)
    return RedirectResponse(path_for(request, "staff_case", case_no=case_no) + f"#case-{panel}", 303)


@router.post("/cases/{case_no}/offers/{step}", name="staff_case_offer")
def staff_case_offer(
    request: Request,
    case_no: str,
    step: str,
    staff_id: StaffId,
    runtime: RuntimeDep,
    unit_id: int = Form(0),
    reason: str = Form(""),
) -> Response:
    """配租 from the case page: offer a flat ("make"), record the household's answer given at the counter
    ("accept", "refuse"), or take the offer back with a reason ("withdraw")."""
    if step not in ("make", "accept", "refuse", "withdraw"):
        return _case_missing(request)

    def act(staff: Any, common: dict[str, Any]) -> None:
        if step == "make":
            offers.offer_make(unit_id=unit_id, **common)
        elif step == "withdraw":
            offers.offer_withdraw(reason=reason, **common)
        else:
            offers.offer_answer(
                accept=step == "accept",
                reason=reason,
                role="city_admin",
                via="counter",
                cipher=runtime.cipher,
                index=runtime.blind_index,
                **common,
            )

    return _case_step(
        request,
        runtime,
        staff_id,
        case_no,
        roles=offers.OFFER_ROLES,
        refusal="只有市级管理员可以配租。",
        errors=offers.OfferRefused,
        panel="offer",
        act=act,
    )


@router.post("/cases/{case_no}/exit/{step}", name="staff_case_exit")
def staff_case_exit(
    request: Request,
    case_no: str,
    step: str,
    staff_id: StaffId,
    runtime: RuntimeDep,
    reason: str = Form(""),
    details: str = Form(""),
    vacated_on: str = Form(""),
) -> Response:
    """退出 from the case page: tell the tenant ("notice"), take it back ("withdraw"), or record the flat
    handed back ("vacated")."""
    if step not in ("notice", "withdraw", "vacated"):
        return _case_missing(request)

    def act(staff: Any, common: dict[str, Any]) -> None:
        if step == "notice":
            exits.exit_notice(reason_code=reason, details=details, **common)
        elif step == "withdraw":
            exits.exit_withdraw(reason=details, **common)
        else:
            exits.exit_vacated(vacated_on=vacated_on, **common)

    return _case_step(
        request,
        runtime,
        staff_id,
        case_no,
        roles=exits.EXIT_ROLES,
        refusal="只有市级管理员可以办理退出。",
        errors=exits.ExitRefused,
        panel="exit",
        act=act,
    )


@router.post("/cases/{case_no}/reverify/keep", name="staff_case_reverify_keep")
def staff_case_reverify_keep(
    request: Request, case_no: str, staff_id: StaffId, runtime: RuntimeDep, reason: str = Form("")
) -> Response:
    """年审: the reviewer has checked what was found and keeps the tenancy, with reasons for the tenant."""

    def act(staff: Any, common: dict[str, Any]) -> None:
        reverify.review_keep(reason=reason, role=staff.role, **common)

    return _case_step(
        request,
        runtime,
        staff_id,
        case_no,
        roles=None,
        refusal="",
        errors=reverify.ReviewRefused,
        panel="reverify",
        act=act,
    )
