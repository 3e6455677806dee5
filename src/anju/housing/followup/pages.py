"""差评回访整改 pages: the city's bad ratings, each followed up within its time limit (finding and action),
appealed (申诉) or the appeal decided (复核) by another reviewer (decision 0025)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from anju.core.timeutil import shanghai_date, utcnow
from anju.core.web import page_router, path_for
from anju.housing.followup import service as followup
from anju.housing.models import StaffUser
from anju.housing.review import deadlines
from anju.housing.web import RuntimeDep, StaffId, error_page, render, staff_of

router = page_router(prefix="/staff")


def _follow_up_context(session: Session, staff: StaffUser, **extra: Any) -> dict[str, Any]:
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
        **extra,
    }


def _task(session: Session, staff: StaffUser, task_id: int) -> Any:
    mine = {t.id: t for t, _c in followup.tasks_for(session=session, staff=staff)}
    return mine.get(task_id)


def _task_missing(request: Request) -> Response:
    message = "没有找到这条差评，或它不属于您负责的辖区。"
    return error_page(request, 404, title="找不到任务", message=message, code="not_found")


def _refused(request: Request, session: Session, staff: StaffUser, task_id: int, message: str) -> Response:
    context = _follow_up_context(session, staff, error=message, error_task=task_id)
    return render(request, "staff_follow_ups.html", context, 400)


@router.get("/follow-ups", name="staff_follow_ups")
def staff_follow_ups(request: Request, staff_id: StaffId, runtime: RuntimeDep) -> Response:
    """The bad ratings of the member's region, with their due dates and what was done."""
    with runtime.db.transaction() as session:
        context = _follow_up_context(session, staff_of(session, staff_id))
    return render(request, "staff_follow_ups.html", context)


TaskAct = Callable[[Session, StaffUser, Any], None]


def _task_act(request: Request, runtime: RuntimeDep, staff_id: int, task_id: int, act: TaskAct) -> Response:
    """Do one thing to one task of the member's region: back to the list, or the list with the refusal."""
    with runtime.db.transaction() as session:
        staff = staff_of(session, staff_id)
        task = _task(session, staff, task_id)
        if task is None:
            return _task_missing(request)
        try:
            act(session, staff, task)
        except followup.FollowUpRefused as exc:
            return _refused(request, session, staff, task_id, exc.message)
    return RedirectResponse(path_for(request, "staff_follow_ups") + "?done=1", status_code=303)


@router.post("/follow-ups/{task_id}/appeal", name="staff_follow_up_appeal")
def staff_follow_up_appeal(
    request: Request,
    task_id: int,
    staff_id: StaffId,
    runtime: RuntimeDep,
    reason: str = Form(""),
    decision: str = Form(""),
) -> Response:
    """Appeal a rating (申诉) or, for a reviewer, decide an appeal (复核)."""

    def appeal(session: Session, staff: StaffUser, task: Any) -> None:
        if decision:
            followup.appeal_decide(
                session=session, task=task, staff=staff, decision=decision, outbox=runtime.tables.outbox
            )
        else:
            followup.task_appeal(task=task, staff=staff, reason=reason)

    return _task_act(request, runtime, staff_id, task_id, appeal)


@router.post("/follow-ups/{task_id}", name="staff_follow_up_done")
def staff_follow_up_done(
    request: Request,
    task_id: int,
    staff_id: StaffId,
    runtime: RuntimeDep,
    finding: str = Form(""),
    action: str = Form(""),
) -> Response:
    """Record the follow-up: what was found and what was done (the applicant is told)."""

    def complete(session: Session, staff: StaffUser, task: Any) -> None:
        followup.task_complete(
            session=session,
            task=task,
            staff=staff,
            finding=finding,
            action=action,
            outbox=runtime.tables.outbox,
        )

    return _task_act(request, runtime, staff_id, task_id, complete)
