"""The counter channel, step 1 (issue 16): a window clerk signs in on the platform, by core/staffauth's rules,
into a counter frame that names the clerk and the window; a resident's sign-in never survives it."""

from __future__ import annotations

import httpx

from tests.conftest import Systems
from tests.support.journey import applicant_sign_in, csrf_of

CLERK = "chuangkou.350100"


def clerk_sign_in(
    client: httpx.Client, platform: str, username: str = CLERK, password: str = "anju-staff-demo"
) -> httpx.Response:
    page = client.get(f"{platform}/counter/login")
    return client.post(
        f"{platform}/counter/login",
        data={"csrf_token": csrf_of(page.text), "username": username, "password": password},
        follow_redirects=True,
    )


def test_a_clerk_signs_in_to_a_frame_that_names_the_window_and_signs_out(live: Systems) -> None:
    platform = live.settings.base_url("platform")
    with httpx.Client(timeout=10) as window:
        assert window.get(f"{platform}/counter/", follow_redirects=True).url.path.endswith(
            "/counter/login"
        )  # the clerk's page
        home = clerk_sign_in(window, platform)
        assert home.status_code == 200 and home.url.path.endswith("/counter/")
        assert (
            'class="counter"' in home.text.split("<body")[1].split(">")[0] + ">"
            or "counter" in home.text.split("<body")[1].split(">")[0]
        )
        assert '<span id="clerk-name">福州市窗口人员（演示）</span>' in home.text
        table = home.text.split('id="clerk-window"')[1].split("</table>")[0]
        assert "福州市政务服务中心（演示）" in table and "综合受理 1 号窗口" in table
        out = window.post(
            f"{platform}/counter/logout", data={"csrf_token": csrf_of(home.text)}, follow_redirects=True
        )
        assert out.url.path.endswith("/counter/login") and 'id="signed-out"' in out.text
        assert window.get(f"{platform}/counter/", follow_redirects=True).url.path.endswith("/counter/login")


def test_a_wrong_password_is_refused_without_saying_which_part_and_failures_are_reported(
    live: Systems,
) -> None:
    platform = live.settings.base_url("platform")
    with httpx.Client(timeout=10) as window:
        for username in (CLERK, "chuangkou.nobody"):
            refused = clerk_sign_in(window, platform, username=username, password="wrong")
            assert refused.status_code == 401
            assert "用户名或密码不正确。" in refused.text and f'value="{username}"' in refused.text
            assert 'id="error-summary"' in refused.text
        home = clerk_sign_in(window, platform)
        notice = home.text.split('id="sign-in-notice"')[1].split("</div>")[0]
        assert "有 1 次使用您账号的登录失败" in notice  # the clerk hears of the failure on their account
        assert (
            'id="sign-in-notice"' not in window.get(f"{platform}/counter/", follow_redirects=True).text
        )  # said once


def test_repeated_failures_at_one_computer_stop_sign_in_there_with_a_clear_message(live: Systems) -> None:
    platform = live.settings.base_url("platform")
    with httpx.Client(timeout=10) as window:
        for _ in range(live.settings.staff_max_failed_logins):
            assert clerk_sign_in(window, platform, password="wrong").status_code == 401
        stopped = clerk_sign_in(window, platform)  # even the right password, for now, at this computer
    assert stopped.status_code == 429
    assert "这个账号在这台电脑上连续登录失败" in stopped.text


def test_a_clerk_sign_in_ends_whatever_resident_was_signed_in_on_that_browser_and_residents_cannot_enter(
    live: Systems,
) -> None:
    platform = live.settings.base_url("platform")
    with httpx.Client(timeout=10) as shared:
        applicant_sign_in(shared, platform, id_number="350102199203150519")
        assert shared.get(f"{platform}/counter/", follow_redirects=True).url.path.endswith(
            "/counter/login"
        )  # a resident is no clerk
        clerk_sign_in(shared, platform)
        after = shared.get(f"{platform}/applications/new", follow_redirects=True)
        # The resident's sign-in is gone: at a window, a page that needs an applicant goes to the clerk's
        # start page, where the next walk-in is identified.
        assert after.url.path.endswith("/counter/") and "林晓峰" not in after.text
        assert "林晓峰" not in shared.get(f"{platform}/counter/", follow_redirects=True).text
