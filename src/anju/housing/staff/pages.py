"""The staff console's own pages: sign-in, the queue, the dashboard, and what the city's administrator
and auditor watch (messages that did not get through, who saw a full number). A case's pages are
review's, the parameters eligibility's, the bad ratings follow-up's (decision 0025)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from anju.core import idcard, masking, regions, staffauth
from anju.core.outbox import STUCK_AFTER_MINUTES, outbox_stuck, outbox_stuck_count
from anju.core.paging import paging
from anju.core.vocab import APPLICANT_GROUP_LABELS, CASE_STATUS_LABELS, status_label
from anju.core.web import client_address, page_router, path_for
from anju.housing.models import Case, StaffUser
from anju.housing.staff import dashboard, service
from anju.housing.web import RuntimeDep, StaffId, Web, error_page, render, staff_of

router = page_router(prefix="/staff")
root = page_router()  # the system's own address
WATCHERS = ("city_admin", "auditor")  # who sees deliveries that failed and the log of numbers revealed
DELIVERIES_PAGE_SIZE = 100


def staff_view(staff: StaffUser) -> dict[str, Any]:
    """The signed-in member as the queue's header names them."""
    return {
        "name": staff.display_name,
        "role": service.role_labels().get(staff.role, staff.role),
        "region": regions.full_name(staff.region_code),
    }


@root.get("/", name="home")
def home(request: Request) -> Response:
    """The housing system's address opens the console."""
    return RedirectResponse(path_for(request, "staff_queue"), status_code=303)


def _login_page(request: Request, username: str = "", error: str = "", status_code: int = 200) -> Response:
    context = {"title": "工作人员登录", "username": username, "error": error}
    return render(request, "staff_login.html", context, status_code)


@router.get("/login", name="staff_login")
def staff_login(request: Request) -> Response:
    """The console's sign-in."""
    return _login_page(request)


@router.post("/login", name="staff_login_submit")
def staff_login_submit(
    request: Request, web: Web, runtime: RuntimeDep, username: str = Form(""), password: str = Form("")
) -> Response:
    """Sign in (failures slow the computer they come from; the user hears of failures on their account)."""
    try:
        (staff_id, name), failed_before = staffauth.account_sign_in_committed(
            runtime=runtime,
            model=StaffUser,
            read=lambda user: (user.id, user.display_name),
            username=username,
            password=password,
            address=client_address(request),
        )
    except staffauth.SignInRefused as exc:
        return _login_page(request, username, exc.message, exc.status_code)
    notice = staffauth.failed_attempts_notice(failed_before)
    web.begin({"staff_id": staff_id, "staff_name": name, "sign_in_notice": notice})
    return RedirectResponse(path_for(request, "staff_queue"), status_code=303)


@router.post("/logout", name="staff_logout")
def staff_logout(request: Request, web: Web) -> Response:
    """Sign out."""
    web.destroyed = True
    return RedirectResponse(path_for(request, "staff_login"), status_code=303)


@router.get("/", name="staff_queue")
def staff_queue(
    request: Request,
    staff_id: StaffId,
    web: Web,
    runtime: RuntimeDep,
    q: str = "",
    status: str = "",
    district: str = "",
    due: str = "",
    page: int = 1,
) -> Response:
    """The cases waiting for this member's role in their region, most urgent first, a page at a time
    (or a search), narrowed by status, county and due date."""
    notice = web.pop("sign_in_notice")  # said once, on the first page after signing in
    filters = service.QueueFilter(search=q, status=status, district=district, due=due)
    with runtime.db.transaction() as session:
        staff = staff_of(session, staff_id)
        found = service.staff_queue(
            session=session, staff=staff, filters=filters, page=page, index=runtime.blind_index
        )
        labels = service.queue_status_labels(session=session, cases=found.cases)
        rows = [queue_row(c, labels[c.id]) for c in found.cases]
        me, choices = staff_view(staff), queue_choices(staff)
    searched_id = idcard.is_valid(q.strip())  # an ID number typed into the search is not echoed back in full
    context = {
        "title": "待办办件",
        "rows": rows,
        "found": found,
        "me": me,
        "choices": choices,
        "filters": filters,
        "q": "" if searched_id else q,
        "searched": masking.mask_id_number(q.strip().upper()) if searched_id else q.strip(),
        "sign_in_notice": notice or "",
    }
    return render(request, "staff_queue.html", context)


def queue_row(case: Case, status: str) -> dict[str, Any]:
    """One line of the queue."""
    return {
        "case_no": case.case_no,
        "name": case.applicant_name,
        "district": regions.get(case.district_code).name,
        "group": APPLICANT_GROUP_LABELS.get(case.applicant_group, case.applicant_group),
        "status": status,
        "received_at": case.received_at,
        "due": service.case_due(case=case),
    }


def queue_choices(staff: StaffUser) -> dict[str, list[tuple[str, str]]]:
    """What the queue's filters offer this member: their role's statuses, their city's counties."""
    statuses = service.queue_statuses(staff.role) or tuple(c for c in CASE_STATUS_LABELS if c != "draft")
    counties = regions.counties_of(staff.region_code) if regions.is_jurisdiction(staff.region_code) else []
    return {
        "status": [(code, status_label(code)) for code in statuses],
        "district": [(county.code, county.name) for county in counties],
        "due": list(service.DUE_FILTERS.items()),
    }


