"""The national 办件 records of a case (standards.md §6.4; issue 17): 受理 when the office accepts, 过程 for
every step after, 结果 when a decision ends it — each a record of the national ``up_pro_*`` element set.

The review jobs turn the case history (hash-chained, append-only) into records: each round queues the
records of every step not yet queued, and moves the case's ``banjian_seq`` on in the same transaction, so
a step is queued exactly once and nothing is lost if a process dies (the outbox delivers, with retries).
Each record has an id of its own, so sending it twice is harmless; ``banjian_reconcile`` compares what the
history should have produced with what the 办件库 acknowledged and queues what is missing.

The 办件编号 is the case number (≤ 50 characters, as the national column). The item codes are the 省级事项库's
to assign and go as null; the code values of the enumerations are placeholders in codes.yaml."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import yaml
from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from anju.core import crypto
from anju.core.db import Database
from anju.core.httpclient import PeerResponseError, SignedClient
from anju.core.outbox import PENDING, outbox_enqueue
from anju.core.timeutil import format_shanghai
from anju.core.vocab import CASE_STATUS_LABELS, DECISION_STATUSES, SOURCE_LABELS, housing_office_name
from anju.housing.intake.service import APPLICANT_FILES, ID_CONTEXT, attachments_of, case_evidence
from anju.housing.models import Case, CaseEvent
from anju.housing.review.service import transitions

CODES_FILE = Path(__file__).with_name("codes.yaml")
DESTINATION = "sandbox"  # the 一体化政务服务平台's 办件库 (the province's, in production)
RECORDS_PATH = "/v1/banjian/records"
TOPIC = "banjian.record"
TASK_NAME = "申请公租房一件事"
RESULT_STATUSES = DECISION_STATUSES | {"withdrawn"}


@lru_cache(maxsize=1)
def codes() -> dict[str, Any]:
    """codes.yaml, as data."""
    data: dict[str, Any] = yaml.safe_load(CODES_FILE.read_text(encoding="utf-8"))
    return data


def _when(moment: datetime | None) -> str | None:
    return format_shanghai(moment, with_seconds=True) if moment else None


def step_name(record: CaseEvent) -> str:
    """办理环节名称: the step as staff named it (the transition's label: 受理, 初审通过 …), else the status."""
    rule = transitions().get((record.from_status, record.event))
    return (rule.label if rule else "") or CASE_STATUS_LABELS.get(record.to_status, record.to_status)


SPECIAL_ENDS = {  # the step that ends a 特别程序, and which one it ends (its start is the step named)
    ("public_notice", "approve"): ("public_notice", "review_pass"),
    ("public_notice", "reject"): ("public_notice", "review_pass"),
    ("rechecking", "recheck_dismissed"): ("recheck", "object"),
    ("rechecking", "recheck_upheld"): ("recheck", "object"),
}
SPECIAL_NAMES = {"public_notice": "公示", "recheck": "异议复核"}


def record_kinds(record: CaseEvent) -> list[str]:
    """Which national records a step of the case makes: 受理 and the 材料 on acceptance, 结果 on a decision
    or a withdrawal, a 过程 for every step once the case was accepted (acceptance's included), and a 特别程序
    when a 公示 or an 异议复核 ends."""
    kinds = []
    if record.to_status == "accepted":
        kinds += ["accept", "material"]
    if record.to_status == "accepted" or record.from_status not in ("", "submitted", "corrections_requested"):
        kinds.append("process")
    if (record.from_status, record.event) in SPECIAL_ENDS:
        kinds.append("special")
    if record.to_status in RESULT_STATUSES:
        kinds.append("result")
    return kinds


def record_id(case: Case, record: CaseEvent, kind: str, n: int = 0) -> str:
    """A record's identity: the same step's same record is the same id, however often it is sent (a step's
    materials are numbered)."""
    return f"{case.case_no}-{record.seq:03d}-{kind}" + (f"-{n:02d}" if kind == "material" else "")


def material_bodies(*, session: Session, case: Case, cipher: crypto.FieldCipher) -> list[dict[str, Any]]:
    """The case's materials (up_pro_material) as accepted: each register that answered, once (shared, so
    nothing was handed in), then every file that came with the case."""
    get_type = codes()["get_type"]
    shared = sorted({e["source"] for e in case_evidence(case=case, cipher=cipher) if e["status"] == "found"})
    bodies = [
        {
            "project_no": case.case_no,
            "material_name": SOURCE_LABELS.get(source, source),
            "get_type": get_type["shared"],
            "get_num": 1,
            "material_attach_name": "",
        }
        for source in shared
    ]
    bodies += [
        {
            "project_no": case.case_no,
            "material_name": "补正材料" if a.purpose == "correction" else "其他证明材料",
            "get_type": get_type["electronic"],
            "get_num": 1,
            "material_attach_name": a.filename,
        }
        for a in attachments_of(session=session, case=case, purposes=APPLICANT_FILES)
    ]
    return bodies


def record_body(
    *, case: Case, record: CaseEvent, kind: str, cipher: crypto.FieldCipher, previous_at: datetime | None
) -> dict[str, Any]:
    """One national record of a step, by its ``up_pro_*`` column names."""
    c = codes()
    body: dict[str, Any] = {"project_no": case.case_no}
    if kind == "accept":
        body |= {
            "project_name": f"{case.applicant_name}申请公租房",
            "task_name": TASK_NAME,
            "catalog_code": None,
            "task_code": None,
            "apply_date": _when(case.submitted_at),
            "apply_type": c["apply_type"].get(case.channel, c["apply_type"]["web"]),
            "applyer_type": c["applyer_type"]["person"],
            "applyer_name": case.applicant_name,
            "applyer_page_type": c["applyer_page_type"]["id_card"],
            "applyer_page_code": cipher.decrypt(case.applicant_id_enc, context=ID_CONTEXT),
            "address": case.address,
            "org_name": housing_office_name(case.city_code),
            "org_code": case.city_code,
            "handle_user_name": record.actor,
            "accept_date": _when(record.occurred_at),
        }
    elif kind == "process":
        body |= {
            "process_name": step_name(record),
            "event_name": c["event_name"].get(record.event, c["event_name"]["other"]),
            "event_start_time": _when(previous_at or record.occurred_at),
            "event_end_time": _when(record.occurred_at),
            "handle_user_name": record.actor,
            "handle_explain": record.reason or "",
        }
    else:
        body |= {
            "result_date": _when(record.occurred_at),
            "result_type": c["result_type"][record.to_status],
            "result_explain": record.reason or CASE_STATUS_LABELS.get(record.to_status, ""),
            "is_delivery_results": False,
        }
    return body


def _previous_at(session: Session, case: Case, record: CaseEvent) -> datetime | None:
    return session.scalar(
        select(CaseEvent.occurred_at).where(CaseEvent.case_id == case.id, CaseEvent.seq == record.seq - 1)
    )


def special_body(*, session: Session, case: Case, record: CaseEvent) -> dict[str, Any]:
    """The 特别程序 a step ends (up_pro_special_procedure): from the step that began it to this one."""
    special, began_by = SPECIAL_ENDS[(record.from_status, record.event)]
    start = session.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.event == began_by, CaseEvent.seq < record.seq)
        .order_by(CaseEvent.seq.desc())
    ).first()
    if special == "public_notice":
        reason = "公共租赁住房保障对象审核结果公示"
        result = "公示期满无异议" if record.event == "approve" else f"公示期满：{record.reason or '不予批准'}"
    else:
        reason = (start.reason if start else "") or "公示期间有异议"
        result = f"{step_name(record)}：{record.reason or ''}".rstrip("：")
    return {
        "project_no": case.case_no,
        "special_type": codes()["special_type"][special],
        "special_name": SPECIAL_NAMES[special],
        "special_reason": reason,
        "special_time": _when(start.occurred_at if start else record.occurred_at),
        "end_time": _when(record.occurred_at),
        "result": result,
    }


