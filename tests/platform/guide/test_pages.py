"""The service guide: the standard elements, conditions made from the city's rules (not retyped), the
materials the registers replace marked 免提交, the limits from housing — as a page and as JSON."""

from __future__ import annotations

import httpx

from tests.conftest import Systems


def test_each_city_has_a_guide_whose_conditions_and_limits_come_from_the_rules(live: Systems) -> None:
    platform = live.settings.base_url("platform")
    fuzhou = httpx.get(f"{platform}/guide/350100.json", timeout=10).json()
    xiamen = httpx.get(f"{platform}/guide/350200.json", timeout=10).json()
    for element in (
        "name",
        "code",
        "type",
        "basis",
        "authority",
        "audience",
        "conditions",
        "materials",
        "process",
        "limits",
        "fee",
        "result",
        "forms",
        "place",
        "consult",
        "complain",
    ):
        assert element in fuzhou, element
    low = next(g for g in fuzhou["conditions"]["groups"] if g["group"] == "low_income")
    assert "家庭人均月收入不高于3,500.00 元（60000 元 × 0.7 ÷ 12）" in low["conditions"]
    assert any(
        "3,900.00 元" in c for g in xiamen["conditions"]["groups"] for c in g["conditions"]
    )  # 厦门's own
    assert fuzhou["authority"] == "福州市住房保障部门" and fuzhou["fee"] == "不收费"
    exempt = {m["name"] for m in fuzhou["materials"]["exempt"]}
    assert {"居民户口簿", "社保缴费证明", "未享受住房保障的证明"} <= exempt
    notice = {s["step"]: s for s in xiamen["limits"]}["public_notice"]
    assert notice["limit"] == 10 and notice["provisional"] is True
    acceptance = {s["step"]: s for s in fuzhou["limits"]}["acceptance"]
    assert acceptance["limit"] == 5 and not acceptance["provisional"]
    assert fuzhou["conditions"]["provisional"] is True  # defaults are flagged, not passed off as official
    deferral = fuzhou["deferral"]  # 容缺受理, housing's rule per city: placeholders, flagged as such
    assert deferral["allowed"] and deferral["period"] == "5 个工作日" and deferral["provisional"] is True
    assert (
        "毕业证书复印件" in deferral["materials"] and "居民户口簿、身份证复印件" not in deferral["materials"]
    )

    page = httpx.get(f"{platform}/guide/350128", timeout=10)
    assert page.status_code == 200 and "平潭综合实验区" in page.text and "免提交" in page.text
    assert "5 个工作日内补交" in page.text and "待核实" in page.text
    assert httpx.get(f"{platform}/guide/110100.json", timeout=10).status_code == 404


def test_the_service_item_in_the_national_element_list_is_made_from_the_guide(live: Systems) -> None:
    """The 实施清单 the province lists and the guide a resident reads come from the same data; no code is
    invented for the item, and what is unconfirmed is listed as such."""
    platform = live.settings.base_url("platform")
    guide = httpx.get(f"{platform}/guide/350100.json", timeout=10).json()
    item = httpx.get(f"{platform}/guide/350100/item.json", timeout=10).json()
    assert (
        item["task_name"] == guide["name"] == "申请公租房一件事" and item["dept_name"] == "福州市住房保障部门"
    )
    assert item["catalog_code"] is None and item["task_code"] is None  # the 省级事项库 assigns them
    assert {"catalog_code", "task_code", "limit_scene_num"} <= set(item["provisional"])
    assert item["anticipate_day"] == 5 and item["promise_steps"] == guide["limits"]
    assert item["project_type"] == "承诺件" and item["is_charge"] is False
    assert item["link_addr"] == f"{platform}/applications/new"
    assert item["mobile_terminal_url"].startswith(f"{platform}/mzt/enter") and item["app_is_single_login"]
    materials = {m["material_name"]: m for m in item["materials"]}
    assert (
        materials["居民户口簿"]["material_form"] == "无需提交"
        and not materials["居民户口簿"]["deferrable_at_window"]
    )
    assert materials["毕业证书复印件"]["deferrable_at_window"]  # 容缺受理 where the city allows it
    assert materials["其他证明材料"]["source_channel"] == "申请人自备"
    assert httpx.get(f"{platform}/guide/110100/item.json", timeout=10).status_code == 404
