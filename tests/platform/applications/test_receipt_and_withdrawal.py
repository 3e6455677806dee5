"""After submitting: the PDF of the application, and withdrawing before acceptance (a round trip to housing)."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import httpx
from pypdf import PdfReader
from sqlalchemy import select

from anju.core import seal
from anju.core.pdf import missing_glyphs
from anju.housing.models import Case
from tests.conftest import Systems
from tests.support.journey import applicant_sign_in, application_fill_and_submit, csrf_of, staff_sign_in
from tests.support.pdf import pdf_tags, pdf_text


def submit_as(browser: httpx.Client, platform: str, id_number: str) -> str:
    form = applicant_sign_in(browser, platform, id_number=id_number)
    done = application_fill_and_submit(browser, platform, form.text)
    assert "申请已提交" in done.text, done.text[-500:]
    match = re.search(r'id="application-no">([^<]+)<', done.text)
    assert match
    return match.group(1).strip()


def test_the_pdf_states_the_number_and_the_applicant_and_renders_every_character(live: Systems) -> None:
    platform = live.settings.base_url("platform")
    with httpx.Client(timeout=10) as browser:
        number = submit_as(browser, platform, "650102199506100261")  # 阿依古丽·买买提
        page = browser.get(f"{platform}/applications/{number}")
        assert 'id="receipt-link"' in page.text
        pdf = browser.get(f"{platform}/applications/{number}/receipt.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["cache-control"] == "no-store"
    text = pdf_text(pdf.content)
    assert number in text and "阿依古丽·买买提" in text
    assert "福建省公共租赁住房申请" in text and "诚信承诺及授权书" in text and "电子签名" in text
    assert missing_glyphs(text) == set()
    assert "650102199506100261" not in text  # the ID number is masked, as on screen
    assert "北京时间）签署" in text and "UTC" not in text  # one clock, the one people read
    assert "以下摘要供有关部门核验电子签名使用" in text  # the digests are said to be for verifiers
    roots = seal.trusted_roots(live.settings.key_directory, None)
    sealed = seal.seal_verify(pdf.content, trusted_ca_pem=roots or b"")
    assert sealed.intact and sealed.trusted and sealed.signer == "福建省公租房申请集成化办理平台（电子印章）"
    tags = pdf_tags(pdf.content)  # a screen reader is told the language, the headings and the order
    assert tags["lang"] == "zh-CN" and tags["marked"] and tags["shows_title"]
    assert tags["elements"][0] == ("H1", 1, "福建省公共租赁住房申请")
    headings = [text for kind, _, text in tags["elements"] if kind == "H2"]
    assert headings[0] == "家庭成员" and headings[-1] == "电子签名"
    assert all(text for _, _, text in tags["elements"])  # every tag holds real text

    with httpx.Client(timeout=10) as stranger:
        applicant_sign_in(stranger, platform, id_number="350104199011200641")
        assert stranger.get(f"{platform}/applications/{number}/receipt.pdf").status_code == 404


def test_an_extension_b_name_is_printed_with_its_own_glyph(live: Systems) -> None:
    platform = live.settings.base_url("platform")
    with httpx.Client(timeout=10) as browser:
        number = submit_as(browser, platform, "350182198802290158")  # 王𠈌
        content = browser.get(f"{platform}/applications/{number}/receipt.pdf").content
    text = pdf_text(content)
    assert "王𠈌" in text and "〔U+" not in text and "生僻字" not in text
    # The glyph is drawn by the HanaMinB slice embedded for it (a subset: the PDF stays small).
    fonts = {
        str(f.get_object()["/BaseFont"])
        for page in PdfReader(io.BytesIO(content)).pages
        for f in page["/Resources"]["/Font"].values()
    }
    assert any("HanaMinB" in name for name in fonts), fonts
    assert len(content) < 400_000


def test_a_character_no_font_draws_is_named_not_dropped() -> None:
    from anju.core.pdf import ChineseDocument

    document = ChineseDocument(title="t", author="a", created=datetime(2026, 12, 6, tzinfo=UTC))
    document.line("王\U00031350")  # Extension G: no font the service carries draws it (decision 0024)
    text = pdf_text(document.finish())
    assert "王〔U+31350〕" in text and "生僻字" in text


def test_withdrawing_before_acceptance_reaches_housing_and_comes_back(live: Systems) -> None:
    platform = live.settings.base_url("platform")
    platform_rt, housing_rt = live.runtimes["platform"], live.runtimes["housing"]
    with httpx.Client(timeout=10) as browser:
        number = submit_as(browser, platform, "350104199011200641")
        confirm = browser.get(f"{platform}/applications/{number}/withdraw")
        assert "确认撤回申请" in confirm.text

        # Not at housing yet (the outbox has not delivered): nothing changes, the applicant is told why.
        early = browser.post(
            f"{platform}/applications/{number}/withdraw", data={"csrf_token": csrf_of(confirm.text)}
        )
        assert early.status_code == 503 and "正在送往住房保障部门" in early.text

        platform_rt.outbox_worker().run_once()
        done = browser.post(
            f"{platform}/applications/{number}/withdraw",
            data={"csrf_token": csrf_of(confirm.text), "reason": "已租到合适的房子"},
            follow_redirects=True,
        )
        assert done.status_code == 200
        assert re.search(r'id="current-status">已撤回<', done.text)
        assert "已租到合适的房子" in done.text and "撤回这件申请" not in done.text
        with housing_rt.db.transaction() as session:
            assert session.scalars(select(Case).where(Case.case_no == number)).one().status == "withdrawn"

        # The same event over the bus later is not a second entry in the timeline.
        housing_rt.outbox_worker().run_once()
        page = browser.get(f"{platform}/applications/{number}")
        assert page.text.count("<strong>已撤回</strong>") == 1


def test_after_acceptance_withdrawal_is_refused_with_whom_to_contact(live: Systems) -> None:
    platform, housing = live.settings.base_url("platform"), live.settings.base_url("housing")
    platform_rt = live.runtimes["platform"]
    with httpx.Client(timeout=10) as browser, httpx.Client(timeout=10) as clerk:
        number = submit_as(browser, platform, "350104199011200641")
        confirm = browser.get(f"{platform}/applications/{number}/withdraw")
        platform_rt.outbox_worker().run_once()
        staff_sign_in(clerk, housing, username="shouli.350100")
        case_page = clerk.get(f"{housing}/staff/cases/{number}")
        accepted = clerk.post(
            f"{housing}/staff/cases/{number}/events",
            data={"csrf_token": csrf_of(case_page.text), "event": "accept", "confirm": "yes"},
            follow_redirects=True,
        )
        assert "初审中" in accepted.text
        refused = browser.post(
            f"{platform}/applications/{number}/withdraw", data={"csrf_token": csrf_of(confirm.text)}
        )
        assert refused.status_code == 409 and "已受理，不能在线撤回" in refused.text