def _bodies(
    session: Session, case: Case, record: CaseEvent, kind: str, cipher: crypto.FieldCipher
) -> list[dict[str, Any]]:
    if kind == "material":
        return material_bodies(session=session, case=case, cipher=cipher)
    if kind == "special":
        return [special_body(session=session, case=case, record=record)]
    previous = _previous_at(session, case, record)
    return [record_body(case=case, record=record, kind=kind, cipher=cipher, previous_at=previous)]


def records_queue(
    *,
    session: Session,
    outbox: Table,
    case: Case,
    record: CaseEvent,
    cipher: crypto.FieldCipher,
    only: set[str] | None = None,
) -> list[str]:
    """Queue a step's national records (all it makes, or those whose ids are in ``only``) in the caller's
    transaction; their ids."""
    queued = []
    for kind in record_kinds(record):
        for n, body in enumerate(_bodies(session, case, record, kind, cipher), start=1):
            rid = record_id(case, record, kind, n)
            if only is not None and rid not in only:
                continue
            outbox_enqueue(
                session,
                outbox,
                topic=TOPIC,
                destination=DESTINATION,
                path=RECORDS_PATH,
                payload={"record_id": rid, "kind": kind, "record": body},
                case_no=case.case_no,
                acting_user=record.actor,
                purpose="办件数据汇聚（一体化政务服务平台）",
            )
            queued.append(rid)
    return queued


