"""The unified form as data: load and check the catalogue, validate answers, export the specification."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from anju.core import idcard, masking, regions
from anju.core.vocab import APPLICANT_GROUP_LABELS
from anju.platform.backfill.sources import source_list
from anju.platform.catalog.derive import SUGGESTION_DERIVATIONS

CATALOG_FILE = Path(__file__).with_name("form.yaml")
WIDGETS = frozenset(
    {
        "select",
        "radio",
        "text",
        "number",
        "date",
        "area",
        "money",
        "id_number",
        "phone",
        "bank_card",
        "file",
        "checkbox",
    }
)
DYNAMIC_TABLES = frozenset({"jurisdiction", "county", "hukou_place"})
OUTSIDE_FUJIAN = "outside"
SENSITIVITY = {"personal": "个人信息", "sensitive": "敏感个人信息", "financial": "金融账户及财产信息"}
WIDGET_LABELS = {
    "select": "下拉选择",
    "radio": "单选",
    "text": "文本框",
    "number": "数字",
    "date": "日期",
    "area": "面积",
    "money": "金额",
    "id_number": "身份证号码",
    "phone": "手机号码",
    "bank_card": "银行卡号",
    "file": "上传文件",
    "checkbox": "勾选确认",
}
MOBILE = re.compile(r"^1[3-9]\d{9}$")
AMOUNT = re.compile(r"^\d{1,12}(\.\d{1,2})?$")


PRECHECK_SOURCE = "precheck"  # a suggestion from housing's advisory pre-check, not from a register


@dataclass(frozen=True)
class Suggestion:
    """Where a suggested value comes from: a register answer (``source`` as <register>.<field>, ``derive``
    naming how it becomes a value) or the pre-check; ``basis`` is what the applicant reads it is based on."""

    source: str
    derive: str | None
    basis: str


@dataclass(frozen=True)
class FormField:
    """One field of the unified form."""

    code: str
    label: str
    help: str
    section: str
    scope: str
    required: bool
    required_when: dict[str, Any] | None
    widget: str
    options: str | None
    source: str
    derive: str | None
    override: bool
    sensitivity: str
    validation: dict[str, Any]
    groups: tuple[str, ...]
    # Values offered for the applicant to confirm or correct, first that answers wins (a change is the
    # applicant's own answer, not a dispute of a register).
    suggest: tuple[Suggestion, ...] = ()

    @property
    def backfilled(self) -> bool:
        """Whether a register can supply the value."""
        return self.source != "user"

    @property
    def register(self) -> str | None:
        """The register code of a backfilled field (hukou, marriage…)."""
        return self.source.split(".", 1)[0] if self.backfilled else None


@dataclass(frozen=True)
class FormCatalog:
    """The whole form: sections, code tables, fields and cross-field rules."""

    version: str
    provisional: bool
    source: str
    sections: dict[str, str]
    code_tables: dict[str, dict[str, str]]
    fields: dict[str, FormField]
    rules: dict[str, str]

    def options(self, table: str, *, city_code: str = "") -> dict[str, str]:
        """The choices of a code table; dynamic tables come from the division codes."""
        if table == "jurisdiction":
            return {r.code: r.name for r in regions.jurisdictions()}
        if table == "hukou_place":
            places = {
                c.code: f"{city.name}{c.name}" if c.code != city.code else c.name
                for city in regions.jurisdictions()
                for c in regions.counties_of(city.code)
            }
            return {**places, OUTSIDE_FUJIAN: "福建省外"}
        if table == "county":
            if city_code:  # the chosen city's counties only
                return {c.code: c.name for c in regions.counties_of(city_code)}
            # Before a city is chosen, every county says its city (鼓楼区 is in 福州 and elsewhere too).
            return {
                c.code: f"{city.name} · {c.name}"
                for city in regions.jurisdictions()
                for c in regions.counties_of(city.code)
            }
        return self.code_tables[table]


class CatalogError(ValueError):
    """The catalogue file is inconsistent (caught by the tests before anyone sees it)."""


@lru_cache(maxsize=1)
def form_catalog() -> FormCatalog:
    """The unified form from form.yaml, checked for consistency."""
    return form_catalog_load(CATALOG_FILE)


def form_catalog_load(path: Path) -> FormCatalog:
    """Load and check a form file (raises CatalogError naming the first inconsistent field)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    sections = {s["code"]: s["label"] for s in data["sections"]}
    tables = {name: {str(k): str(v) for k, v in table.items()} for name, table in data["code_tables"].items()}
    tables["applicant_group"] = dict(APPLICANT_GROUP_LABELS)  # one name for each group (core/vocab.py)
    registers = source_list().sources
    fields: dict[str, FormField] = {}
    for raw in data["fields"]:
        f = FormField(
            code=raw["code"],
            label=raw["label"],
            help=raw.get("help", ""),
            section=raw["section"],
            scope=raw["scope"],
            required=bool(raw.get("required", False)),
            required_when=raw.get("required_when"),
            widget=raw["widget"],
            options=raw.get("options"),
            source=raw["source"],
            derive=raw.get("derive"),
            override=bool(raw.get("override", raw["source"] == "user")),
            sensitivity=raw["sensitivity"],
            validation=dict(raw.get("validation") or {}),
            groups=tuple(raw.get("groups") or ()),
            suggest=tuple(
                Suggestion(source=str(x["source"]), derive=x.get("derive"), basis=str(x["basis"]))
                for x in raw.get("suggest") or ()
            ),
        )
        problems = []
        if f.code in fields:
            problems.append("duplicate code")
        if f.section not in sections:
            problems.append(f"unknown section {f.section}")
        if f.scope not in ("application", "member"):
            problems.append(f"unknown scope {f.scope}")
        if f.widget not in WIDGETS:
            problems.append(f"unknown widget {f.widget}")
        if f.widget in ("select", "radio") and (
            f.options is None or (f.options not in tables and f.options not in DYNAMIC_TABLES)
        ):
            problems.append(f"unknown options table {f.options}")
        if f.sensitivity not in SENSITIVITY:
            problems.append(f"unknown sensitivity {f.sensitivity}")
        if f.backfilled:
            register, _, register_field = f.source.partition(".")
            if register not in registers or register_field not in registers[register].fields:
                problems.append(f"source {f.source} is not a field the platform may ask for")
        for x in f.suggest:
            if f.backfilled:
                problems.append("a backfilled field takes no suggestion")
            if x.source == PRECHECK_SOURCE:
                continue
            register, _, register_field = x.source.partition(".")
            if register not in registers or register_field not in registers[register].fields:
                problems.append(f"suggestion {x.source} is not a field the platform may ask for")
            if x.derive is not None and x.derive not in SUGGESTION_DERIVATIONS:
                problems.append(f"suggestion derive {x.derive} is unknown")
        if problems:
            raise CatalogError(f"field {f.code}: {'; '.join(problems)}")
        fields[f.code] = f
    for f in fields.values():
        when = f.required_when
        if when and "member_adult" not in when and when.get("field") not in fields:
            raise CatalogError(f"field {f.code}: required_when names unknown field {when.get('field')}")
    return FormCatalog(
        version=str(data["version"]),
        provisional=bool(data.get("provisional", False)),
        source=data.get("source", ""),
        sections=sections,
        code_tables=tables,
        fields=fields,
        rules={r["code"]: r["message"] for r in data["rules"]},
    )


