"""How the register answers read on the applicant's pages: each field in words, masked where it names a
person, and the labels of a query's outcome."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from anju.core import masking, regions
from anju.platform.backfill import service as backfill
from anju.platform.backfill.deferrals import item_promisable, material_of
from anju.platform.backfill.sources import source_list
from anju.platform.models import Application, Clerk

# How a query's outcome (and a face check's) reads in the preview and the data log.
STATUS_TEXT = {
    "found": "已查询到",
    "no_record": "该部门没有记录",
    "failed": "暂时无法查询",
    "no_consent": "未授权，未查询",
    "circuit_open": "该部门暂停服务，未查询",
    "pass": "人脸比对通过",
    "fail": "人脸比对未通过",
    "attested": "窗口人员当面核验一致",
}
KIOSK_ACTOR = "kiosk"  # a check the person made themselves at a self-service terminal


def actor_label(session: Any, actor: str, subject: str) -> str:
    """Who started a query or a check, as the person's data log says it: they themselves, at a kiosk, a
    named clerk at a window (channels/counter), or the applicant who added them to a household."""
    if actor == subject:
        return "本人"
    if actor == KIOSK_ACTOR:
        return "本人（自助终端）"
    if actor.startswith(Clerk.ACTOR_PREFIX):
        clerk = Clerk.of_actor(session, actor)
        return f"窗口人员 {clerk.display_name}（{clerk.centre}）" if clerk else "窗口人员"
    return "家庭成员（申请人）"


def source_view(code: str) -> dict[str, str]:
    """A source's name and department for tables (the code itself if the catalogue no longer has it)."""
    name, department = source_list().described(code)
    return {"source": name, "department": department}


def application_label(session: Any, application_id: int | None) -> str:
    """How a log entry names its application: the number once submitted, else the draft."""
    if application_id is None:
        return ""
    application = session.get(Application, application_id)
    if application is None:
        return ""
    return (
        f"申请 {application.application_no}"
        if application.application_no
        else f"申请草稿（编号 {application.id}）"
    )


def preview_view(item: backfill.PreviewItem) -> dict[str, Any]:
    """A preview item with its fields rendered for people (masked where the catalogue says so)."""
    return {
        "id": item.result_id,
        "source": item.source,
        "source_name": item.source_name,
        "department": item.department,
        "member_name": item.member_name,
        "status": item.status,
        "fields": render_fields(item.source, item.fields),
        "fetched_at": item.fetched_at,
        "request_id": item.request_id,
        "review": item.review,
        "review_reason": item.review_reason,
        "retry_failed": item.retry_failed,
        "proofs": [{"name": n, "kb": max(1, size // 1024), "paper": paper} for n, size, paper in item.proofs],
        "promised": item.promised,
        "material": material_of(item.source),
        "promisable": item_promisable(item.status, item.review),
    }


# Register fields a resident has no use for on screen (the hukou book's number: a register's own key).
HIDDEN_FIELDS = frozenset({"book_no"})
FIELD_LABELS = {
    "name": "姓名",
    "sex": "性别",
    "birth_date": "出生日期",
    "relation": "与户主关系",
    "county_code": "户籍地",
    "address": "户籍地址",
    "moved_in": "迁入日期",
    "book_no": "户号",
    "book_members": "同户成员",
    "permits": "居住证",
    "status": "婚姻状况",
    "spouse_id_number": "配偶身份证号码",
    "spouse_name": "配偶姓名",
    "registered_on": "登记日期",
    "statuses": "低保/特困",
    "degrees": "学历",
    "contributions": "社保缴费",
    "homes": "名下住房",
    "vehicles": "机动车",
    "licences": "电子证照",
    "records": "住房保障记录",
}


def _home(h: dict[str, Any]) -> str:
    disposed = f"，已于 {h['disposed_on']} 转出" if h.get("disposed_on") else ""
    return f"{h['address']}，建筑面积 {h['area_centi_m2'] / 100:.2f} 平方米{disposed}"


def _permit(p: dict[str, Any]) -> str:
    place = p.get("city") or regions.place_name(p["city_code"])
    address = f"（{p['address']}）" if p.get("address") else ""
    return f"{place}{address}，{p['valid_from']} 至 {p['valid_to']}"


# A register's list, one item a phrase: how each reads, what joins them, what an empty list reads as.
LIST_ITEMS: dict[str, tuple[Callable[[dict[str, Any]], str], str, str]] = {
    "book_members": (lambda m: f"{masking.mask_name(m['name'])}（{m['relation']}）", "、", ""),
    "homes": (_home, "；", "无"),
    "degrees": (
        lambda d: (
            f"{d['level']}，{d['school']}，{'全日制' if d['full_time'] else '非全日制'}，"
            f"{d['graduated_on']} 毕业"
        ),
        "；",
        "",
    ),
    "vehicles": (
        lambda v: f"{masking.mask_plate(v['plate'])}，购置价 {v['purchase_value_fen'] / 100:,.2f} 元",
        "；",
        "",
    ),
    "permits": (_permit, "；", ""),
    "statuses": (
        lambda s: f"{'低保' if s['kind'] == 'dibao' else '特困'}，{s['valid_from']} 至 {s['valid_to']}",
        "；",
        "",
    ),
    "records": (
        lambda r: (
            f"{r.get('kind_label', r.get('kind', ''))}，{r.get('valid_from', '')} 至 "
            f"{r.get('valid_to') or '至今'}"
        ),
        "；",
        "无",
    ),
}


def render_fields(source: str, fields: dict[str, Any]) -> list[tuple[str, str]]:
    """Human-readable lines for each field (ID numbers masked; long lists summarised)."""
    lines: list[tuple[str, str]] = []
    for key, value in fields.items():
        if key in HIDDEN_FIELDS:
            continue
        label = FIELD_LABELS.get(key, key)
        if key == "county_code":
            text = regions.place_name(str(value))
        elif key == "spouse_id_number":
            text = masking.mask_id_number(str(value))
        elif key == "contributions":
            months = [m["month"] for m in value]
            cities = sorted({regions.place_name(m["city_code"]) for m in value})
            text = (
                f"共 {len(months)} 个月（{months[0]} 至 {months[-1]}），缴费地 {'、'.join(cities)}"
                if months
                else "无"
            )
        elif key == "licences":
            text = "、".join(dict.fromkeys(lic["name"] for lic in value))  # one line per kind of licence
        elif key in LIST_ITEMS:
            each, separator, empty = LIST_ITEMS[key]
            text = separator.join(each(item) for item in value) or empty
        else:
            text = str(value)
        lines.append((label, text))
    return lines
