"""Deadlines that reach a year whose holidays nobody has entered: counted Monday to Friday and marked
provisional, never enforced by themselves, and counted again when an administrator enters the year."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import select

from anju.core import workdays
from anju.housing.models import Case, HolidayCalendar
from anju.housing.review import calendar, deadlines
from anju.housing.review import service as review
from tests.conftest import Systems
from tests.housing.staff.test_staff_console import (
    CASE_NO,
    outbox_rows,
    payload_of,
    signed_in_client,
    submit_case,
)
from tests.support.journey import csrf_of

# A made-up arrangement for the tests (not the State Council's): New Year 1–3 January, 4 January a
# Monday, and Saturday 9 January a make-up working day.
SOURCE = "测试用安排（非国务院办公厅通知）"
HOLIDAYS = "2027-01-01..2027-01-03\n2027-01-04"
WORKDAYS = "2027-01-09"


@pytest.fixture(autouse=True)
def forget_2027() -> Iterator[None]:
    """The calendar is known per process: a test that enters 2027 must not teach it to the next."""
    workdays.calendar_forget(2027)
    yield
    workdays.calendar_forget(2027)


def test_a_deadline_into_an_unknown_year_is_counted_on_weekdays_and_marked_provisional() -> None:
    plan = deadlines.schedule_after(
        city_code="350100",
        from_status="",
        to_status="submitted",
        today=date(2026, 12, 28),
        due_on=None,
        office_days_left=None,
        notice_ends_on=None,
    )
    assert plan.due_on == date(2027, 1, 4)  # Tue 29, Wed 30, Thu 31, Fri 1, Mon 4: five weekdays
    assert plan.provisional and "2027年法定节假日安排尚未录入" in plan.note
    assert plan.basis == (date(2026, 12, 28), 5, "workdays")


def test_entering_the_year_counts_provisional_deadlines_again_and_tells_the_applicant(
    systems: Systems,
) -> None:
    submit_case(systems)
    housing = systems.runtimes["housing"]
    with housing.db.transaction() as session:  # the case asks for 补正 on 28 December: 10 working days
        case = session.scalars(select(Case).where(Case.case_no == CASE_NO)).one()
        review.case_transition(
            session=session,
            case=case,
            event="request_corrections",
            actor="shouli.350100",
            actor_role="street_reviewer",
            outbox=housing.tables.outbox,
            audit=housing.audit,
            reason="请补充收入证明",
            today=date(2026, 12, 28),
        )
        assert case.due_on == date(2027, 1, 11) and case.due_provisional
    assert (
        "暂按周末计算" in payload_of(systems, outbox_rows(systems)[-1])["due_note"]
    )  # the applicant is told

    with housing.db.transaction() as session:  # long past the provisional date: nothing lapses by itself
        assert (
            review.deadlines_enforce(
                session=session, outbox=housing.tables.outbox, audit=housing.audit, today=date(2027, 2, 1)
            )
            == []
        )

    clerk = signed_in_client(systems, "shouli.350100")
    refused = clerk.post(
        "/staff/calendar",
        data={
            "csrf_token": csrf_of(clerk.get("/staff/calendar").text),
            "year": "2027",
            "source": SOURCE,
            "holidays": HOLIDAYS,
        },
    )
    assert refused.status_code == 403 and "只有市级管理员" in refused.text

    admin = signed_in_client(systems, "guanli.350100")
    page = admin.get("/staff/calendar")
    assert "2027" in page.text and "未录入" in page.text
    bad = admin.post(
        "/staff/calendar",
        data={
            "csrf_token": csrf_of(page.text),
            "year": "2027",
            "source": SOURCE,
            "holidays": "2027-13-01",
            "workdays": WORKDAYS,
        },
    )
    assert bad.status_code == 400 and "“2027-13-01”不是日期" in bad.text and SOURCE in bad.text  # kept
    weekday = admin.post(
        "/staff/calendar",
        data={
            "csrf_token": csrf_of(page.text),
            "year": "2027",
            "source": SOURCE,
            "holidays": HOLIDAYS,
            "workdays": "2027-01-05",
        },
    )
    assert weekday.status_code == 400 and "调休上班日只能是星期六或星期日" in weekday.text
    done = admin.post(
        "/staff/calendar",
        data={
            "csrf_token": csrf_of(page.text),
            "year": "2027",
            "source": SOURCE,
            "holidays": HOLIDAYS,
            "workdays": WORKDAYS,
        },
    )
    assert done.status_code == 200 and f"{CASE_NO}：2027-01-12" in done.text
    # 29, 30, 31 Dec, then 5, 6, 7, 8 Jan, Sat 9 (worked), 11, 12: the 4th is a holiday, the 9th is not
    with housing.db.transaction() as session:
        case = session.scalars(select(Case).where(Case.case_no == CASE_NO)).one()
        assert (case.due_on, case.due_provisional, case.due_note) == (date(2027, 1, 12), False, "")
        (row,) = session.scalars(select(HolidayCalendar)).all()
        assert (row.year, row.source, row.entered_by) == (2027, SOURCE, "guanli.350100")
    told = payload_of(systems, outbox_rows(systems)[-1])
    assert told["event"] == "deadline_recounted" and told["due_on"] == "2027-01-12" and told["due_note"] == ""
    assert "本环节期限确定为 2027-01-12" in told["reason"]


def test_staff_and_operations_are_warned_from_november_while_next_year_is_unknown(systems: Systems) -> None:
    assert calendar.calendar_warning(date(2026, 10, 31)) == ""
    assert "2027年法定节假日安排尚未录入" in calendar.calendar_warning(date(2026, 11, 1))
    workdays.calendar_enter(year=2027, source=SOURCE, holidays=[date(2027, 1, 1)], workdays=[])
    assert calendar.calendar_warning(date(2026, 11, 1)) == ""


def test_dates_are_read_as_people_type_them() -> None:
    assert calendar.dates_parse("2027-01-01..2027-01-03，2027-02-10\n2027-02-11 至 2027-02-12") == [
        date(2027, 1, 1),
        date(2027, 1, 2),
        date(2027, 1, 3),
        date(2027, 2, 10),
        date(2027, 2, 11),
        date(2027, 2, 12),
    ]
    with pytest.raises(calendar.CalendarRefused, match="结束日期早于开始日期"):
        calendar.dates_parse("2027-01-03..2027-01-01")
