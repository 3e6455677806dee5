"""The sandbox's 统一身份认证 slows a password guesser as the real provider does, without locking the
resident out of their own account from their own device."""

from __future__ import annotations

import httpx

from tests.conftest import Systems
from tests.support.journey import hidden_fields

NUMBER = "350102199203150519"  # 林晓峰, a sandbox persona


def attempt(client: httpx.Client, platform: str, password: str) -> httpx.Response:
    page = client.get(f"{platform}/login", follow_redirects=True)
    form = {**hidden_fields(page.text), "id_number": NUMBER, "password": password, "action": "login"}
    return client.post(str(page.url).split("?")[0], data=form)


def test_five_wrong_passwords_slow_that_device_only(live: Systems) -> None:
    platform = live.settings.base_url("platform")
    with httpx.Client(timeout=10) as guesser:
        for _ in range(5):
            assert attempt(guesser, platform, "guess").status_code == 400
        slowed = attempt(guesser, platform, "anju-demo")
        assert slowed.status_code == 429 and "密码错误次数过多" in slowed.text
    # Every test client comes from 127.0.0.1: the resident at the same address waits too, but a different
    # account from that address is not affected.
    with httpx.Client(timeout=10) as other:
        page = other.get(f"{platform}/login", follow_redirects=True)
        form = {**hidden_fields(page.text), "id_number": "350203198507080422", "password": "anju-demo"}
        signed_in = other.post(str(page.url).split("?")[0], data={**form, "action": "login"})
        assert signed_in.status_code == 303
