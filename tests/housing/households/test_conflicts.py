"""One household, one application (issue 19): a person already in another live case (any city, as applicant
or co-applicant), housed or subsidised, or within a city's waiting period after a refusal or an exit, is
found by the blind index — asked by the platform over signed HTTP, and shown to the reviewer at 受理."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from typer.testing import CliRunner

from anju.cli import app as cli
from anju.housing.eligibility.admin import parameter_add
from anju.housing.households.models import CaseMember
from anju.housing.models import Case
from anju.housing.records.service import assistance_record_add
from tests.conftest import Systems
from tests.housing.staff.test_permissions_staff_scope import sign_in
from tests.support.env import cli_env
from tests.support.factories import CHILD, HUSBAND, WIFE, case_submission
from tests.support.signed import signed_post

OTHER = "350182198802290158"  # 王𠈌, of another household
STRANGER = "350203198507080422"


def member(role: str, relation: str, name: str, number: str) -> dict[str, Any]:
    born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    return {
        "role": role,
        "relation": relation,
        "name": name,
        "id_number": number,
        "birth_date": born.isoformat(),
    }


def receive(systems: Systems, case_no: str, *people: tuple[str, str], city: str = "350100") -> str:
    """A case received by housing whose household is these (name, ID number), the first the applicant."""
    district = {"350100": "350102", "350200": "350203"}[city]
    household = [
        member("applicant" if i == 0 else "co_applicant", "本人" if i == 0 else "其他", name, number)
        for i, (name, number) in enumerate(people)
    ]
    applicant = {
        "name": people[0][0],
        "id_number": people[0][1],
        "phone": "13805910001",
        "real_name_level": 3,
    }
    body = case_submission(
        case_no=case_no,
        city_code=city,
        district_code=district,
        applicant=applicant,
        household=household,
        household_size=len(household),
    )
    response = signed_post(
        systems.client("housing"), as_system=systems.runtimes["platform"], path="/v1/cases", payload=body
    )
    assert response.status_code == 201, response.text
    return case_no


def set_status(systems: Systems, case_no: str, status: str, closed: date | None = None) -> None:
    """Test set-up: the other case in the state under test, ended on ``closed`` (Shanghai date)."""
    with systems.runtimes["housing"].db.transaction() as session:
        case = session.scalars(select(Case).where(Case.case_no == case_no)).one()
        case.status = status
        case.closed_at = datetime(closed.year, closed.month, closed.day, 2, tzinfo=UTC) if closed else None


def ask(systems: Systems, persons: list[str], *, city: str = "350100", on: date = date(2026, 12, 7)) -> Any:
    return signed_post(
        systems.client("housing"),
        as_system=systems.runtimes["platform"],
        path="/v1/households/conflicts",
        payload={"city_code": city, "on": on.isoformat(), "persons": persons},
    )


def rules(systems: Systems, persons: list[str], **kwargs: Any) -> list[tuple[str, str]]:
    response = ask(systems, persons, **kwargs)
    assert response.status_code == 200, response.text
    return [(c["id_number"], c["rule"]) for c in response.json()["conflicts"]]


def waiting_period(systems: Systems, name: str, months: str, city: str = "350100") -> None:
    with systems.runtimes["housing"].db.transaction() as session:
        parameter_add(
            session=session,
            city_code=city,
            name=name,
            value=months,
            effective_from="2025-01-01",
            source="测试用文件（榕测〔2025〕1号）",
            actor="guanli.350100",
        )


def test_a_co_applicant_in_a_live_case_in_another_city_is_found(systems: Systems) -> None:
    receive(systems, "GZF-350200-20261120-000001", ("王𠈌", OTHER), ("林晓峰", HUSBAND), city="350200")
    response = ask(systems, [WIFE, HUSBAND, CHILD])
    assert response.status_code == 200
    (found,) = response.json()["conflicts"]
    assert found["id_number"] == HUSBAND and found["rule"] == "live_case"
    assert found["city"] == "厦门市" and found["status"] == "已提交"
    assert "已在另一件公租房申请中（厦门市，2026-11-27 提交，已提交）" in found["explanation"]
    assert "GZF-350200" not in response.text  # the other case's number stays in housing
    assert rules(systems, [WIFE, CHILD]) == []


def test_an_ended_case_is_no_conflict_unless_it_housed_the_household(systems: Systems) -> None:
    receive(systems, "GZF-350100-20261101-000001", ("林晓峰", HUSBAND))
    for status in ("withdrawn", "not_accepted", "rejected"):
        set_status(systems, "GZF-350100-20261101-000001", status, date(2026, 11, 20))
        assert rules(systems, [HUSBAND]) == [], status  # no city here sets a waiting period yet
    set_status(systems, "GZF-350100-20261101-000001", "allocated")
    assert rules(systems, [HUSBAND]) == [(HUSBAND, "live_case")]
    set_status(systems, "GZF-350100-20261101-000001", "closed", date(2026, 11, 25))  # 配租 then 办结
    response = ask(systems, [HUSBAND])
    (found,) = response.json()["conflicts"]
    assert found["rule"] == "current_tenancy" and "2026-11-25 起" in found["explanation"]


def test_the_refusal_waiting_period_ends_on_its_day_and_binds_only_its_city(systems: Systems) -> None:
    receive(systems, "GZF-350100-20260601-000001", ("林晓峰", HUSBAND))
    set_status(systems, "GZF-350100-20260601-000001", "rejected", date(2026, 6, 15))
    waiting_period(systems, "reapply_after_refusal_months", "6")
    response = ask(systems, [HUSBAND], on=date(2026, 12, 14))
    (found,) = response.json()["conflicts"]
    assert found["rule"] == "waiting_period" and found["until"] == "2026-12-15"
    assert found["provisional"] is False  # a city's own value, with its 文号
    assert "在福州市的申请于 2026-06-15 审核未通过" in found["explanation"]
    assert "2026-12-15 前不能在福州市再次申请（等待期 6 个月）" in found["explanation"]
    assert rules(systems, [HUSBAND], on=date(2026, 12, 15)) == []
    assert rules(systems, [HUSBAND], on=date(2026, 12, 14), city="350200") == []  # 厦门 sets none


def test_a_tenancy_is_found_in_any_city_and_its_exit_waits_in_its_own(systems: Systems) -> None:
    housing = systems.runtimes["housing"]
    with housing.db.transaction() as session:
        for number, city, ended in ((WIFE, "350200", None), (HUSBAND, "350100", date(2026, 1, 31))):
            assistance_record_add(
                session=session,
                id_number=number,
                index=housing.blind_index,
                city_code=city,
                kind="public_rental",
                valid_from=date(2023, 3, 1),
                valid_to=ended,
            )
    assert rules(systems, [HUSBAND, WIFE]) == [(WIFE, "current_tenancy")]
    waiting_period(systems, "reapply_after_exit_months", "12")
    assert rules(systems, [HUSBAND, WIFE], on=date(2027, 1, 30)) == [
        (HUSBAND, "waiting_period"),
        (WIFE, "current_tenancy"),
    ]
    assert rules(systems, [HUSBAND], on=date(2027, 1, 31)) == []
    assert rules(systems, [HUSBAND], on=date(2027, 1, 30), city="350200") == []


def test_a_waiting_period_is_whole_months_and_may_be_none(systems: Systems) -> None:
    from anju.housing.eligibility.admin import ParameterRefused

    for bad in ("-1", "1.5", "六"):
        try:
            waiting_period(systems, "reapply_after_refusal_months", bad)
        except ParameterRefused as exc:
            assert "应为" in exc.message
        else:
            raise AssertionError(f"{bad} was taken")
    waiting_period(systems, "reapply_after_refusal_months", "0")  # a city that drops its waiting period


def test_only_the_platform_asks_and_every_bad_question_is_refused_plainly(systems: Systems) -> None:
    refused = signed_post(
        systems.client("housing"),
        as_system=systems.runtimes["sandbox"],
        path="/v1/households/conflicts",
        payload={"city_code": "350100", "on": "2026-12-07", "persons": [HUSBAND]},
    )
    assert refused.status_code == 403
    bad_id = ask(systems, ["350102199203150510"])
    assert bad_id.status_code == 422 and "id_check_digit" in bad_id.text
    not_a_city = ask(systems, [HUSBAND], city="350102")
    assert not_a_city.status_code == 422 and not_a_city.json()["error"]["code"] == "city_unknown"
    assert ask(systems, []).status_code == 422
    unsaid = signed_post(
        systems.client("housing"),
        as_system=systems.runtimes["platform"],
        path="/v1/households/conflicts",
        payload={"city_code": "350100", "on": "2026-12-07", "persons": [HUSBAND]},
        purpose=" ",
    )
    assert unsaid.status_code == 400 and unsaid.json()["error"]["code"] == "purpose_missing"


def test_the_reviewer_sees_the_other_case_linked_only_inside_their_region(systems: Systems) -> None:
    receive(systems, "GZF-350100-20261101-000001", ("王𠈌", OTHER), ("林晓峰", HUSBAND))
    receive(
        systems,
        "GZF-350200-20261102-000001",
        ("黄丽", "35030219930217068X"),
        ("林晓峰", HUSBAND),
        city="350200",
    )
    new = receive(systems, "GZF-350100-20261203-000001", ("林晓峰", HUSBAND), ("陈梅", WIFE))
    page = sign_in(systems, "shouli.350100").get(f"/staff/cases/{new}")
    assert page.status_code == 200
    panel = page.text.split('id="household-conflicts"')[1].split("</div>")[0]
    assert "2 项需核实" in panel and "林*" in panel and "林晓峰" not in panel
    assert 'href="/staff/cases/GZF-350100-20261101-000001"' in panel
    assert "办件 GZF-350200-20261102-000001（不在您负责的辖区" in panel
    assert new not in panel  # the case is not its own conflict
    other = sign_in(systems, "shouli.350100").get("/staff/cases/GZF-350100-20261101-000001")
    assert "GZF-350100-20261203-000001" in other.text  # and the first case shows the newcomer


def test_cases_received_before_the_rule_get_their_members_once(systems: Systems) -> None:
    housing = systems.runtimes["housing"]
    receive(systems, "GZF-350100-20261101-000001", ("王𠈌", OTHER), ("林晓峰", HUSBAND))
    receive(systems, "GZF-350100-20261101-000002", ("陈梅", WIFE))
    with housing.db.transaction() as session:
        session.execute(CaseMember.__table__.delete())  # as before housing migration 0022
    assert rules(systems, [HUSBAND, WIFE]) == []
    first = CliRunner().invoke(cli, ["housing", "members", "--batch", "1"], env=cli_env(systems.settings))
    assert first.exit_code == 0, first.output
    assert "3 member(s) recorded" in first.output
    assert rules(systems, [HUSBAND, WIFE]) == [(HUSBAND, "live_case"), (WIFE, "live_case")]
    again = CliRunner().invoke(cli, ["housing", "members"], env=cli_env(systems.settings))
    assert "0 member(s) recorded" in again.output  # run again: nothing added
    with housing.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(CaseMember)) == 3
