"""The sandbox's 办件库 checks every record against the national element list (standards.md §6.4) and
refuses, saying which element, what the real one would refuse."""

from __future__ import annotations

from tests.conftest import Systems
from tests.support.signed import signed_post


def test_the_office_refuses_a_record_that_breaks_the_element_list(live: Systems) -> None:
    envelope = {
        "record_id": "X-001-result",
        "kind": "result",
        "record": {"project_no": "G" * 51, "result_date": "2026-12-06 10:00:00", "result_type": "02"},
    }
    refused = signed_post(
        live.client("sandbox"),
        as_system=live.runtimes["housing"],
        path="/v1/banjian/records",
        payload=envelope,
    )
    assert refused.status_code == 422 and "project_no" in refused.json()["error"]["message"]
    envelope["record"] = {"project_no": "GZF-1", "result_date": "2026-12-06", "result_type": "2"}
    refused = signed_post(
        live.client("sandbox"),
        as_system=live.runtimes["housing"],
        path="/v1/banjian/records",
        payload=envelope,
    )
    assert refused.status_code == 422 and "result_date" in refused.json()["error"]["message"]
