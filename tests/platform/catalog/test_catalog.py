"""The unified form as data: consistent, sourced from real register fields, strict on bad values."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from anju.platform.catalog.cli import DEFAULT_OUT
from anju.platform.catalog.service import (
    CATALOG_FILE,
    CatalogError,
    catalog_exports,
    field_check,
    field_required,
    form_catalog,
    form_catalog_load,
)
from anju.sandbox.sources.service import source_list as sandbox_sources

TODAY = date(2026, 11, 27)


def f(code: str):  # type: ignore[no-untyped-def]
    return form_catalog().fields[code]


def test_the_form_covers_every_section_the_province_asked_for() -> None:
    catalog = form_catalog()
    assert list(catalog.sections.values()) == [
        "申请地区",
        "家庭成员",
        "住房状况",
        "财产状况",
        "就业与收入",
        "联系方式",
        "申请类别",
        "承诺与授权",
    ]
    used = {field.section for field in catalog.fields.values()}
    assert used == set(catalog.sections)
    assert catalog.provisional  # nobody has confirmed the form yet: it says so


def test_every_backfilled_field_names_a_field_its_register_really_provides() -> None:
    provided = {code: set(spec.fields) for code, spec in sandbox_sources().items()}
    provided["assistance"] = {"records"}  # housing's 保障性住房信息查询 answers only `records`
    for field in form_catalog().fields.values():
        if field.backfilled:
            register, _, name = field.source.partition(".")
            assert name in provided[register], f"{field.code}: {field.source}"


def test_a_field_naming_a_register_field_nobody_provides_fails_to_load(tmp_path: Path) -> None:
    data = yaml.safe_load(CATALOG_FILE.read_text(encoding="utf-8"))
    data["fields"][3]["source"] = "hukou.horoscope"
    broken = tmp_path / "form.yaml"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogError, match=r"hukou\.horoscope"):
        form_catalog_load(broken)


def test_most_fields_can_come_from_registers() -> None:
    fields = [x for x in form_catalog().fields.values() if x.widget not in ("checkbox", "file")]
    backfilled = [x for x in fields if x.backfilled]
    assert len(backfilled) >= len(fields) // 2


@pytest.mark.parametrize(
    ("code", "raw", "problem"),
    [
        ("id_number", "350102199203150510", "校验位"),
        ("graduated_on", "2024-02-30", "不是有效日期"),
        ("graduated_on", "2030-06-30", "不能晚于今天"),
        ("owned_area", "-12", "不能为负数"),
        ("owned_area", "十二", "应为数字"),
        ("monthly_income", "3500.555", "最多两位小数"),
        ("phone", "138059100011", "11 位手机号码"),
        ("bank_card", "6222021234567890124", "请核对"),
        ("marital_status", "分居", "请从列表中选择"),
        ("insurance_months", "40", "0 到 36"),
        ("current_address", "鼓楼", "至少 5 个字"),
    ],
)
def test_bad_values_are_named_and_kept_for_correction(code: str, raw: str, problem: str) -> None:
    checked = field_check(
        f(code), raw, answers={"applicant_group": "new_graduate", "owns_home": "yes"}, today=TODAY
    )
    assert problem in checked.error
    assert checked.value is None and checked.shown == raw  # the typed text goes back into the box


def test_good_values_are_stored_in_their_canonical_form() -> None:
    assert field_check(f("id_number"), " 35010519950518019x ", today=TODAY).value == "35010519950518019X"
    assert field_check(f("monthly_income"), "3,500.5", today=TODAY).value == 350050  # fen
    assert (
        field_check(f("owned_area"), "89.5", answers={"owns_home": "yes"}, today=TODAY).value == 8950
    )  # 0.01 m²
    assert field_check(f("phone"), "138 0591 0001", today=TODAY).value == "13805910001"
    assert field_check(f("bank_card"), "6222 0212 3456 7890 128", today=TODAY).value == "6222021234567890128"
    assert field_check(f("graduated_on"), "2024-06-30", today=TODAY).value == "2024-06-30"


def test_script_in_a_name_is_kept_as_text_not_run() -> None:
    checked = field_check(f("name"), "<script>alert(1)</script>", today=TODAY)
    assert checked.value == "<script>alert(1)</script>"  # stored as typed; templates escape on output


def test_counties_are_those_of_the_chosen_city() -> None:
    assert field_check(f("district_code"), "350102", answers={"city_code": "350100"}).value == "350102"
    assert (
        "请从列表中选择" in field_check(f("district_code"), "350203", answers={"city_code": "350100"}).error
    )
    assert (
        "请从列表中选择" in field_check(f("district_code"), "350128", answers={"city_code": "350100"}).error
    )  # 平潭 is its own


def test_required_when_follows_the_applicant_group_and_other_answers() -> None:
    assert field_required(f("education_level"), {"applicant_group": "new_graduate"})
    assert not field_required(f("education_level"), {"applicant_group": "low_income"})
    assert field_required(f("owned_area"), {"owns_home": "yes"}) and not field_required(
        f("owned_area"), {"owns_home": "no"}
    )
    assert field_required(f("bank_name"), {"bank_card": "6222021234567890128"}) and not field_required(
        f("bank_name"), {}
    )
    assert (
        field_check(f("education_level"), "", answers={"applicant_group": "new_graduate"}).error
        == "请选择最高全日制学历"
    )
    assert field_check(f("education_level"), "", answers={"applicant_group": "dibao"}).value is None


def test_exports_are_made_from_the_form_file_and_committed_in_step() -> None:
    files = catalog_exports().files
    for name, text in files.items():
        assert (DEFAULT_OUT / name).read_text(encoding="utf-8") == text, (
            f"docs/catalog/{name} is stale: run `anju catalog export`"
        )
    spec = files["form-spec.csv"]
    assert all(code in spec for code in form_catalog().fields)
    sharing = files["data-sharing-needs.md"]
    for department in (
        "福建省公安厅",
        "福建省民政厅",
        "福建省人力资源和社会保障厅",
        "福建省自然资源厅",
        "全国高等学校学生信息咨询与就业指导中心",
    ):
        assert department in sharing
    assert "婚姻状况（marital_status）" in sharing


def test_minors_are_not_asked_income_or_marital_status() -> None:
    for code in ("monthly_income", "marital_status"):
        assert field_required(f(code), {}, adult=True)
        assert not field_required(f(code), {}, adult=False)
        assert field_check(f(code), "", adult=False).error == ""
        assert field_check(f(code), "", adult=True).error.startswith("请")


def test_hukou_place_lists_the_province_and_outside() -> None:
    options = form_catalog().options("hukou_place")
    assert (
        options["350102"] == "福州市鼓楼区"
        and options["350128"] == "平潭综合实验区"
        and options["outside"] == "福建省外"
    )