def field_required(f: FormField, answers: dict[str, Any], *, adult: bool | None = None) -> bool:
    """Whether the field must be answered, given the other answers (e.g. the applicant group) and the member."""
    if f.required:
        return True
    when = f.required_when
    if not when:
        return False
    if "member_adult" in when:
        return adult is not False  # unknown age: ask
    other = answers.get(when["field"])
    if "in" in when:
        return other in when["in"]
    if "equals" in when:
        return bool(other == when["equals"])
    if when.get("present"):
        return bool(other)
    return False


@dataclass
class Checked:
    """A field's answer after checking: the stored value, or the problem in plain Chinese."""

    value: Any = None
    error: str = ""
    shown: str = ""  # what to put back in the box when there is an error (never lose typed input)


# Amounts kept in hundredths: the widget → (catalogue's lower and upper bound keys, what it is, an example).
DECIMAL_WIDGETS = {
    "money": ("min_fen", "max_fen", "金额", "3500 或 3500.50"),
    "area": ("min_centi", "max_centi", "面积", "89.5"),
}


def field_check(
    f: FormField,
    raw: Any,
    *,
    answers: dict[str, Any] | None = None,
    today: date | None = None,
    adult: bool | None = None,
) -> Checked:
    """Check one answer by its widget and limits: every problem said so the applicant can fix it."""
    answers = answers or {}
    today = today or date.today()
    text = raw.strip() if isinstance(raw, str) else raw
    shown = raw if isinstance(raw, str) else ""
    empty = text in (None, "", [], False)
    if empty:
        if field_required(f, answers, adult=adult):
            verb = (
                "选择"
                if f.widget in ("select", "radio")
                else "勾选"
                if f.widget == "checkbox"
                else "上传"
                if f.widget == "file"
                else "填写"
            )
            return Checked(error=f"请{verb}{f.label}", shown=shown)
        return Checked(value=None)
    rules = f.validation
    w = f.widget
    if w in ("select", "radio"):
        choices = catalog_options(f, answers)
        if str(text) not in choices:
            return Checked(error=f"请从列表中选择{f.label}", shown=shown)
        return Checked(value=str(text))
    if w == "checkbox":
        return (
            Checked(value=True)
            if text in (True, "yes", "on", "1")
            else Checked(error=f"请勾选{f.label}", shown=shown)
        )
    if w == "text":
        value = str(text)
        if len(value) < int(rules.get("min_length", 1)):
            return Checked(error=f"{f.label}至少 {rules['min_length']} 个字", shown=shown)
        if len(value) > int(rules.get("max_length", 200)):
            return Checked(error=f"{f.label}不能超过 {rules.get('max_length', 200)} 个字", shown=shown)
        if any(ord(c) < 32 for c in value):
            return Checked(error=f"{f.label}含有无法识别的字符", shown=shown)
        return Checked(value=value)
    if w == "number":
        if not re.fullmatch(r"-?\d+", str(text)):
            return Checked(error=f"{f.label}应为整数，例如 12", shown=shown)
        number = int(str(text))
        if ("min" in rules and number < rules["min"]) or ("max" in rules and number > rules["max"]):
            return Checked(error=f"{f.label}应在 {rules.get('min')} 到 {rules.get('max')} 之间", shown=shown)
        return Checked(value=number)
    if w in DECIMAL_WIDGETS:
        low, high, words, example = DECIMAL_WIDGETS[w]
        return _decimal(
            f,
            str(text),
            unit=100,
            low=rules.get(low, 0),
            high=rules.get(high),
            words=words,
            shown=shown,
            example=example,
        )
    if w == "date":
        try:
            day = date.fromisoformat(str(text))
        except ValueError:
            return Checked(
                error=f"{f.label}不是有效日期，请填写完整的年、月、日，例如 2024 年 6 月 30 日", shown=shown
            )
        if rules.get("not_future") and day > today:
            return Checked(error=f"{f.label}不能晚于今天", shown=shown)
        if "min" in rules and day < date.fromisoformat(str(rules["min"])):
            return Checked(error=f"{f.label}不能早于 {rules['min']}", shown=shown)
        return Checked(value=day.isoformat())
    if w == "id_number":
        try:
            return Checked(value=idcard.parse(str(text), today=today).number)
        except idcard.InvalidIdNumber as exc:
            return Checked(error=exc.message, shown=shown)
    if w == "phone":
        digits = re.sub(r"[\s-]", "", str(text))
        if not MOBILE.match(digits):
            return Checked(error=f"{f.label}应为 11 位手机号码，以 1 开头，例如 13800000000", shown=shown)
        return Checked(value=digits)
    if w == "bank_card":
        digits = re.sub(r"\s", "", str(text))
        if not re.fullmatch(r"\d{12,19}", digits) or not _luhn(digits):
            return Checked(error=f"{f.label}应为 12 到 19 位数字，请核对", shown=shown)
        return Checked(value=digits)
    if w == "file":
        return Checked(value=text)
    raise CatalogError(f"no check for widget {w}")  # pragma: no cover - widgets are checked on load


