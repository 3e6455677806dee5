"""The web channel's own pages: the home page, 大字版 as a display choice, and keeping a sign-in alive."""

from __future__ import annotations

import httpx

from tests.conftest import Systems
from tests.support.journey import applicant_sign_in


def nav_of(html: str) -> str:
    return html.split('<nav class="site-nav">')[1].split("</nav>")[0]


def test_daziban_is_chosen_kept_and_simple_and_nothing_else_changes(live: Systems) -> None:
    platform = live.settings.base_url("platform")
    with httpx.Client(timeout=10) as browser:
        applicant_sign_in(browser, platform, id_number="350102199203150519")
        standard = browser.get(f"{platform}/")
        assert "我的授权" in nav_of(standard.text) and "查询记录" in nav_of(standard.text)
        chosen = browser.get(f"{platform}/display", params={"mode": "elder", "next": "/guide"})
        assert chosen.status_code == 303 and chosen.headers["location"].endswith("/guide")
        assert (
            "anju_display=elder" in chosen.headers["set-cookie"]
            and "Max-Age=31536000" in chosen.headers["set-cookie"]
        )
        elder = browser.get(f"{platform}/")
        assert "elder" in elder.text.split("<body")[1].split(">")[0]  # every page in 大字版 from now on
        nav = nav_of(elder.text)
        # 简约: the header keeps reading aloud, the way back to standard, who is signed in and sign-out.
        assert "标准版" in nav and "朗读" in nav and "退出" in nav
        assert "我的授权" not in nav and "家人邀请我授权" not in nav and "查询记录" not in nav
        mine = elder.text.split('id="mine"')[1].split("</ul>")[0]  # still one step away, on the home page
        assert "我的授权" in mine and "家人邀请我授权" in mine and "查询记录" in mine
        away = browser.get(f"{platform}/display", params={"mode": "elder", "next": "https://example.com/"})
        assert "example.com" not in away.headers["location"]  # never sent to another site


def test_session_alive_says_whether_signed_in_and_is_never_cached(live: Systems) -> None:
    platform = live.settings.base_url("platform")
    with httpx.Client(timeout=10) as browser:
        anonymous = browser.get(f"{platform}/session/alive")
        assert anonymous.json() == {"signed_in": False} and anonymous.headers["cache-control"] == "no-store"
        page = applicant_sign_in(browser, platform, id_number="350102199203150519")
        assert 'id="session-timeout"' in page.text and 'data-idle="1800"' in page.text  # the page can warn
        assert browser.get(f"{platform}/session/alive").json() == {"signed_in": True}
