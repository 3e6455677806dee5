"""Progress without signing in: number + ID number + a one-time SMS code; no enumeration; rate limits."""

from __future__ import annotations

import re
import statistics
import time

import httpx
from sqlalchemy import select, text

from anju.sandbox.sms.models import SmsMessage
from tests.conftest import Systems
from tests.support.journey import applicant_sign_in, application_fill_and_submit, csrf_of

APPLICANT = "350104199011200641"


def submitted(live: Systems) -> str:
    platform = live.settings.base_url("platform")
    with httpx.Client(timeout=10) as browser:
        form = applicant_sign_in(browser, platform, id_number=APPLICANT)
        done = application_fill_and_submit(browser, platform, form.text, phone="13912345678")
    return re.search(r'id="application-no">([^<]+)<', done.text).group(1).strip()  # type: ignore[union-attr]


def ask(client: httpx.Client, platform: str, number: str, id_number: str) -> httpx.Response:
    page = client.get(f"{platform}/progress")
    return client.post(
        f"{platform}/progress/code",
        data={"csrf_token": csrf_of(page.text), "application_no": number, "id_number": id_number},
    )


def last_code(live: Systems) -> str:
    live.runtimes["platform"].outbox_worker().run_once()
    with live.runtimes["sandbox"].db.transaction() as session:
        texts = [m.text for m in session.scalars(select(SmsMessage).order_by(SmsMessage.id))]
    match = re.search(r"验证码为(\d{6})", texts[-1])
    assert match, texts
    return match.group(1)


def test_the_right_number_id_and_code_show_the_timeline_masked(live: Systems) -> None:
    number = submitted(live)
    platform = live.settings.base_url("platform")
    with httpx.Client(timeout=10) as anonymous:
        sent = ask(anonymous, platform, number, APPLICANT)
        assert "验证码已发送至申请时填写的手机号" in sent.text
        wrong = anonymous.post(
            f"{platform}/progress/verify", data={"csrf_token": csrf_of(sent.text), "code": "000000"}
        )
        assert wrong.status_code == 400 and "验证码不正确或已过期" in wrong.text
        shown = anonymous.post(
            f"{platform}/progress/verify", data={"csrf_token": csrf_of(sent.text), "code": last_code(live)}
        )
    assert shown.status_code == 200 and number in shown.text
    assert 'id="current-status">已提交<' in shown.text and "欧**" in shown.text
    assert APPLICANT not in shown.text and "13912345678" not in shown.text
    # Each step's time as words a screen reader speaks (2026年12月6日 14:05), exact in datetime.
    timeline = shown.text.split('id="timeline"')[1]
    assert re.search(
        r'<time datetime="\d{4}-\d{2}-\d{2}T\d{2}:\d{2}\+08:00">\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}</time>',
        timeline,
    )


def test_a_wrong_id_or_an_unknown_number_gets_the_same_answer_and_no_text(live: Systems) -> None:
    number = submitted(live)
    platform = live.settings.base_url("platform")

    def timed(n: str, id_number: str) -> tuple[str, float]:
        with httpx.Client(timeout=10) as anonymous:
            started = time.perf_counter()
            response = ask(anonymous, platform, n, id_number)
            elapsed = time.perf_counter() - started
            body = response.text.split("<main")[1]
            body = re.sub(r'name="csrf_token" value="[^"]+"', "", body)
            return body, elapsed

    real, _ = timed(number, APPLICANT)
    wrong_id, t1 = timed(number, "350102199203150519")
    unknown, t2 = timed("GZF-350100-20261128-999999", APPLICANT)
    assert real == wrong_id == unknown  # nothing tells whether the number exists
    with live.runtimes["sandbox"].db.transaction() as session:
        live.runtimes["platform"].outbox_worker().run_once()
    with live.runtimes["sandbox"].db.transaction() as session:
        texts = [m.text for m in session.scalars(select(SmsMessage))]
    assert sum("验证码" in t for t in texts) == 1  # only the real request was texted
    exists = statistics.median(timed(number, "350102199203150519")[1] for _ in range(3))
    missing = statistics.median(timed("GZF-350100-20261128-999998", APPLICANT)[1] for _ in range(3))
    assert abs(exists - missing) < 0.25, (exists, missing, t1, t2)


def test_requests_are_limited_per_number(live: Systems) -> None:
    number = submitted(live)
    platform = live.settings.base_url("platform")
    with httpx.Client(timeout=10) as anonymous:
        for _ in range(5):
            assert ask(anonymous, platform, number, APPLICANT).status_code == 200
        refused = ask(anonymous, platform, number, APPLICANT)
    assert refused.status_code == 429 and "查询过于频繁" in refused.text


def test_requests_are_limited_per_address_and_the_address_is_not_kept(live: Systems) -> None:
    platform = live.settings.base_url("platform")
    # The test servers trust X-Forwarded-For from loopback, as production does from its proxy.
    crawler = {"X-Forwarded-For": "203.0.113.7"}
    with httpx.Client(timeout=10, headers=crawler) as anonymous:
        for n in range(20):  # a different (unknown) number each time: only the address repeats
            assert ask(anonymous, platform, f"GZF-350100-20261128-{n:06d}", APPLICANT).status_code == 200
        refused = ask(anonymous, platform, "GZF-350100-20261128-000099", APPLICANT)
    assert refused.status_code == 429 and "查询过于频繁" in refused.text
    with httpx.Client(timeout=10, headers={"X-Forwarded-For": "198.51.100.20"}) as neighbour:
        assert ask(neighbour, platform, "GZF-350100-20261128-000099", APPLICANT).status_code == 200
    with live.runtimes["platform"].db.engine.connect() as connection:
        stored = " ".join(str(row) for row in connection.execute(text("SELECT * FROM rate_event")))
    assert "203.0.113.7" not in stored and "GZF-350100" not in stored and stored
