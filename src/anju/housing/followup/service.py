"""The office's side of 好差评: a 差评 arrives as a task with its due date; the office records what it found
and whether it rectified or explained; the result goes back to the rater through the platform."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from anju.core.outbox import outbox_enqueue
from anju.core.refusals import Refused
from anju.core.timeutil import utcnow
from anju.housing.models import Case, FollowUpTask, StaffUser
from anju.housing.staff.service import in_region

RESULT_PATH = "/v1/bus/evaluation-follow-ups"
APPEAL_PATH = "/v1/bus/evaluation-appeals"
REVIEWERS = frozenset({"auditor", "city_admin"})
ACTIONS = {"rectified": "已整改", "explained": "解释说明"}


class FollowUpRefused(Refused):
    """The follow-up cannot be recorded; ``message`` says why."""


def task_receive(
    *, session: Session, ref: str, case: Case, overall: int, level: str, comment: str, due_on: date | None
) -> FollowUpTask:
    """Create the task once per rating (a repeated delivery returns the same task)."""
    existing = session.scalar(select(FollowUpTask).where(FollowUpTask.ref == ref))
    if existing is not None:
        return existing
    task = FollowUpTask(
        ref=ref, case_id=case.id, overall=overall, level=level, comment=comment, due_on=due_on
    )
    session.add(task)
    session.flush()
    return task


def tasks_for(*, session: Session, staff: StaffUser) -> list[tuple[FollowUpTask, Case]]:
    """The tasks of cases in the staff member's region, open ones first, by due date."""
    query = in_region(select(FollowUpTask, Case).join(Case, Case.id == FollowUpTask.case_id), staff)  # type: ignore[arg-type]
    rows = list(session.execute(query))
    return sorted(
        ((t, c) for t, c in rows),
        key=lambda tc: (tc[0].done_at is not None, tc[0].due_on or date.max, tc[0].id),
    )


def task_complete(
    *, session: Session, task: FollowUpTask, staff: StaffUser, finding: str, action: str, outbox: Table
) -> None:
    """Record the follow-up and tell the rater (through the outbox)."""
    finding = finding.strip()
    if task.done_at is not None:
        raise FollowUpRefused("这条差评已经处理完毕。")
    if len(finding) < 10:
        raise FollowUpRefused("请写明回访核实的情况和处理结果（至少 10 个字），将反馈给评价人。")
    if action not in ACTIONS:
        raise FollowUpRefused("请选择处理方式：已整改，或解释说明。")
    task.finding, task.action, task.done_by, task.done_at = finding, action, staff.username, utcnow()
    case = session.get(Case, task.case_id)
    assert case is not None
    outbox_enqueue(
        session,
        outbox,
        topic="evaluation.follow_up",
        destination="platform",
        path=RESULT_PATH,
        payload={"ref": task.ref, "finding": finding, "action": action, "done_at": task.done_at.isoformat()},
        case_no=case.case_no,
        acting_user=staff.username,
        purpose="好差评：差评回访整改结果反馈评价人",
    )


def task_appeal(*, task: FollowUpTask, staff: StaffUser, reason: str) -> None:
    """The office appeals a rating it finds mistaken or malicious (申诉); someone else reviews it."""
    reason = reason.strip()
    if task.done_at is not None or task.appealed_by:
        raise FollowUpRefused("这条差评已经处理或已经申诉。")
    if len(reason) < 10:
        raise FollowUpRefused("请写明申诉理由和依据（至少 10 个字）。")
    task.appeal_reason, task.appealed_by = reason, staff.username


def appeal_decide(
    *, session: Session, task: FollowUpTask, staff: StaffUser, decision: str, outbox: Table
) -> None:
    """Review an appeal (复核): upheld takes the rating out of the 差评 figures; rejected leaves the
    follow-up due. Never by the person who appealed."""
    if not task.appealed_by or task.appeal_decision:
        raise FollowUpRefused("没有待复核的申诉。")
    if staff.role not in REVIEWERS:
        raise FollowUpRefused("只有审计员或市级管理员可以复核申诉。")
    if staff.username == task.appealed_by:
        raise FollowUpRefused("申诉人不能复核自己的申诉。")
    if decision not in ("upheld", "rejected"):
        raise FollowUpRefused("请选择复核结论。")
    task.appeal_decision, task.appeal_decided_by, task.appeal_decided_at = decision, staff.username, utcnow()
    case = session.get(Case, task.case_id)
    assert case is not None
    outbox_enqueue(
        session,
        outbox,
        topic="evaluation.appeal",
        destination="platform",
        path=APPEAL_PATH,
        payload={"ref": task.ref, "upheld": decision == "upheld"},
        case_no=case.case_no,
        acting_user=staff.username,
        purpose="好差评：差评申诉复核结论",
    )
