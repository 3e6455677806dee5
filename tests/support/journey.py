"""Steps of the applicant's and the clerk's journeys over real HTTP (httpx, following the pages)."""

from __future__ import annotations

import json
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
    """From the start page or a draft's task list, go to the first page of the application form."""
    if ">开始申请</button>" in page.text:
        page = client.post(
            f"{platform_url}/drafts", data={"csrf_token": csrf_of(page.text)}, follow_redirects=True
        )
    link = re.search(r'href="([^"]*/drafts/\d+/sections/application)"', page.text)
    if link is None:
        return page
    return client.get(_absolute(platform_url, link.group(1)))


# What a single applicant with no register answers types (each test overrides what matters to it).
DEFAULT_ANSWERS = {
    "city_code": "350100",
    "district_code": "350102",
    "applicant_group": "new_graduate",
    "hukou_county": "350102",
    "marital_status": "未婚",
    "education_level": "本科",
    "graduated_on": "2024-06-30",
    "monthly_income": "5000",
    "insurance_months": "24",
    "owns_home": "no",
    "sold_home_recently": "no",
    "tenure": "renting",
    "current_address": "鼓楼区五四路 123 号 3 栋 502",
    "receiving_assistance": "no",
    "deposits": "10000",
    "securities": "0",
    "vehicle_value": "0",
    "phone": "13805910001",
    "pledge": "yes",
    "verification_authorisation": "yes",
}
FIELD = re.compile(r'name="((?:a|m\d+)\.(\w+))"')
DATE_FIELD = re.compile(r'name="((?:a|m\d+)\.(\w+))-year"')


def page_answers(html: str, answers: dict[str, str], *, skip_optional: bool = False) -> dict[str, str]:
    """The values to post for a form page: given answers, else what the page already shows, else defaults.

    With skip_optional, an empty optional field stays empty (as a person in a hurry would leave it).
    """
    data: dict[str, str] = {"csrf_token": csrf_of(html)}
    shown = re.search(r'name="page_fingerprint" value="([^"]+)"', html)
    if shown:  # what the page's answers were when shown, as a browser sends it back
        data["page_fingerprint"] = shown.group(1)
    for name, code in dict.fromkeys(FIELD.findall(html)):
        key = re.escape(name)
        optional = re.search(rf'(?:<label for="{key}">|id="{key}"[^>]*>\s*<legend>)[^<]*（选填）', html)
        if skip_optional and optional and not re.search(rf'name="{key}" value="[^"]+"', html):
            data[name] = ""  # a person in a hurry leaves an empty optional field empty
            continue
        if code in answers:
            data[name] = answers[code]
            continue
        text_box = re.search(rf'<input type="(?:text|tel)" id="[^"]*" name="{key}" value="([^"]*)"', html)
        checked = re.search(rf'name="{key}" value="([^"]*)" checked', html)
        select = re.search(rf'<select id="[^"]*" name="{key}"[^>]*>(.*?)</select>', html, re.S)
        selected = re.search(r'<option value="([^"]+)" selected', select.group(1)) if select else None
        if text_box and text_box.group(1):
            data[name] = text_box.group(1)
        elif checked:
            data[name] = checked.group(1)
        elif selected:
            data[name] = selected.group(1)
        else:
            data[name] = DEFAULT_ANSWERS.get(code, "")
    for name, code in dict.fromkeys(DATE_FIELD.findall(html)):  # a date in three boxes: 年 月 日
        key = re.escape(name)
        shown = [
            (re.search(rf'name="{key}-{part}"[^>]*value="([^"]*)"', html) or re.search("()", "")).group(1)  # type: ignore[union-attr]
            for part in ("year", "month", "day")
        ]
        optional = re.search(rf'id="{key}"[^>]*>\s*<legend>[^<]*（选填）', html)
        if code in answers:
            value = answers[code]
        elif any(shown):
            value = "-".join(shown)
        elif skip_optional and optional:
            value = ""
        else:
            value = DEFAULT_ANSWERS.get(code, "")
        parts = value.split("-") if value else ["", "", ""]
        parts += [""] * (3 - len(parts))
        for part, text in zip(("year", "month", "day"), parts[:3], strict=True):
            data[f"{name}-{part}"] = text
    if "csrf_token" in answers:
        data["csrf_token"] = answers["csrf_token"]
    return data


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


def pledge_file_add(
    browser: httpx.Client,
    platform_url: str,
    form: httpx.Response,
    filename: str,
    data: bytes,
    content_type: str,
) -> tuple[str, httpx.Response]:
    """Upload one 其他证明材料 on the draft's pledge page (the draft of ``form``); returns the page's URL
    and the upload's answer (not followed)."""
    pledge_url = f"{platform_url}/drafts/{draft_id_of(form)}/sections/pledge"
    page = browser.get(pledge_url)
    added = browser.post(
        pledge_url + "/files",
        data={"csrf_token": csrf_of(page.text)},
        files={"file": (filename, data, content_type)},
    )
    return pledge_url, added


