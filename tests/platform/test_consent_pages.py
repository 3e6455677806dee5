"""The consent → query → check → household pages, as an applicant and a co-applicant use them."""

from __future__ import annotations

import re

import httpx

from tests.conftest import Systems
from tests.support.factories import CHILD, HUSBAND, WIFE, seed_family
from tests.support.journey import _absolute, applicant_sign_in, csrf_of


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
        assert "须本人登录本平台" in saved.text  # the adult wife must authorise herself
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
