"""The whole application by keyboard alone (issue 22, 全程键盘): from the start page through sign-in, every
page of the form and the check, to the receipt, with no mouse, no touch, and focus visible at every stop.
大字版 is chosen first, by keyboard, and stays chosen through sign-in and every page after it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import Systems
from tests.support.browser import watch_csp
from tests.support.keyboard import choose, keyboard_only, pick_radio, pointer_events, press, type_into

pytestmark = pytest.mark.browser


def save_and_continue(page: Page, next_heading: str) -> None:
    press(page, page.get_by_role("button", name="保存并继续"))
    expect(page.get_by_role("heading", name=next_heading, exact=True)).to_be_visible()
    expect(page.locator("body")).to_have_class(re.compile(r"\belder\b"))  # 大字版 all the way


def test_a_resident_applies_from_start_to_receipt_by_keyboard_alone(live: Systems, browser: Browser) -> None:
    platform = live.settings.base_url("platform")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    keyboard_only(context)
    page = context.new_page()
    refused: list[str] = []
    watch_csp(page, refused)
    page.goto(f"{platform}/")

    # The first Tab reaches the skip link; then 大字版, chosen with Enter.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="跳到主要内容")).to_be_focused()
    press(page, page.get_by_role("link", name="大字版"))
    expect(page.locator("body")).to_have_class(re.compile(r"\belder\b"))

    press(page, page.get_by_role("button", name="开始申请"))
    expect(page.get_by_role("heading", name=re.compile("统一身份认证"))).to_be_visible()
    type_into(page, page.get_by_label("身份证号码"), "350102199203150519")
    type_into(page, page.get_by_label("密码"), "anju-demo")
    press(page, page.get_by_role("button", name="登录并授权"))

    expect(page.get_by_role("heading", name="开始申请")).to_be_visible()
    expect(page.locator("body")).to_have_class(re.compile(r"\belder\b"))  # remembered across sign-in
    press(page, page.get_by_role("button", name="开始申请"))
    expect(page.get_by_role("heading", name="申请公租房")).to_be_visible()
    press(page, page.get_by_role("link", name="填写申请"))

    expect(page.get_by_role("heading", name="申请地区")).to_be_visible()
    # Saved empty: the error summary takes focus, and its link takes the keyboard to the field.
    press(page, page.get_by_role("button", name="保存并继续"))
    expect(page.locator("#error-summary")).to_be_focused()
    press(page, page.locator("#error-summary").get_by_role("link", name="请选择申请城市"))
    choose(page, page.get_by_label("申请城市"), "350100")
    choose(page, page.get_by_label("县（市、区）"), "350102")
    save_and_continue(page, "家庭成员")

    choose(page, page.get_by_label("户籍所在地"), "350102")
    choose(page, page.get_by_label("婚姻状况"), "未婚")
    choose(page, page.get_by_label("最高全日制学历"), "本科")
    graduated = page.get_by_role("group", name="毕业日期")
    type_into(page, graduated.get_by_label("年"), "2024")
    type_into(page, graduated.get_by_label("月"), "6")
    type_into(page, graduated.get_by_label("日"), "30")
    save_and_continue(page, "住房状况")

    pick_radio(page, "a.owns_home", "no")
    pick_radio(page, "a.sold_home_recently", "no")
    pick_radio(page, "a.tenure", "renting")
    type_into(page, page.get_by_label("现居住地址"), "鼓楼区五四路 123 号 3 栋 502")
    pick_radio(page, "a.receiving_assistance", "no")
    save_and_continue(page, "财产状况")

    type_into(page, page.get_by_label("家庭存款（元）"), "10000")
    type_into(page, page.get_by_label("股票、基金等有价证券（元）"), "0")
    type_into(page, page.get_by_label("机动车购置价合计（元）"), "0")
    save_and_continue(page, "就业与收入")

    type_into(page, page.get_by_label("月收入（元）"), "5000")
    type_into(page, page.get_by_label("近 36 个月在本市缴纳社保月数"), "24")
    save_and_continue(page, "联系方式")
    save_and_continue(page, "申请类别")

    pick_radio(page, "a.applicant_group", "new_graduate")
    save_and_continue(page, "承诺与授权")
    for name in ("a.pledge", "a.verification_authorisation"):
        press(page, page.locator(f'input[name="{name}"]'), "Space")
        expect(page.locator(f'input[name="{name}"]')).to_be_checked()
    save_and_continue(page, "核对并提交")

    press(page, page.get_by_role("button", name="确认并提交申请"))
    expect(page.get_by_role("heading", name="申请已提交")).to_be_visible()
    number = page.locator("#application-no").inner_text().strip()
    assert re.fullmatch(r"GZF-350100-\d{8}-\d{6}", number)
    # The receipt is one Tab stop away like everything else.
    receipt = page.locator("#receipt-link")
    press(page, receipt, "Shift")  # reached, not opened (a download is not part of the journey)
    expect(receipt).to_be_focused()

    assert pointer_events(page) == 0  # not one mouse, pointer or touch press on any page
    assert refused == []
    context.close()
