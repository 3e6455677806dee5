"""差评回访整改 on housing's side: a bad rating from the platform becomes the office's task (once per
rating), listed for the case's region; the follow-up needs a finding and an action, and goes back to the
rater through the outbox."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import Systems
from tests.housing.staff.test_staff_console import (
    CASE_NO,
    outbox_rows,
    payload_of,
    signed_in_client,
    submit_case,
)
from tests.support.signed import signed_post


def bad_rating(systems: Systems, **changes: Any) -> Any:
    payload = {
        "ref": "EV-7",
        "case_no": CASE_NO,
        "overall": 1,
        "level": "非常不满意",
        "comment": "等了很久",
        **changes,
    }
    return signed_post(
        systems.client("housing"),
        as_system=systems.runtimes["platform"],
        path="/v1/evaluations/bad",
        payload=payload,
    )


def test_a_bad_rating_becomes_one_task_and_its_follow_up_goes_back_to_the_rater(systems: Systems) -> None:
    submit_case(systems)
    first, again = bad_rating(systems), bad_rating(systems)
    assert first.status_code == 201 and again.status_code == 201
    assert first.json()["task"] == again.json()["task"]  # the platform's retry is the same task
    client = signed_in_client(systems, "shouli.350100")
    page = client.get("/staff/follow-ups")
    assert page.status_code == 200 and page.text.count("等了很久") == 1
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    task = first.json()["task"]
    short = client.post(
        f"/staff/follow-ups/{task}",
        data={"csrf_token": csrf.group(1), "finding": "已回访", "action": "rectified"},
    )
    assert short.status_code == 400 and "至少 10 个字" in short.text
    done = client.post(
        f"/staff/follow-ups/{task}",
        data={"csrf_token": csrf.group(1), "finding": "已电话回访，窗口已增派人员。", "action": "rectified"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    sent = [
        payload_of(systems, row) for row in outbox_rows(systems) if row["topic"] == "evaluation.follow_up"
    ]
    assert sent == [
        {
            "ref": "EV-7",
            "finding": "已电话回访，窗口已增派人员。",
            "action": "rectified",
            "done_at": sent[0]["done_at"],
        }
    ]


def test_a_rating_of_an_unknown_case_or_from_another_system_is_refused(systems: Systems) -> None:
    unknown = bad_rating(systems, case_no="GZF-350100-20261127-999999")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "case_unknown"
    submit_case(systems)
    refused = signed_post(
        systems.client("housing"),
        as_system=systems.runtimes["sandbox"],
        path="/v1/evaluations/bad",
        payload={"ref": "EV-8", "case_no": CASE_NO, "overall": 1, "level": "非常不满意"},
    )
    assert refused.status_code == 403 and refused.json()["error"]["message"] == "该系统无权推送评价。"
