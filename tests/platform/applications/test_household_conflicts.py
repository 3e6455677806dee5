"""One household, one application on the check page (issue 19): before signing, the applicant is told
plainly that someone in the household is already in another application, and may still submit."""

from __future__ import annotations

import httpx

from tests.conftest import Systems
from tests.housing.households.test_conflicts import receive
from tests.support.factories import HUSBAND, WIFE
from tests.support.journey import applicant_sign_in, application_fill_and_submit, fill_until_check


def test_the_check_page_says_who_is_already_in_another_application(live: Systems) -> None:
    receive(live, "GZF-350200-20261120-000001", ("林晓峰", HUSBAND), ("欧阳娜娜", WIFE), city="350200")
    platform = live.settings.base_url("platform")
    with httpx.Client(timeout=15) as browser:
        form = applicant_sign_in(browser, platform, id_number=WIFE)
        check = fill_until_check(browser, platform, form.text)
        notice = check.text.split('id="household-conflicts"')[1].split("</div>")[0]
        assert "已在另一件公租房申请中（厦门市，2026-11-27 提交，已提交）" in notice
        assert "<strong>欧***</strong>" in notice and "GZF-350200" not in check.text
        assert "您仍可以提交" in notice
        done = application_fill_and_submit(browser, platform, browser.get(str(check.url)).text)
        assert "申请已提交" in done.text  # told, never blocked: housing decides at 受理


def test_the_check_page_says_so_when_housing_cannot_be_asked(live: Systems) -> None:
    platform = live.settings.base_url("platform")
    live.runtimes["platform"].client.base_urls["housing"] = "http://127.0.0.1:9"  # nothing listens there
    with httpx.Client(timeout=15) as browser:
        form = applicant_sign_in(browser, platform, id_number=WIFE)
        check = fill_until_check(browser, platform, form.text)
        assert "暂时无法核查家庭成员是否已有在办申请，不影响您提交申请" in check.text
        assert "确认并提交申请" in check.text
