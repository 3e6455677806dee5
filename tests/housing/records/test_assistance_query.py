"""保障性住房信息查询 (housing's own register): per person, the tenancies and subsidies on record, current
or ended, looked up by blind index; only the platform may ask, and it must say why."""

from __future__ import annotations

from datetime import date

from anju.housing.records.service import assistance_record_add
from tests.conftest import Systems
from tests.support.signed import signed_post

TENANT, NOBODY = "350102199203150519", "350203198507080422"


def ask(systems: Systems, persons: list[str], fields: list[str] | None = None) -> object:
    return signed_post(
        systems.client("housing"),
        as_system=systems.runtimes["platform"],
        path="/v1/assistance/query",
        payload={"persons": persons, "fields": fields or ["records"]},
    )


def test_each_person_is_answered_with_current_and_ended_assistance(systems: Systems) -> None:
    housing = systems.runtimes["housing"]
    with housing.db.transaction() as session:
        for kind, start, end in (
            ("rent_subsidy", date(2020, 1, 1), date(2022, 12, 31)),
            ("public_rental", date(2023, 3, 1), None),
        ):
            assistance_record_add(
                session=session,
                id_number=TENANT,
                index=housing.blind_index,
                city_code="350100",
                kind=kind,
                valid_from=start,
                valid_to=end,
            )
    response = ask(systems, [TENANT, NOBODY])
    assert response.status_code == 200
    tenant, nobody = response.json()["records"]
    assert nobody == {"id_number": NOBODY, "found": False, "fields": {}}
    kinds = {(r["kind"], r["current"], r["city"]) for r in tenant["fields"]["records"]}
    assert kinds == {("rent_subsidy", False, "福州市"), ("public_rental", True, "福州市")}


def test_an_unknown_field_is_refused(systems: Systems) -> None:
    refused = ask(systems, [TENANT], ["records", "income"])
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "field_unknown"


def test_a_query_that_does_not_say_why_is_refused(systems: Systems) -> None:
    unsaid = signed_post(
        systems.client("housing"),
        as_system=systems.runtimes["platform"],
        path="/v1/assistance/query",
        payload={"persons": [TENANT], "fields": ["records"]},
        purpose="",
    )
    assert unsaid.status_code == 400 and unsaid.json()["error"]["code"] == "purpose_missing"
