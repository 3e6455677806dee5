"""补正 over the bus both ways: one complete notice from the clerk reaches the applicant with its deadline;
the applicant's files and reply reach the case and put it back for acceptance; other proofs travel too."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select

from anju.housing.intake.service import attachments_of
from anju.housing.models import Case, CaseCorrection
from anju.housing.review.corrections import corrections_of
from tests.conftest import Systems
from tests.support.factories import scanned_png
from tests.support.journey import (
    applicant_sign_in,
    application_fill_and_submit,
    csrf_of,
    draft_id_of,
    staff_sign_in,
)
from tests.support.signed import signed_post

PNG = scanned_png()
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def deliver(systems: Systems, *names: str) -> None:
    for name in names:
        systems.runtimes[name].outbox_worker().run_once()


def test_other_proof_uploaded_on_the_pledge_page_reaches_the_clerk(live: Systems) -> None:
    platform, housing = live.settings.base_url("platform"), live.settings.base_url("housing")
    with httpx.Client(timeout=10) as browser, httpx.Client(timeout=10) as clerk:
        form = applicant_sign_in(browser, platform, id_number="350104199011200641")
        draft = draft_id_of(form)
        pledge_url = f"{platform}/drafts/{draft}/sections/pledge"
        page = browser.get(pledge_url)
        assert "其他证明材料" in page.text and 'enctype="multipart/form-data"' in page.text
        refused = browser.post(
            pledge_url + "/files",
            data={"csrf_token": csrf_of(page.text)},
            files={"file": ("virus.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")},
        )
        assert refused.status_code == 400 and "只能上传 PDF、JPG 或 PNG" in refused.text
        forged = browser.post(  # a PNG's first eight bytes and then nothing an image is made of
            pledge_url + "/files",
            data={"csrf_token": csrf_of(page.text)},
            files={"file": ("照片.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png")},
        )
        assert forged.status_code == 400 and "只能上传 PDF、JPG 或 PNG" in forged.text
        elsewhere = browser.post(  # a page without an upload takes no file
            f"{platform}/drafts/{draft}/sections/application/files",
            data={"csrf_token": csrf_of(page.text)},
            files={"file": ("收入证明.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")},
        )
        assert elsewhere.status_code == 404
        assert "收入证明.pdf" not in browser.get(pledge_url).text
        added = browser.post(
            pledge_url + "/files",
            data={"csrf_token": csrf_of(page.text)},
            files={"file": ("残疾证.png", PNG, "image/png")},
            follow_redirects=True,
        )
        assert "残疾证.png" in added.text
        done = application_fill_and_submit(browser, platform, browser.get(str(form.url)).text)
        number = re.search(r'id="application-no">([^<]+)<', done.text).group(1).strip()  # type: ignore[union-attr]
        deliver(live, "platform")
        assert live.fetch_case_files() == [(number, "残疾证.png")]  # housing's worker fetches the file

        staff_sign_in(clerk, housing, username="shouli.350100")
        case_page = clerk.get(f"{housing}/staff/cases/{number}")
        link = re.search(r'href="([^"]*/attachments/\d+)">残疾证.png<', case_page.text)
        assert link, "the clerk sees the other proof"
        assert (
            clerk.get(
                link.group(1)
                if link.group(1).startswith("http")
                else housing + link.group(1).removeprefix("/housing")
            ).content
            == PNG
        )


def test_corrections_go_to_the_applicant_and_her_answer_comes_back(live: Systems) -> None:
    platform, housing = live.settings.base_url("platform"), live.settings.base_url("housing")
    with httpx.Client(timeout=10) as browser, httpx.Client(timeout=10) as clerk:
        form = applicant_sign_in(browser, platform, id_number="350104199011200641")
        done = application_fill_and_submit(browser, platform, form.text)
        number = re.search(r'id="application-no">([^<]+)<', done.text).group(1).strip()  # type: ignore[union-attr]
        deliver(live, "platform")

        staff_sign_in(clerk, housing, username="shouli.350100")
        case_page = clerk.get(f"{housing}/staff/cases/{number}")
        assert 'value="request_corrections"' in case_page.text
        empty = clerk.post(
            f"{housing}/staff/cases/{number}/events",
            data={"csrf_token": csrf_of(case_page.text), "event": "request_corrections", "reason": " \n "},
        )
        assert empty.status_code == 409 and "每行一项" in empty.text
        asked = clerk.post(
            f"{housing}/staff/cases/{number}/events",
            data={
                "csrf_token": csrf_of(case_page.text),
                "event": "request_corrections",
                "reason": "工作单位出具的近6个月收入证明\n现住房租赁合同",
            },
            follow_redirects=True,
        )
        assert "待补正" in asked.text and "第 1 次补正通知" in asked.text
        deliver(live, "housing")

        progress = browser.get(f"{platform}/applications/{number}")
        assert 'id="current-status">待补正<' in progress.text
        notice = progress.text.split('id="corrections-notice"')[1].split("</div>")[0]
        assert "1. 工作单位出具的近6个月收入证明" in notice and "2. 现住房租赁合同" in notice
        assert re.search(r"请在 <strong>\d{4}-\d{2}-\d{2}</strong> 前提交", notice)

        page = browser.get(f"{platform}/applications/{number}/corrections")
        nothing = browser.post(
            f"{platform}/applications/{number}/corrections", data={"csrf_token": csrf_of(page.text)}
        )
        assert nothing.status_code == 400 and "请上传补正材料" in nothing.text
        uploaded = browser.post(
            f"{platform}/applications/{number}/corrections/files",
            data={"csrf_token": csrf_of(page.text)},
            files={"file": ("收入证明.pdf", PDF, "application/pdf")},
            follow_redirects=True,
        )
        sent = browser.post(
            f"{platform}/applications/{number}/corrections",
            data={"csrf_token": csrf_of(page.text), "reply": "租赁合同在原申请材料中已上传。"},
            follow_redirects=True,
        )
        assert 'id="corrected"' in sent.text and 'id="corrections-sent"' in sent.text
        file_remove = re.search(r'action="([^"]*/corrections/files/\d+/remove)"', uploaded.text)
        assert file_remove, "each file of the answer being written can be taken out"
        kept = browser.post(
            file_remove.group(1)
            if file_remove.group(1).startswith("http")
            else platform + file_remove.group(1).removeprefix("/platform"),
            data={"csrf_token": csrf_of(page.text)},
        )
        assert kept.status_code == 404  # sent: it stays, housing fetches it from here
        again = browser.post(
            f"{platform}/applications/{number}/corrections", data={"csrf_token": csrf_of(page.text)}
        )
        assert again.status_code == 404  # answered once; nothing to answer now

        deliver(live, "platform")
        with live.runtimes["housing"].db.transaction() as session:
            case = session.scalars(select(Case).where(Case.case_no == number)).one()
            assert case.status == "submitted"
            (correction,) = corrections_of(session=session, case=case)
            assert correction.replied_at is not None
            assert [a.filename for a in attachments_of(session=session, case=case)] == ["收入证明.pdf"]
        deliver(live, "housing")
        back = browser.get(f"{platform}/applications/{number}")
        assert 'id="current-status">已提交<' in back.text and "申请人已提交补正材料（1 个文件）" in back.text

        queue = clerk.get(f"{housing}/staff/")
        row = queue.text.split(number)[2].split("</tr>")[0]
        assert "已补正，待受理" in row  # a resubmission, not a new application
        case_page = clerk.get(f"{housing}/staff/cases/{number}")
        assert "租赁合同在原申请材料中已上传" in case_page.text
        assert "收入证明.pdf" in case_page.text and "正在从平台获取" in case_page.text
        assert 'value="accept"' not in case_page.text  # not before the answer's file is here
        assert live.fetch_case_files() == [(number, "收入证明.pdf")]
        case_page = clerk.get(f"{housing}/staff/cases/{number}")
        assert "正在从平台获取" not in case_page.text
        accepted = clerk.post(
            f"{housing}/staff/cases/{number}/events",
            data={"csrf_token": csrf_of(case_page.text), "event": "accept", "confirm": "yes"},
            follow_redirects=True,
        )
        assert "初审中" in accepted.text


def test_an_answer_delivered_twice_is_recorded_once(systems: Systems) -> None:
    from datetime import date

    from anju.housing.intake.schemas import CaseSubmission
    from anju.housing.intake.service import case_receive
    from anju.housing.review.corrections import corrections_request
    from tests.support.factories import case_submission

    housing = systems.runtimes["housing"]
    with housing.db.transaction() as session:
        case = case_receive(
            session=session,
            submission=CaseSubmission.model_validate(case_submission()),
            cipher=housing.cipher,
            index=housing.blind_index,
            outbox=housing.tables.outbox,
            audit=housing.audit,
            registry=housing.registry,
            today=date(2026, 11, 23),
        ).case
        corrections_request(
            session=session,
            case=case,
            items=["收入证明"],
            actor="t",
            actor_role="street_reviewer",
            outbox=housing.tables.outbox,
            audit=housing.audit,
            today=date(2026, 11, 24),
        )
        case_no = case.case_no
    client = systems.client("housing")
    body = {"round": 1, "reply": "已补", "proofs": []}
    path = f"/v1/cases/{case_no}/corrections"
    first = signed_post(
        client, as_system=systems.runtimes["platform"], path=path, payload=body, message_id="m-1"
    )
    second = signed_post(
        client, as_system=systems.runtimes["platform"], path=path, payload=body, message_id="m-1"
    )
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    late = signed_post(
        client, as_system=systems.runtimes["platform"], path=path, payload=body, message_id="m-2"
    )
    assert late.status_code == 409 and late.json()["error"]["code"] == "not_waiting"
    with housing.db.transaction() as session:
        assert len(list(session.scalars(select(CaseCorrection)))) == 1
