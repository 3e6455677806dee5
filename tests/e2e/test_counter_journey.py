"""The counter in a real browser (Playwright driving Debian's Chromium) on a window's wide screen: 林秀珠,
75 and 特困, cannot come; her son-in-law 张伟 applies for her at the window with her ID card and a 委托书
(issue 16). The window's card reader, document camera (高拍仪) and evaluator are the sandbox's devices,
reached by the page's script as a real window's would be."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.conftest import Systems, serving
from tests.support.browser import watch_csp
from tests.support.journey import fill_until_check, kiosk_card_place, open_draft_form

pytestmark = pytest.mark.browser

ELDER, AGENT = "350103195105060200", "350103198007190558"
PERSON = "350104199011200641"  # 欧阳娜娜, at a window that signs on paper


def clerk_at_window(browser: Browser, platform: str) -> tuple[BrowserContext, Page, list[str]]:
    """A window's wide screen with the clerk signed in, and the list of what its CSP refuses."""
    screen = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    page = screen.new_page()
    refused: list[str] = []
    watch_csp(page, refused)
    page.goto(f"{platform}/counter/login")
    page.get_by_label("用户名").fill("chuangkou.350100")
    page.get_by_label("密码").fill("anju-staff-demo")
    page.get_by_role("button", name="登录").click()
    return screen, page, refused


def test_an_agent_applies_at_the_window_for_an_elderly_applicant_who_cannot_come(
    live: Systems, browser: Browser
) -> None:
    platform, sandbox = live.settings.base_url("platform"), live.settings.base_url("sandbox")
    screen, page, refused = clerk_at_window(browser, platform)
    expect(page.locator("#counter-no-window")).to_be_visible()
    page.goto(f"{sandbox}/devices/window")
    page.get_by_role("button", name="启用本机为窗口终端").click()
    expect(page.locator("#counter-form")).to_be_visible()

    # The agent is at the window: his own card, checked by the clerk against his face.
    page.get_by_label("代办人（受申请人委托").check()
    page.get_by_label("窗口人员当面核验").check()
    kiosk_card_place(sandbox, AGENT, kind="window")
    expect(page.locator("#card-status")).to_contain_text("张*")
    page.locator("#attested").check()
    page.get_by_role("button", name="核验并开始办理").click()
    expect(page.locator("#agency-agent")).to_contain_text("张*（已核验）")

    # Her card on the reader, the 委托书 under the document camera.
    kiosk_card_place(sandbox, ELDER, kind="window")
    expect(page.locator("#card-status")).to_contain_text("林**")
    page.get_by_label("委托代办（凭委托书）").check()
    page.get_by_role("button", name="用高拍仪扫描").click()
    expect(page.get_by_text("已扫描一页，请提交。")).to_be_visible()
    page.get_by_role("button", name="登记代办并开始办理").click()
    expect(page.locator("#counter-serving-name")).to_have_text("正在办理：林**（代办人：张*）")

    # Her consent, conveyed by him before the clerk.
    page.get_by_role("link", name="去授权").first.click()
    expect(page.locator("#witnessed-field")).to_contain_text("代办人")
    page.locator('input[name="source"][value="hukou"]').check()
    page.get_by_role("button", name="同意并保存授权").click()
    expect(page.locator("#error-summary")).to_contain_text("当面确认")  # the clerk must say so
    page.locator('input[name="source"][value="hukou"]').check()
    page.locator("#witnessed").check()
    page.get_by_role("button", name="同意并保存授权").click()
    expect(page.get_by_text("授权已记录")).to_be_visible()

    # The form itself is the web's (tested in the other journeys): answered over this same session.
    with httpx.Client(timeout=20, cookies={c["name"]: c["value"] for c in screen.cookies()}) as same:
        tasks = same.get(f"{platform}/applications/new", follow_redirects=True)
        check = fill_until_check(same, platform, open_draft_form(same, platform, tasks).text)
    # The agent reads it back on the screen, signs on the window's pad, and the clerk submits.
    page.goto(str(check.url))
    page.get_by_role("button", name="确认并提交申请").click()
    expect(page.locator("#refusal")).to_contain_text("请申请人在签名板上签名")  # not without it
    page.get_by_role("button", name="请申请人在签名板上签名").click()
    expect(page.locator("#handwriting-status")).to_have_text("已收到签名，请核对后提交。")
    expect(page.locator("#handwriting-preview")).to_be_visible()
    page.get_by_role("button", name="确认并提交申请").click()
    expect(page.get_by_text("申请已提交")).to_be_visible()
    number = page.locator("#application-no").inner_text().strip()

    page.goto(f"{platform}/applications/{number}?submitted=1")
    expect(page.locator("#receipt-print")).to_be_visible()  # printed at the window, not downloaded
    expect(page.locator("#receipt-link")).to_have_count(0)

    # 办结，下一位: first the evaluator, which the agent presses on her behalf, facing away from the clerk.
    page.get_by_role("button", name="办结，下一位").click()
    expect(page.get_by_role("heading", name="评价本次服务")).to_be_visible()
    pressed = httpx.post(
        f"{sandbox}/devices/window/evaluator",
        data={"overall": "5", "efficiency": "5", "service_level": "4", "attitude": "5"},
    )
    assert pressed.status_code == 303
    expect(page.locator("#evaluator-status")).to_have_text("已收到评价器的评价，请提交。")
    page.get_by_role("button", name="提交评价并办结").click()
    expect(page.locator("#counter-done")).to_contain_text("已收到申请人的评价")
    expect(page.locator("#counter-form")).to_be_visible()  # ready for the next person
    assert "林" not in page.locator("header").inner_text()
    screen.close()
    assert refused == []


