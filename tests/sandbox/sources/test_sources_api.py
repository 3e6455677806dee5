"""The sandbox's partner interfaces: whole household per call, only the fields asked, logged, faultable."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from anju.core.crypto import sm3_hex
from anju.core.elicence import licence_identifier_parse
from anju.sandbox.sources.models import SourceQueryLog
from tests.conftest import Systems
from tests.support.factories import HUSBAND, WIFE, seed_family
from tests.support.signed import signed_post

NOBODY = "350203198507080422"


@pytest.fixture
def household(systems: Systems) -> Systems:
    """A married couple and their child in one hukou book in 鼓楼区, with a degree, insurance and a sold home."""
    seed_family(systems.runtimes["sandbox"])
    return systems


def query(systems: Systems, source: str, persons: list[str], fields: list[str], **kw: Any) -> Any:
    return signed_post(
        systems.client("sandbox"),
        as_system=systems.runtimes["platform"],
        path=f"/v1/sources/{source}/query",
        payload={"persons": persons, "fields": fields},
        **kw,
    )


def test_hukou_answers_for_the_household_with_only_the_fields_asked(household: Systems) -> None:
    response = query(household, "hukou", [HUSBAND, WIFE, NOBODY], ["name", "relation", "book_members"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["department"] == "福建省公安厅"
    husband, wife, nobody = body["records"]
    assert husband["fields"]["name"] == "林晓峰" and husband["fields"]["relation"] == "户主"
    assert set(husband["fields"]) == {
        "name",
        "relation",
        "book_members",
    }  # nothing else (no birth date, address)
    assert [m["name"] for m in husband["fields"]["book_members"]] == ["林晓峰", "欧阳娜娜", "林小满"]
    assert wife["fields"]["relation"] == "配偶"
    assert nobody == {"id_number": NOBODY, "found": False, "fields": {}}


def test_marriage_is_consistent_both_ways(household: Systems) -> None:
    records = query(
        household, "marriage", [HUSBAND, WIFE], ["status", "spouse_id_number", "spouse_name"]
    ).json()["records"]
    assert records[0]["fields"] == {"status": "已婚", "spouse_id_number": WIFE, "spouse_name": "欧阳娜娜"}
    assert records[1]["fields"]["spouse_id_number"] == HUSBAND


def test_insurance_months_stop_before_the_current_month(household: Systems) -> None:
    months = query(household, "social_insurance", [HUSBAND], ["contributions"]).json()["records"][0][
        "fields"
    ]["contributions"]
    assert months[0]["month"] == "2025-01"
    assert all(m["month"] < date.today().strftime("%Y-%m") for m in months)  # the span runs to 2026-12
    assert {m["base_fen"] for m in months} == {600000}


def test_sold_homes_carry_their_transfer_date(household: Systems) -> None:
    homes = query(household, "property", [WIFE], ["homes"]).json()["records"][0]["fields"]["homes"]
    assert homes == [
        {
            "city_code": "350100",
            "address": "福州市仓山区南江滨西大道 8 号",
            "area_centi_m2": 8950,
            "acquired_on": "2018-03-01",
            "disposed_on": "2024-11-01",
        }
    ]


def test_elicences_have_valid_gb_t_36904_identifiers(household: Systems) -> None:
    licences = query(household, "elicence", [HUSBAND], ["licences"]).json()["records"][0]["fields"][
        "licences"
    ]
    assert {lic["name"] for lic in licences} == {"居民身份证", "居民户口簿", "结婚证", "毕业证书"}
    for lic in licences:
        assert (
            licence_identifier_parse(lic["identifier"]).type_code == lic["type_code"]
        )  # strict check passes


def test_every_query_is_logged_with_who_why_and_which_case(household: Systems) -> None:
    query(household, "education", [HUSBAND], ["degrees"])
    with household.runtimes["sandbox"].db.transaction() as session:
        [row] = session.scalars(select(SourceQueryLog)).all()
        assert (row.source, row.caller, row.purpose, row.outcome, row.persons) == (
            "education",
            "platform",
            "测试",
            "answered",
            1,
        )
        assert row.subject_hashes == sm3_hex(HUSBAND.encode())
        assert HUSBAND not in row.subject_hashes  # the department's log keeps no clear ID numbers


def test_unknown_field_and_unknown_source_are_refused(household: Systems) -> None:
    bad = query(household, "hukou", [HUSBAND], ["name", "income"])
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "field_unknown" and bad.json()["error"]["details"] == {
        "fields": ["income"]
    }
    assert query(household, "horoscope", [HUSBAND], ["name"]).status_code == 404


def test_invalid_id_number_in_the_household_is_refused(household: Systems) -> None:
    response = query(household, "hukou", ["350102199203150510"], ["name"])
    assert response.status_code == 422
    assert "id_check_digit" in response.text


def test_faults_can_be_set_at_run_time(household: Systems) -> None:
    client = household.client("sandbox")
    assert client.put("/admin/faults/education", json={"no_record": True}).status_code == 200
    assert query(household, "education", [HUSBAND], ["degrees"]).json()["records"][0]["found"] is False
    client.put("/admin/faults/education", json={"no_record": False, "error_rate": 1.0})
    failed = query(household, "education", [HUSBAND], ["degrees"])
    assert failed.status_code == 503 and failed.json()["error"]["code"] == "source_unavailable"
    client.put("/admin/faults/education", json={"error_rate": 0.0, "malformed": True})
    garbage = query(household, "education", [HUSBAND], ["degrees"])
    assert garbage.status_code == 200
    with pytest.raises(ValueError):
        garbage.json()
    client.put("/admin/faults/education", json={"malformed": False, "latency_ms": 300})
    started = time.monotonic()
    assert query(household, "education", [HUSBAND], ["degrees"]).status_code == 200
    assert time.monotonic() - started >= 0.3
    assert (
        client.put("/admin/faults/education", json={"wobble": 1}).json()["error"]["code"] == "fault_invalid"
    )
    assert client.delete("/admin/faults").json() == {"status": "healthy"}
    assert client.get("/admin/faults").json() == {}
    with household.runtimes["sandbox"].db.transaction() as session:
        outcomes = session.scalars(select(SourceQueryLog.outcome).order_by(SourceQueryLog.id)).all()
    assert outcomes == ["answered", "fault:error", "fault:malformed", "answered"]
