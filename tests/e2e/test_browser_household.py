"""A married applicant and his spouse in a real browser: one save for the household, the spouse finds the
invitation where she lands after signing in, and the application waits for her own authorisation."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import Systems
from tests.support.browser import assert_fits_phone

pytestmark = pytest.mark.browser

LIU, HUANG = "350121199111300574", "35030219930217068X"  # 刘志明 and his wife 黄丽 (her own hukou book)


def sign_in(page: Page, id_number: str) -> None:
    page.get_by_label("身份证号码").fill(id_number)
    page.get_by_label("密码").fill("anju-demo")
    page.get_by_role("button", name="登录并授权").click()


def test_the_spouse_is_saved_with_one_action_finds_her_invitation_and_submission_waits_for_her(
    live: Systems, browser: Browser
) -> None:
    from anju.sandbox.population.generator import population_generate

    population_generate(db=live.runtimes["sandbox"].db, people=0, seed=1)  # the demo households only
    platform = live.settings.base_url("platform")
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    desk.goto(f"{platform}/applications/new")
    sign_in(desk, LIU)
    desk.get_by_role("button", name="开始申请").click()
    desk.get_by_role("link", name="去授权").first.click()
    for source in ("hukou", "marriage"):
        desk.locator(f'input[name="source"][value="{source}"]').check()
    desk.get_by_role("button", name="同意并保存授权").click()
    desk.get_by_role("button", name="开始查询").click()
    expect(desk.get_by_role("heading", name="核对查询结果")).to_be_visible()
    # One primary action; corrections and uploads stay folded away until someone needs them.
    expect(desk.locator('input[type="file"]').first).to_be_hidden()
    expect(desk.get_by_role("button", name="信息有误")).to_have_count(0)
    desk.get_by_role("button", name="以上信息无误，继续").click()
    expect(desk.locator("#review-done")).to_have_text("已核对")  # the task list says the step is done

    # The spouse on the marriage record is ticked and required; the one button at the end saves her.
    desk.get_by_role("link", name="选择共同申请人").click()
    spouse = desk.locator('input[name="member"]').first
    expect(spouse).to_be_checked()
    expect(desk.get_by_text("配偶，必选")).to_be_visible()
    desk.get_by_role("button", name="保存家庭成员，返回申请事项").click()
    expect(desk.get_by_role("heading", name="申请公租房")).to_be_visible()
    tasks = desk.locator("#tasks")
    expect(tasks.get_by_text("目前 2 人")).to_be_visible()
    expect(tasks.get_by_text("黄*（配偶）")).to_be_visible()
    expect(tasks.get_by_text("须本人用自己的账号登录本平台授权")).to_be_visible()

    # 黄丽 signs in on her own phone from the home page and is told at once what is asked of her.
    phone = browser.new_context(
        viewport={"width": 375, "height": 812}, locale="zh-CN", has_touch=True, is_mobile=True
    ).new_page()
    phone.goto(f"{platform}/")
    phone.get_by_role("link", name="登录").click()
    sign_in(phone, HUANG)
    invitation = phone.locator('[id^="invitation-"]')
    expect(invitation).to_contain_text("刘** 把您列为公租房共同申请人")
    assert_fits_phone(phone)
    expect(
        phone.get_by_role("navigation").get_by_role("link", name="家人邀请我授权")
    ).to_be_visible()  # in the header
    invitation.get_by_role("link", name="查看并授权").click()
    expect(phone.get_by_role("heading", name="授权查询：黄*")).to_be_visible()
    phone.locator('input[name="source"][value="hukou"]').check()
    phone.get_by_role("button", name="同意并保存授权").click()
    expect(phone.get_by_text("授权已记录")).to_be_visible()
    expect(phone.get_by_text("您已授权 1 项")).to_be_visible()
    phone.goto(f"{platform}/")
    expect(phone.locator('[id^="invitation-"]')).to_have_count(0)  # nothing left to ask of her

    desk.reload()
    expect(desk.locator("#tasks").get_by_text("已授权 1 项").last).to_be_visible()
