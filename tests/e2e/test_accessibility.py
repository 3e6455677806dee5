"""Accessibility on every page (issue 22): axe-core's WCAG 2.1 A/AA rules in a real browser, on every
page a resident, a co-applicant's invitation and a clerk reach, in standard and 大字版, on a desktop and
on a phone: no serious or critical breach."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from anju.sandbox.population.generator import population_generate
from tests.conftest import Systems
from tests.support.a11y import Auditor
from tests.support.a11y_walk import walk_everything


def test_every_page_meets_wcag_21_aa_in_every_display(live: Systems, browser: Browser) -> None:
    population_generate(db=live.runtimes["sandbox"].db, people=0, seed=1)  # the demo households only
    auditor = Auditor()
    walk_everything(live.settings, browser, auditor)
    assert len(auditor.pages) >= 45  # the walk reached the pages it names
    assert auditor.blocking() == []


def test_focus_is_seen_by_keyboard_on_links_and_controls(live: Systems, browser: Browser) -> None:
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    page.goto(live.settings.base_url("platform") + "/progress")
    page.keyboard.press("Tab")  # the skip link first
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Tab")
    link = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [document.activeElement.tagName, s.color, s.backgroundColor]; })()"
    )
    assert link == ["A", "rgb(11, 12, 12)", "rgb(255, 221, 0)"]  # black on yellow
    page.get_by_label("申请编号").focus()
    ring = page.evaluate("getComputedStyle(document.activeElement).outlineColor")
    assert ring == "rgb(11, 12, 12)"  # black on white: 19:1, where the old yellow ring was 1.4:1


def test_a_sign_in_left_quiet_warns_first_and_one_press_keeps_it(live: Systems, browser: Browser) -> None:
    """WCAG 2.2.1: the web sign-in ends after 30 quiet minutes; two minutes before, the page says so and
    继续使用 keeps it; typing keeps it too. The page's clock is the test's, the server's is real."""
    platform = live.settings.base_url("platform")
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    page.clock.install()
    page.goto(f"{platform}/applications/new")
    page.get_by_label("身份证号码").fill("350102199203150519")
    page.get_by_label("密码").fill("anju-demo")
    page.get_by_role("button", name="登录并授权").click()
    page.get_by_role("button", name="开始申请").click()
    page.get_by_role("link", name="填写申请").click()
    warning = page.locator("#session-timeout")
    expect(warning).to_be_hidden()

    page.clock.fast_forward("27:00")
    expect(warning).to_be_hidden()
    page.clock.fast_forward("01:01")  # two minutes before the end
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("约 2 分钟后将自动退出登录")
    stay = page.get_by_role("button", name="继续使用")
    expect(stay).to_be_focused()  # one key press away
    with page.expect_response(lambda r: r.url.endswith("/session/alive")) as kept:
        page.keyboard.press("Enter")
    assert kept.value.json() == {"signed_in": True}
    expect(warning).to_be_hidden()

    page.clock.fast_forward("06:00")  # typing after a while tells the server the person is there
    with page.expect_response(lambda r: r.url.endswith("/session/alive")):
        page.get_by_label("申请城市").select_option("350100")
    page.clock.fast_forward("28:01")
    expect(warning).to_be_visible()
    page.clock.fast_forward("02:00")  # nobody answered: said plainly, and what is saved is safe
    expect(warning).to_contain_text("已退出登录。已保存的内容都在")
    expect(stay).to_be_hidden()
