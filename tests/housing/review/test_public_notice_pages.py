"""The 公示 list a page at a time (issue 23): housing's signed list says how many are on notice and pages
them; the platform's public page shows a page with its place and links to the others."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import update

from anju.housing.models import Case
from anju.housing.review.notices import PAGE_SIZE
from tests.conftest import Systems
from tests.housing.staff.test_staff_console import submit_case
from tests.support.signed import signed_get

ON_NOTICE = PAGE_SIZE + 3


def put_on_notice(systems: Systems) -> list[str]:
    """ON_NOTICE 福州 cases on public notice, the first published first; one 厦门 case too."""
    numbers = [f"GZF-350100-20261127-{n:06d}" for n in range(1, ON_NOTICE + 1)]
    for number in numbers:
        submit_case(systems, case_no=number)
    submit_case(systems, case_no="GZF-350200-20261127-000001", city_code="350200", district_code="350203")
    start = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    with systems.runtimes["housing"].db.transaction() as session:
        session.execute(update(Case).values(status="public_notice"))
        for n, number in enumerate(numbers):
            since = start + timedelta(minutes=n)
            session.execute(update(Case).where(Case.case_no == number).values(status_since=since))
    return numbers


def test_the_signed_list_pages_and_counts(systems: Systems) -> None:
    numbers = put_on_notice(systems)
    client, platform = systems.client("housing"), systems.runtimes["platform"]
    first = signed_get(client, as_system=platform, path="/v1/public-notices/350100").json()
    assert (first["total"], first["page"], first["pages"]) == (ON_NOTICE, 1, 2)
    assert [e["case_no"] for e in first["entries"]] == numbers[:PAGE_SIZE]  # longest on notice first
    second = signed_get(client, as_system=platform, path="/v1/public-notices/350100?page=2").json()
    assert [e["case_no"] for e in second["entries"]] == numbers[PAGE_SIZE:]
    assert all("id_number" not in e and "*" in e["name"] for e in second["entries"])
    small = signed_get(
        client, as_system=platform, path="/v1/public-notices/350100?page_size=10&page=6"
    ).json()
    assert (small["pages"], [e["case_no"] for e in small["entries"]]) == (6, numbers[50:])
    for wrong in ("page=0", "page_size=500", "page=x"):
        answer = signed_get(client, as_system=platform, path=f"/v1/public-notices/350100?{wrong}")
        assert answer.status_code == 422, wrong


def test_the_public_page_shows_one_page_and_its_place(live: Systems) -> None:
    numbers = put_on_notice(live)
    platform = live.settings.base_url("platform")
    first = httpx.get(f"{platform}/public-notices?city=350100", timeout=10)
    assert first.status_code == 200
    assert f"正在公示 {ON_NOTICE} 件" in first.text and "第 1 页，共 2 页" in first.text
    shown = re.findall(r"<td>(GZF-[0-9-]+)</td>", first.text)
    assert shown == numbers[:PAGE_SIZE]
    assert "city=350100&amp;page=2" in first.text and "上一页" not in first.text
    last = httpx.get(f"{platform}/public-notices?city=350100&page=2", timeout=10)
    assert re.findall(r"<td>(GZF-[0-9-]+)</td>", last.text) == numbers[PAGE_SIZE:]
    beyond = httpx.get(f"{platform}/public-notices?city=350100&page=40", timeout=10)
    assert re.findall(r"<td>(GZF-[0-9-]+)</td>", beyond.text) == numbers[PAGE_SIZE:]  # the last page
    xiamen = httpx.get(f"{platform}/public-notices?city=350200", timeout=10)
    assert "正在公示 1 件" in xiamen.text and "第 1 页" not in xiamen.text  # one page: no page links
