"""The whole spine over real HTTP: sign in (OIDC), submit, deliver, accept, see the status come back."""

from __future__ import annotations

import re

import httpx

from tests.conftest import Systems
from tests.support.env import wait_until
from tests.support.journey import applicant_sign_in, application_fill_and_submit, csrf_of, staff_sign_in


def test_applicant_submits_clerk_accepts_and_applicant_sees_it(live: Systems) -> None:
    s = live.settings
    platform, housing = s.base_url("platform"), s.base_url("housing")
    for runtime in (live.runtimes["platform"], live.runtimes["housing"]):
        runtime.start_worker_thread()

    with httpx.Client(timeout=10) as applicant:
        form_page = applicant_sign_in(applicant, platform, id_number="350102199203150519")
        assert form_page.status_code == 200
        assert "申请地区" in form_page.text and "第 1 步" in form_page.text
        # Her own name in full in the header (her own pages); nobody else's is shown in full.
        assert '<span id="signed-in-name">林晓峰</span>' in form_page.text

        done = application_fill_and_submit(applicant, platform, form_page.text)
        assert done.status_code == 200, done.text
        assert "申请已提交" in done.text
        number = re.search(r'id="application-no">([^<]+)<', done.text).group(1)  # type: ignore[union-attr]
        assert re.fullmatch(r"GZF-350100-\d{8}-\d{6}", number)
        assert '<span class="tag" id="current-status">已提交</span>' in done.text

    with httpx.Client(timeout=10) as clerk, httpx.Client(timeout=10) as watcher:
        queue = staff_sign_in(clerk, housing, username="shouli.350100")
        assert queue.status_code == 200
        queue = wait_until(lambda: (r := clerk.get(f"{housing}/staff/")) and number in r.text and r)
        assert "林*" in queue.text
        case_page = clerk.get(f"{housing}/staff/cases/{number}")
        assert "350102********0519" in case_page.text
        assert "138****0001" in case_page.text
        due = re.search(r'id="case-due">(\d{4}-\d{2}-\d{2})', case_page.text).group(1)  # type: ignore[union-attr]

        # Housing's receipt reaches the applicant with the same acceptance deadline the clerk works to.
        applicant_sign_in(watcher, platform, id_number="350102199203150519")

        def received_shown() -> str | None:
            page = watcher.get(f"{platform}/applications/{number}").text
            return page if "已接收，待受理" in page else None

        received = wait_until(received_shown)
        assert f'id="current-due">{due}<' in received
        year, month, day = (int(part) for part in due.split("-"))  # said as words, exact for machines
        assert (
            f'期限 <time datetime="{due}">{year}年{month}月{day}日</time>'
            in received.split('id="timeline"')[1]
        )
        accepted = clerk.post(
            f"{housing}/staff/cases/{number}/events",
            data={"csrf_token": csrf_of(case_page.text), "event": "accept", "confirm": "yes"},
            follow_redirects=True,
        )
        assert accepted.status_code == 200
        assert '<span class="tag" id="case-status">初审中</span>' in accepted.text

    with httpx.Client(timeout=10) as applicant_again:
        # A new browser: sign in again and follow the application.
        applicant_sign_in(applicant_again, platform, id_number="350102199203150519")

        def accepted_shown() -> str | None:
            page = applicant_again.get(f"{platform}/applications/{number}").text
            return page if 'id="current-status">初审中<' in page else None

        page = wait_until(accepted_shown)
        timeline = page.split('id="timeline"')[1]
        assert timeline.index("已提交") < timeline.index("已受理")
        assert "福州市住房保障部门" in timeline
