"""Demo housing-assistance records for the joint-test environment (never production)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from anju.core import crypto
from anju.housing.records.models import AssistanceRecord
from anju.housing.records.service import assistance_record_add

# 林秀珠 (persona lin-xiuzhu) already rents public housing in 福州: the "receiving assistance" case.
DEMO_RECORDS = [
    {
        "id_number": "350103195105060200",
        "city_code": "350100",
        "kind": "public_rental",
        "valid_from": date(2019, 7, 1),
        "valid_to": None,
    }
]


def records_seed_demo(*, session: Session, index: crypto.BlindIndex) -> int:
    """Add the demo records not yet present; returns how many were added."""
    added = 0
    for record in DEMO_RECORDS:
        bidx = index.digest(str(record["id_number"]), kind="id_number")
        if session.scalar(select(AssistanceRecord.id).where(AssistanceRecord.person_bidx == bidx)) is None:
            assistance_record_add(session=session, index=index, **record)  # type: ignore[arg-type]
            added += 1
    return added