@lru_cache(maxsize=1)
def counties_by_city_json() -> str:
    """Every jurisdiction's counties as JSON, for the page to narrow the county list as the city changes."""
    catalog = form_catalog()
    return json.dumps(
        {r.code: catalog.options("county", city_code=r.code) for r in regions.jurisdictions()},
        ensure_ascii=False,
        separators=(",", ":"),
    )


def catalog_options(f: FormField, answers: dict[str, Any]) -> dict[str, str]:
    """The choices for a select or radio field (counties narrowed to the chosen city)."""
    assert f.options is not None
    return form_catalog().options(f.options, city_code=str(answers.get("city_code") or ""))


def _decimal(
    f: FormField, text: str, *, unit: int, low: int, high: int | None, words: str, shown: str, example: str
) -> Checked:
    cleaned = text.replace(",", "").replace("，", "")
    if not AMOUNT.match(cleaned):
        if cleaned.startswith("-"):
            return Checked(error=f"{f.label}不能为负数", shown=shown)
        return Checked(error=f"{f.label}应为数字，最多两位小数，例如 {example}", shown=shown)
    try:
        value = int(Decimal(cleaned) * unit)
    except InvalidOperation:  # pragma: no cover - the pattern already excludes it
        return Checked(error=f"{f.label}不是有效的{words}", shown=shown)
    if value < low or (high is not None and value > high):
        return Checked(error=f"{f.label}超出合理范围，请核对", shown=shown)
    return Checked(value=value)


