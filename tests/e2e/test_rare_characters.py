"""Every character of every name on the page: a CJK Extension-B name in a real browser (decision 0024)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from anju.core import fonts
from tests.conftest import Systems

pytestmark = pytest.mark.browser


def test_an_extension_b_name_fetches_only_the_slice_that_draws_it(live: Systems, browser: Browser) -> None:
    platform = live.settings.base_url("platform")
    page = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN").new_page()
    fetched: list[str] = []
    page.on(
        "response", lambda r: fetched.append(r.url.rsplit("/", 1)[-1]) if r.url.endswith(".woff") else None
    )

    page.goto(f"{platform}/")
    page.evaluate("document.fonts.ready")
    assert fetched == []  # ordinary Chinese needs none of it

    page.goto(f"{platform}/applications/new")
    page.get_by_label("身份证号码").fill("350182198802290158")  # 王𠈌
    page.get_by_label("密码").fill("anju-demo")
    page.get_by_role("button", name="登录并授权").click()
    expect(page.get_by_text("王𠈌").first).to_be_visible()
    # Whether the browser needs the slice depends on the device's own fonts (a phone without Extension B
    # does; a desktop with Noto CJK may not): ask for the face as that browser would, whatever this one has.
    faces = page.evaluate(
        """async () => [
          (await document.fonts.load('16px "Anju HanaMinB"', "王")).length,
          (await document.fonts.load('16px "Anju HanaMinB"', "𠈌")).filter(f => f.status === "loaded").length,
        ]"""
    )
    assert faces == [0, 1]  # ordinary Chinese needs no slice; 𠈌 loads exactly one
    wanted = fonts.slice_for(ord("𠈌"))
    assert wanted is not None and set(fetched) == {wanted.file}  # one slice of 121, ~130 KB