def records_expected(*, session: Session, case: Case, cipher: crypto.FieldCipher) -> dict[str, CaseEvent]:
    """Every record the case's history has made, by id, with its step."""
    expected = {}
    for record in session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
    ):
        for kind in record_kinds(record):
            # ids only: a step makes one record of a kind, but as many 材料 as the case had materials
            count = (
                len(material_bodies(session=session, case=case, cipher=cipher)) if kind == "material" else 1
            )
            for n in range(1, count + 1):
                expected[record_id(case, record, kind, n)] = record
    return expected


def records_pending(
    *, session: Session, outbox: Table, cipher: crypto.FieldCipher, limit: int = 200
) -> list[str]:
    """One round: the records of every step not yet queued, for up to ``limit`` cases; their ids."""
    queued: list[str] = []
    cases = session.scalars(
        select(Case).where(Case.event_seq > Case.banjian_seq).order_by(Case.id).limit(limit)
    ).all()
    for case in cases:
        steps = session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case.id, CaseEvent.seq > case.banjian_seq)
            .order_by(CaseEvent.seq)
        ).all()
        for record in steps:
            queued += records_queue(session=session, outbox=outbox, case=case, record=record, cipher=cipher)
        case.banjian_seq = max([case.banjian_seq, *(r.seq for r in steps)])
    return queued


@dataclass
class Reconciliation:
    """What one reconciliation found: cases compared, records acknowledged, still in delivery, re-queued,
    and cases the 办件库 could not be asked about."""

    cases: int = 0
    acknowledged: int = 0
    in_delivery: int = 0
    requeued: list[str] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)


def _acknowledged(client: SignedClient, case_no: str) -> set[str] | None:
    try:
        response = client.request(
            method="GET",
            destination=DESTINATION,
            path=f"{RECORDS_PATH}?{urlencode({'project_no': case_no})}",
            case=case_no,
            purpose="办件数据对账",
        )
    except (httpx.HTTPError, PeerResponseError):
        return None
    if response.status_code != 200:
        return None
    return set(response.json().get("records", []))


def banjian_reconcile(
    *, db: Database, outbox: Table, client: SignedClient, cipher: crypto.FieldCipher
) -> Reconciliation:
    """Compare, case by case, the records the history has queued with those the 办件库 acknowledged, and
    queue again what is missing (a record still in our outbox is in delivery, not missing)."""
    found = Reconciliation()
    with db.transaction() as session:
        case_nos = list(session.scalars(select(Case.case_no).where(Case.banjian_seq > 0).order_by(Case.id)))
    for case_no in case_nos:
        acked = _acknowledged(client, case_no)
        if acked is None:
            found.unreachable.append(case_no)
            continue
        with db.transaction() as session:
            case = session.scalars(select(Case).where(Case.case_no == case_no)).one()
            sending = session.scalar(
                select(func.count())
                .select_from(outbox)
                .where(outbox.c.case_no == case_no, outbox.c.topic == TOPIC, outbox.c.status == PENDING)
            )
            expected = {
                rid: record
                for rid, record in records_expected(session=session, case=case, cipher=cipher).items()
                if record.seq <= case.banjian_seq
            }
            found.cases += 1
            found.acknowledged += len(acked & expected.keys())
            if sending:
                found.in_delivery += int(sending)
                continue
            missing = expected.keys() - acked
            for record in sorted({expected[rid] for rid in missing}, key=lambda r: r.seq):
                found.requeued += records_queue(
                    session=session, outbox=outbox, case=case, record=record, cipher=cipher, only=missing
                )
    return found
