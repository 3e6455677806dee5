"""Housing's intake API: signed, idempotent, and clear about every refusal."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from anju.core import signing
from anju.housing.models import Case
from tests.conftest import Systems
from tests.support.factories import case_submission
from tests.support.signed import signed_post

submission = case_submission


def case_count(systems: Systems) -> int:
    with systems.runtimes["housing"].db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(Case)) or 0)


def test_signed_case_is_stored_once_and_the_answer_is_signed(systems: Systems) -> None:
    client = systems.client("housing")
    platform = systems.runtimes["platform"]
    first = signed_post(client, as_system=platform, path="/v1/cases", payload=submission(), message_id="m-1")
    assert first.status_code == 201, first.text
    assert first.json()["status"] == "submitted"
    assert first.json()["duplicate"] is False
    signing.verify_response(
        status_code=first.status_code,
        headers=first.headers,
        body=first.content,
        request_nonce=first.request.headers[signing.HEADER_NONCE],
        registry=platform.registry,
        expected_responder="housing",
    )
    again = signed_post(client, as_system=platform, path="/v1/cases", payload=submission(), message_id="m-1")
    assert again.status_code == 200 and again.json()["duplicate"] is True
    other_message = signed_post(
        client, as_system=platform, path="/v1/cases", payload=submission(), message_id="m-2"
    )
    assert other_message.status_code == 200 and other_message.json()["duplicate"] is True
    assert case_count(systems) == 1
    with systems.runtimes["housing"].db.transaction() as session:
        case = session.scalar(select(Case))
        assert case is not None
        assert case.applicant_name == "王𠈌"  # extension-B character kept as given
        assert "350182198802290158" not in case.applicant_id_enc  # encrypted at rest


def test_invalid_id_number_is_refused_with_the_field_named(systems: Systems) -> None:
    bad = submission(
        applicant={
            "name": "林晓峰",
            "id_number": "350102199203150510",
            "phone": "13805910001",
            "real_name_level": 3,
        }
    )
    response = signed_post(
        systems.client("housing"), as_system=systems.runtimes["platform"], path="/v1/cases", payload=bad
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert any(
        d["field"] == "applicant.id_number" and "id_check_digit" in d["problem"] for d in error["details"]
    )
    assert case_count(systems) == 0


def test_district_outside_city_is_refused(systems: Systems) -> None:
    response = signed_post(
        systems.client("housing"),
        as_system=systems.runtimes["platform"],
        path="/v1/cases",
        payload=submission(district_code="350203"),
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "district_outside_city"


def test_forged_signature_is_refused(systems: Systems) -> None:
    forger = signing.generate_keypair()  # not the platform's registered key
    response = signed_post(
        systems.client("housing"),
        as_system=systems.runtimes["platform"],
        path="/v1/cases",
        payload=submission(),
        private_key=forger,
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "signature_invalid"
    assert case_count(systems) == 0


def test_tampered_body_is_refused(systems: Systems) -> None:
    tampered = submission(household_size=9)
    import json

    response = signed_post(
        systems.client("housing"),
        as_system=systems.runtimes["platform"],
        path="/v1/cases",
        payload=submission(),
        tamper_body=json.dumps(tampered, ensure_ascii=False).encode(),
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "signature_invalid"


def test_stale_timestamp_is_refused(systems: Systems) -> None:
    response = signed_post(
        systems.client("housing"),
        as_system=systems.runtimes["platform"],
        path="/v1/cases",
        payload=submission(),
        now=time.time() - 301,
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "timestamp_stale"


def test_replayed_nonce_is_refused(systems: Systems) -> None:
    client, platform = systems.client("housing"), systems.runtimes["platform"]
    first = signed_post(
        client, as_system=platform, path="/v1/cases", payload=submission(), nonce="replay-nonce-000001"
    )
    assert first.status_code == 201
    replay = signed_post(
        client,
        as_system=platform,
        path="/v1/cases",
        payload=submission(case_no="GZF-350100-20261127-000002"),
        nonce="replay-nonce-000001",
    )
    assert replay.status_code == 401
    assert replay.json()["error"]["code"] == "nonce_replayed"
    assert case_count(systems) == 1  # what was saved is still there, nothing new


def test_unsigned_request_is_refused(systems: Systems) -> None:
    response = systems.client("housing").post("/v1/cases", json=submission())
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "signature_missing"


def test_a_system_that_may_not_submit_cases_is_refused(systems: Systems) -> None:
    response = signed_post(
        systems.client("housing"),
        as_system=systems.runtimes["sandbox"],
        path="/v1/cases",
        payload=submission(),
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "caller_not_allowed"
