"""Written decisions: sealed by the city's office, downloaded by the applicant, verifiable by anyone."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from anju.core import seal
from tests.conftest import Systems
from tests.support.journey import applicant_sign_in, application_fill_and_submit, csrf_of, staff_sign_in
from tests.support.pdf import pdf_tags, pdf_text

LEGACY = Path(__file__).parents[2] / "core" / "data" / "legacy-pades"


def submitted_and_decided(
    live: Systems, browser: httpx.Client, clerk: httpx.Client, event: str, reason: str
) -> str:
    platform, housing = live.settings.base_url("platform"), live.settings.base_url("housing")
    form = applicant_sign_in(browser, platform, id_number="350104199011200641")
    done = application_fill_and_submit(browser, platform, form.text)
    number = re.search(r'id="application-no">([^<]+)<', done.text).group(1).strip()  # type: ignore[union-attr]
    live.runtimes["platform"].outbox_worker().run_once()
    staff_sign_in(clerk, housing, username="shouli.350100")
    page = clerk.get(f"{housing}/staff/cases/{number}")
    clerk.post(
        f"{housing}/staff/cases/{number}/events",
        data={"csrf_token": csrf_of(page.text), "event": event, "reason": reason, "confirm": "yes"},
    )
    live.runtimes["housing"].outbox_worker().run_once()
    return number


def test_the_acceptance_notice_is_sealed_downloadable_and_verifies(live: Systems) -> None:
    platform = live.settings.base_url("platform")
    with httpx.Client(timeout=10) as browser, httpx.Client(timeout=10) as clerk:
        number = submitted_and_decided(live, browser, clerk, "accept", "")
        page = browser.get(f"{platform}/applications/{number}")
        links = re.findall(r'class="decision-link" href="([^"]+)">下载《([^》]+)》', page.text)
        assert [title for _, title in links] == ["受理通知书"]  # one per decision, none for 初审中
        pdf = browser.get(
            links[0][0]
            if links[0][0].startswith("http")
            else platform + links[0][0].removeprefix("/platform")
        )
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
        text = pdf_text(pdf.content)
        assert "受理通知书" in text and number in text and "欧阳娜娜" in text and "福州市住房保障部门" in text
        tags = pdf_tags(pdf.content)  # sealed, and still tagged: the title is its heading
        assert tags["lang"] == "zh-CN" and tags["marked"]
        assert [(k, t) for k, _, t in tags["elements"][:2]] == [
            ("P", "福州市住房保障部门"),
            ("H1", "受理通知书"),
        ]

        form = browser.get(f"{platform}/decisions/verify")
        good = browser.post(
            f"{platform}/decisions/verify",
            data={"csrf_token": csrf_of(form.text)},
            files={"file": ("受理通知书.pdf", pdf.content, "application/pdf")},
        )
        assert "印章有效：福州市住房保障部门（电子印章）" in good.text
        assert b"/SubFilter /GBT38540.SES_Signature.v4" in pdf.content  # an SM2 seal, GB/T 38540 v4
        assert "通过：原文 SM3 杂凑值一致" in good.text and "未通过" not in good.text
        roots = browser.get(f"{platform}/decisions/seal-roots.pem")  # published: anyone can check offline
        assert roots.status_code == 200 and roots.content.startswith(b"-----BEGIN CERTIFICATE-----")
        offline = seal.seal_verify(pdf.content, trusted_ca_pem=roots.content)
        assert offline.intact and offline.trusted and offline.kind == "SM2"
        altered = bytearray(pdf.content)
        altered[12] ^= 0x01
        bad = browser.post(
            f"{platform}/decisions/verify",
            data={"csrf_token": csrf_of(form.text)},
            files={"file": ("受理通知书.pdf", bytes(altered), "application/pdf")},
        )
        assert "被改动" in bad.text and "印章有效" not in bad.text
        assert "未通过：文件在签章后被改动过。" in bad.text

        # a decision sealed before the SM2 seals (PAdES, ECDSA) still verifies, against the older root
        (live.settings.key_directory / "seal-ca.pem").write_bytes((LEGACY / "seal-ca.pem").read_bytes())
        older = browser.post(
            f"{platform}/decisions/verify",
            data={"csrf_token": csrf_of(form.text)},
            files={"file": ("受理通知书.pdf", (LEGACY / "sealed.pdf").read_bytes(), "application/pdf")},
        )
        assert "印章有效：福州市住房保障部门（电子印章）" in older.text and "启用国密印章之前" in older.text

    with httpx.Client(timeout=10) as stranger:
        applicant_sign_in(stranger, platform, id_number="350102199203150519")
        assert stranger.get(f"{platform}/applications/{number}/decisions/2.pdf").status_code == 404


def test_a_refusal_states_its_reasons_and_the_applicants_rights(live: Systems) -> None:
    platform = live.settings.base_url("platform")
    with httpx.Client(timeout=10) as browser, httpx.Client(timeout=10) as clerk:
        number = submitted_and_decided(
            live, browser, clerk, "not_accept", "申请人户籍及居住证均不在本市，不属于本机关受理范围。"
        )
        pdf = browser.get(f"{platform}/applications/{number}/decisions/2.pdf")
    text = pdf_text(pdf.content)
    assert "不予受理通知书" in text and "不属于本机关受理范围" in text
    assert "六十日内依法申请行政复议" in text and "六个月内依法向人民法院提起行政诉讼" in text


def test_one_address_cannot_use_up_the_seal_check_for_everybody(systems: Systems) -> None:
    client = systems.client("platform")
    form = client.get("/decisions/verify")
    for _ in range(30):
        checked = client.post(
            "/decisions/verify",
            data={"csrf_token": csrf_of(form.text)},
            files={"file": ("a.pdf", b"%PDF-1.4 not sealed", "application/pdf")},
        )
        assert checked.status_code == 200
    refused = client.post(
        "/decisions/verify",
        data={"csrf_token": csrf_of(form.text)},
        files={"file": ("a.pdf", b"%PDF-1.4 not sealed", "application/pdf")},
    )
    assert refused.status_code == 429 and "核验次数过多，请一小时后再试" in refused.text
