"""The advisory pre-check on the check page: housing's rules, explained rule by rule; never a block."""

from __future__ import annotations

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
        assert "新就业无房职工" in result and "规则版本" not in result  # the version is for staff
        rules = check.text.split('id="precheck-rules"')[1].split("</table>")[0]
        assert "毕业月数" in rules and "本市连续缴纳社保月数" in rules  # every rule of the group, explained
        assert "（要求不超过 60 个月）" in rules and "&lt;" not in rules and "&gt;" not in rules
        assert "（要求5 年内）" in rules and "要求否" not in rules  # a yes/no rule names only its period
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


def test_the_pre_check_says_when_the_contribution_base_counted_instead_of_the_declared_income(
    live: Systems,
) -> None:
    from anju.sandbox.population.generator import population_generate
    from tests.platform.consent.test_consent_pages import link
    from tests.support.journey import co_applicant_authorises, csrf_of, hidden_fields

    population_generate(db=live.runtimes["sandbox"].db, people=0, seed=1)  # the demo households
    platform = live.settings.base_url("platform")
    with httpx.Client(timeout=15) as browser:
        applicant_sign_in(browser, platform, id_number="350121199111300574")  # 刘志明
        tasks = browser.get(f"{platform}/applications/new", follow_redirects=True)
        page = browser.get(link(tasks, r'href="([^"]*/members/\d+/consent)"', platform))
        tasks = browser.post(
            str(page.url),
            data={"csrf_token": csrf_of(page.text), "source": ["hukou", "marriage", "social_insurance"]},
            follow_redirects=True,
        )
        browser.post(
            link(tasks, r'action="([^"]*/drafts/\d+/backfill)"', platform),
            data={"csrf_token": csrf_of(tasks.text)},
            follow_redirects=True,
        )
        household = browser.get(str(tasks.url).split("?")[0] + "/household")
        saved = browser.post(
            str(household.url),
            data={**hidden_fields(household.text), "member": ["35030219930217068X"]},
            follow_redirects=True,
        )
        assert "目前 2 人" in saved.text
        co_applicant_authorises(platform, id_number="35030219930217068X")  # 黄丽
        form = browser.get(str(saved.url).split("?")[0] + "/sections/application")
        check = fill_until_check(
            browser,
            platform,
            form.text,
            city_code="350100",
            district_code="350121",
            applicant_group="lower_middle_income",
            marital_status="已婚",
            monthly_income="3000",
        )
        rules = check.text.split('id="precheck-rules"')[1].split("</table>")[0]
        income = rules.split("家庭人均月收入")[1].split("</tr>")[0]
        assert "社保缴费基数高于申报的月收入，按缴费基数计算" in income
        assert "单身申请人年龄" not in rules  # a married couple is not told about the age rule for singles
