"""The staff console: sign-in, queue, case page, acceptance."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from anju.core import idcard, masking, regions, staffauth, workdays
from anju.core.outbox import STUCK_AFTER_MINUTES, outbox_stuck
from anju.core.ratelimit import RateLimited
from anju.core.runtime import Runtime
from anju.core.timeutil import shanghai_date, utcnow
from anju.core.vocab import (
    APPLICANT_GROUP_LABELS,
    CHANNEL_LABELS,
    EVIDENCE_STATUS_LABELS,
    SOURCE_LABELS,
    status_label,
)
from anju.core.web import path_for
from anju.core.websession import WebSession, require_csrf, web_session
from anju.housing.eligibility.admin import ParameterRefused, parameter_add, parameters_in_force
from anju.housing.eligibility.params import LABELS, NoRuleInForce
from anju.housing.eligibility.report import eligibility_report
from anju.housing.followup import service as followup
from anju.housing.intake.service import attachments_of
from anju.housing.models import StaffUser
from anju.housing.review import calendar, corrections, deadlines
from anju.housing.review import service as review
from anju.housing.staff import dashboard, service


class StaffSignInRequired(Exception):
    """The page needs a signed-in staff member."""


def build_router(*, runtime: Runtime, templates: Jinja2Templates) -> APIRouter:
    """Routes of the staff console."""
    router = APIRouter(prefix="/staff", include_in_schema=False)
    settings = runtime.settings

    def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
        web: WebSession = request.state.web
        base = {
            "staff_name": web.get("staff_name"),
            "status_label": status_label,
            "role_labels": service.role_labels(),
            "calendar_warning": calendar.calendar_warning(shanghai_date(utcnow()))
            if web.get("staff_name")
            else "",
        }
        return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)

    def staff_of(session: Any, staff_id: int) -> StaffUser:
        staff: StaffUser | None = session.get(StaffUser, staff_id)
        if staff is None:  # the account was removed while signed in
            raise StaffSignInRequired()
        return staff

    def current_staff_id(web: WebSession = Depends(web_session)) -> int:
        staff_id = web.get("staff_id")
        if staff_id is None:
            raise StaffSignInRequired()
        return int(staff_id)

    @router.get("/login", name="staff_login")
    def login_form(request: Request) -> Response:
        return render(request, "staff_login.html", {"title": "工作人员登录", "username": "", "error": ""})

    @router.post("/login", name="staff_login_submit", dependencies=[Depends(require_csrf)])
    def login_submit(
        request: Request,
        web: WebSession = Depends(web_session),
        username: str = Form(""),
        password: str = Form(""),
    ) -> Response:
        failure: staffauth.SignInFailed | RateLimited | None = None
        address = request.client.host if request.client else "unknown"
        keys = staffauth.login_keys(username=username, address=address)
        limits = {
            "address": staffauth.LOGIN_FAILURES_PER_ADDRESS,
            "account": staffauth.LOGIN_FAILURES_PER_ACCOUNT,
            "account_address": staffauth.login_failures_per_account_address(
                settings.staff_max_failed_logins, settings.staff_lockout_minutes
            ),
        }
        with runtime.db.transaction() as session:
            # Caught inside the transaction, so the failures counted are committed.
            try:
                for kind, limit in limits.items():
                    runtime.rates.check(session, limit, keys[kind])
                user, failed_before = service.staff_authenticate(
                    session=session, username=username, password=password
                )
                staff_id, name = user.id, user.display_name
            except staffauth.SignInFailed as exc:
                for kind, limit in limits.items():
                    runtime.rates.count(session, limit, keys[kind])
                failure = exc
            except RateLimited as exc:
                failure = exc
        if failure is not None:
            return render(
                request,
                "staff_login.html",
                {"title": "工作人员登录", "username": username, "error": failure.message},
                status_code=429 if isinstance(failure, RateLimited) else 401,
            )
        web.rotate()
        web.set("staff_id", staff_id)
        web.set("staff_name", name)
        if failed_before:
            web.set(
                "sign_in_notice",
                f"自您上次登录以来，有 {failed_before} 次使用您账号的登录失败。"
                "如果不是您本人输错，请立即修改密码并告知本单位管理员。",
            )
        return RedirectResponse(path_for(request, "staff_queue"), status_code=303)

    @router.post("/logout", name="staff_logout", dependencies=[Depends(require_csrf)])
    def logout(request: Request, web: WebSession = Depends(web_session)) -> Response:
        web.destroyed = True
        return RedirectResponse(path_for(request, "staff_login"), status_code=303)

    @router.get("/", name="staff_queue")
    def queue(
        request: Request,
        q: str = "",
        staff_id: int = Depends(current_staff_id),
        web: WebSession = Depends(web_session),
    ) -> Response:
        notice = web.pop("sign_in_notice")  # said once, on the first page after signing in
        with runtime.db.transaction() as session:
            staff = staff_of(session, staff_id)
            cases = service.staff_queue(session=session, staff=staff, search=q, index=runtime.blind_index)
            labels = service.queue_status_labels(session=session, cases=cases)
            rows: list[dict[str, Any]] = [
                {
                    "case_no": c.case_no,
                    "name": c.applicant_name,
                    "district": regions.get(c.district_code).name,
                    "group": APPLICANT_GROUP_LABELS.get(c.applicant_group, c.applicant_group),
                    "status": labels[c.id],
                    "received_at": c.received_at,
                    "due": service.case_due(case=c),
                }
                for c in cases
            ]
            me = _staff_view(staff)
        counts = {
            "overdue": sum(1 for r in rows if r["due"].overdue),
            "near": sum(1 for r in rows if r["due"].near),
        }
        return render(
            request,
            "staff_queue.html",
            {
                "title": "待办办件",
                "rows": rows,
                "me": me,
                # an ID number typed into the search is not echoed back in full
                "q": "" if idcard.is_valid(q.strip()) else q,
                "searched": masking.mask_id_number(q.strip().upper())
                if idcard.is_valid(q.strip())
                else q.strip(),
                "counts": counts,
                "sign_in_notice": notice or "",
            },
        )

    def case_missing(request: Request) -> Response:
        return render(
            request,
            "error.html",
            {
                "title": "找不到办件",
                "message": "没有找到该办件，或它不属于您负责的辖区。",
                "code": "not_found",
            },
            status_code=404,
        )

    def case_context(session: Any, staff: StaffUser, case: Any) -> dict[str, Any]:
        view = _case_view(case, runtime)
        view["attachments"] = [
            {
                "id": a.id,
                "name": a.filename,
                "kb": max(1, a.size_bytes // 1024),
                "purpose": "补正材料" if a.purpose == "correction" else "其他证明材料",
                "round": a.correction_round,
            }
            for a in attachments_of(session=session, case=case)
        ]
        view["corrections"] = [
            {
                "round": c.round,
                "entries": json.loads(c.items_json),
                "requested_at": c.requested_at,
                "due_on": c.reply_due_on,
                "reply": runtime.cipher.decrypt(c.reply_enc, context=corrections.REPLY_CONTEXT)
                if c.reply_enc
                else None,
                "replied_at": c.replied_at,
            }
            for c in corrections.corrections_of(session=session, case=case)
        ]
        actions = [
            {
                "event": a.transition.event,
                "label": a.transition.label,
                "reason_required": a.transition.reason_required,
                "confirm": a.transition.confirm,
                "blocked": a.blocked,
            }
            for a in review.actions_for(case=case, role=staff.role, today=shanghai_date(utcnow()))
        ]
        report = eligibility_report(
            case=case,
            cipher=runtime.cipher,
            on=shanghai_date(utcnow()),
            parameters=parameters_in_force(session=session, city_code=case.city_code),
        )
        return {
            "title": f"办件 {case.case_no}",
            "case": view,
            "report": report,
            "actions": actions,
            "revealed": {},
            "reveal_error": "",
            "revealable": service.REVEALABLE if staff.role in service.REVEALING_ROLES else {},
            "action_error": {},
            "action_reason": {},
        }

    @router.get("/cases/{case_no}", name="staff_case")
    def case_page(request: Request, case_no: str, staff_id: int = Depends(current_staff_id)) -> Response:
        with runtime.db.transaction() as session:
            staff = staff_of(session, staff_id)
            case = service.staff_case(session=session, staff=staff, case_no=case_no)
            if case is None:
                return case_missing(request)
            context = case_context(session, staff, case)
        return render(request, "staff_case.html", context)

    @router.post("/cases/{case_no}/reveal", name="staff_case_reveal", dependencies=[Depends(require_csrf)])
    def case_reveal(
        request: Request,
        case_no: str,
        staff_id: int = Depends(current_staff_id),
        field: str = Form(""),
        reason: str = Form(""),
    ) -> Response:
        """Show one full number on this response only, after logging who asked and why."""
        with runtime.db.transaction() as session:
            staff = staff_of(session, staff_id)
            case = service.staff_case(session=session, staff=staff, case_no=case_no)
            if case is None:
                return case_missing(request)
            context = case_context(session, staff, case)
            try:
                service.reveal_record(
                    session=session, audit=runtime.audit, staff=staff, case=case, field=field, reason=reason
                )
            except service.RevealRefused as exc:
                return render(
                    request, "staff_case.html", {**context, "reveal_error": exc.message}, status_code=400
                )
            context["revealed"] = {field: context["case"][field]}
        response = render(request, "staff_case.html", context)
        response.headers["Cache-Control"] = "no-store"
        return response

    def parameters_context(session: Any, staff: StaffUser) -> dict[str, Any]:
        city = regions.jurisdiction_of(staff.region_code)
        params = parameters_in_force(session=session, city_code=city.code)
        today = shanghai_date(utcnow())
        rows = []
        for name, values in params.values.items():
            try:
                current = params.in_force(name, today)
            except NoRuleInForce:
                current = None
            rows.append(
                {"name": name, "label": LABELS[name], "current": current, "history": list(reversed(values))}
            )
        return {
            "title": f"{city.name}申请条件参数",
            "city": city.name,
            "rows": rows,
            "ruleset": params.ruleset(today),
            "can_add": staff.role == "city_admin",
            "error": "",
            "values": {},
        }

    @router.get("/deliveries", name="staff_deliveries")
    def deliveries(request: Request, staff_id: int = Depends(current_staff_id)) -> Response:
        """Status messages to applicants that did not get through, for the city's administrator and auditor."""
        stuck = outbox_stuck(
            runtime.db, runtime.tables.outbox, older_than=timedelta(minutes=STUCK_AFTER_MINUTES)
        )
        with runtime.db.transaction() as session:
            staff = staff_of(session, staff_id)
            if staff.role not in ("city_admin", "auditor"):
                return render(
                    request,
                    "error.html",
                    {"title": "无权查看", "message": "投递异常由市级管理员和审计员查看。", "code": ""},
                    status_code=403,
                )
            mine_nos = service.cases_in_region(
                session=session, staff=staff, case_nos={m.case_no for m in stuck if m.case_no}
            )
            mine = [m for m in stuck if m.case_no in mine_nos]
        return render(request, "staff_deliveries.html", {"title": "投递异常", "rows": mine})

    def calendar_context(staff: StaffUser) -> dict[str, Any]:
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
        }

    @router.get("/calendar", name="staff_calendar")
    def calendar_page(request: Request, staff_id: int = Depends(current_staff_id)) -> Response:
        with runtime.db.transaction() as session:
            context = calendar_context(staff_of(session, staff_id))
        return render(request, "staff_calendar.html", context)

    @router.post("/calendar", name="staff_calendar_enter", dependencies=[Depends(require_csrf)])
    def calendar_enter(
        request: Request,
        staff_id: int = Depends(current_staff_id),
        year: str = Form(""),
        source: str = Form(""),
        holidays: str = Form(""),
        workdays_: str = Form("", alias="workdays"),
    ) -> Response:
        values = {"year": year, "source": source, "holidays": holidays, "workdays": workdays_}
        with runtime.db.transaction() as session:
            staff = staff_of(session, staff_id)
            if staff.role != "city_admin":
                context = {**calendar_context(staff), "error": "只有市级管理员可以录入节假日安排。"}
                return render(request, "staff_calendar.html", context, status_code=403)
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
                context = {**calendar_context(staff), "error": exc.message, "values": values}
                return render(request, "staff_calendar.html", context, status_code=400)
            context = {**calendar_context(staff), "entered": entered}
        return render(request, "staff_calendar.html", context)

    @router.get("/parameters", name="staff_parameters")
    def parameters_page(request: Request, staff_id: int = Depends(current_staff_id)) -> Response:
        with runtime.db.transaction() as session:
            staff = staff_of(session, staff_id)
            context = parameters_context(session, staff)
        return render(request, "staff_parameters.html", context)

    @router.post("/parameters", name="staff_parameters_add", dependencies=[Depends(require_csrf)])
    def parameters_add(
        request: Request,
        staff_id: int = Depends(current_staff_id),
        name: str = Form(""),
        value: str = Form(""),
        effective_from: str = Form(""),
        source: str = Form(""),
    ) -> Response:
        with runtime.db.transaction() as session:
            staff = staff_of(session, staff_id)
            if staff.role != "city_admin":
                return render(
                    request,
                    "error.html",
                    {"title": "无权修改", "message": "只有市级管理员可以新增参数值。", "code": "forbidden"},
                    status_code=403,
                )
            city = regions.jurisdiction_of(staff.region_code).code
            try:
                parameter_add(
                    session=session,
                    city_code=city,
                    name=name,
                    value=value,
                    effective_from=effective_from,
                    source=source,
                    actor=staff.username,
                )
            except ParameterRefused as exc:
                values = {"name": name, "value": value, "effective_from": effective_from, "source": source}
                context = {**parameters_context(session, staff), "error": exc.message, "values": values}
                return render(request, "staff_parameters.html", context, status_code=400)
        return RedirectResponse(path_for(request, "staff_parameters") + "?added=1", status_code=303)

    @router.get("/follow-ups", name="staff_follow_ups")
    def follow_ups(request: Request, staff_id: int = Depends(current_staff_id)) -> Response:
        with runtime.db.transaction() as session:
            staff = staff_of(session, staff_id)
            context = follow_up_context(session, staff)
        return render(request, "staff_follow_ups.html", context)

    def follow_up_context(session: Any, staff: StaffUser) -> dict[str, Any]:
        today = shanghai_date(utcnow())
        rows = [
            {
                "id": t.id,
                "case_no": c.case_no,
                "level": t.level,
                "comment": t.comment,
                "due": deadlines.due_state(due_on=t.due_on, today=today) if t.done_at is None else None,
                "done_at": t.done_at,
                "finding": t.finding,
                "action": followup.ACTIONS.get(t.action, ""),
                "appeal_reason": t.appeal_reason,
                "appealed_by": t.appealed_by,
                "appeal_decision": t.appeal_decision,
                "can_decide": bool(t.appealed_by)
                and not t.appeal_decision
                and staff.role in followup.REVIEWERS
                and staff.username != t.appealed_by,
            }
            for t, c in followup.tasks_for(session=session, staff=staff)
        ]
        return {
            "title": "差评回访整改",
            "rows": rows,
            "error": "",
            "error_task": None,
            "actions": followup.ACTIONS,
        }

    def task_missing(request: Request) -> Response:
        return render(
            request,
            "error.html",
            {
                "title": "找不到任务",
                "message": "没有找到这条差评，或它不属于您负责的辖区。",
                "code": "not_found",
            },
            status_code=404,
        )

    def follow_up_task(session: Any, staff: StaffUser, task_id: int) -> Any:
        mine = {t.id: t for t, _c in followup.tasks_for(session=session, staff=staff)}
        return mine.get(task_id)

    @router.post(
        "/follow-ups/{task_id}/appeal", name="staff_follow_up_appeal", dependencies=[Depends(require_csrf)]
    )
    def follow_up_appeal(
        request: Request,
        task_id: int,
        staff_id: int = Depends(current_staff_id),
        reason: str = Form(""),
        decision: str = Form(""),
    ) -> Response:
        """Appeal a rating (申诉) or, for a reviewer, decide an appeal (复核)."""
        with runtime.db.transaction() as session:
            staff = staff_of(session, staff_id)
            task = follow_up_task(session, staff, task_id)
            if task is None:
                return task_missing(request)
            try:
                if decision:
                    followup.appeal_decide(
                        session=session,
                        task=task,
                        staff=staff,
                        decision=decision,
                        outbox=runtime.tables.outbox,
                    )
                else:
                    followup.task_appeal(task=task, staff=staff, reason=reason)
            except followup.FollowUpRefused as exc:
                context = {**follow_up_context(session, staff), "error": exc.message, "error_task": task_id}
                return render(request, "staff_follow_ups.html", context, status_code=400)
        return RedirectResponse(path_for(request, "staff_follow_ups") + "?done=1", status_code=303)

    @router.post("/follow-ups/{task_id}", name="staff_follow_up_done", dependencies=[Depends(require_csrf)])
    def follow_up_done(
        request: Request,
        task_id: int,
        staff_id: int = Depends(current_staff_id),
        finding: str = Form(""),
        action: str = Form(""),
    ) -> Response:
        with runtime.db.transaction() as session:
            staff = staff_of(session, staff_id)
            task = follow_up_task(session, staff, task_id)
            if task is None:
                return task_missing(request)
            try:
                followup.task_complete(
                    session=session,
                    task=task,
                    staff=staff,
                    finding=finding,
                    action=action,
                    outbox=runtime.tables.outbox,
                )
            except followup.FollowUpRefused as exc:
                context = {**follow_up_context(session, staff), "error": exc.message, "error_task": task_id}
                return render(request, "staff_follow_ups.html", context, status_code=400)
        return RedirectResponse(path_for(request, "staff_follow_ups") + "?done=1", status_code=303)

    def dashboard_data(staff_id: int) -> tuple[str, dict[str, Any] | None]:
        with runtime.db.transaction() as session:
            staff = staff_of(session, staff_id)
            city = regions.jurisdiction_of(staff.region_code)
            username = staff.username
        try:
            return city.name, dashboard.figures_fetch(
                client=runtime.client, city_code=city.code, user=username
            )
        except dashboard.DashboardUnavailable:
            return city.name, None

    @router.get("/dashboard", name="staff_dashboard")
    def dashboard_page(request: Request, staff_id: int = Depends(current_staff_id)) -> Response:
        city, data = dashboard_data(staff_id)
        if data is None:
            return render(
                request,
                "error.html",
                {
                    "title": "办件成效",
                    "message": "暂时无法获取统计数据，请稍后再试。",
                    "code": "metrics_unavailable",
                },
                status_code=503,
            )
        return render(
            request,
            "staff_dashboard.html",
            {
                "title": f"{city}办件成效",
                "city": city,
                "rows": data["rows"],
                "columns": dashboard.COLUMNS,
                "chart": dashboard.bars(data["rows"]),
                "evaluations": data["evaluations"],
            },
        )

    @router.get("/dashboard.csv", name="staff_dashboard_csv")
    def dashboard_csv(staff_id: int = Depends(current_staff_id)) -> Response:
        _city, data = dashboard_data(staff_id)
        if data is None:
            return Response("统计暂不可用", status_code=503, media_type="text/plain; charset=utf-8")
        return Response(
            dashboard.figures_csv(data["rows"]).encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="metrics.csv"'},
        )

    @router.get("/audit/reveals", name="staff_reveals")
    def reveals(request: Request, staff_id: int = Depends(current_staff_id)) -> Response:
        with runtime.db.transaction() as session:
            staff = staff_of(session, staff_id)
            if staff.role not in ("auditor", "city_admin"):
                return render(
                    request,
                    "error.html",
                    {
                        "title": "无权查看",
                        "message": "只有审计员和市级管理员可以查看号码查看记录。",
                        "code": "forbidden",
                    },
                    status_code=403,
                )
            rows = [
                {
                    "at": log.revealed_at,
                    "who": log.username,
                    "case_no": case_no,
                    "field": service.REVEALABLE.get(log.field, log.field),
                    "reason": log.reason,
                }
                for log, case_no in service.reveals_of(session=session, staff=staff)
            ]
        return render(request, "staff_reveals.html", {"title": "号码查看记录", "rows": rows})

    @router.post("/cases/{case_no}/events", name="staff_case_event", dependencies=[Depends(require_csrf)])
    def case_event(
        request: Request,
        case_no: str,
        staff_id: int = Depends(current_staff_id),
        event: str = Form(""),
        reason: str = Form(""),
        confirm: str = Form(""),
    ) -> Response:
        try:
            with runtime.db.transaction() as session:
                return case_event_take(request, session, staff_id, case_no, event, reason, confirm == "yes")
        except review.TransitionRefused as exc:
            with runtime.db.transaction() as session:  # the page again, with the reason as typed and why
                staff = staff_of(session, staff_id)
                case = service.staff_case(session=session, staff=staff, case_no=case_no)
                if case is None:
                    return case_missing(request)
                context = case_context(session, staff, case)
            context["action_error"] = {event: exc.message}
            context["action_reason"] = {event: reason}
            return render(request, "staff_case.html", context, status_code=409)

    def case_event_take(
        request: Request, session: Any, staff_id: int, case_no: str, event: str, reason: str, confirmed: bool
    ) -> Response:
        """Take the event (raises TransitionRefused, and then nothing is saved)."""
        staff = staff_of(session, staff_id)
        case = service.staff_case(session=session, staff=staff, case_no=case_no)
        if case is None:
            return case_missing(request)
        review.transition_input_check(status=case.status, event=event, reason=reason, confirmed=confirmed)
        if event == "request_corrections":  # one complete notice: an item per line
            corrections.corrections_request(
                session=session,
                case=case,
                items=reason.splitlines(),
                actor=staff.username,
                actor_role=staff.role,
                outbox=runtime.tables.outbox,
                audit=runtime.audit,
            )
        else:
            review.case_transition(
                session=session,
                case=case,
                event=event,
                actor=staff.username,
                actor_role=staff.role,
                outbox=runtime.tables.outbox,
                audit=runtime.audit,
                reason=reason.strip(),
                channel="staff_console",
            )
        return RedirectResponse(path_for(request, "staff_case", case_no=case_no) + "?done=1", status_code=303)

    @router.get("/cases/{case_no}/proofs/{proof_no}", name="staff_case_proof")
    def case_proof(
        request: Request, case_no: str, proof_no: int, staff_id: int = Depends(current_staff_id)
    ) -> Response:
        import base64

        from anju.housing.intake.service import case_evidence

        with runtime.db.transaction() as session:
            staff = staff_of(session, staff_id)
            case = service.staff_case(session=session, staff=staff, case_no=case_no)
            proofs = (
                [p for e in case_evidence(case=case, cipher=runtime.cipher) for p in e.get("proofs", [])]
                if case
                else []
            )
        if not 0 <= proof_no < len(proofs):
            return render(
                request,
                "error.html",
                {
                    "title": "找不到文件",
                    "message": "没有找到这个证明文件，或办件不属于您负责的辖区。",
                    "code": "not_found",
                },
                status_code=404,
            )
        proof = proofs[proof_no]
        disposition = f"attachment; filename*=UTF-8''{quote(proof['filename'])}"
        return Response(
            base64.b64decode(proof["content_b64"]),
            media_type=proof["content_type"],
            headers={
                "Content-Disposition": disposition,
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )

    @router.get("/cases/{case_no}/attachments/{attachment_id}", name="staff_case_attachment")
    def case_attachment(
        request: Request, case_no: str, attachment_id: int, staff_id: int = Depends(current_staff_id)
    ) -> Response:
        import base64

        from anju.housing.intake.service import ATTACHMENT_CONTEXT, attachments_of

        with runtime.db.transaction() as session:
            staff = staff_of(session, staff_id)
            case = service.staff_case(session=session, staff=staff, case_no=case_no)
            found = (
                [a for a in attachments_of(session=session, case=case) if a.id == attachment_id]
                if case
                else []
            )
            if not found:
                return render(
                    request,
                    "error.html",
                    {
                        "title": "找不到文件",
                        "message": "没有找到这个文件，或办件不属于您负责的辖区。",
                        "code": "not_found",
                    },
                    status_code=404,
                )
            attachment = found[0]
            content = base64.b64decode(
                runtime.cipher.decrypt(attachment.content_enc, context=ATTACHMENT_CONTEXT)
            )
        return Response(
            content,
            media_type=attachment.content_type,
            headers={
                "Content-Disposition": f"attachment; filename*=UTF-8''{quote(attachment.filename)}",
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )

    return router


def _staff_view(staff: StaffUser) -> dict[str, Any]:
    return {
        "name": staff.display_name,
        "role": service.role_labels().get(staff.role, staff.role),
        "region": regions.full_name(staff.region_code),
    }


def _case_view(case: Any, runtime: Runtime) -> dict[str, Any]:
    from anju.housing.intake.service import ID_CONTEXT, PHONE_CONTEXT, case_evidence, case_household

    members = case_household(case=case, cipher=runtime.cipher)
    names = {m["id_number"]: m["name"] for m in members}
    evidence = []
    proof_no = 0
    for e in case_evidence(case=case, cipher=runtime.cipher):
        proofs = []
        for p in e.get("proofs", []):
            proofs.append({"no": proof_no, "name": p["filename"], "kb": max(1, int(p["size"]) // 1024)})
            proof_no += 1
        if e["status"] == "no_consent" and not proofs:
            continue
        evidence.append(
            {
                "source": SOURCE_LABELS.get(e["source"], e["source"]),
                "member": masking.mask_name(names.get(e["id_number"], "")),
                "status": EVIDENCE_STATUS_LABELS.get(e["status"], e["status"]),
                "needs_check": e["status"] in ("failed", "no_record", "circuit_open")
                or e["review"] == "disputed",
                "review": e["review"],
                "reason": e["review_reason"],
                "request_id": e["request_id"],
                "fetched_at": e["fetched_at"],
                "proofs": proofs,
            }
        )
    return {
        "household": [
            {
                "name": masking.mask_name(m["name"]),
                "relation": m["relation"],
                "id": masking.mask_id_number(m["id_number"]),
            }
            for m in members
        ],
        "evidence": evidence,
        "to_verify": sum(1 for e in evidence if e["needs_check"]),
        "case_no": case.case_no,
        "name": case.applicant_name,
        "id_number": runtime.cipher.decrypt(case.applicant_id_enc, context=ID_CONTEXT),
        "phone": runtime.cipher.decrypt(case.phone_enc, context=PHONE_CONTEXT),
        "city": regions.get(case.city_code).name,
        "district": regions.get(case.district_code).name,
        "group": APPLICANT_GROUP_LABELS.get(case.applicant_group, case.applicant_group),
        "household_size": case.household_size,
        "address": case.address,
        "channel": CHANNEL_LABELS.get(case.channel, case.channel),
        "status": case.status,
        "submitted_at": case.submitted_at,
        "received_at": case.received_at,
        "due": service.case_due(case=case),
        "notice_ends_on": case.notice_ends_on,
        "waitlist_no": case.waitlist_no,
    }
