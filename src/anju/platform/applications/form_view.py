"""How the unified form reads on a page: each field's box, whose answer it is and where it came from,
the date asked in three boxes, and the pre-check as the applicant reads it."""

from __future__ import annotations

from typing import Any

from anju.core import masking
from anju.core.timeutil import today_shanghai
from anju.core.vocab import COMPARISON_WORDS
from anju.platform.applications import draft_form
from anju.platform.catalog.answers import form_key, member_adult, section_fields
from anju.platform.catalog.service import (
    PRECHECK_SOURCE,
    FormField,
    answer_display,
    catalog_options,
    counties_by_city_json,
    field_required,
    is_blank,
)
from anju.platform.models import ApplicationMember


def box(f: FormField, value: Any) -> str:
    """A stored value as it goes back into an input box."""
    if is_blank(value):
        return ""
    if f.widget in ("money", "area"):
        return f"{int(value) / 100:.2f}".rstrip("0").rstrip(".")
    if f.widget == "checkbox":
        return "yes"
    return str(value)


DATE_PARTS = ("year", "month", "day")


def date_parts_joined(raw: dict[str, str]) -> dict[str, str]:
    """A date asked in three boxes (<name>-year, -month, -day) as the one answer the form checks:
    "2024-06-30"; "" when all three are empty; what was typed, joined, otherwise (the check says what is
    wrong and the page shows the three boxes again as typed)."""
    joined = {k: v for k, v in raw.items() if not k.endswith(tuple(f"-{p}" for p in DATE_PARTS))}
    for key in raw:
        if key.endswith("-year"):
            name = key[: -len("-year")]
            year, month, day = (raw.get(f"{name}-{p}", "").strip() for p in DATE_PARTS)
            if not (year or month or day):
                joined[name] = ""
                continue
            month, day = (v.zfill(2) if v.isdigit() and len(v) == 1 else v for v in (month, day))
            joined[name] = f"{year}-{month}-{day}"
    return joined


def section_view(
    section: str,
    form: draft_form.FormState,
    shown: dict[str, str],
    errors: dict[str, str],
    option_notes: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """A page's fields, grouped by whose they are (the application's, then each member's), each with its
    box as typed or stored, where a register's answer came from, and its error."""
    members, prefill, answers, gaps = form.members, form.prefill, form.answers, form.gaps
    # What the page shows counts as answered for what depends on it (the counties of a suggested city).
    context = {code: p.value for (m, code), p in prefill.items() if m is None}
    context.update({code: a.value for (m, code), a in answers.items() if m is None})
    groups: list[dict[str, Any]] = []
    targets: list[tuple[ApplicationMember | None, list[FormField]]] = [
        (None, [f for f in section_fields(section) if f.scope == "application"])
    ]
    targets += [(m, [f for f in section_fields(section) if f.scope == "member"]) for m in members]
    for member, fields in targets:
        if not fields:
            continue
        rows = []
        for f in fields:
            key = (member.id if member else None, f.code)
            name = form_key(*key)
            supplied, answer = prefill.get(key), answers.get(key)
            value = answer.value if answer is not None else supplied.value if supplied is not None else None
            rows.append(
                {
                    "name": name,
                    "field": f,
                    "required": field_required(
                        f, context, adult=member_adult(members, key[0], today_shanghai())
                    ),
                    "options": catalog_options(f, context) if f.widget in ("select", "radio") else {},
                    "counties": counties_by_city_json() if f.options == "county" else "",
                    "box": shown.get(name, box(f, value)),
                    "display": answer_display(f, value, context),
                    "readonly": supplied is not None and not supplied.suggested and not f.override,
                    "source": supplied.department + "·" + supplied.source if supplied else "",
                    "suggested": supplied is not None and supplied.suggested,
                    "basis": supplied.basis if supplied else "",
                    "option_notes": (option_notes or {})
                    if any(x.source == PRECHECK_SOURCE for x in f.suggest)
                    else {},
                    "overridden": answer is not None and answer.origin == "overridden",
                    "error": errors.get(name, ""),
                    "gap": "" if supplied is not None or member is not None else gaps.get(f.code, ""),
                }
            )
        legend = f"{masking.mask_name(member.name)}（{member.relation}）" if member else ""
        groups.append({"legend": legend, "rows": rows})
    return groups


YES_NO_COMPARISONS = ("是", "否")
RULES_ONLY_FOR_SINGLES = ("single_age",)  # shown to a household of one only: to others it does not apply


def precheck_view(result: dict[str, Any] | None, chosen: str) -> dict[str, Any] | None:
    """The pre-check as the applicant reads it: the group they chose, the best fit, and each rule."""
    if result is None:
        return None
    if "error" in result:
        return {"error": result["error"]}
    groups = result["groups"]
    shown = chosen if chosen in groups else result["suggested_group"]
    words = {"eligible": "符合", "not_eligible": "不符合", "undetermined": "暂时无法判断"}
    marks = {"pass": "符合", "fail": "不符合", "unknown": "无法判断"}
    return {
        "error": "",
        "chosen": groups[shown]["label"],
        "outcome": shown and groups[shown]["outcome"],
        "outcome_text": words[groups[shown]["outcome"]],
        "suggested": groups[result["suggested_group"]]["label"]
        if result["suggested_group"] != shown and groups[result["suggested_group"]]["outcome"] == "eligible"
        else "",
        "rules": [
            {
                "label": r["label"],
                "mark": marks[r["outcome"]],
                "outcome": r["outcome"],
                # A yes/no condition reads as its mark alone ("无自有住房：否" would say the opposite).
                "value": "" if r["comparison"] in YES_NO_COMPARISONS else r["value_text"],
                "threshold": (
                    # a yes/no condition names only its period ("5 年内"): "要求否 5 年内" reads as nonsense
                    r["threshold"]
                    if r["comparison"] in YES_NO_COMPARISONS
                    else f"{COMPARISON_WORDS.get(r['comparison'], r['comparison'])} {r['threshold']}"
                )
                if r["threshold"]
                else "",
                "note": r.get("note", ""),
                "proof": r["proof"],
            }
            for r in groups[shown]["rules"]
            if not (r["rule"] in RULES_ONLY_FOR_SINGLES and not result["facts"].get("single"))
        ],
        "provisional": result["provisional"],
    }
