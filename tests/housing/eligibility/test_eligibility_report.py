"""The reviewer sees, on every case, the eligibility report computed from the case's own data, with the
rule-set that produced it and where each threshold comes from."""

from __future__ import annotations

import re

import httpx

from anju.core.timeutil import today_shanghai
from tests.conftest import Systems
from tests.housing.staff.test_staff_console import CASE_NO, signed_in_client, submit_case
from tests.support.journey import applicant_sign_in, application_fill_and_submit, staff_sign_in


def test_a_submitted_case_carries_its_report_rule_by_rule(live: Systems) -> None:
    platform, housing = live.settings.base_url("platform"), live.settings.base_url("housing")
    with httpx.Client(timeout=15) as browser, httpx.Client(timeout=15) as clerk:
        form = applicant_sign_in(browser, platform, id_number="350104199011200641")
        done = application_fill_and_submit(
            browser, platform, form.text, applicant_group="lower_middle_income"
        )
        number = re.search(r'id="application-no">([^<]+)<', done.text).group(1).strip()  # type: ignore[union-attr]
        live.runtimes["platform"].outbox_worker().run_once()
        staff_sign_in(clerk, housing, username="shouli.350100")
        page = clerk.get(f"{housing}/staff/cases/{number}")
    report = page.text.split('id="eligibility"')[1].split("<h2>登记信息核查")[0]
    assert f"按 {today_shanghai().isoformat()} 有效的规则（350100/" in report
    assert "申请类别“城镇中等偏下收入住房困难家庭”" in report  # the one name (core/vocab.py)
    rules = report.split('id="eligibility-rules"')[1]
    for label in (
        "本市户籍年限",
        "家庭人均月收入",
        "家庭人均住房建筑面积",
        "家庭财产总额",
        "未享受其他住房保障",
    ):
        assert label in rules, label
    assert "上年度城镇居民人均可支配收入（元/年） 60000，2024-10-01 起" in rules and "待核实" in rules


def test_a_case_without_a_household_says_why_it_cannot_be_evaluated(systems: Systems) -> None:
    submit_case(systems)  # an intake without the household (older clients): no guess is made
    page = signed_in_client(systems, "shouli.350100").get(f"/staff/cases/{CASE_NO}")
    assert "无法计算" in page.text.split('id="eligibility"')[1].split("<h2>")[0]
