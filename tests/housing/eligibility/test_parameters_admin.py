"""A city administrator adds a dated parameter value (history kept); it decides from its date only."""

from __future__ import annotations

from datetime import date

from anju.housing.eligibility.admin import parameters_in_force
from tests.conftest import Systems
from tests.housing.staff.test_staff_console import signed_in_client
from tests.support.journey import csrf_of


def test_an_administrator_adds_a_dated_value_and_nothing_is_overwritten(systems: Systems) -> None:
    admin = signed_in_client(systems, "guanli.350100")
    page = admin.get("/staff/parameters")
    assert page.status_code == 200 and "福州市申请条件参数" in page.text and "待核实" in page.text
    form = {
        "csrf_token": csrf_of(page.text),
        "name": "reference_income_yuan",
        "value": "66000",
        "source": "福州市统计公报（2026）",
    }

    refused = admin.post("/staff/parameters", data={**form, "effective_from": "2024-10-01"})
    assert refused.status_code == 400 and "不能覆盖" in refused.text
    bad = admin.post("/staff/parameters", data={**form, "effective_from": "2026-02-30"})
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.text
    negative = admin.post("/staff/parameters", data={**form, "value": "-1", "effective_from": "2027-01-01"})
    assert negative.status_code == 400 and "大于 0" in negative.text

    added = admin.post(
        "/staff/parameters", data={**form, "effective_from": "2027-01-01"}, follow_redirects=True
    )
    assert "已新增参数值" in added.text and "66000（2027-01-01 起 · 福州市统计公报（2026））" in added.text
    assert "60000（2024-10-01 起" in added.text  # the history stays

    with systems.runtimes["housing"].db.transaction() as session:
        params = parameters_in_force(session=session, city_code="350100")
    assert params.in_force("reference_income_yuan", date(2026, 12, 31)).value == 60000
    assert params.in_force("reference_income_yuan", date(2027, 1, 1)).value == 66000
    assert params.ruleset(date(2026, 12, 31)) != params.ruleset(date(2027, 1, 1))


def test_only_the_city_administrator_adds_values_and_each_city_sees_its_own(systems: Systems) -> None:
    clerk = signed_in_client(systems, "shouli.350100")
    page = clerk.get("/staff/parameters")
    assert page.status_code == 200 and "新增一个参数值" not in page.text
    refused = clerk.post(
        "/staff/parameters",
        data={
            "csrf_token": csrf_of(page.text),
            "name": "hukou_years",
            "value": "2",
            "effective_from": "2027-01-01",
            "source": "某某文件〔2026〕1号",
        },
    )
    assert refused.status_code == 403
    xiamen = signed_in_client(systems, "guanli.350200").get("/staff/parameters")
    assert "厦门市申请条件参数" in xiamen.text and "78000" in xiamen.text
