"""The reviewer's case pages: the case, a full number revealed on purpose, the step taken (受理, 补正,
审核, 公示 …), its files; and the holiday arrangements the time limits count on (decision 0025)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from anju.core import workdays
from anju.core.timeutil import shanghai_date, utcnow
from anju.core.web import page_router, path_for
from anju.housing.intake.deferrals import DeferralRefused, deferral_received_record
from anju.housing.intake.service import CaseFile, attachments_of, case_deferred, case_file, register_proof
from anju.housing.models import Case, StaffUser
from anju.housing.review import calendar, corrections
from anju.housing.review import service as review
from anju.housing.review.case_view import case_context
from anju.housing.staff import service
from anju.housing.web import RuntimeDep, StaffId, error_page, render, staff_of

router = page_router(prefix="/staff")


def _staff_case(session: Session, staff_id: int, case_no: str) -> tuple[StaffUser, Case | None]:
    """The signed-in member, and the case if it is in their region."""
    staff = staff_of(session, staff_id)
    return staff, service.staff_case(session=session, staff=staff, case_no=case_no)


def _case_missing(request: Request) -> Response:
    message = "没有找到该办件，或它不属于您负责的辖区。"
    return error_page(request, 404, title="找不到办件", message=message, code="not_found")


def _file_missing(request: Request, what: str) -> Response:
    message = f"没有找到这个{what}，或办件不属于您负责的辖区。"
    return error_page(request, 404, title="找不到文件", message=message, code="not_found")


def _file(content: bytes, media_type: str, filename: str) -> Response:
    headers = {
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return Response(content, media_type=media_type, headers=headers)


@router.get("/cases/{case_no}", name="staff_case")
def staff_case(request: Request, case_no: str, staff_id: StaffId, runtime: RuntimeDep) -> Response:
    """The case: household, registers' answers, files, 补正 rounds, eligibility, the actions open."""
    with runtime.db.transaction() as session:
        staff, case = _staff_case(session, staff_id, case_no)
        if case is None:
            return _case_missing(request)
        context = case_context(session, staff, case, runtime.cipher, runtime.blind_index)
    return render(request, "staff_case.html", context)


@router.post("/cases/{case_no}/reveal", name="staff_case_reveal")
def staff_case_reveal(
    request: Request,
    case_no: str,
    staff_id: StaffId,
    runtime: RuntimeDep,
    field: str = Form(""),
    reason: str = Form(""),
) -> Response:
    """Show one full number on this response only, after logging who asked and why."""
    with runtime.db.transaction() as session:
        staff, case = _staff_case(session, staff_id, case_no)
        if case is None:
            return _case_missing(request)
        context = case_context(session, staff, case, runtime.cipher, runtime.blind_index)
        try:
            service.reveal_record(
                session=session, audit=runtime.audit, staff=staff, case=case, field=field, reason=reason
            )
        except service.RevealRefused as exc:
            return render(request, "staff_case.html", {**context, "reveal_error": exc.message}, 400)
        context["revealed"] = {field: context["case"][field]}
    response = render(request, "staff_case.html", context)
    response.headers["Cache-Control"] = "no-store"
    return response


def _event_take(
    runtime: RuntimeDep,
    session: Session,
    staff: StaffUser,
    case: Any,
    event: str,
    reason: str,
    confirmed: bool,
) -> None:
    """Take the event (raises TransitionRefused, and then nothing is saved)."""
    review.transition_input_check(status=case.status, event=event, reason=reason, confirmed=confirmed)
    actor, role, outbox, audit = staff.username, staff.role, runtime.tables.outbox, runtime.audit
    if event == "request_corrections":  # one complete notice: an item per line
        corrections.corrections_request(
            session=session,
            case=case,
            items=reason.splitlines(),
            actor=actor,
            actor_role=role,
            outbox=outbox,
            audit=audit,
        )
    else:
        review.case_transition(
            session=session,
            case=case,
            event=event,
            actor=actor,
            actor_role=role,
            outbox=outbox,
            audit=audit,
            reason=reason.strip(),
            channel="staff_console",
        )


@router.post("/cases/{case_no}/events", name="staff_case_event")
def staff_case_event(
    request: Request,
    case_no: str,
    staff_id: StaffId,
    runtime: RuntimeDep,
    event: str = Form(""),
    reason: str = Form(""),
    confirm: str = Form(""),
) -> Response:
    """Take a step on the case; a refusal shows the page again with the reason as typed and why."""
    try:
        with runtime.db.transaction() as session:
            staff, case = _staff_case(session, staff_id, case_no)
            if case is None:
                return _case_missing(request)
            _event_take(runtime, session, staff, case, event, reason, confirm == "yes")
    except review.TransitionRefused as exc:
        with runtime.db.transaction() as session:
            staff, case = _staff_case(session, staff_id, case_no)
            if case is None:
                return _case_missing(request)
            context = case_context(session, staff, case, runtime.cipher, runtime.blind_index)
        context |= {"action_error": {event: exc.message}, "action_reason": {event: reason}}
        return render(request, "staff_case.html", context, 409)
    return RedirectResponse(path_for(request, "staff_case", case_no=case_no) + "?done=1", status_code=303)


