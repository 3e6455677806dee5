"""Full ID and phone numbers are masked; seeing one takes a stated purpose and is logged for the auditor."""

from __future__ import annotations

import re

from sqlalchemy import select

from anju.housing.models import RevealLog
from anju.housing.staff.service import REVEALS_PAGE_SIZE
from tests.conftest import Systems
from tests.housing.staff.test_staff_console import CASE_NO, signed_in_client, submit_case
from tests.support.journey import csrf_of

FULL_ID = "350182198802290158"


def test_a_number_is_shown_only_with_a_purpose_and_the_auditor_sees_who_looked(systems: Systems) -> None:
    submit_case(systems)
    clerk = signed_in_client(systems, "shouli.350100")
    page = clerk.get(f"/staff/cases/{CASE_NO}")
    assert FULL_ID not in page.text and "350182********0158" in page.text

    refused = clerk.post(
        f"/staff/cases/{CASE_NO}/reveal",
        data={"csrf_token": csrf_of(page.text), "field": "id_number", "reason": "看"},
    )
    assert refused.status_code == 400 and "须写明用途" in refused.text and FULL_ID not in refused.text

    shown = clerk.post(
        f"/staff/cases/{CASE_NO}/reveal",
        data={"csrf_token": csrf_of(page.text), "field": "id_number", "reason": "电话核实补正材料"},
    )
    assert shown.status_code == 200 and FULL_ID in shown.text
    assert shown.headers["cache-control"] == "no-store"
    assert FULL_ID not in clerk.get(f"/staff/cases/{CASE_NO}").text  # masked again on the next page

    with systems.runtimes["housing"].db.transaction() as session:
        (log,) = session.scalars(select(RevealLog)).all()
        assert (log.username, log.field, log.reason) == ("shouli.350100", "id_number", "电话核实补正材料")

    assert clerk.get("/staff/audit/reveals").status_code == 403  # a clerk does not audit herself


def test_the_auditor_reads_the_log_of_her_city_only(systems: Systems) -> None:
    submit_case(systems)
    clerk = signed_in_client(systems, "shouli.350100")
    page = clerk.get(f"/staff/cases/{CASE_NO}")
    clerk.post(
        f"/staff/cases/{CASE_NO}/reveal",
        data={"csrf_token": csrf_of(page.text), "field": "phone", "reason": "联系申请人补充材料"},
    )
    fuzhou = signed_in_client(systems, "shenji.350100").get("/staff/audit/reveals")
    assert fuzhou.status_code == 200 and CASE_NO in fuzhou.text and "联系申请人补充材料" in fuzhou.text
    xiamen = signed_in_client(systems, "shenji.350200").get("/staff/audit/reveals")
    assert xiamen.status_code == 200 and CASE_NO not in xiamen.text


def test_a_clerk_finds_a_case_by_the_applicants_id_number_and_sees_it_masked(systems: Systems) -> None:
    submit_case(systems)
    clerk = signed_in_client(systems, "shouli.350100")
    found = clerk.get("/staff/", params={"q": FULL_ID})
    assert CASE_NO in found.text and FULL_ID not in found.text
    assert CASE_NO not in clerk.get("/staff/", params={"q": "350102199203150519"}).text  # someone else
    xiamen = signed_in_client(systems, "shouli.350200").get("/staff/", params={"q": FULL_ID})
    assert CASE_NO not in xiamen.text  # not in her region


def test_an_auditor_reads_logs_and_never_reveals_a_number(systems: Systems) -> None:
    submit_case(systems)
    auditor = signed_in_client(systems, "shenji.350100")
    page = auditor.get(f"/staff/cases/{CASE_NO}")
    assert page.status_code == 200 and "查看完整号码" not in page.text
    refused = auditor.post(
        f"/staff/cases/{CASE_NO}/reveal",
        data={"csrf_token": csrf_of(page.text), "field": "id_number", "reason": "审计抽查申请人身份"},
    )
    assert refused.status_code == 400 and "审计人员只查阅记录" in refused.text
    assert FULL_ID not in refused.text
    with systems.runtimes["housing"].db.transaction() as session:
        assert session.scalars(select(RevealLog)).all() == []


def test_a_purpose_longer_than_the_log_keeps_is_refused_not_cut(systems: Systems) -> None:
    submit_case(systems)
    clerk = signed_in_client(systems, "shouli.350100")
    page = clerk.get(f"/staff/cases/{CASE_NO}")
    refused = clerk.post(
        f"/staff/cases/{CASE_NO}/reveal",
        data={"csrf_token": csrf_of(page.text), "field": "phone", "reason": "核实" * 2500},
    )
    assert refused.status_code == 400 and "用途最多 200 个字（现在 5000 个字）" in refused.text
    with systems.runtimes["housing"].db.transaction() as session:
        assert session.scalars(select(RevealLog)).all() == []


def test_the_auditor_pages_through_a_long_log_newest_first(systems: Systems) -> None:
    """Years of looks: the log is read a page of 100 at a time, with its total, and nothing is cut off."""
    submit_case(systems)
    clerk = signed_in_client(systems, "shouli.350100")
    page = clerk.get(f"/staff/cases/{CASE_NO}")
    looks = REVEALS_PAGE_SIZE + 5
    for n in range(looks):
        shown = clerk.post(
            f"/staff/cases/{CASE_NO}/reveal",
            data={"csrf_token": csrf_of(page.text), "field": "phone", "reason": f"第{n:03d}次电话核实"},
        )
        assert shown.status_code == 200
    auditor = signed_in_client(systems, "shenji.350100")
    first = auditor.get("/staff/audit/reveals")
    assert f"共 {looks} 条" in first.text and "第 1 页，共 2 页" in first.text
    reasons = re.findall(r"第(\d{3})次电话核实", first.text)
    assert len(reasons) == REVEALS_PAGE_SIZE and reasons[0] == f"{looks - 1:03d}"  # the newest first
    rest = re.findall(r"第(\d{3})次电话核实", auditor.get("/staff/audit/reveals?page=2").text)
    assert rest == ["004", "003", "002", "001", "000"]  # the oldest are on the last page, not lost
