"""The case trail query: the platform (and only the platform) can ask housing what it holds of a case."""

from __future__ import annotations

from tests.conftest import Systems
from tests.support.factories import case_submission
from tests.support.signed import signed_get, signed_post


def test_the_platform_reads_a_received_case_with_every_step_and_others_are_refused(systems: Systems) -> None:
    client = systems.client("housing")
    platform = systems.runtimes["platform"]
    submission = case_submission()
    case_no = submission["case_no"]
    assert signed_post(client, as_system=platform, path="/v1/cases", payload=submission).status_code == 201
    trail = signed_get(client, as_system=platform, path=f"/v1/cases/{case_no}", case=case_no)
    assert trail.status_code == 200, trail.text
    body = trail.json()
    assert body["case_no"] == case_no and body["status"] == "submitted" and body["received_at"]
    assert [(e["seq"], e["event"], e["status"]) for e in body["events"]] == [(1, "receive", "submitted")]
    assert body["events"][0]["office"]  # the office that handles it, as the applicant is told
    assert "id_number" not in trail.text and submission["applicant"]["id_number"] not in trail.text

    unknown = signed_get(client, as_system=platform, path="/v1/cases/FJ-NOT-THERE")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "case_unknown"
    stranger = signed_get(client, as_system=systems.runtimes["sandbox"], path=f"/v1/cases/{case_no}")
    assert stranger.status_code == 403 and "无权查询办件" in stranger.json()["error"]["message"]
    unsigned = client.get(f"/v1/cases/{case_no}")
    assert unsigned.status_code == 401
