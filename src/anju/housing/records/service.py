"""保障性住房信息查询: whether members of a household already receive housing assistance."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from anju.core import crypto, regions
from anju.housing.records.models import AssistanceRecord

KIND_LABELS = {"public_rental": "承租公租房", "rent_subsidy": "领取住房租赁补贴"}


def record_current(record: AssistanceRecord, today: date) -> bool:
    """Whether the tenancy or subsidy is still in force on ``today`` (no end date, or not ended yet)."""
    return record.valid_to is None or record.valid_to >= today


def assistance_of(*, session: Session, bidxs: list[str]) -> dict[str, list[AssistanceRecord]]:
    """Every record of these people, by the blind index of their ID number, oldest first."""
    rows: dict[str, list[AssistanceRecord]] = defaultdict(list)
    query = (
        select(AssistanceRecord)
        .where(AssistanceRecord.person_bidx.in_(bidxs))
        .order_by(AssistanceRecord.valid_from, AssistanceRecord.id)
    )
    for row in session.scalars(query):
        rows[row.person_bidx].append(row)
    return rows


def assistance_records(
    *, session: Session, id_numbers: list[str], index: crypto.BlindIndex, today: date
) -> list[dict[str, Any]]:
    """One record per person: found (with their tenancies and subsidies) or not."""
    by_bidx = {index.digest(n, kind="id_number"): n for n in id_numbers}
    rows = {by_bidx[b]: found for b, found in assistance_of(session=session, bidxs=list(by_bidx)).items()}
    answers = []
    for number in id_numbers:
        found = rows.get(number, [])
        answers.append(
            {
                "id_number": number,
                "found": bool(found),
                "fields": {
                    "records": [
                        {
                            "kind": r.kind,
                            "kind_label": KIND_LABELS.get(r.kind, r.kind),
                            "city_code": r.city_code,
                            "city": regions.get(r.city_code).name,
                            "valid_from": r.valid_from.isoformat(),
                            "valid_to": r.valid_to.isoformat() if r.valid_to else None,
                            "current": record_current(r, today),
                        }
                        for r in found
                    ]
                }
                if found
                else {},
            }
        )
    return answers


def assistance_record_add(
    *,
    session: Session,
    id_number: str,
    index: crypto.BlindIndex,
    city_code: str,
    kind: str,
    valid_from: date,
    valid_to: date | None,
) -> AssistanceRecord:
    """Record a tenancy or subsidy (used by seeding and, later, allocation)."""
    if kind not in KIND_LABELS:
        raise ValueError(f"unknown assistance kind {kind}")
    record = AssistanceRecord(
        person_bidx=index.digest(id_number, kind="id_number"),
        city_code=city_code,
        kind=kind,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    session.add(record)
    return record
