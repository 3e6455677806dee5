"""Housing's eligibility API refuses what is not a household with a clear error, never a crash."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Systems
from tests.support.signed import signed_post

PERSON = {
    "role": "applicant",
    "relation": "本人",
    "name": "林晓峰",
    "id_number": "350102199203150519",
    "birth_date": "1992-03-15",
}
EVIDENCE = {
    "id_number": "350102199203150519",
    "source": "hukou",
    "status": "found",
    "fields": {"county_code": "350102"},  # no moved_in date: the hukou years are unknown, not a crash
    "fetched_at": "2026-11-27T02:00:00+00:00",
}


@pytest.mark.parametrize(
    "payload",
    [
        {"city_code": "", "on": "2026-11-27", "household": [PERSON], "evidence": [{}]},
        {"city_code": "350100", "on": "2026-11-27", "household": [{}]},
        {"city_code": "350100", "on": "2026-11-27", "household": []},
        {"city_code": "350100", "on": "2026-11-27", "household": [PERSON], "answers": {"x": 1}},
        {
            "city_code": "350100",
            "on": "2026-11-27",
            "household": [PERSON],
            "evidence": [{**EVIDENCE, "fields": {"permits": [{}]}, "source": "residence_permit"}],
        },
        {"city_code": "999999", "on": "2026-11-27", "household": [PERSON]},
    ],
    ids=[
        "empty-evidence",
        "empty-person",
        "no-household",
        "unknown-answers",
        "bad-register-fields",
        "not-a-city",
    ],
)
def test_a_pre_check_that_is_not_a_household_is_refused_with_a_code(
    systems: Systems, payload: dict[str, Any]
) -> None:
    response = signed_post(
        systems.client("housing"),
        as_system=systems.runtimes["platform"],
        path="/v1/eligibility/pre-checks",
        payload=payload,
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] in ("invalid_request", "situation_invalid")


def test_a_pre_check_with_partial_register_fields_is_evaluated(systems: Systems) -> None:
    response = signed_post(
        systems.client("housing"),
        as_system=systems.runtimes["platform"],
        path="/v1/eligibility/pre-checks",
        payload={"city_code": "350100", "on": "2026-11-27", "household": [PERSON], "evidence": [EVIDENCE]},
    )
    assert response.status_code == 200, response.text
    assert response.json()["groups"]["low_income"]["outcome"] in ("undetermined", "not_eligible")