def application_fill_and_submit(
    client: httpx.Client, platform_url: str, form_page: str, *, skip_optional: bool = False, **answers: Any
) -> httpx.Response:
    """Walk the form's pages from the first, answering as given, then submit on the check page.

    Returns the first page that refused its answers (status 400/403), or the confirmation page.
    """
    given = {k: str(v) for k, v in answers.items()}
    html = form_page
    for _ in range(12):
        action = re.search(r'<form method="post" action="([^"]*/drafts/\d+/(?:sections/\w+|check))"', html)
        assert action, "not a form page: " + re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))[:2500]
        data = page_answers(html, given, skip_optional=skip_optional)
        if "data-signature-pad=" in html:  # at a counter window: the person signs on the pad first
            data["handwriting"] = pad_signature(client, platform_url, html)
        response = client.post(_absolute(platform_url, action.group(1)), data=data, follow_redirects=True)
        if response.status_code != 200 or "申请已提交" in response.text:
            return response
        html = response.text
    raise AssertionError("the form never reached its check page")


def pad_signature(client: httpx.Client, platform_url: str, html: str) -> str:
    """What a counter check page's script does: a fresh challenge, then the window's signature pad's signed
    capture of the person's signature (the sandbox pad signs at once)."""
    pad = re.search(r'data-signature-pad="([^"]+)"', html)
    assert pad, "no signature pad on this page"
    challenge = client.get(f"{platform_url}/kiosk/challenge").json()["challenge"]
    captured = httpx.post(f"{pad.group(1)}/capture", params={"challenge": challenge})
    assert captured.status_code == 200, captured.text
    return captured.text


def fill_until_check(
    client: httpx.Client, platform_url: str, form_page: str, *, skip_optional: bool = False, **answers: Any
) -> httpx.Response:
    """Walk the form's pages from the first, answering as given, and stop on the check page (not submitting)."""
    given = {k: str(v) for k, v in answers.items()}
    html = form_page
    for _ in range(12):
        action = re.search(r'<form method="post" action="([^"]*/drafts/\d+/sections/\w+)"', html)
        assert action, "not a form page"
        data = page_answers(html, given, skip_optional=skip_optional)
        response = client.post(_absolute(platform_url, action.group(1)), data=data, follow_redirects=True)
        assert response.status_code == 200, response.text[-500:]
        if "<h1>核对并提交</h1>" in response.text:
            return response
        html = response.text
    raise AssertionError("the form never reached its check page")


def staff_sign_in(
    client: httpx.Client, housing_url: str, *, username: str, password: str = "anju-staff-demo"
) -> httpx.Response:
    page = client.get(f"{housing_url}/staff/login")
    return client.post(
        f"{housing_url}/staff/login",
        data={"csrf_token": csrf_of(page.text), "username": username, "password": password},
        follow_redirects=True,
    )


def co_applicant_authorises(
    platform_url: str, *, id_number: str, sources: tuple[str, ...] = ("hukou",), password: str = "anju-demo"
) -> httpx.Response:
    """An adult co-applicant signs in on their own device, finds the invitation on the home page and
    authorises ``sources``; returns the page they land on."""
    with httpx.Client(timeout=10) as own:
        login_page = own.get(f"{platform_url}/login", follow_redirects=True)
        form = hidden_fields(login_page.text)
        form.update({"id_number": id_number, "password": password, "action": "login"})
        home = own.post(str(login_page.url).split("?")[0], data=form, follow_redirects=True)
        assert "把您列为公租房共同申请人" in home.text, home.text[:2500]
        link = re.search(r'href="([^"]*/drafts/\d+/members/\d+/consent)"', home.text)
        assert link, "no invitation to authorise on the home page"
        consent = own.get(_absolute(platform_url, link.group(1)))
        action = re.search(r'<form method="post" action="([^"]*/consent)"', consent.text)
        assert action
        return own.post(
            _absolute(platform_url, action.group(1)),
            data={"csrf_token": csrf_of(consent.text), "source": list(sources)},
            follow_redirects=True,
        )


def kiosk_terminal_start(client: httpx.Client, sandbox_url: str, kind: str = "kiosk") -> httpx.Response:
    """What a terminal's device agent does at start (played by the sandbox): bind this client to the demo
    terminal of ``kind`` (a kiosk, or a counter window's devices); returns the page it lands on."""
    agent = client.get(f"{sandbox_url}/devices/{kind}")
    assert agent.status_code == 200, agent.text[-500:]
    action = re.search(r'<form method="post" action="([^"]+)"', agent.text)
    assert action
    return client.post(action.group(1), data=hidden_fields(agent.text), follow_redirects=True)


