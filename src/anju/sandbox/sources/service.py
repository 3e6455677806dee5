"""What each partner register answers about a household: only the fields asked for."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from anju.core import regions
from anju.core.crypto import sm3_hex
from anju.core.elicence import licence_identifier
from anju.sandbox.population.models import (
    AssistanceStatus,
    EducationRecord,
    HukouBook,
    InsuranceSpan,
    MarriageRecord,
    Person,
    PropertyRecord,
    ResidencePermit,
    VehicleRecord,
)
from anju.sandbox.sources.models import SourceQueryLog

CATALOG_FILE = Path(__file__).with_name("registers.yaml")
CONTRIBUTION_MONTHS = 60
# Synthetic, USCC-shaped codes for the sandbox's licence types and issuers (never real organisations).
LICENCE_TYPES = {
    "id_card": ("居民身份证", "11100000SANDBOX001001"),
    "hukou_book": ("居民户口簿", "11100000SANDBOX001002"),
    "marriage_certificate": ("结婚证", "11100000SANDBOX002001"),
    "diploma": ("毕业证书", "11100000SANDBOX003001"),
    "property_certificate": ("不动产权证书", "11100000SANDBOX004001"),
}
SANDBOX_ISSUER = "11350000SANDBOX00X"


@dataclass(frozen=True)
class SourceSpec:
    """One partner interface: its name, department and the fields it can give."""

    code: str
    name: str
    department: str
    fields: dict[str, str]


@lru_cache(maxsize=1)
def source_list() -> dict[str, SourceSpec]:
    """Every source the sandbox plays, from registers.yaml."""
    data = yaml.safe_load(CATALOG_FILE.read_text(encoding="utf-8"))["sources"]
    return {
        code: SourceSpec(
            code=code, name=spec["name"], department=spec["department"], fields=dict(spec["fields"])
        )
        for code, spec in data.items()
    }


class UnknownFields(ValueError):
    """The caller asked for fields this source does not have."""

    def __init__(self, fields: list[str]) -> None:
        super().__init__(", ".join(fields))
        self.fields = fields


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _people(session: Session, id_numbers: Iterable[str]) -> dict[str, Person]:
    numbers = list(id_numbers)
    return {p.id_number: p for p in session.scalars(select(Person).where(Person.id_number.in_(numbers)))}


def _by_person(session: Session, model: Any, person_ids: list[int]) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in session.scalars(select(model).where(model.person_id.in_(person_ids)).order_by(model.id)):
        grouped[row.person_id].append(row)
    return grouped


def _hukou(session: Session, people: dict[str, Person], today: date) -> dict[str, dict[str, Any]]:
    books = {
        b.id: b
        for b in session.scalars(
            select(HukouBook).where(HukouBook.id.in_({p.book_id for p in people.values()}))
        )
    }
    members: dict[int, list[Person]] = defaultdict(list)
    for member in session.scalars(select(Person).where(Person.book_id.in_(list(books))).order_by(Person.id)):
        members[member.book_id].append(member)
    answers = {}
    for number, person in people.items():
        book = books[person.book_id]
        answers[number] = {
            "name": person.name,
            "sex": "男" if person.sex == "M" else "女",
            "birth_date": person.birth_date.isoformat(),
            "relation": person.relation,
            "county_code": book.county_code,
            "address": book.address,
            "moved_in": person.hukou_moved_in.isoformat(),
            "book_no": book.book_no,
            "book_members": [
                {
                    "id_number": m.id_number,
                    "name": m.name,
                    "relation": m.relation,
                    "birth_date": m.birth_date.isoformat(),
                }
                for m in members[book.id]
            ],
        }
    return answers


def _listing(
    model: Any, key: str, render: Callable[[Any], dict[str, Any]]
) -> Callable[..., dict[str, dict[str, Any]]]:
    def answer(session: Session, people: dict[str, Person], today: date) -> dict[str, dict[str, Any]]:
        rows = _by_person(session, model, [p.id for p in people.values()])
        return {n: {key: [render(r) for r in rows[p.id]]} for n, p in people.items() if rows[p.id]}

    return answer


def _marriage(session: Session, people: dict[str, Person], today: date) -> dict[str, dict[str, Any]]:
    rows = _by_person(session, MarriageRecord, [p.id for p in people.values()])
    spouses = _people(
        session, {r[-1].spouse_id_number for r in rows.values() if r and r[-1].spouse_id_number}
    )
    answers = {}
    for number, person in people.items():
        if not rows[person.id]:
            continue
        latest = rows[person.id][-1]
        spouse = spouses.get(latest.spouse_id_number)
        answers[number] = {
            "status": {"married": "已婚", "divorced": "离婚", "widowed": "丧偶"}.get(
                latest.status, latest.status
            ),
            "spouse_id_number": latest.spouse_id_number,
            "spouse_name": spouse.name if spouse else "",
            "registered_on": latest.registered_on.isoformat(),
        }
    return answers


def _contributions(session: Session, people: dict[str, Person], today: date) -> dict[str, dict[str, Any]]:
    rows = _by_person(session, InsuranceSpan, [p.id for p in people.values()])
    window_start = _add_months(_month_start(today), -CONTRIBUTION_MONTHS)
    last_allowed = _add_months(_month_start(today), -1)  # the current month is not yet settled
    answers = {}
    for number, person in people.items():
        months = []
        for span in rows[person.id]:
            month = max(span.first_month, window_start)
            while month <= min(span.last_month, last_allowed):
                months.append(
                    {
                        "month": month.strftime("%Y-%m"),
                        "city_code": span.city_code,
                        "employer": span.employer,
                        "base_fen": span.base_fen,
                    }
                )
                month = _add_months(month, 1)
        if months:
            answers[number] = {"contributions": sorted(months, key=lambda m: m["month"])}
    return answers


def _licences(session: Session, people: dict[str, Person], today: date) -> dict[str, dict[str, Any]]:
    ids = [p.id for p in people.values()]
    marriages = _by_person(session, MarriageRecord, ids)
    degrees = _by_person(session, EducationRecord, ids)
    homes = _by_person(session, PropertyRecord, ids)

    def licence(kind: str, number: str, issued: date, serial: str) -> dict[str, Any]:
        name, type_code = LICENCE_TYPES[kind]
        return {
            "type": kind,
            "name": name,
            "type_code": type_code,
            "number": number,
            "identifier": licence_identifier(type_code=type_code, issuer_code=SANDBOX_ISSUER, serial=serial),
            "issuer": "联调测试环境证照签发机构",
            "issued_on": issued.isoformat(),
        }

    answers = {}
    for number, person in people.items():
        serial = sm3_hex(number.encode())[:20].upper()
        found = []
        if (today.year - person.birth_date.year) >= 16:
            found.append(
                licence(
                    "id_card",
                    number,
                    person.birth_date.replace(year=person.birth_date.year + 16, day=1),
                    serial + "01",
                )
            )
        if person.relation == "户主":
            found.append(licence("hukou_book", str(person.book_id), person.hukou_moved_in, serial + "02"))
        if marriages[person.id] and marriages[person.id][-1].status == "married":
            m = marriages[person.id][-1]
            found.append(
                licence(
                    "marriage_certificate",
                    f"J{m.registered_on:%Y%m%d}{m.id:06d}",
                    m.registered_on,
                    serial + "03",
                )
            )
        for i, degree in enumerate(degrees[person.id]):
            found.append(
                licence(
                    "diploma",
                    f"D{degree.graduated_on:%Y}{degree.id:08d}",
                    degree.graduated_on,
                    f"{serial}1{i}",
                )
            )
        for i, home in enumerate(h for h in homes[person.id] if h.disposed_on is None):
            found.append(
                licence(
                    "property_certificate",
                    f"闽({home.acquired_on:%Y})不动产权第{home.id:07d}号",
                    home.acquired_on,
                    f"{serial}2{i}",
                )
            )
        if found:
            answers[number] = {"licences": found}
    return answers


ANSWERS: dict[str, Callable[..., dict[str, dict[str, Any]]]] = {
    "hukou": _hukou,
    "residence_permit": _listing(
        ResidencePermit,
        "permits",
        lambda r: {
            "city_code": r.city_code,
            "city": regions.get(r.city_code).name,
            "address": r.address,
            "valid_from": r.valid_from.isoformat(),
            "valid_to": r.valid_to.isoformat(),
        },
    ),
    "dibao": _listing(
        AssistanceStatus,
        "statuses",
        lambda r: {
            "kind": r.kind,
            "city_code": r.city_code,
            "valid_from": r.valid_from.isoformat(),
            "valid_to": r.valid_to.isoformat(),
        },
    ),
    "marriage": _marriage,
    "education": _listing(
        EducationRecord,
        "degrees",
        lambda r: {
            "level": r.level,
            "school": r.school,
            "full_time": r.full_time,
            "graduated_on": r.graduated_on.isoformat(),
        },
    ),
    "social_insurance": _contributions,
    "property": _listing(
        PropertyRecord,
        "homes",
        lambda r: {
            "city_code": r.city_code,
            "address": r.address,
            "area_centi_m2": r.area_centi_m2,
            "acquired_on": r.acquired_on.isoformat(),
            "disposed_on": r.disposed_on.isoformat() if r.disposed_on else None,
        },
    ),
    "vehicle": _listing(
        VehicleRecord,
        "vehicles",
        lambda r: {
            "plate": r.plate,
            "purchase_value_fen": r.purchase_value_fen,
            "purchased_on": r.purchased_on.isoformat(),
        },
    ),
    "elicence": _licences,
}
assert set(ANSWERS) == set(source_list()), "every source in registers.yaml has an answer function"


def source_answer(
    *, session: Session, source: str, id_numbers: list[str], fields: list[str], today: date
) -> list[dict[str, Any]]:
    """One record per person asked about: found or not, and only the requested fields."""
    spec = source_list()[source]
    unknown = sorted(set(fields) - set(spec.fields))
    if unknown:
        raise UnknownFields(unknown)
    people = _people(session, id_numbers)
    answers = ANSWERS[source](session, people, today) if people else {}
    records = []
    for number in id_numbers:
        answer = answers.get(number)
        if answer is None:
            records.append({"id_number": number, "found": False, "fields": {}})
        else:
            records.append(
                {"id_number": number, "found": True, "fields": {f: answer[f] for f in fields if f in answer}}
            )
    return records


def query_log_write(
    *,
    session: Session,
    source: str,
    caller: str,
    acting_user: str,
    purpose: str,
    message_id: str,
    fields: list[str],
    outcome: str,
    households: list[tuple[str, str, list[str]]],
) -> None:
    """Record the query in the department's own log, a row per household asked about (case number, request
    id, ID numbers), subjects as SM3 hashes, never in clear; one INSERT for a batch."""
    session.execute(
        insert(SourceQueryLog),
        [
            {
                "source": source,
                "caller": caller,
                "acting_user": acting_user,
                "purpose": purpose,
                "case_no": case_no,
                "message_id": message_id,
                "request_id": request_id,
                "subject_hashes": ",".join(sm3_hex(n.encode()) for n in id_numbers),
                "persons": len(id_numbers),
                "fields": ",".join(fields),
                "outcome": outcome,
            }
            for case_no, request_id, id_numbers in households
        ],
    )


def query_log_about(*, session: Session, id_number: str) -> list[SourceQueryLog]:
    """Every logged query that asked about this person (for tests and the joint-test operators)."""
    digest = sm3_hex(id_number.encode())
    rows = session.scalars(
        select(SourceQueryLog)
        .where(SourceQueryLog.subject_hashes.contains(digest))
        .order_by(SourceQueryLog.id)
    )
    return list(rows)
