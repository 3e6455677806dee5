"""In a real browser on a phone, through 闽政通 (decision 0029): the service opened from the app passes the
app's sign-in on; a resident who is not signed in there signs in at 闽政通 and comes back to where they
were going; the pages open no new window (the app's web view has none); signing out ends both."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.conftest import Systems, serving
from tests.support.browser import assert_fits_phone

pytestmark = pytest.mark.browser

NUMBER = "350104199011200641"  # 欧阳娜娜


@pytest.fixture
def mzt_live(tmp_path: Path, keys_dir: Path) -> Iterator[Systems]:
    with serving(tmp_path, keys_dir, identity_provider="mzt") as live:
        yield live


def test_from_the_mzt_app_a_resident_signs_in_once_and_starts_an_application(
    mzt_live: Systems, browser: Browser
) -> None:
    platform = mzt_live.settings.base_url("platform")
    phone = browser.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN", is_mobile=True)
    page = phone.new_page()
    page.goto(f"{platform}/mzt/enter?next=/applications/new")
    expect(page.get_by_role("heading", name="登录 · 闽政通")).to_be_visible()  # not signed in to the app
    page.get_by_label("身份证号码").fill(NUMBER)
    page.get_by_label("密码").fill("anju-demo")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="开始申请")).to_be_visible()  # back where she was going
    assert_fits_phone(page)
    page.get_by_role("button", name="开始申请").click()
    expect(page.get_by_role("link", name="去授权").first).to_be_visible()
    assert page.locator('a[target="_blank"], form[target="_blank"]').count() == 0  # no new windows in the app

    # Opened again from the app later (the service's own session gone): no second login.
    phone.clear_cookies(name="anju_platform")
    page.goto(f"{platform}/mzt/enter?next=/applications/new")
    expect(page.get_by_role("button", name="退出")).to_be_visible()
    page.get_by_role("button", name="退出").click()
    page.goto(f"{platform}/mzt/enter?next=/applications/new")
    expect(page.get_by_role("heading", name="登录 · 闽政通")).to_be_visible()  # signed out at 闽政通 too
    phone.close()
