"""The queue a page at a time (issue 23): a city's cases are never loaded whole; the counts cover every
page; filters by status, county and due date narrow it; a search finds a number, an ID number or a name."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import update

from anju.core.timeutil import shanghai_date, utcnow
from anju.housing.models import Case
from anju.housing.review import deadlines
from anju.housing.staff.service import PAGE_SIZE
from tests.conftest import Systems
from tests.housing.staff.test_staff_console import signed_in_client, submit_case

CASES = PAGE_SIZE + 7  # two pages


def case_no(n: int) -> str:
    return f"GZF-350100-20261127-{n:06d}"


def queue_numbers(html: str) -> list[str]:
    return re.findall(r'<a href="/staff/cases/(GZF-[0-9-]+)"', html)


def seed(systems: Systems) -> None:
    """CASES cases in 福州: every third in 台江区, the rest in 鼓楼区; three overdue, two near their date."""
    for n in range(1, CASES + 1):
        submit_case(
            systems,
            case_no=case_no(n),
            district_code="350103" if n % 3 == 0 else "350102",
            applicant={
                "name": "林晓峰" if n == 5 else "王𠈌",
                "id_number": "350102199203150519" if n == 5 else "350182198802290158",
                "phone": "13805910001",
                "real_name_level": 3,
            },
        )
    today = shanghai_date(utcnow())
    with systems.runtimes["housing"].db.transaction() as session:
        for n, due in (
            (40, today - timedelta(days=9)),
            (41, today - timedelta(days=3)),
            (42, today - timedelta(days=1)),
        ):
            session.execute(update(Case).where(Case.case_no == case_no(n)).values(due_on=due))
        for n in (43, 44):
            session.execute(update(Case).where(Case.case_no == case_no(n)).values(due_on=today))
        far = deadlines.near_before(today) + timedelta(days=30)
        session.execute(update(Case).where(Case.due_on > deadlines.near_before(today)).values(due_on=far))
        session.execute(update(Case).where(Case.due_on.is_(None)).values(due_on=far))


def test_the_queue_comes_a_page_at_a_time_most_urgent_first(systems: Systems) -> None:
    seed(systems)
    clerk = signed_in_client(systems, "shouli.350100")
    first = clerk.get("/staff/")
    assert first.status_code == 200
    assert f"共 {CASES} 件" in first.text
    assert "已超期 3 件" in first.text and "临近期限 2 件" in first.text  # over every page, not this one
    numbers = queue_numbers(first.text)
    assert len(numbers) == PAGE_SIZE
    assert numbers[:5] == [
        case_no(40),
        case_no(41),
        case_no(42),
        case_no(43),
        case_no(44),
    ]  # nearest date first
    assert "第 1 页，共 2 页" in first.text and "下一页" in first.text and "上一页" not in first.text
    second = clerk.get("/staff/?page=2")
    rest = queue_numbers(second.text)
    assert len(rest) == CASES - PAGE_SIZE and not set(rest) & set(numbers)
    assert "上一页" in second.text and "下一页" not in second.text
    assert queue_numbers(clerk.get("/staff/?page=99").text) == rest  # past the end: the last page
    assert queue_numbers(clerk.get("/staff/?page=-3").text) == numbers
    assert clerk.get("/staff/?page=two").status_code == 400  # not a number: refused, not guessed


def test_filters_narrow_the_queue_and_the_pages_keep_them(systems: Systems) -> None:
    seed(systems)
    clerk = signed_in_client(systems, "shouli.350100")
    overdue = clerk.get("/staff/?due=overdue")
    assert "共 3 件" in overdue.text
    assert queue_numbers(overdue.text) == [case_no(40), case_no(41), case_no(42)]
    assert queue_numbers(clerk.get("/staff/?due=near").text) == [case_no(43), case_no(44)]
    taijiang = clerk.get("/staff/?district=350103")
    assert f"共 {CASES // 3} 件" in taijiang.text
    assert all(int(n[-6:]) % 3 == 0 for n in queue_numbers(taijiang.text))
    assert '<option value="350103" selected>' in taijiang.text
    waiting = clerk.get("/staff/?status=submitted")
    assert f"共 {CASES} 件" in waiting.text
    assert "status=submitted&amp;district=&amp;due=&amp;page=2" in waiting.text  # the next page keeps it
    other = clerk.get("/staff/?status=public_notice")  # not this role's: the filter is not applied, as shown
    assert f"共 {CASES} 件" in other.text and 'value="public_notice"' not in other.text
    assert "没有符合条件的办件" in clerk.get("/staff/?status=first_review").text
    # A 鼓楼 reviewer is offered no county, and one given is ignored rather than widening their region.
    street = signed_in_client(systems, "shouli.350102")
    page = street.get("/staff/?district=350103")
    assert 'id="district"' not in page.text
    assert f"共 {CASES - CASES // 3} 件" in page.text


def test_a_search_finds_a_number_an_id_number_or_a_full_name(systems: Systems) -> None:
    seed(systems)
    clerk = signed_in_client(systems, "shouli.350100")
    assert queue_numbers(clerk.get(f"/staff/?q={case_no(7)}").text) == [case_no(7)]
    by_id = clerk.get("/staff/?q=350102199203150519")
    assert queue_numbers(by_id.text) == [case_no(5)]
    assert "350102199203150519" not in by_id.text  # the number typed is not echoed back in full
    assert queue_numbers(clerk.get("/staff/?q=林晓峰").text) == [case_no(5)]
    assert "林*" in clerk.get("/staff/?q=林晓峰").text  # the name shown masked even when searched
    assert len(queue_numbers(clerk.get("/staff/?q=王𠈌").text)) == PAGE_SIZE  # a name's cases, paged too
    assert "共 0 件" in clerk.get("/staff/?q=林").text  # one character is no name: nothing, not everyone


def test_the_near_bound_agrees_with_the_due_state_shown() -> None:
    today = date(2026, 12, 7)  # a Monday
    bound = deadlines.near_before(today)
    for offset in range(0, 12):
        due = today + timedelta(days=offset)
        assert deadlines.due_state(due_on=due, today=today).near == (due < bound)
