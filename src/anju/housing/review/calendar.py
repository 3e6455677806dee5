"""The working-day calendar as an administrator keeps it: a year's statutory holidays and make-up working
days entered from the State Council notice (command `anju calendar enter` or the staff page), every open
deadline that was counted without them counted again, and a warning while next year is still unknown.

The entered years live in housing's database (HolidayCalendar, append-only) and are loaded into
core/workdays at start, by the review jobs on every round, and at once where a year is entered.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from anju.core import workdays
from anju.core.audit import AuditChain
from anju.core.refusals import Refused
from anju.core.timeutil import utcnow
from anju.housing.models import Case, CaseEvent, HolidayCalendar
from anju.housing.review import deadlines
from anju.housing.review.service import status_message_queue

WARN_FROM_MONTH = 11  # the State Council usually publishes next year's notice in November
RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*(?:\.\.|至|~|—|–)\s*(\d{4}-\d{2}-\d{2})$")


class CalendarRefused(Refused):
    """The arrangement cannot be entered as given (the message says what to correct)."""


def dates_parse(text: str) -> list[date]:
    """Dates as an administrator types them: one per line or separated by commas, and ranges written
    ``2027-01-01..2027-01-03`` (or with 至); raises CalendarRefused naming what cannot be read."""
    result: list[date] = []
    for part in re.split(r"[,，;；、\n]+", text):
        item = part.strip()
        if not item:
            continue
        try:
            ranged = RANGE.match(item)
            if ranged:
                first, last = date.fromisoformat(ranged.group(1)), date.fromisoformat(ranged.group(2))
                if last < first:
                    raise CalendarRefused(f"“{item}”的结束日期早于开始日期。")
                result += [first + timedelta(days=i) for i in range((last - first).days + 1)]
            else:
                result.append(date.fromisoformat(item))
        except ValueError:
            raise CalendarRefused(
                f"“{item}”不是日期，请写成 2027-01-01，或 2027-01-01..2027-01-03。"
            ) from None
    return sorted(set(result))


@dataclass(frozen=True)
class Entered:
    """What entering a year did."""

    year: int
    recounted: list[tuple[str, date]]  # (case number, its due date now)


def calendar_enter(
    *,
    session: Session,
    year: int,
    source: str,
    holidays: list[date],
    workdays_: list[date],
    actor: str,
    outbox: Table,
    audit: AuditChain,
) -> Entered:
    """Record a year's arrangement, make it known here, and count every provisional deadline again."""
    source = " ".join(source.split())
    if not 2000 <= year <= 2100:
        raise CalendarRefused("请填写正确的年份。")
    if len(source) < 8 or len(source) > 200:
        raise CalendarRefused(
            "请填写国务院办公厅通知的标题和文号（例如：国务院办公厅关于2027年部分节假日安排的通知 国办发明电〔2026〕X号）。"
        )
    try:
        workdays.calendar_enter(year=year, source=source, holidays=holidays, workdays=workdays_)
    except ValueError as exc:
        raise CalendarRefused(_reason(str(exc), year)) from exc
    session.add(
        HolidayCalendar(
            year=year,
            source=source,
            holidays_json=json.dumps([d.isoformat() for d in holidays]),
            workdays_json=json.dumps([d.isoformat() for d in workdays_]),
            entered_by=actor,
        )
    )
    return Entered(year=year, recounted=deadlines_recount(session=session, outbox=outbox, audit=audit))


def _reason(message: str, year: int) -> str:
    if "not a date in" in message:
        return f"有日期不在{year}年内，请核对。"
    if "has holidays" in message:
        return "请填写放假日期。"
    if "both" in message:
        return "同一天不能既是放假日又是调休上班日。"
    if "Saturday or Sunday" in message:
        return "调休上班日只能是星期六或星期日。"
    return "节假日安排有误，请核对。"


def deadlines_recount(*, session: Session, outbox: Table, audit: AuditChain) -> list[tuple[str, date]]:
    """Count again every open deadline that was provisional, from what it was counted from; the applicant
    is told the date now in force (a step of the case's history, not a change of status)."""
    recounted = []
    open_cases = select(Case).where(Case.due_provisional.is_(True), Case.due_from.is_not(None))
    for case in session.scalars(open_cases.order_by(Case.id).with_for_update(skip_locked=True)):
        assert case.due_from is not None and case.due_days is not None
        try:
            due = deadlines.due_after(case.due_from, limit=case.due_days, unit=case.due_unit)
        except workdays.CalendarUnknown:
            continue  # still reaches a year nobody has entered
        source = "；".join(
            filter(None, (workdays.year_source(y) for y in range(case.due_from.year, due.year + 1)))
        )
        case.due_on, case.due_note, case.due_provisional = due, "", False
        case.event_seq = (case.event_seq or 0) + 1
        record = CaseEvent(
            case_id=case.id,
            seq=case.event_seq,
            event="deadline_recounted",
            from_status=case.status,
            to_status=case.status,
            actor="system",
            actor_role="system",
            reason=f"法定节假日安排已录入（{source}），本环节期限确定为 {due}。",
            channel="system",
            occurred_at=utcnow(),
        )
        audit.append(session, record)
        status_message_queue(
            session=session,
            outbox=outbox,
            case=case,
            record=record,
            actor="system",
            purpose="办件期限告知申请人",
        )
        recounted.append((case.case_no, due))
    return recounted


def calendar_warning(today: date) -> str:
    """From November, while next year's arrangement is not known: what operations and staff should do."""
    if today.month < WARN_FROM_MONTH or workdays.is_year_known(today.year + 1):
        return ""
    return (
        f"{today.year + 1}年法定节假日安排尚未录入：跨年的期限暂按周末计算，"
        "国务院办公厅通知发布后请市级管理员在“节假日安排”中录入。"
    )
