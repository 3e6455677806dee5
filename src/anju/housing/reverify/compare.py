"""What changed in a tenant household since it was approved: each register's answer now beside the one the
case was approved on, member by member, as a person reads it (reverify.yaml names which registers are
compared and how). Pure: no database, no network."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from anju.core import masking, regions
from anju.core.vocab import COMPARISON_WORDS
from anju.housing.allocation.units import yuan

UNKNOWN = "批准时未查询"


@dataclass(frozen=True)
class Finding:
    """One thing a person should look at: which register, whose, what it said then and says now."""

    source: str
    label: str
    member: str  # masked name, or "" for the household
    before: str
    now: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def _place(code: str) -> str:
    try:
        return regions.get(str(code)).name
    except KeyError:
        return str(code)


def _hukou(fields: dict[str, Any] | None, on: date) -> list[str]:
    if fields is None:
        return []
    if not fields:
        return ["无户籍记录"]
    return [f"{_place(fields.get('county_code', ''))}，户号 {fields.get('book_no') or '未知'}"]


def _marriage(fields: dict[str, Any] | None, on: date) -> list[str]:
    if fields is None:
        return []
    return [str(fields.get("status") or "无婚姻登记")]


def _dibao(fields: dict[str, Any] | None, on: date) -> list[str]:
    if fields is None:
        return []
    current = [
        f"{s.get('kind')}（{_place(s.get('city_code', ''))}）"
        for s in fields.get("statuses") or []
        if not s.get("valid_to") or date.fromisoformat(str(s["valid_to"])) >= on
    ]
    return sorted(current) or ["无"]


def _homes(fields: dict[str, Any] | None, on: date) -> list[str]:
    if fields is None:
        return []
    held = []
    for h in fields.get("homes") or []:
        acquired = date.fromisoformat(str(h["acquired_on"])) if h.get("acquired_on") else None
        disposed = date.fromisoformat(str(h["disposed_on"])) if h.get("disposed_on") else None
        if (acquired is None or acquired <= on) and (disposed is None or disposed > on):
            area = int(h.get("area_centi_m2") or 0)
            held.append(
                f"{masking.mask_address(str(h.get('address', '')))}，{area // 100}.{area % 100:02d} 平方米"
            )
    return sorted(held)


def _vehicles(fields: dict[str, Any] | None, on: date) -> list[str]:
    if fields is None:
        return []
    return sorted(
        f"{masking.mask_plate(str(v.get('plate', '')))}，购置价 {yuan(int(v.get('purchase_value_fen') or 0))} 元"
        for v in fields.get("vehicles") or []
    )


# How each comparison reads a register's fields on a day, and whether only additions matter (a home bought
# or a car registered is a finding; one sold is not).
COMPARISONS: dict[str, tuple[str, Callable[[dict[str, Any] | None, date], list[str]], bool]] = {
    "hukou": ("户籍", _hukou, False),
    "marriage": ("婚姻状况", _marriage, False),
    "dibao": ("低保、特困", _dibao, False),
    "homes": ("名下住房", _homes, True),
    "vehicles": ("名下机动车", _vehicles, True),
}


def approved_fields(evidence: list[dict[str, Any]], number: str, source: str) -> dict[str, Any] | None:
    """What a register said about a member when the case was made: its fields, {} for "no record", None
    when it was not asked or did not answer."""
    for item in evidence:
        if item["id_number"] == number and item["source"] == source:
            if item["status"] == "found":
                return dict(item.get("fields") or {})
            return {} if item["status"] == "no_record" else None
    return None


def changes(
    *,
    compare: str,
    source: str,
    household: list[dict[str, Any]],
    approved: list[dict[str, Any]],
    now: dict[str, dict[str, Any]],
    approved_on: date,
    today: date,
) -> list[Finding]:
    """Each member whose answer from ``source`` reads differently today than on ``approved_on``; ``now``
    maps an ID number to its record as the register answered this round."""
    label, read, additions_only = COMPARISONS[compare]
    found = []
    for member in household:
        number = str(member["id_number"])
        record = now.get(number)
        if record is None:
            continue
        then_fields = approved_fields(approved, number, source)
        before = read(then_fields, approved_on)
        after = read(dict(record.get("fields") or {}) if record.get("found") else {}, today)
        if then_fields is None and not additions_only:
            continue  # nothing to compare with: the rules still see today's answer
        new = [a for a in after if a not in before] if additions_only else after
        if (additions_only and new) or (not additions_only and before != after):
            found.append(
                Finding(
                    source=source,
                    label=label,
                    member=masking.mask_name(str(member.get("name", ""))),
                    before="；".join(before) or (UNKNOWN if then_fields is None else "无"),
                    now="；".join(new if additions_only else after) or "无",
                )
            )
    return found


OUTCOMES = {"eligible": "符合", "not_eligible": "不符合", "undetermined": "无法判断"}


def failing_rules(result: dict[str, Any], group: str) -> dict[str, dict[str, Any]]:
    """The rules of ``group`` that fail in this result, by code."""
    applied = result["groups"].get(group) or {"rules": []}
    return {r["rule"]: r for r in applied["rules"] if r["outcome"] == "fail"}


def _rule_words(rule: dict[str, Any]) -> str:
    """A failed rule as a tenant reads it: what it is, what was found, what is required."""
    if rule["comparison"] in ("是", "否"):
        return str(rule["label"])  # a condition met or not: its name says it
    wanted = COMPARISON_WORDS.get(rule["comparison"], rule["comparison"])
    return f"{rule['label']}（{rule['value_text']}，要求{wanted} {rule['threshold']}）"


def rule_finding(before: dict[str, Any] | None, now: dict[str, Any], group: str) -> Finding | None:
    """The city's rules on today's answers beside the same rules on the answers the case was approved on: a
    finding when a rule the household met then (or that could not be judged) fails now. A rule that already
    failed at approval was a person's decision then, and is not raised again every year."""
    then = failing_rules(before, group) if before else {}
    new = [r for code, r in failing_rules(now, group).items() if code not in then]
    if not new:
        return None
    applied = now["groups"][group]
    earlier = OUTCOMES.get(before["groups"][group]["outcome"], "") if before else "批准时未计算"
    return Finding(
        source="rules",
        label=f"申请条件“{applied['label']}”",
        member="",
        before=earlier,
        now="不符合：" + "；".join(_rule_words(r) for r in new),
    )
