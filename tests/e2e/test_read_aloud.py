"""朗读 and the kiosk's spoken guidance (issue 22): the browser's own speech synthesis reads the page and the
current question. The speech engine is the browser's, outside our code: the page is given one that writes
down what it is asked to say, so the test hears exactly what a person would."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.conftest import Systems
from tests.support.browser import kiosk_terminal_enable, watch_csp
from tests.support.journey import kiosk_card_place
from tests.support.keyboard import press, tab_to

pytestmark = pytest.mark.browser

# A speech engine that records each utterance (its text and language) and each "stop".
EARS = """
(() => {
  const heard = [];
  Object.defineProperty(window, "anjuHeard", { value: heard });
  const engine = {
    speaking: false, pending: false, paused: false,
    speak(u) { heard.push({ text: u.text, lang: u.lang }); },
    cancel() { heard.push({ text: "<stop>", lang: "" }); },
    pause() {}, resume() {}, getVoices() { return []; },
    addEventListener() {}, removeEventListener() {},
  };
  Object.defineProperty(window, "speechSynthesis", { value: engine, configurable: true });
})();
"""


def with_ears(context: BrowserContext) -> None:
    context.add_init_script(EARS)


def heard(page: Page) -> list[str]:
    """What the page asked to be said, in order (stops left out), once its script has started."""
    expect(page.locator("#read-aloud")).to_be_visible()  # shown by the script that speaks
    said = page.evaluate("window.anjuHeard.map(u => u.text + '|' + u.lang)")
    return [s.removesuffix("|zh-CN") for s in said if not s.startswith("<stop>")]


def test_read_aloud_reads_the_page_then_each_question_and_is_remembered_until_turned_off(
    live: Systems, browser: Browser
) -> None:
    platform = live.settings.base_url("platform")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    with_ears(context)
    page = context.new_page()
    refused: list[str] = []
    watch_csp(page, refused)
    page.goto(f"{platform}/progress")
    control = page.locator("#read-aloud")
    expect(control).to_have_text("朗读")
    assert heard(page) == []  # the web speaks only when asked

    press(page, control)  # by keyboard, like everything else
    expect(control).to_have_text("停止朗读")
    said = heard(page)
    assert len(said) == 1 and said[0].startswith("查询申请进度")
    assert "输入申请编号和申请人身份证号码" in said[0] and "获取验证码" in said[0]  # the whole main text

    tab_to(page, page.get_by_label("申请编号"))  # the current question: its label and its hint
    assert heard(page)[-1] == "申请编号。例如 GZF-350100-20261128-000001。"
    page.keyboard.type("GZF-1")
    tab_to(page, page.get_by_label("申请人身份证号码"))
    assert heard(page)[-1] == "申请人身份证号码。"

    page.reload()  # remembered: the next page is read as it opens (heading and first paragraph)
    expect(control).to_have_text("停止朗读")
    assert heard(page)[0].startswith("查询申请进度。已登录的申请人可在")

    # A list box is read as what is chosen, not as every one of its options.
    page.goto(f"{platform}/public-notices?city=350200")
    said = heard(page)[0]
    assert said.startswith("公租房申请公示。")  # still on: this page too is read as it opens
    press(page, control)  # off
    press(page, control)  # and on again: the whole page
    whole = heard(page)[-1]
    assert "城市 已选择厦门市 查看" in whole and "宁德市" not in whole, whole

    press(page, control)
    expect(control).to_have_text("朗读")
    page.reload()
    assert heard(page) == []
    context.close()
    assert refused == []


def test_the_kiosk_speaks_each_step_until_turned_off_and_forgets_that_when_the_visit_ends(
    live: Systems, browser: Browser
) -> None:
    platform, sandbox = live.settings.base_url("platform"), live.settings.base_url("sandbox")
    terminal = browser.new_context(viewport={"width": 1080, "height": 1920}, locale="zh-CN")
    with_ears(terminal)
    page = terminal.new_page()
    kiosk_terminal_enable(page, sandbox)
    guide = heard(page)
    assert guide and guide[0].startswith("自助申请公租房。")
    assert "只需身份证和人脸识别" in guide[0] and "请把身份证平放在下方的读卡区" in guide[0]
    control = page.get_by_role("button", name="关闭语音引导")
    expect(control).to_be_visible()

    kiosk_card_place(sandbox, "350104199011200641")
    expect(page.locator("#card-status")).to_contain_text("已读取身份证")
    assert heard(page)[-1].startswith("已读取身份证：欧***")  # what the reader did is said, once
    assert sum(s.startswith("请把身份证平放") for s in heard(page)) == 0  # the unchanged prompt is not
    page.locator("#agree").check()
    expect(page.locator("#kiosk-preview")).to_have_js_property("naturalWidth", 320)
    page.get_by_role("button", name="拍照", exact=True).click()
    expect(page.locator("#kiosk-photo")).to_be_visible()
    page.get_by_role("button", name="开始", exact=True).click()
    expect(page.get_by_role("button", name="结束并退出")).to_be_visible()
    assert heard(page), "each step is spoken as it opens"

    page.get_by_role("button", name="关闭语音引导").click()  # this person does not want it
    expect(page.get_by_role("button", name="开启语音引导")).to_be_visible()
    page.reload()
    assert heard(page) == []  # stays off for the rest of the visit

    page.get_by_role("button", name="结束并退出").click()
    if page.get_by_role("button", name="不评价，直接退出").count():
        page.get_by_role("button", name="不评价，直接退出").click()
    expect(page.locator("#kiosk-bye")).to_be_visible()
    # The next person at the terminal hears the guidance again.
    expect(page.get_by_role("button", name="关闭语音引导")).to_be_visible()
    assert heard(page) and heard(page)[0].startswith("自助申请公租房。")
    terminal.close()
    _ = platform
