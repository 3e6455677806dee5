"""The waiting list in order (issue 19): priority groups by the city's dated rule, then the date of
approval; computed when read, so a birthday or a checked fact moves a household the same day. Published
with masked names and no ID numbers; a household's own place goes to the platform for its applicant."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from anju.housing.allocation.waitlist import (
    PriorityRefused,
    priority_record,
    priority_withdraw,
    waitlist_page,
    waitlist_rule,
)
from anju.housing.models import Case
from tests.conftest import Systems
from tests.housing.households.test_conflicts import receive
from tests.housing.staff.test_permissions_staff_scope import sign_in
from tests.support.journey import csrf_of
from tests.support.signed import signed_get

PEOPLE = {  # name → a valid ID number of that birth date
    "林晓峰": "350102199203150519",
    "王𠈌": "350182198802290158",
    "陈美华": "350203198507080422",
    "黄丽": "35030219930217068X",
    "刘志明": "350121199111300574",
    "林秀珠": "350103195105060200",
}


def waiting(
    systems: Systems,
    n: int,
    name: str,
    *,
    approved: date,
    group: str = "low_income",
    eldest: date | None = None,
    city: str = "350100",
) -> str:
    """A received case put on the waiting list (test set-up: the state under test)."""
    case_no = receive(systems, f"GZF-{city}-20260101-{n:06d}", (name, PEOPLE[name]), city=city)
    with systems.runtimes["housing"].db.transaction() as session:
        case = session.scalars(select(Case).where(Case.case_no == case_no)).one()
        case.status, case.applicant_group, case.waitlist_no = "waitlisted", group, n
        case.decided_at = datetime(approved.year, approved.month, approved.day, 2, tzinfo=UTC)
        if eldest is not None:
            case.eldest_born_on = eldest
    return case_no


def order(systems: Systems, on: date, city: str = "350100") -> list[tuple[str, str]]:
    with systems.runtimes["housing"].db.transaction() as session:
        standings, total = waitlist_page(session=session, city_code=city, on=on, offset=0, limit=50)
    assert total == len(standings) and [s.position for s in standings] == list(range(1, total + 1))
    return [(s.case.applicant_name, s.group) for s in standings]


def record(systems: Systems, case_no: str, fact: str, proof: str = "残疾人证（已核验原件）") -> int:
    with systems.runtimes["housing"].db.transaction() as session:
        case = session.scalars(select(Case).where(Case.case_no == case_no)).one()
        return priority_record(session=session, case=case, fact=fact, proof=proof, actor="shenhe.350100").id


def test_groups_come_first_then_approval_and_a_birthday_moves_a_household_that_day(systems: Systems) -> None:
    waiting(systems, 1, "林晓峰", approved=date(2026, 10, 1))
    waiting(systems, 2, "王𠈌", approved=date(2026, 11, 1), group="dibao")
    waiting(systems, 3, "陈美华", approved=date(2026, 9, 1), eldest=date(1966, 12, 8))
    disabled = waiting(systems, 4, "黄丽", approved=date(2026, 11, 15))
    waiting(systems, 5, "刘志明", approved=date(2026, 8, 1), city="350200")  # another city's list
    record(systems, disabled, "disabled")
    assert order(systems, date(2026, 12, 7)) == [
        ("王𠈌", "城镇低保、特困家庭"),
        ("黄丽", "家庭成员中有持证残疾人"),
        ("陈美华", ""),  # 59 today: by approval date
        ("林晓峰", ""),
    ]
    assert order(systems, date(2026, 12, 8))[1] == ("陈美华", "家庭成员中有 60 周岁以上老年人")
    with systems.runtimes["housing"].db.transaction() as session:
        case = session.scalars(select(Case).where(Case.case_no == disabled)).one()
        priority_withdraw(
            session=session, case=case, priority_id=_fact_id(session, case), actor="shenhe.350100"
        )
    assert [name for name, _ in order(systems, date(2026, 12, 7))] == ["王𠈌", "陈美华", "林晓峰", "黄丽"]
    assert order(systems, date(2026, 12, 7), city="350200") == [("刘志明", "")]


def _fact_id(session: Any, case: Case) -> int:
    from anju.housing.allocation.models import CasePriority

    return int(session.scalars(select(CasePriority.id).where(CasePriority.case_id == case.id)).one())


def test_a_fact_needs_its_proof_named_and_is_recorded_once(systems: Systems) -> None:
    case_no = waiting(systems, 1, "林晓峰", approved=date(2026, 10, 1))
    for fact, proof, why in (
        ("income", "残疾人证（已核验原件）", "请选择"),
        ("veteran", "证", "请写明核验的证件或证明"),
    ):
        with pytest.raises(PriorityRefused, match=why):
            record(systems, case_no, fact, proof)
    record(systems, case_no, "veteran", "优待证（已核验原件）")
    with pytest.raises(PriorityRefused, match="已登记为优抚对象"):
        record(systems, case_no, "veteran", "优待证（已核验原件）")


def test_every_city_has_a_dated_rule_marked_provisional_until_confirmed() -> None:
    from anju.core import regions

    for city in regions.jurisdictions():
        rule = waitlist_rule(city.code, date(2026, 12, 7))
        assert rule.provisional and rule.source.startswith("待核实")
        assert [p.code for p in rule.priorities] == ["dibao", "elderly", "disabled", "veteran"]
    with pytest.raises(ValueError, match="no waiting-list rule"):
        waitlist_rule("350100", date(2024, 9, 30))


def test_the_published_list_and_a_households_place_name_nobody_in_full(systems: Systems) -> None:
    waiting(systems, 1, "林晓峰", approved=date(2026, 10, 1))
    mine = waiting(systems, 2, "王𠈌", approved=date(2026, 11, 1), group="dibao")
    housing, platform = systems.client("housing"), systems.runtimes["platform"]
    listed = signed_get(housing, as_system=platform, path="/v1/waitlists/350100?page_size=1&page=2")
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert body["total"] == 2 and body["pages"] == 2 and body["rule"]["provisional"] is True
    (entry,) = body["entries"]
    assert entry["position"] == 2 and entry["name"] == "林**" and entry["waitlist_no"] == 1
    assert "350102199203150519" not in listed.text and "林晓峰" not in listed.text
    mine_now = signed_get(housing, as_system=platform, path=f"/v1/waitlists/350100/cases/{mine}", case=mine)
    assert mine_now.status_code == 200
    assert (mine_now.json()["position"], mine_now.json()["total"]) == (1, 2)
    assert mine_now.json()["group"] == "城镇低保、特困家庭"
    receive(systems, "GZF-350100-20261201-000009", ("林秀珠", PEOPLE["林秀珠"]))
    not_waiting = signed_get(
        housing, as_system=platform, path="/v1/waitlists/350100/cases/GZF-350100-20261201-000009"
    )
    assert not_waiting.status_code == 404 and not_waiting.json()["error"]["code"] == "not_waiting"
    assert signed_get(housing, as_system=platform, path="/v1/waitlists/350102").status_code == 404
    assert (
        signed_get(housing, as_system=systems.runtimes["sandbox"], path="/v1/waitlists/350100").status_code
        == 403
    )


def test_reviewers_record_a_fact_on_the_case_page_and_the_list_shows_it(systems: Systems) -> None:
    case_no = waiting(systems, 1, "林晓峰", approved=date(2026, 10, 1))
    waiting(systems, 2, "陈美华", approved=date(2026, 9, 1))
    reviewer = sign_in(systems, "shenhe.350100")
    page = reviewer.get(f"/staff/cases/{case_no}")
    assert "今天排在第 2 位（共 2 户）" in page.text
    short = reviewer.post(
        f"/staff/cases/{case_no}/priorities",
        data={"csrf_token": csrf_of(page.text), "fact": "disabled", "proof": "有"},
    )
    assert short.status_code == 400 and 'id="priority-error"' in short.text
    done = reviewer.post(
        f"/staff/cases/{case_no}/priorities",
        data={"csrf_token": csrf_of(page.text), "fact": "disabled", "proof": "残疾人证（已核验原件）"},
        follow_redirects=True,
    )
    assert "今天排在第 1 位（共 2 户），家庭成员中有持证残疾人" in done.text
    assert "残疾人证（已核验原件）（shenhe.350100" in done.text
    listed = reviewer.get("/staff/waitlist")
    rows = listed.text.split('id="waitlist"')[1]
    assert rows.index("林**") < rows.index("陈**") and "待核实" in listed.text
    priority_id = re.search(r'id="priority-(\d+)"', done.text).group(1)  # type: ignore[union-attr]
    withdrawn = reviewer.post(
        f"/staff/cases/{case_no}/priorities/{priority_id}/withdraw",
        data={"csrf_token": csrf_of(done.text)},
        follow_redirects=True,
    )
    assert "今天排在第 2 位（共 2 户）" in withdrawn.text and "<s>持证残疾人</s>" in withdrawn.text
    again = reviewer.post(
        f"/staff/cases/{case_no}/priorities/{priority_id}/withdraw", data={"csrf_token": csrf_of(done.text)}
    )
    assert again.status_code == 409 and "没有这项登记，或已撤销" in again.text
    auditor = sign_in(systems, "shenji.350100")
    refused = auditor.post(
        f"/staff/cases/{case_no}/priorities",
        data={
            "csrf_token": csrf_of(auditor.get("/staff/waitlist").text),
            "fact": "veteran",
            "proof": "优待证（已核验）",
        },
    )
    assert refused.status_code == 403