def _luhn(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        n = int(char)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


# ---------------------------------------------------------------------------------------------------
# Exports: the specification and the data-sharing needs list, from the same file.


def _required_text(f: FormField) -> str:
    if f.required:
        return "必填"
    when = f.required_when
    if not when:
        return "选填"
    if "member_adult" in when:
        return "年满 18 周岁的成员必填"
    catalog = form_catalog()
    other = catalog.fields[when["field"]]
    if "in" in when:
        table = catalog.code_tables.get(other.options or "", {})
        return f"{other.label}为" + "、".join(table.get(v, v) for v in when["in"]) + "时必填"
    if "equals" in when:
        table = catalog.code_tables.get(other.options or "", {})
        return f"{other.label}为“{table.get(when['equals'], when['equals'])}”时必填"
    return f"填写{other.label}时必填"


def _source_text(f: FormField) -> str:
    if not f.backfilled:
        if f.suggest:
            offered = "；".join(
                "住房保障部门申请条件自查"
                if x.source == PRECHECK_SOURCE
                else f"{source_list().sources[x.source.partition('.')[0]].name}（{x.source}）"
                for x in f.suggest
            )
            return f"申请人填写（建议值：{offered}，由申请人核对或修改）"
        return "申请人填写"
    notice = source_list().sources[f.register or ""]
    return f"{notice.department}·{notice.name}（{f.source}）"


SPEC_COLUMNS = [
    "分组",
    "代码",
    "名称",
    "范围",
    "必填",
    "录入方式",
    "选项",
    "数据来源",
    "可修改回填值",
    "敏感程度",
    "校验",
    "适用类别",
    "说明",
]


def form_spec_rows() -> list[list[str]]:
    """One row per field, in form order: the unified form specification."""
    catalog = form_catalog()
    groups = catalog.code_tables["applicant_group"]
    rows = []
    for f in catalog.fields.values():
        options = ""
        if f.options in catalog.code_tables:
            options = "、".join(catalog.code_tables[f.options].values())
        elif f.options == "jurisdiction":
            options = "9 个设区市及平潭综合实验区"
        elif f.options == "county":
            options = "所选城市的县（市、区）"
        elif f.options == "hukou_place":
            options = "全省各县（市、区）及“福建省外”"
        rows.append(
            [
                catalog.sections[f.section],
                f.code,
                f.label,
                "每位家庭成员" if f.scope == "member" else "每份申请",
                _required_text(f),
                WIDGET_LABELS[f.widget],
                options,
                _source_text(f),
                ("是（修改视为异议）" if f.override else "否") if f.backfilled else "—",
                SENSITIVITY[f.sensitivity],
                "；".join(f"{k}={v}" for k, v in f.validation.items()),
                "、".join(groups[g] for g in f.groups) if f.groups else "全部",
                f.help,
            ]
        )
    return rows


SHARING_COLUMNS = ["部门", "数据项", "接口字段", "用于表单字段", "用途", "免交材料"]


def sharing_needs_rows() -> list[list[str]]:
    """Per department: which data the form asks of it, for which fields, and why."""
    catalog = form_catalog()
    rows = []
    for code, notice in source_list().sources.items():
        used = [
            f
            for f in catalog.fields.values()
            if f.register == code or any(x.source.partition(".")[0] == code for x in f.suggest)
        ]
        rows.append(
            [
                notice.department,
                notice.name,
                "、".join(notice.fields),
                "、".join(f"{f.label}（{f.code}）" for f in used) or "（用于核查，不回填表单）",
                notice.purpose,
                "、".join(notice.replaces),
            ]
        )
    return rows


def _markdown(title: str, intro: str, columns: list[str], rows: list[list[str]]) -> str:
    def cell(value: str) -> str:
        return value.replace("|", "\\|").replace("\n", " ")

    lines = [f"# {title}", "", intro, "", "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _csv(columns: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue()


@dataclass
class Exports:
    """The exported documents, by file name."""

    files: dict[str, str] = field(default_factory=dict)


def catalog_exports() -> Exports:
    """The form specification and the data-sharing needs list, as Markdown and CSV (UTF-8)."""
    catalog = form_catalog()
    status = "（暂定稿，待省住房和城乡建设厅确认）" if catalog.provisional else ""
    intro = f"由 `src/anju/platform/catalog/form.yaml` 生成（版本 {catalog.version}）{status}。请勿手工修改本文件，运行 `anju catalog export` 重新生成。"
    spec, sharing = form_spec_rows(), sharing_needs_rows()
    return Exports(
        files={
            "form-spec.md": _markdown("全省统一申请表字段规范", intro, SPEC_COLUMNS, spec),
            "form-spec.csv": _csv(SPEC_COLUMNS, spec),
            "data-sharing-needs.md": _markdown("数据共享需求清单（按部门）", intro, SHARING_COLUMNS, sharing),
            "data-sharing-needs.csv": _csv(SHARING_COLUMNS, sharing),
        }
    )


def is_blank(value: Any) -> bool:
    """No answer (0 is an answer: 0 元 is not blank)."""
    return value is None or value == "" or value is False or value == []


def answer_display(f: FormField, value: Any, answers: dict[str, Any]) -> str:
    """A stored value as the applicant reads it (yuan, m², option labels, masked numbers)."""
    if is_blank(value):
        return ""
    if f.widget == "money":
        return f"{int(value) / 100:,.2f} 元"
    if f.widget == "area":
        return f"{int(value) / 100:.2f} 平方米"
    if f.widget in ("select", "radio"):
        return catalog_options(f, answers).get(str(value), str(value))
    if f.widget == "checkbox":
        return "已确认" if value else ""
    if f.widget == "id_number":
        return masking.mask_id_number(str(value))
    if f.widget == "bank_card":
        return masking.mask_bank_card(str(value))
    if f.widget == "phone":
        return masking.mask_phone(str(value))
    if f.code == "name":
        return masking.mask_name(str(value))
    return str(value)