@router.post("/cases/{case_no}/deferred/{item}/received", name="staff_case_deferral_received")
def staff_case_deferral_received(
    request: Request, case_no: str, item: int, staff_id: StaffId, runtime: RuntimeDep
) -> Response:
    """容缺受理: a material the applicant promised at a window has been brought; recorded once."""
    with runtime.db.transaction() as session:
        staff, case = _staff_case(session, staff_id, case_no)
        if case is None:
            return _case_missing(request)
        promised = len(case_deferred(case=case, cipher=runtime.cipher))
        try:
            deferral_received_record(session=session, case=case, item=item, promised=promised, staff=staff)
        except DeferralRefused as exc:
            context = case_context(session, staff, case, runtime.cipher, runtime.blind_index)
            return render(request, "staff_case.html", {**context, "deferral_error": exc.message}, 400)
    target = path_for(request, "staff_case", case_no=case_no)
    return RedirectResponse(f"{target}#deferred-{item}", status_code=303)


@router.get("/cases/{case_no}/proofs/{proof_no}", name="staff_case_proof")
def staff_case_proof(
    request: Request, case_no: str, proof_no: int, staff_id: StaffId, runtime: RuntimeDep
) -> Response:
    """A proof the applicant attached to a register's answer, as they sent it."""
    with runtime.db.transaction() as session:
        _staff, case = _staff_case(session, staff_id, case_no)
        proof = (
            register_proof(session=session, case=case, proof_no=proof_no, cipher=runtime.cipher)
            if case
            else None
        )
    return _file_or_why(request, proof, "证明文件")


@router.get("/cases/{case_no}/attachments/{attachment_id}", name="staff_case_attachment")
def staff_case_attachment(
    request: Request, case_no: str, attachment_id: int, staff_id: StaffId, runtime: RuntimeDep
) -> Response:
    """A file sent with the application or with a 补正 answer."""
    with runtime.db.transaction() as session:
        _staff, case = _staff_case(session, staff_id, case_no)
        found = (
            [a for a in attachments_of(session=session, case=case) if a.id == attachment_id] if case else []
        )
        proof = case_file(found[0], cipher=runtime.cipher) if found else None
    return _file_or_why(request, proof, "文件")


def _file_or_why(request: Request, proof: CaseFile | None, what: str) -> Response:
    if proof is None:
        return _file_missing(request, what)
    if proof.content is None:
        message = "这份材料正在从平台获取，请稍后刷新办件页面再打开。"
        return error_page(request, 409, title="材料正在获取", message=message, code="proof_pending")
    return _file(proof.content, proof.content_type, proof.filename)


def _calendar_context(staff: StaffUser, **extra: Any) -> dict[str, Any]:
    year = shanghai_date(utcnow()).year
    return {
        "title": "法定节假日安排",
        "years": [
            {"year": y, "source": workdays.year_source(y)} for y in (year - 1, year, year + 1, year + 2)
        ],
        "can_enter": staff.role == "city_admin",
        "error": "",
        "values": {"year": str(year + 1)},
        "entered": None,
        **extra,
    }


@router.get("/calendar", name="staff_calendar")
def staff_calendar(request: Request, staff_id: StaffId, runtime: RuntimeDep) -> Response:
    """Which years' holiday arrangements are entered, and from which notice."""
    with runtime.db.transaction() as session:
        context = _calendar_context(staff_of(session, staff_id))
    return render(request, "staff_calendar.html", context)


@router.post("/calendar", name="staff_calendar_enter")
def staff_calendar_enter(
    request: Request,
    staff_id: StaffId,
    runtime: RuntimeDep,
    year: str = Form(""),
    source: str = Form(""),
    holidays: str = Form(""),
    workdays_: str = Form("", alias="workdays"),
) -> Response:
    """Enter a year's arrangements from the State Council's notice (the city's administrator only)."""
    values = {"year": year, "source": source, "holidays": holidays, "workdays": workdays_}
    with runtime.db.transaction() as session:
        staff = staff_of(session, staff_id)
        if staff.role != "city_admin":
            context = _calendar_context(staff, error="只有市级管理员可以录入节假日安排。")
            return render(request, "staff_calendar.html", context, 403)
        try:
            entered = calendar.calendar_enter(
                session=session,
                year=int(year) if year.strip().isdigit() else 0,
                source=source,
                holidays=calendar.dates_parse(holidays),
                workdays_=calendar.dates_parse(workdays_),
                actor=staff.username,
                outbox=runtime.tables.outbox,
                audit=runtime.audit,
            )
        except calendar.CalendarRefused as exc:  # refused before anything is written
            return render(
                request,
                "staff_calendar.html",
                _calendar_context(staff, error=exc.message, values=values),
                400,
            )
        context = _calendar_context(staff, entered=entered)
    return render(request, "staff_calendar.html", context)
