"""闽政通 sign-in (issue 17, decision 0029): the ticket flow against the sandbox's 闽政通 over HTTP — a
ticket is exchanged once, server to server; a replayed, forged or expired ticket and a level too low each
get a clear page and no session; a person signed in to the 闽政通 app is passed on without a second login
(信任传递); signing out ends the 闽政通 sign-in too."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from anju.core.timeutil import utcnow
from anju.sandbox.models import Resident
from tests.conftest import Systems, serving
from tests.support.journey import csrf_of

NUMBER = "350104199011200641"  # 欧阳娜娜, 高级 (level 3) in the sandbox


@pytest.fixture
def mzt_live(tmp_path: Path, keys_dir: Path) -> Iterator[Systems]:
    with serving(tmp_path, keys_dir, identity_provider="mzt") as live:
        yield live


def mzt_sign_in(client: httpx.Client, platform: str, number: str = NUMBER) -> httpx.Response:
    """As a person does it: the service sends them to 闽政通, they sign in, and come back."""
    page = client.get(f"{platform}/applications/new", follow_redirects=True)
    assert "登录 · 闽政通" in page.text, page.text[-500:]
    form = {
        "csrf_token": csrf_of(page.text),
        "appId": re.search(r'name="appId" value="([^"]*)"', page.text).group(1),  # type: ignore[union-attr]
        "callback": re.search(r'name="callback" value="([^"]*)"', page.text).group(1),  # type: ignore[union-attr]
        "id_number": number,
        "password": "anju-demo",
    }
    return client.post(str(page.url).split("?")[0], data=form, follow_redirects=True)


def test_a_resident_signs_in_through_mzt_and_a_ticket_counts_once(mzt_live: Systems) -> None:
    platform = mzt_live.settings.base_url("platform")
    with httpx.Client(timeout=20) as browser:
        hops: list[str] = []
        browser.event_hooks["response"] = [lambda r: hops.append(str(r.url))]
        landed = mzt_sign_in(browser, platform)
        assert landed.status_code == 200 and "申请公租房" in landed.text and ">退出</button>" in landed.text
        back = next(h for h in hops if "/mztaccount/loginback" in h)
        assert "type=login" in back and "trustticket=ST-" in back
    with httpx.Client(timeout=20) as thief:  # the same ticket, replayed elsewhere: no session
        replayed = thief.get(back)
        assert replayed.status_code == 400 and "这次登录已经用过" in replayed.text
        assert "登录 · 闽政通" in thief.get(f"{platform}/applications/new", follow_redirects=True).text
        forged = thief.get(f"{platform}/mztaccount/loginback?type=login&trustticket=ST-made-up")
        assert forged.status_code == 400 and "登录票据无效" in forged.text
        missing = thief.get(f"{platform}/mztaccount/loginback?type=login")
        assert missing.status_code == 400 and "没有收到闽政通的登录票据" in missing.text


def test_an_expired_ticket_and_a_level_too_low_get_a_clear_page_and_no_session(mzt_live: Systems) -> None:
    platform = mzt_live.settings.base_url("platform")
    tickets = mzt_live.apps["sandbox"].state.mzt_tickets
    with mzt_live.runtimes["sandbox"].db.transaction() as session:
        resident_id = session.query(Resident.id).filter(Resident.id_number == NUMBER).scalar()
    stale = tickets.issue(resident_id)
    tickets.issued[stale] = (resident_id, utcnow() - timedelta(seconds=1))  # the tester's clock moves on
    with httpx.Client(timeout=20) as browser:
        expired = browser.get(f"{platform}/mztaccount/loginback?type=login&trustticket={stale}")
        assert expired.status_code == 400 and "登录已超时" in expired.text

    with mzt_live.runtimes["sandbox"].db.transaction() as session:  # an account with only 初级 real-name
        session.execute(update(Resident).where(Resident.id == resident_id).values(real_name_level=1))
    with httpx.Client(timeout=20) as browser:
        low = mzt_sign_in(browser, platform)
        assert low.status_code == 400 and "实名等级为“初级”" in low.text and "中级" in low.text
        assert "登录 · 闽政通" not in low.text  # the page says what to do, in words
        home = browser.get(f"{platform}/")
        assert ">退出</button>" not in home.text  # no session was made


def test_the_app_passes_its_sign_in_on_and_signing_out_ends_it_at_mzt_too(mzt_live: Systems) -> None:
    platform, sandbox = mzt_live.settings.base_url("platform"), mzt_live.settings.base_url("sandbox")
    with httpx.Client(timeout=20) as phone:
        # Not signed in to 闽政通: opening the service from the app goes to 闽政通's own sign-in.
        entered = phone.get(f"{platform}/mzt/enter?next=/applications/new", follow_redirects=True)
        assert "登录 · 闽政通" in entered.text
        mzt_sign_in(phone, platform)
        # A new visit from the app (the service's session gone, the app's sign-in kept): no second login.
        for cookie in list(phone.cookies.jar):
            if cookie.name == "anju_platform":
                phone.cookies.delete(cookie.name, domain=cookie.domain, path=cookie.path)
        passed = phone.get(f"{platform}/mzt/enter?next=/applications/new", follow_redirects=True)
        assert "登录 · 闽政通" not in passed.text and ">退出</button>" in passed.text, passed.text[-600:]
        out = phone.post(
            f"{platform}/logout", data={"csrf_token": csrf_of(passed.text)}, follow_redirects=True
        )
        assert out.status_code == 200 and ">退出</button>" not in out.text and "登录" in out.text
        again = phone.get(f"{platform}/mzt/enter?next=/applications/new", follow_redirects=True)
        assert "登录 · 闽政通" in again.text  # signed out of 闽政通 as well
    with httpx.Client(timeout=20) as stranger:  # 闽政通 takes callbacks only to the app's own address
        elsewhere = stranger.get(
            f"{sandbox}/mzt/dataset/UnifiedController/goLogin.do",
            params={"appId": "anju-platform", "callback": "https://evil.example/steal"},
        )
        assert elsewhere.status_code == 400 and "回调地址不是该应用登记的地址" in elsewhere.text
