"""Every status the applicant should hear about goes out by SMS through the gateway, once."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select

from anju.platform.applications.notify import sms_templates, sms_text
from anju.sandbox.sms.models import SmsMessage
from tests.conftest import Systems
from tests.support.journey import applicant_sign_in, application_fill_and_submit, csrf_of, staff_sign_in


def texts(systems: Systems) -> list[tuple[str, str]]:
    with systems.runtimes["sandbox"].db.transaction() as session:
        return [(m.phone, m.text) for m in session.scalars(select(SmsMessage).order_by(SmsMessage.id))]


def test_acceptance_and_a_corrections_notice_are_texted_with_the_deadline(live: Systems) -> None:
    platform, housing, sandbox = (live.settings.base_url(s) for s in ("platform", "housing", "sandbox"))
    with httpx.Client(timeout=10) as browser, httpx.Client(timeout=10) as clerk:
        form = applicant_sign_in(browser, platform, id_number="350104199011200641")
        done = application_fill_and_submit(browser, platform, form.text, phone="13912345678")
        number = re.search(r'id="application-no">([^<]+)<', done.text).group(1).strip()  # type: ignore[union-attr]
        live.runtimes["platform"].outbox_worker().run_once()
        staff_sign_in(clerk, housing, username="shouli.350100")
        page = clerk.get(f"{housing}/staff/cases/{number}")
        clerk.post(
            f"{housing}/staff/cases/{number}/events",
            data={"csrf_token": csrf_of(page.text), "event": "request_corrections", "reason": "收入证明"},
        )
        for _ in range(2):  # housing → platform (status), platform → gateway (SMS)
            live.runtimes["housing"].outbox_worker().run_once()
            live.runtimes["platform"].outbox_worker().run_once()

        sent = texts(live)
        assert len(sent) == 2
        received = sent[0][1]  # the receipt on the phone: the number and the acceptance deadline
        assert number in received and re.search(r"将在\d{4}-\d{2}-\d{2}前决定是否受理", received)
        phone, text = sent[1]
        assert phone == "13912345678" and number in text and "需要补正材料" in text
        assert re.search(r"请于\d{4}-\d{2}-\d{2}前", text) and text.startswith("【福建公租房】")
        inbox = httpx.get(f"{sandbox}/sms")
        assert "139****5678" in inbox.text and "13912345678" not in inbox.text


def test_the_first_review_that_follows_acceptance_is_not_a_second_text() -> None:
    assert sms_text(status="first_review", case_no="GZF-1") is None
    accepted = sms_text(status="accepted", case_no="GZF-1")
    assert accepted is not None and "已受理" in accepted
    assert sms_templates()["provisional"] is True  # wording not yet registered with the SMS platform