def kiosk_card_place(sandbox_url: str, id_number: str, *, expired: bool = False, kind: str = "kiosk") -> None:
    """Put a person's ID card on the demo terminal's reader (the tester's hand, in the sandbox)."""
    placed = httpx.post(
        f"{sandbox_url}/devices/{kind}/card",
        data={"id_number": id_number, **({"expired": "yes"} if expired else {})},
    )
    assert placed.status_code == 303, placed.text


def kiosk_card_read(
    client: httpx.Client, platform_url: str, sandbox_url: str, kind: str = "kiosk"
) -> dict[str, str]:
    """What the kiosk's (or the counter's) page script does: a fresh challenge from the platform, then the
    reader's signed reading of the card over it (docs/interfaces/kiosk-devices.md)."""
    challenge = client.get(f"{platform_url}/kiosk/challenge").json()["challenge"]
    read = httpx.get(f"{sandbox_url}/devices/{kind}/local/card", params={"challenge": challenge})
    assert read.status_code == 200, read.text
    return dict(read.json())


def own_hukou_consent_and_submit(
    client: httpx.Client, platform_url: str, *, consent_extra: dict[str, str] | None = None, **answers: Any
) -> tuple[str, httpx.Response]:
    """A person already signed in (a kiosk, a window): start or resume the draft, authorise the 户籍
    query for themselves (with ``consent_extra``, such as a window's in-person confirmation), fill in and
    submit; returns the application number and the confirmation."""
    tasks = client.get(f"{platform_url}/applications/new", follow_redirects=True)
    if ">开始申请</button>" in tasks.text:
        tasks = client.post(
            f"{platform_url}/drafts", data={"csrf_token": csrf_of(tasks.text)}, follow_redirects=True
        )
    link = re.search(r'href="([^"]*/members/\d+/consent)"', tasks.text)
    assert link, tasks.text[-800:]
    consent_url = _absolute(platform_url, link.group(1))
    consent_page = client.get(consent_url)
    data = {"csrf_token": csrf_of(consent_page.text), "source": ["hukou"], **(consent_extra or {})}
    granted = client.post(consent_url, data=data, follow_redirects=True)
    assert "授权已记录" in granted.text, granted.text[-800:]
    form = open_draft_form(client, platform_url, granted)
    done = application_fill_and_submit(client, platform_url, form.text, **answers)
    assert "申请已提交" in done.text, done.text[-800:]
    number = re.search(r'id="application-no">([^<]+)<', done.text)
    assert number
    return number.group(1).strip(), done


def card_and_face_post(
    client: httpx.Client,
    platform_url: str,
    sandbox_url: str,
    *,
    kind: str,
    page: str,
    action: str,
    card: dict[str, str] | None = None,
    **fields: object,
) -> httpx.Response:
    """As a kiosk's or a window's page does it: the reader's signed reading of the card on it and the
    camera's photo, posted with ``fields`` (a field given as None is left out)."""
    home = client.get(f"{platform_url}{page}")
    reading = card if card is not None else kiosk_card_read(client, platform_url, sandbox_url, kind)
    data = {"csrf_token": csrf_of(home.text), "card": json.dumps(reading), **fields}
    photo = httpx.post(f"{sandbox_url}/devices/{kind}/local/camera/capture").content
    return client.post(
        f"{platform_url}{action}",
        data={k: str(v) for k, v in data.items() if v is not None},
        files={"photo": ("camera.jpg", photo, "image/jpeg")},
        follow_redirects=True,
    )


def member_authorises_at_window(
    client: httpx.Client, platform_url: str, sandbox_url: str, *, id_number: str, sources: list[str]
) -> httpx.Response:
    """At a counter window, a co-applicant who came along authorises in person: from the draft's task list,
    their own card on the window's reader and the clerk's 人证核验, then their consent page, confirmed
    before the clerk. Returns the task list it lands on."""
    tasks = client.get(f"{platform_url}/applications/new", follow_redirects=True)
    present = re.search(r'href="([^"]*/counter/drafts/\d+/members/\d+/present)"', tasks.text)
    assert present, tasks.text[-800:]
    path = httpx.URL(_absolute(platform_url, present.group(1))).path.removeprefix(
        httpx.URL(platform_url).path.rstrip("/")
    )
    kiosk_card_place(sandbox_url, id_number, kind="window")
    consent = card_and_face_post(
        client,
        platform_url,
        sandbox_url,
        kind="window",
        page=path,
        action=path,
        method="attest",
        attested="yes",
        agree=None,
    )
    assert 'id="witnessed"' in consent.text and "本人已听取告知" in consent.text, consent.text[-800:]
    return client.post(
        consent.url,
        data={"csrf_token": csrf_of(consent.text), "source": sources, "witnessed": "yes"},
        follow_redirects=True,
    )