@router.get("/deliveries", name="staff_deliveries")
def staff_deliveries(request: Request, staff_id: StaffId, runtime: RuntimeDep, page: int = 1) -> Response:
    """Status messages to applicants that did not get through in the member's region, oldest first, a page at
    a time, for the city's administrator and auditor."""
    with runtime.db.transaction() as session:
        staff = staff_of(session, staff_id)
        if staff.role not in WATCHERS:
            return error_page(
                request, 403, title="无权查看", message="投递异常由市级管理员和审计员查看。", code=""
            )
        cases = service.region_case_numbers(staff)
    older = timedelta(minutes=STUCK_AFTER_MINUTES)
    total = outbox_stuck_count(runtime.db, runtime.tables.outbox, older_than=older, cases=cases)
    shown = paging(total, page, DELIVERIES_PAGE_SIZE)
    rows = outbox_stuck(
        runtime.db,
        runtime.tables.outbox,
        older_than=older,
        cases=cases,
        limit=shown.size,
        offset=shown.offset,
    )
    context = {"title": "投递异常", "rows": rows, "total": total, "page": shown.page, "pages": shown.pages}
    return render(request, "staff_deliveries.html", context)


@router.get("/audit/reveals", name="staff_reveals")
def staff_reveals(request: Request, staff_id: StaffId, runtime: RuntimeDep, page: int = 1) -> Response:
    """Who saw a full ID or phone number in the city's cases, when and why, newest first, a page at a time."""
    with runtime.db.transaction() as session:
        staff = staff_of(session, staff_id)
        if staff.role not in WATCHERS:
            message = "只有审计员和市级管理员可以查看号码查看记录。"
            return error_page(request, 403, title="无权查看", message=message, code="forbidden")
        found, total, shown = service.reveals_of(session=session, staff=staff, page=page)
        rows = [
            {
                "at": log.revealed_at,
                "who": log.username,
                "case_no": case_no,
                "field": service.REVEALABLE.get(log.field, log.field),
                "reason": log.reason,
            }
            for log, case_no in found
        ]
    context = {
        "title": "号码查看记录",
        "rows": rows,
        "total": total,
        "page": shown.page,
        "pages": shown.pages,
    }
    return render(request, "staff_reveals.html", context)


def _dashboard_data(runtime: RuntimeDep, staff_id: int) -> tuple[regions.Region, dict[str, Any] | None]:
    with runtime.db.transaction() as session:
        staff = staff_of(session, staff_id)
        city = regions.jurisdiction_of(staff.region_code)
        username = staff.username
    try:
        return city, dashboard.figures_fetch(client=runtime.client, city_code=city.code, user=username)
    except dashboard.DashboardUnavailable:
        return city, None


@router.get("/dashboard", name="staff_dashboard")
def staff_dashboard(request: Request, staff_id: StaffId, runtime: RuntimeDep) -> Response:
    """The city's figures from the platform: time taken, materials, fields typed, ratings."""
    city, data = _dashboard_data(runtime, staff_id)
    if data is None:
        message = "暂时无法获取统计数据，请稍后再试。"
        return error_page(request, 503, title="办件成效", message=message, code="metrics_unavailable")
    context = {
        "title": f"{city.name}办件成效",
        "city": city.name,
        "rows": data["rows"],
        "columns": dashboard.COLUMNS,
        "chart": dashboard.bars(data["rows"]),
        "evaluations": data["evaluations"],
        "windows": data.get("windows", []),
        "as_of": datetime.fromisoformat(data["as_of"]) if data.get("as_of") else None,
    }
    return render(request, "staff_dashboard.html", context)


@router.get("/dashboard.csv", name="staff_dashboard_csv")
def staff_dashboard_csv(staff_id: StaffId, runtime: RuntimeDep) -> Response:
    """The same figures as CSV."""
    _city, data = _dashboard_data(runtime, staff_id)
    if data is None:
        return Response("统计暂不可用", status_code=503, media_type="text/plain; charset=utf-8")
    return Response(
        dashboard.figures_csv(data["rows"]).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="metrics.csv"'},
    )


@router.get("/dashboard-sealed.zip", name="staff_dashboard_sealed")
def staff_dashboard_sealed(staff_id: StaffId, runtime: RuntimeDep) -> Response:
    """The same CSV sealed by the city's office (detached SM2 seal), to hand on to whoever needs the figures."""
    city, data = _dashboard_data(runtime, staff_id)
    if data is None:
        return Response("统计暂不可用", status_code=503, media_type="text/plain; charset=utf-8")
    archive = dashboard.figures_sealed_zip(
        data["rows"], key_directory=runtime.settings.key_directory, city_code=city.code
    )
    return Response(
        archive,
        media_type="application/zip",
        headers={"Content-Disposition": 'attachment; filename="metrics-sealed.zip"'},
    )
