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
    loaded = page.evaluate(
        """async () => { await document.fonts.ready;
          return [...document.fonts].filter(f => f.family.includes("HanaMinB") && f.status === "loaded").length; }"""
    )
    assert loaded == 1
    wanted = fonts.slice_for(ord("𠈌"))
    assert wanted is not None and set(fetched) == {wanted.file}  # one slice of 121, ~130 KB
