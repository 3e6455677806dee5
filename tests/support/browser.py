"""A real browser for the journeys: Debian's Chromium driven by Playwright, and what every page must do."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

from playwright.sync_api import Browser, Page, expect, sync_playwright

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def assert_fits_phone(page: Page) -> None:
    """Nothing wider than the 375 px screen, and every button and link-button at least 44 px tall."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"page scrolls sideways by {overflow}px"
    for button in page.locator(
        "button, .button, input[type=radio], select, input[type=text], input[type=tel]"
    ).all():
        if button.is_visible():
            box = button.bounding_box()
            assert box is not None and box["height"] >= 24
    for button in page.locator("button, .button").all():
        if button.is_visible():
            box = button.bounding_box()
            assert box is not None and box["height"] >= 44, f"touch target too small: {button.inner_text()!r}"


def watch_csp(page: Page, refused: list[str]) -> None:
    """Collect what the browser refuses under the content security policy (it says so on the console)."""
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)


def launched_browser() -> Iterator[Browser]:
    """One headless Chromium for a module's tests."""
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def kiosk_terminal_enable(page: Page, sandbox_url: str) -> None:
    """This browser becomes the demo self-service terminal (the device agent's step) and shows its start page."""
    page.goto(f"{sandbox_url}/devices/kiosk")
    page.get_by_role("button", name="启用本机为自助终端").click()
    expect(page.locator("#kiosk-terminal")).to_be_visible()


def kiosk_card_and_face(page: Page, sandbox_url: str, id_number: str) -> None:
    """At the terminal's start page: the card on the reader, consent, a photo with 拍照, and 开始."""
    from tests.support.journey import kiosk_card_place

    kiosk_card_place(sandbox_url, id_number)
    expect(page.locator("#card-status")).to_contain_text("已读取身份证")
    page.locator("#agree").check()
    expect(page.locator("#kiosk-preview")).to_have_js_property("naturalWidth", 320)  # a live frame shows
    page.get_by_role("button", name="拍照", exact=True).click()
    expect(page.locator("#kiosk-photo")).to_be_visible()
    page.get_by_role("button", name="开始", exact=True).click()
    expect(page.get_by_role("button", name="结束并退出")).to_be_visible()
