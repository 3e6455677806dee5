"""The advisory pre-check on the check page: housing's rules, explained rule by rule; never a block."""

from __future__ import annotations

import re

import httpx

from tests.conftest import Systems
from tests.support.journey import applicant_sign_in, application_fill_and_submit, fill_until_check


def test_the_check_page_explains_each_rule_and_still_lets_the_applicant_submit(live: Systems) -> None:
    from anju.sandbox.population.generator import population_generate

    population_generate(db=live.runtimes["sandbox"].db, people=0, seed=1)  # the demo households
    platform = live.settings.base_url("platform")
    with httpx.Client(timeout=15) as browser:
        form = applicant_sign_in(browser, platform, id_number="350104199011200641")
        check = fill_until_check(
            browser, platform, form.text, applicant_group="new_graduate", monthly_income="4000"
        )
        assert 'id="precheck"' in check.text
        result = check.text.split('id="precheck-result"')[1].split("</div>")[0]
        assert "新就业无房职工" in result and "规则版本 350100/" in result
        rules = check.text.split('id="precheck-rules"')[1].split("</table>")[0]
        assert "毕业月数" in rules and "本市连续缴纳社保月数" in rules  # every rule of the group, explained
        assert re.search(r"要求 &lt;= 60 个月", rules)
        assert "不符合" in rules or "无法判断" in rules

        done = application_fill_and_submit(browser, platform, browser.get(str(check.url)).text)
        assert "申请已提交" in done.text  # advice, never a block


def test_the_pre_check_says_so_when_housing_cannot_be_reached(live: Systems) -> None:
    platform = live.settings.base_url("platform")
    live.runtimes["platform"].client.base_urls["housing"] = "http://127.0.0.1:9"  # nothing listens there
    with httpx.Client(timeout=15) as browser:
        form = applicant_sign_in(browser, platform, id_number="350104199011200641")
        check = fill_until_check(browser, platform, form.text)
        assert "暂时无法自查申请条件，不影响您提交申请" in check.text
        assert "确认并提交申请" in check.text
