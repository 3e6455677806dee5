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
    landed = client.post(action, data=form, follow_redirects=True)
    if landed.status_code != 200:
        return landed
    return open_draft_form(client, platform_url, landed)


def open_draft_form(client: httpx.Client, platform_url: str, page: httpx.Response) -> httpx.Response:
    """From the start page or a draft's task list, go to the draft's application form."""
    if 'action="/drafts"' in page.text or '/drafts"' in page.text or ">开始申请</button>" in page.text:
        page = client.post(
            f"{platform_url}/drafts", data={"csrf_token": csrf_of(page.text)}, follow_redirects=True
        )
    link = re.search(r'href="([^"]*/drafts/\d+/form)"', page.text)
    if link is None:
        return page
    return client.get(
        link.group(1) if link.group(1).startswith("http") else _absolute(platform_url, link.group(1))
    )


def _absolute(platform_url: str, path: str) -> str:
    from urllib.parse import urlsplit

    if path.startswith("http"):
        return path
    parts = urlsplit(platform_url)
    return f"{parts.scheme}://{parts.netloc}{path}"


def draft_id_of(page: httpx.Response) -> int:
    """The draft id in a draft page's URL."""
    match = re.search(r"/drafts/(\d+)", str(page.url))
    assert match, f"not a draft page: {page.url}"
    return int(match.group(1))


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
    action = re.search(r'<form method="post" action="([^"]*/drafts/\d+/submit)"', form_page)
    assert action, "not an application form page"
    return client.post(_absolute(platform_url, action.group(1)), data=data, follow_redirects=True)


def staff_sign_in(
    client: httpx.Client, housing_url: str, *, username: str, password: str = "anju-staff-demo"
) -> httpx.Response:
    page = client.get(f"{housing_url}/staff/login")
    return client.post(
        f"{housing_url}/staff/login",
        data={"csrf_token": csrf_of(page.text), "username": username, "password": password},
        follow_redirects=True,
    )
