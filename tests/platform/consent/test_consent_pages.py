"""The consent → query → check → household pages, as an applicant and a co-applicant use them."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select

from anju.sandbox.sms.models import SmsMessage
from tests.conftest import Systems
from tests.support.factories import CHILD, HUSBAND, WIFE, scanned_png, seed_family
from tests.support.journey import _absolute, applicant_sign_in, csrf_of, hidden_fields, open_draft_form


def sign_in_to_tasks(browser: httpx.Client, platform: str, id_number: str) -> httpx.Response:
    form_page = applicant_sign_in(browser, platform, id_number=id_number)
    assert form_page.status_code == 200
    return browser.get(f"{platform}/applications/new", follow_redirects=True)


def link(page: httpx.Response, pattern: str, platform: str) -> str:
    match = re.search(pattern, page.text)
    assert match, f"no link matching {pattern}"
    return _absolute(platform, match.group(1))


def test_applicant_consents_queries_checks_and_builds_the_household(live: Systems) -> None:
    seed_family(live.runtimes["sandbox"])
    platform = live.settings.base_url("platform")
    with httpx.Client(timeout=10) as browser:
        tasks = sign_in_to_tasks(browser, platform, HUSBAND)
        assert "授权查询登记信息" in tasks.text and "未授权" in tasks.text
        consent_url = link(tasks, r'href="([^"]*/members/\d+/consent)"', platform)
        page = browser.get(consent_url)
        assert "福建省公安厅" in page.text and "单独同意" in page.text and "保存期限" in page.text

        # The sensitive source without its separate agreement: refused, nothing recorded.
        refused = browser.post(
            consent_url, data={"csrf_token": csrf_of(page.text), "source": ["hukou", "dibao"]}
        )
        assert refused.status_code == 400 and "须单独勾选同意" in refused.text
        done = browser.post(
            consent_url,
            data={
                "csrf_token": csrf_of(page.text),
                "source": ["hukou", "marriage", "education", "dibao"],
                "separate": ["dibao"],
            },
            follow_redirects=True,
        )
        assert "授权已记录" in done.text and "已授权 4 项" in done.text

        preview = browser.post(
            link(done, r'action="([^"]*/drafts/\d+/backfill)"', platform),
            data={"csrf_token": csrf_of(done.text)},
            follow_redirects=True,
        )
        assert preview.status_code == 200 and "核对查询结果" in preview.text
        assert "本科，福州大学，全日制，2014-06-30 毕业" in preview.text
        assert "欧阳*（配偶）" in preview.text or "欧***（配偶）" in preview.text  # book members masked
        assert WIFE not in preview.text  # the spouse's ID is masked on screen
        # Read as a person reads them: places by name, no register keys or query ids.
        assert "<tr><th>户籍地</th><td>福建省福州市鼓楼区</td></tr>" in preview.text
        assert "350102000001" not in preview.text and "户号" not in preview.text
        assert "查询编号" not in preview.text and "hukou-" not in preview.text
        # Operations see how each register answered (the scraper is on loopback, as this test is).
        scraped = httpx.get(f"{platform}/internal/metrics").text
        assert 'anju_backfill_answers_total{outcome="answered",source="hukou"} 1.0' in scraped
        assert 'anju_backfill_answers_total{outcome="no_consent",source="vehicle"} 1.0' in scraped
        assert 'anju_backfill_breaker_open{source="hukou"} 0.0' in scraped

        # Dispute without saying why: the reason is asked for; with a reason: recorded.
        review_url = link(preview, r'action="([^"]*/preview/\d+)"', platform)
        no_reason = browser.post(
            review_url, data={"csrf_token": csrf_of(preview.text), "decision": "disputed", "reason": ""}
        )
        assert no_reason.status_code == 400 and "请说明哪里有误" in no_reason.text
        disputed = browser.post(
            review_url,
            data={
                "csrf_token": csrf_of(preview.text),
                "decision": "disputed",
                "reason": "户籍地址已变更为东街 14 号",
            },
            follow_redirects=True,
        )
        assert "您认为有误" in disputed.text and "户籍地址已变更为东街 14 号" in disputed.text

        household_url = link(tasks, r'href="([^"]*/drafts/\d+/household)"', platform)
        page = browser.get(household_url)
        assert "配偶，必选" in page.text
        missing_spouse = browser.post(
            household_url, data={"csrf_token": csrf_of(page.text), "member": [CHILD]}
        )
        assert missing_spouse.status_code == 400 and "配偶须作为共同申请人" in missing_spouse.text
        saved = browser.post(
            household_url,
            data={"csrf_token": csrf_of(page.text), "member": [WIFE, CHILD]},
            follow_redirects=True,
        )
        assert "须本人用自己的账号登录本平台授权" in saved.text  # the adult wife must authorise herself
        assert "目前 3 人" in saved.text

        log = browser.get(f"{platform}/my/data-log")
        assert log.status_code == 200 and "福建省公安厅" in log.text and "本人" in log.text


def test_co_applicant_signs_in_and_authorises_for_herself(live: Systems) -> None:
    seed_family(live.runtimes["sandbox"])
    platform = live.settings.base_url("platform")
    with httpx.Client(timeout=10) as husband:
        tasks = sign_in_to_tasks(husband, platform, HUSBAND)
        consent_url = link(tasks, r'href="([^"]*/members/\d+/consent)"', platform)
        page = husband.get(consent_url)
        tasks = husband.post(
            consent_url,
            data={"csrf_token": csrf_of(page.text), "source": ["hukou", "marriage"]},
            follow_redirects=True,
        )
        husband.post(
            link(tasks, r'action="([^"]*/drafts/\d+/backfill)"', platform),
            data={"csrf_token": csrf_of(tasks.text)},
        )
        household_url = link(tasks, r'href="([^"]*/drafts/\d+/household)"', platform)
        page = husband.get(household_url)
        husband.post(household_url, data={"csrf_token": csrf_of(page.text), "member": [WIFE, CHILD]})
        tasks = husband.get(str(tasks.url))
        wife_consent = re.findall(r'href="([^"]*/members/(\d+)/consent)"', tasks.text)
        # The husband gets consent links for himself and the child, not for his adult wife.
        assert len(wife_consent) == 2

    with httpx.Client(timeout=10) as wife:
        sign_in_to_tasks(wife, platform, WIFE)
        invitations = wife.get(f"{platform}/memberships")
        assert "把您列为共同申请人" in invitations.text and "林*" in invitations.text
        consent_url = link(invitations, r'href="([^"]*/members/\d+/consent)"', platform)
        page = wife.get(consent_url)
        done = wife.post(
            consent_url,
            data={"csrf_token": csrf_of(page.text), "source": ["property"]},
            follow_redirects=True,
        )
        assert "授权已记录" in done.text and "您已授权 1 项" in done.text
        mine = wife.get(f"{platform}/consents")
        assert "不动产登记信息" in mine.text and "有效" in mine.text
        revoke_url = link(mine, r'action="([^"]*/consents/\d+/revoke)"', platform)
        revoked = wife.post(revoke_url, data={"csrf_token": csrf_of(mine.text)}, follow_redirects=True)
        assert "授权已撤回" in revoked.text and "撤回" in revoked.text

    with httpx.Client(timeout=10) as husband:
        # The husband cannot open his wife's consent page.
        tasks = sign_in_to_tasks(husband, platform, HUSBAND)
        member_ids = [int(m) for _, m in re.findall(r'href="([^"]*/members/(\d+)/consent)"', tasks.text)]
        draft = re.search(r"/drafts/(\d+)", str(tasks.url))
        assert draft
        others = husband.get(f"{platform}/drafts/{draft.group(1)}/members/{max(member_ids) + 100}/consent")
        assert others.status_code == 404
        # Nor revoke his wife's consent: told so in words, with no code to read.
        hers = husband.post(revoke_url, data={"csrf_token": csrf_of(tasks.text)})
        assert hers.status_code == 404 and "找不到这项授权" in hers.text and "不是您本人的授权" in hers.text
        assert (
            "草稿" not in hers.text.split("<main")[1]
            and "consent_not_found" not in hers.text.split("data-error-code")[0]
        )
        assert "错误代码" not in hers.text


PNG = scanned_png()


def test_a_failed_source_is_replaced_by_an_uploaded_proof_that_reaches_the_reviewer(live: Systems) -> None:
    seed_family(live.runtimes["sandbox"])
    live.client("sandbox").put("/admin/faults/education", json={"error_rate": 1.0})
    platform, housing = live.settings.base_url("platform"), live.settings.base_url("housing")
    with httpx.Client(timeout=10) as browser:
        tasks = sign_in_to_tasks(browser, platform, HUSBAND)
        consent_url = link(tasks, r'href="([^"]*/members/\d+/consent)"', platform)
        page = browser.get(consent_url)
        tasks = browser.post(
            consent_url,
            data={"csrf_token": csrf_of(page.text), "source": ["hukou", "marriage", "education"]},
            follow_redirects=True,
        )
        preview = browser.post(
            link(tasks, r'action="([^"]*/drafts/\d+/backfill)"', platform),
            data={"csrf_token": csrf_of(tasks.text)},
            follow_redirects=True,
        )
        assert "暂时无法查询" in preview.text
        upload_url = link(preview, r'action="([^"]*/preview/\d+/proof)"', platform)
        token = csrf_of(preview.text)

        wrong_type = browser.post(
            upload_url,
            data={"csrf_token": token},
            files={"proof": ("diploma.exe", b"MZ\x90\x00", "application/pdf")},
        )
        assert wrong_type.status_code == 400 and "只能上传 PDF、JPG 或 PNG" in wrong_type.text
        empty = browser.post(upload_url, data={"csrf_token": token})
        assert empty.status_code == 400 and "请选择要上传的证明文件" in empty.text
        too_big = browser.post(
            upload_url,
            data={"csrf_token": token},
            files={"proof": ("big.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024), "application/pdf")},
        )
        assert too_big.status_code == 400 and "不能超过 5 MB" in too_big.text
        done = browser.post(
            upload_url,
            data={"csrf_token": token},
            files={"proof": ("毕业证书.png", PNG, "image/png")},
            follow_redirects=True,
        )
        assert "已上传证明" in done.text and "毕业证书.png" in done.text

        form_page = open_draft_form(browser, platform, tasks)
        household_url = link(tasks, r'href="([^"]*/drafts/\d+/household)"', platform)
        hh = browser.get(household_url)
        browser.post(household_url, data={"csrf_token": csrf_of(hh.text), "member": [WIFE, CHILD]})
        from tests.support.journey import (
            application_fill_and_submit,
            co_applicant_authorises,
            fill_until_check,
        )

        # Submission waits for the adult co-applicant, who signs in and authorises for herself.
        check = fill_until_check(browser, platform, form_page.text)
        assert "欧***（配偶）" in check.text.split('id="waiting-consent"')[1]
        assert "确认并提交申请</button>" not in check.text
        # The applicant invites her by SMS: a wrong number is refused with a reason, the right one is texted
        # a link to 家人邀请我授权 that names the applicant only masked, and the number is not kept.
        invite_url = link(check, r'href="([^"]*/members/\d+/invite)"', platform)
        invite = browser.get(invite_url)
        assert "欧***（配偶）" in invite.text
        wrong = browser.post(invite_url, data={"csrf_token": csrf_of(invite.text), "phone": "2391234"})
        assert wrong.status_code == 400 and "11 位数字" in wrong.text
        sent = browser.post(
            invite_url,
            data={"csrf_token": csrf_of(invite.text), "phone": "139 1234 5678"},
            follow_redirects=True,
        )
        assert "向 139****5678 发送短信邀请（刚刚发送）" in sent.text and "再次发送短信邀请" in sent.text
        live.runtimes["platform"].outbox_worker().run_once()
        with live.runtimes["sandbox"].db.transaction() as session:
            texted = [(m.phone, m.text) for m in session.scalars(select(SmsMessage))]
        assert [phone for phone, _ in texted] == ["13912345678"]
        assert f"{platform}/memberships" in texted[0][1] and "林**申请" in texted[0][1], texted
        # The link in the SMS leads, through sign-in, to the page where she authorises.
        sms_link = re.search(r"(http\S+/memberships)", texted[0][1])
        assert sms_link
        with httpx.Client(timeout=10) as her_phone:
            login_page = her_phone.get(sms_link.group(1), follow_redirects=True)
            form = hidden_fields(login_page.text)
            form.update({"id_number": WIFE, "password": "anju-demo", "action": "login"})
            landed = her_phone.post(str(login_page.url).split("?")[0], data=form, follow_redirects=True)
            assert "<h1>家人邀请我授权</h1>" in landed.text and "林** 把您列为共同申请人" in landed.text
        # Three invitations a day to one person at most: the fourth is refused, saying when to try again.
        for expected in (303, 303, 400):
            again = browser.post(
                invite_url, data={"csrf_token": csrf_of(invite.text), "phone": "13912345678"}
            )
            assert again.status_code == expected
        assert "请明天再试" in again.text
        with live.runtimes["platform"].db.transaction() as session:
            assert "13912345678" not in str(
                [tuple(row) for row in session.execute(select(live.runtimes["platform"].tables.outbox))]
            )
        authorised = co_applicant_authorises(platform, id_number=WIFE)
        assert "授权已记录" in authorised.text

        submitted = application_fill_and_submit(browser, platform, browser.get(str(check.url)).text)
        number = re.search(r'id="application-no">([^<]+)<', submitted.text)
        assert number, submitted.text[:500]

    live.runtimes["platform"].outbox_worker().run_once()
    with httpx.Client(timeout=10) as clerk:
        from tests.support.journey import staff_sign_in

        staff_sign_in(clerk, housing, username="shouli.350100")
        case_page = clerk.get(f"{housing}/staff/cases/{number.group(1)}")
        assert '证明：毕业证书.png（1 KB） <span class="tag">正在从平台获取</span>' in case_page.text
        assert not re.search(r'href="[^"]*/proofs/\d+"', case_page.text)  # no link before the file is here
        assert live.fetch_case_files() == [(number.group(1), "毕业证书.png")]
        case_page = clerk.get(f"{housing}/staff/cases/{number.group(1)}")
        assert "证明：毕业证书.png" in case_page.text and "查询失败" in case_page.text
        proof_link = link(case_page, r'href="([^"]*/proofs/\d+)"', housing)
        download = clerk.get(proof_link)
        assert download.status_code == 200 and download.content == PNG
        assert download.headers["content-type"] == "image/png"
    with httpx.Client(timeout=10) as stranger:
        staff_sign_in(stranger, housing, username="shouli.350200")  # 厦门 staff: not their case
        assert stranger.get(proof_link).status_code == 404


def test_deleting_a_draft_removes_its_data_but_keeps_the_record_of_queries(live: Systems) -> None:
    seed_family(live.runtimes["sandbox"])
    platform = live.settings.base_url("platform")
    with httpx.Client(timeout=10) as browser:
        tasks = sign_in_to_tasks(browser, platform, HUSBAND)
        consent_url = link(tasks, r'href="([^"]*/members/\d+/consent)"', platform)
        page = browser.get(consent_url)
        tasks = browser.post(
            consent_url, data={"csrf_token": csrf_of(page.text), "source": ["hukou"]}, follow_redirects=True
        )
        browser.post(
            link(tasks, r'action="([^"]*/drafts/\d+/backfill)"', platform),
            data={"csrf_token": csrf_of(tasks.text)},
        )
        confirm = browser.get(link(tasks, r'href="([^"]*/drafts/\d+/delete)"', platform))
        assert "不能恢复" in confirm.text
        done = browser.post(
            link(confirm, r'action="([^"]*/drafts/\d+/delete)"', platform),
            data={"csrf_token": csrf_of(confirm.text)},
            follow_redirects=True,
        )
        assert "草稿已删除" in done.text and "继续填写" not in done.text
        assert "户籍信息" in browser.get(f"{platform}/my/data-log").text  # the query stays on record
        assert "已于" in browser.get(f"{platform}/consents").text  # the consent is revoked, not erased
        assert browser.get(str(tasks.url)).status_code == 404
    from sqlalchemy import select

    from anju.platform.models import BackfillResult, DraftAnswer

    with live.runtimes["platform"].db.transaction() as session:
        assert session.scalars(select(DraftAnswer)).all() == []
        assert {r.payload_enc for r in session.scalars(select(BackfillResult))} == {""}