@pytest.fixture
def paper_live(tmp_path: Path, keys_dir: Path) -> Iterator[Systems]:
    with serving(tmp_path, keys_dir, counter_handwriting="paper") as live:
        yield live


def test_where_the_window_signs_on_paper_the_form_is_printed_signed_and_scanned_back(
    paper_live: Systems, browser: Browser
) -> None:
    """ANJU_COUNTER_HANDWRITING=paper in a real browser: the clerk prints the application as it stands, the
    person signs it, the 高拍仪 scans it into the submission; without the scan nothing is submitted."""
    platform, sandbox = paper_live.settings.base_url("platform"), paper_live.settings.base_url("sandbox")
    screen, page, refused = clerk_at_window(browser, platform)
    page.goto(f"{sandbox}/devices/window")
    page.get_by_role("button", name="启用本机为窗口终端").click()
    page.get_by_label("窗口人员当面核验").check()
    kiosk_card_place(sandbox, PERSON, kind="window")
    expect(page.locator("#card-status")).to_contain_text("欧***")
    page.locator("#attested").check()
    page.get_by_role("button", name="核验并开始办理").click()
    page.get_by_role("button", name="开始申请").click()
    page.get_by_role("link", name="去授权").first.click()
    page.locator('input[name="source"][value="hukou"]').check()
    page.locator("#witnessed").check()
    page.get_by_role("button", name="同意并保存授权").click()
    with httpx.Client(timeout=20, cookies={c["name"]: c["value"] for c in screen.cookies()}) as same:
        tasks = same.get(f"{platform}/applications/new", follow_redirects=True)
        check = fill_until_check(same, platform, open_draft_form(same, platform, tasks).text)
    page.goto(str(check.url))
    with page.expect_popup() as printed:
        page.get_by_role("link", name="打印申请表（签字用）").click()
    assert printed.value.url.endswith("/signing-form.pdf")
    printed.value.close()
    page.get_by_role("button", name="确认并提交申请").click()
    expect(page.locator("#refusal")).to_contain_text("高拍仪下扫描")  # not without the signed page
    page.get_by_role("button", name="用高拍仪扫描").click()
    expect(page.get_by_text("已扫描一页，请提交。")).to_be_visible()
    page.get_by_role("button", name="确认并提交申请").click()
    expect(page.get_by_text("申请已提交")).to_be_visible()
    screen.close()
    assert refused == []
