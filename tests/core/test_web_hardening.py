"""What every system does for a bad request, an oversized one, a crash, and the headers on every answer:
a person meets a page in Chinese that says what to do; a peer system gets a JSON error with a code."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from anju.core.settings import Settings, SystemName
from anju.embedded import app_for, runtime_for
from anju.housing import app as housing_app
from anju.housing.staff import pages as staff_pages
from anju.platform import app as platform_app
from anju.platform.channels.kiosk import pages as kiosk_pages
from tests.conftest import Systems
from tests.support.factories import scanned_png
from tests.support.journey import applicant_sign_in, csrf_of, pledge_file_add

SYSTEM_NAMES: tuple[SystemName, ...] = ("platform", "housing", "sandbox")
PNG = scanned_png()


@pytest.mark.parametrize("system", SYSTEM_NAMES)
def test_an_unknown_page_is_a_page_in_chinese_and_an_unknown_api_is_json(
    systems: Systems, system: str
) -> None:
    client = systems.client(system)
    page = client.get("/no-such-page")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "找不到这个页面" in page.text and '<html lang="zh-CN">' in page.text
    api = client.get("/v1/no-such-interface")
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"


def test_a_page_asked_for_the_wrong_way_says_so_and_names_the_allowed_method(systems: Systems) -> None:
    response = systems.client("platform").post("/progress", data={"x": "1"})
    assert response.status_code == 405 and "无法这样打开这个页面" in response.text
    assert response.headers["allow"] == "GET"


def test_a_malformed_address_on_a_page_is_a_page_not_a_json_dump(systems: Systems) -> None:
    response = systems.client("platform").get("/drafts/not-a-number")  # the draft number is a number
    assert response.status_code == 400 and response.headers["content-type"].startswith("text/html")
    assert "请求有误" in response.text and "int_parsing" not in response.text


def test_a_form_larger_than_any_form_needs_is_refused_before_it_is_read(systems: Systems) -> None:
    client = systems.client("platform")
    response = client.post("/progress/code", data={"application_no": "x" * (1024 * 1024 + 1)})
    assert response.status_code == 413
    assert "提交的内容太大" in response.text and "您已保存的内容没有丢失" in response.text


def test_an_api_call_over_its_limit_gets_413_json(settings: Settings) -> None:
    small = settings.model_copy(update={"max_case_request_bytes": 2048})
    runtime = runtime_for("housing", small)
    try:
        client = TestClient(app_for("housing", small, runtime), base_url="http://testserver")
        response = client.post(
            "/v1/cases", content=b"{" + b" " * 4096 + b"}", headers={"content-type": "application/json"}
        )
        assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"
        within = client.post("/v1/cases", content=b"{}", headers={"content-type": "application/json"})
        assert within.status_code == 401  # under the limit, the request reaches the signature check
    finally:
        runtime.stop()


def test_an_oversized_upload_keeps_what_was_already_uploaded(live: Systems) -> None:
    platform = live.settings.base_url("platform")
    with httpx.Client(timeout=30) as browser:
        form = applicant_sign_in(browser, platform, id_number="350104199011200641")
        pledge_url, _ = pledge_file_add(browser, platform, form, "残疾证.png", PNG, "image/png")
        page = browser.get(pledge_url)
        too_big = browser.post(
            pledge_url + "/files",
            data={"csrf_token": csrf_of(page.text)},
            files={"file": ("扫描件.pdf", b"%PDF-1.4\n" + b"0" * (7 * 1024 * 1024), "application/pdf")},
        )
        assert too_big.status_code == 413 and "单个文件不超过 5 MB" in too_big.text
        assert "退出" in too_big.text  # still signed in: the error page keeps the site's header
        assert "残疾证.png" in browser.get(pledge_url).text


def test_a_crash_is_a_page_with_a_reference_and_no_internals(settings: Settings, tmp_path: Path) -> None:
    directory = tmp_path / "not-a-database.db"
    directory.mkdir()  # a database that cannot be opened: reading the session fails
    broken = settings.model_copy(update={"platform_db_url": f"sqlite:///{directory}"})
    runtime = runtime_for("platform", broken)
    try:
        client = TestClient(
            app_for("platform", broken, runtime), base_url="http://testserver", raise_server_exceptions=False
        )
        response = client.get("/", cookies={"anju_platform": "a-session"})
    finally:
        runtime.stop()
    assert response.status_code == 500 and "系统暂时出了问题" in response.text
    assert "错误编号" in response.text and "Traceback" not in response.text and "sqlite" not in response.text


def test_every_answer_carries_the_security_headers(systems: Systems) -> None:
    client = systems.client("platform")
    page = client.get("/")
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["referrer-policy"] == "same-origin"
    assert page.headers["cache-control"] == "no-store"  # a shared computer's Back button shows nothing
    assert "strict-transport-security" not in page.headers  # plain HTTP in development
    css = client.get("/static/anju.css")
    assert css.status_code == 200 and "no-store" not in css.headers.get("cache-control", "")
    api = client.get("/v1/no-such-interface")
    assert "content-security-policy" not in api.headers and api.headers["x-content-type-options"] == "nosniff"


def test_https_sites_ask_browsers_to_stay_on_https(settings: Settings) -> None:
    secure = settings.model_copy(update={"cookie_secure": True})
    runtime = runtime_for("platform", secure)
    try:
        response = TestClient(app_for("platform", secure, runtime), base_url="https://testserver").get("/")
    finally:
        runtime.stop()
    assert response.headers["strict-transport-security"] == "max-age=31536000"


def test_no_page_template_has_inline_script_or_style() -> None:
    """The content security policy refuses them, so they would silently not work."""
    root = Path(__file__).parents[2] / "src" / "anju"
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.html")
        for text in [path.read_text(encoding="utf-8")]
        if "javascript:" in text or " style=" in text or "<style" in text or " onclick=" in text
    ]
    assert offenders == []


def test_cookies_are_secure_by_default_everywhere_but_the_loopback_development_server(
    settings: Settings,
) -> None:
    assert settings.https_only is False  # the tests, like `make run`, serve plain HTTP on 127.0.0.1
    public = settings.model_copy(update={"platform_url": "https://gzf.example.gov.cn/platform"})
    assert public.https_only is True  # nobody has to remember ANJU_COOKIE_SECURE=true in production
    plain_lan = settings.model_copy(update={"housing_url": "http://10.1.2.3:8001"})
    assert plain_lan.https_only is True  # a cookie never travels in the clear across a network by default
    assert settings.model_copy(update={"cookie_secure": True}).https_only is True
    runtime = runtime_for("platform", public)
    try:
        page = TestClient(app_for("platform", public, runtime), base_url="https://testserver").get("/login")
    finally:
        runtime.stop()
    cookie = page.headers.get("set-cookie", "")
    assert cookie and "; secure" in cookie.lower(), (page.status_code, cookie)


# The device agent's binding proves itself with a signed single-use challenge instead (decision 0022).
CSRF_EXEMPT = {"kiosk_terminal_bind"}


def _page_routes(system: str) -> list[APIRoute]:
    modules = {"platform": (*platform_app.PAGES, kiosk_pages), "housing": (*housing_app.PAGES, staff_pages)}
    routers = [
        getattr(m, name, None) for m in modules[system] for name in ("router", "uploads", "devices", "root")
    ]
    return [r for router in routers if router for r in router.routes if isinstance(r, APIRoute)]


@pytest.mark.parametrize("system", ["platform", "housing"])
def test_every_form_a_system_takes_is_refused_without_the_sessions_token(
    systems: Systems, system: str
) -> None:
    client = systems.client(system)
    forms = [route for route in _page_routes(system) if "POST" in route.methods]
    assert len(forms) > 5
    for route in forms:
        response = client.post(
            re.sub(r"\{\w+\}", "1", route.path), data={"csrf_token": "forged"}, follow_redirects=False
        )
        if route.name in CSRF_EXEMPT:
            assert "页面已过期" not in response.text, route.name  # refused for its challenge instead
        else:
            assert response.status_code == 403 and "页面已过期" in response.text, route.name
