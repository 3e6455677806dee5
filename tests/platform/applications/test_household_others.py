"""Adding family members who are not in the applicant's hukou book (add-to-a-list), and taking them off."""

from __future__ import annotations

import httpx

from anju.core import idcard
from tests.conftest import Systems
from tests.platform.consent.test_consent_pages import link, sign_in_to_tasks
from tests.support.factories import CHILD, HUSBAND, WIFE, seed_family
from tests.support.journey import csrf_of

MOTHER = "350102196501010" + "02"
MOTHER += idcard.check_digit(MOTHER)


def household_page(browser: httpx.Client, platform: str) -> tuple[str, httpx.Response]:
    tasks = browser.get(f"{platform}/applications/new", follow_redirects=True)
    url = link(tasks, r'href="([^"]*/drafts/\d+/household)"', platform)
    return url, browser.get(url)


def test_a_parent_registered_elsewhere_is_added_checked_and_removed(live: Systems) -> None:
    seed_family(live.runtimes["sandbox"])
    platform = live.settings.base_url("platform")
    with httpx.Client(timeout=10) as browser:
        tasks = sign_in_to_tasks(browser, platform, HUSBAND)
        consent_url = link(tasks, r'href="([^"]*/members/\d+/consent)"', platform)
        consent = browser.get(consent_url)
        done = browser.post(
            consent_url,
            data={"csrf_token": csrf_of(consent.text), "source": ["hukou", "marriage"]},
            follow_redirects=True,
        )
        browser.post(
            link(done, r'action="([^"]*/drafts/\d+/backfill)"', platform),
            data={"csrf_token": csrf_of(done.text)},
            follow_redirects=True,
        )
        url, page = household_page(browser, platform)
        assert "添加不在您户口簿上的家庭成员" in page.text and 'class="member-list"' not in page.text
        add = url + "/others"

        # Every bad answer is named, the page comes back with what was typed kept (and escaped).
        bad = browser.post(
            add,
            data={
                "csrf_token": csrf_of(page.text),
                "name": "<script>alert(1)</script>",
                "id_number": MOTHER[:-1] + ("0" if MOTHER[-1] != "0" else "1"),
                "relation": "",
            },
        )
        assert bad.status_code == 400
        assert (
            "姓名只能包含汉字" in bad.text
            and "校验位不正确" in bad.text
            and "请选择与申请人的关系" in bad.text
        )
        assert "<script>alert(1)</script>" not in bad.text and "&lt;script&gt;" in bad.text
        assert 'href="#other-id_number"' in bad.text  # the error summary links to the field

        # Someone already in the hukou book is chosen there, not typed again.
        in_book = browser.post(
            add,
            data={"csrf_token": csrf_of(page.text), "name": "林小宝", "id_number": CHILD, "relation": "子女"},
        )
        assert in_book.status_code == 400 and "在您的户口簿上" in in_book.text

        added = browser.post(
            add,
            data={
                "csrf_token": csrf_of(page.text),
                "name": "陈美玉",
                "id_number": MOTHER,
                "relation": "父母",
            },
            follow_redirects=True,
        )
        assert added.status_code == 200
        assert "陈**（父母" in added.text and MOTHER not in added.text  # masked on screen
        again = browser.post(
            add,
            data={
                "csrf_token": csrf_of(page.text),
                "name": "陈美玉",
                "id_number": MOTHER,
                "relation": "父母",
            },
        )
        assert again.status_code == 400 and "已经在申请人名单中" in again.text

        # Saving the hukou-book choice keeps the member added by hand.
        chosen = browser.post(
            url, data={"csrf_token": csrf_of(page.text), "member": [WIFE, CHILD]}, follow_redirects=True
        )
        assert chosen.status_code == 200
        _, page = household_page(browser, platform)
        assert "陈**（父母" in page.text

        remove = link(page, r'action="([^"]*/household/others/\d+/remove)"', platform)
        gone = browser.post(remove, data={"csrf_token": csrf_of(page.text)}, follow_redirects=True)
        assert 'class="member-list"' not in gone.text and "陈**（父母" not in gone.text
