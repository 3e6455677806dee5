"""Steps of the applicant's and the clerk's journeys over real HTTP (httpx, following the pages)."""

from __future__ import annotations

import re
from typing import Any

import httpx

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def hidden_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))


def applicant_sign_in(
    client: httpx.Client, platform_url: str, *, id_number: str, password: str = "anju-demo"
) -> httpx.Response:
    """Start at the platform, sign in at the sandbox provider, land back signed in."""
    login_page = client.get(f"{platform_url}/applications/new", follow_redirects=True)
    assert login_page.status_code == 200, login_page.text
    assert "统一身份认证" in login_page.text
    form = hidden_fields(login_page.text)
    form.update({"id_number": id_number, "password": password, "action": "login"})
    action = str(login_page.url).split("?")[0]
    return client.post(action, data=form, follow_redirects=True)


def application_fill_and_submit(
    client: httpx.Client, platform_url: str, form_page: str, **answers: Any
) -> httpx.Response:
    data = {
        "csrf_token": csrf_of(form_page),
        "city_code": "350100",
        "district_code": "350102",
        "applicant_group": "new_graduate",
        "household_size": "1",
        "phone": "13805910001",
        "address": "鼓楼区五四路 123 号 3 栋 502",
        "pledge": "yes",
    }
    data.update({k: str(v) for k, v in answers.items()})
    return client.post(f"{platform_url}/applications", data=data, follow_redirects=True)


def staff_sign_in(
    client: httpx.Client, housing_url: str, *, username: str, password: str = "anju-staff-demo"
) -> httpx.Response:
    page = client.get(f"{housing_url}/staff/login")
    return client.post(
        f"{housing_url}/staff/login",
        data={"csrf_token": csrf_of(page.text), "username": username, "password": password},
        follow_redirects=True,
    )
