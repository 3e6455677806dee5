"""Backfill: ask every consented source about the household in parallel; store what came back.

One slow or dead source never blocks the others: each call has its own timeout and circuit breaker,
and a failure only means the applicant types or uploads that item instead (and the case is marked
for the reviewer to verify).
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anju.core import crypto
from anju.core.audit import AuditChain
from anju.core.db import Database
from anju.core.filetypes import sniffed_type
from anju.core.httpclient import PeerResponseError, SignedClient
from anju.core.timeutil import utcnow
from anju.platform.backfill import deferrals
from anju.platform.backfill.breaker import CircuitBreakers
from anju.platform.backfill.sources import SourceNotice, source_list
from anju.platform.consent.service import consents_active
from anju.platform.models import Application, ApplicationMember, BackfillResult, DataAccessLog, ProofUpload

PAYLOAD_CONTEXT = "platform.backfill.payload"
MEMBER_ID_CONTEXT = "platform.member.id_number"


@dataclass(frozen=True)
class SourceOutcome:
    """What one call to one source gave."""

    source: str
    ok: bool
    records: dict[str, dict[str, Any]]  # id number → {"found": bool, "fields": {...}}
    error: str = ""
    request_id: str = ""
    signature: str = ""
    duration_ms: int = 0


@dataclass
class BackfillSummary:
    """The run as the applicant sees it: per source, how it went."""

    by_source: dict[str, str] = field(
        default_factory=dict
    )  # source → answered / failed:<why> / no_consent / circuit_open
    wall_ms: int = 0
    slowest_ms: int = 0
    sum_ms: int = 0


async def _ask(
    *,
    client: SignedClient,
    http: httpx.AsyncClient,
    notice: SourceNotice,
    id_numbers: list[str],
    purpose: str,
    case: str,
    user: str,
    timeout: float,
) -> SourceOutcome:
    started = time.perf_counter()

    def outcome(**kw: Any) -> SourceOutcome:
        return SourceOutcome(
            source=notice.code, duration_ms=int(1000 * (time.perf_counter() - started)), **kw
        )

    try:
        response, signature = await asyncio.wait_for(
            client.arequest(
                http,
                method="POST",
                destination=notice.system,
                path=notice.path,
                payload={"persons": id_numbers, "fields": list(notice.fields)},
                user=user,
                purpose=purpose,
                case=case,
            ),
            timeout=timeout,
        )
    except TimeoutError:
        return outcome(ok=False, records={}, error="timeout")
    except PeerResponseError:
        return outcome(ok=False, records={}, error="unsigned_answer")
    except httpx.HTTPError as exc:
        return outcome(ok=False, records={}, error=f"network:{type(exc).__name__}")
    if response.status_code != 200:
        return outcome(ok=False, records={}, error=f"http_{response.status_code}")
    try:
        body = response.json()
        records = {
            str(r["id_number"]): {"found": bool(r["found"]), "fields": dict(r.get("fields") or {})}
            for r in body["records"]
        }
    except (ValueError, KeyError, TypeError):
        return outcome(ok=False, records={}, error="malformed")
    return outcome(ok=True, records=records, request_id=str(body.get("request_id", "")), signature=signature)


@dataclass(frozen=True)
class _Plan:
    notice: SourceNotice
    members: list[tuple[int, str]]  # (member id, id number)


def backfill_run(
    *,
    db: Database,
    client: SignedClient,
    cipher: crypto.FieldCipher,
    breakers: CircuitBreakers,
    audit: AuditChain,
    application_id: int,
    actor: str,
    timeout_seconds: float,
    only_sources: list[str] | None = None,
) -> BackfillSummary:
    """Query every source each member consented to, in parallel; store results and the access log."""
    catalog = source_list()
    wanted = only_sources or list(catalog.sources)
    with db.transaction() as session:
        application = session.get(Application, application_id)
        if application is None:
            raise LookupError(application_id)
        case = application.application_no or f"DRAFT-{application.id}"
        members = list(
            session.scalars(
                select(ApplicationMember).where(
                    ApplicationMember.application_id == application_id, ApplicationMember.role != "removed"
                )
            )
        )
        consents = consents_active(session=session, application_id=application_id)
        identities = {m.id: cipher.decrypt(m.id_number_enc, context=MEMBER_ID_CONTEXT) for m in members}
        bidx = {m.id: m.id_number_bidx for m in members}
    plans: list[_Plan] = []
    skipped: dict[tuple[int, str], str] = {}
    summary = BackfillSummary()
    askable = breakers.allowed(list(wanted))  # one read for every source, not one per source
    for code in wanted:
        consented = [(m.id, identities[m.id]) for m in members if (m.id, code) in consents]
        for m in members:
            if (m.id, code) not in consents:
                skipped[(m.id, code)] = "no_consent"  # never asked: nobody's data goes out without consent
        if not consented:
            summary.by_source[code] = "no_consent"
        elif code not in askable:
            for member_id, _ in consented:
                skipped[(member_id, code)] = "circuit_open"
            summary.by_source[code] = "circuit_open"
        else:
            plans.append(_Plan(notice=catalog.sources[code], members=consented))

    async def fan_out() -> list[SourceOutcome]:
        limits = httpx.Limits(max_connections=len(plans) + 1)
        longest = max([timeout_seconds, *(p.notice.timeout_seconds or 0 for p in plans)])
        async with httpx.AsyncClient(timeout=longest, limits=limits) as http:
            return await asyncio.gather(
                *(
                    _ask(
                        client=client,
                        http=http,
                        notice=p.notice,
                        id_numbers=[n for _, n in p.members],
                        purpose=p.notice.purpose,
                        case=case,
                        user=actor,
                        timeout=p.notice.timeout_seconds or timeout_seconds,
                    )
                    for p in plans
                )
            )

    started = time.perf_counter()
    outcomes = asyncio.run(fan_out()) if plans else []
    summary.wall_ms = int(1000 * (time.perf_counter() - started))
    summary.slowest_ms = max((o.duration_ms for o in outcomes), default=0)
    summary.sum_ms = sum(o.duration_ms for o in outcomes)

    for plan, result in zip(plans, outcomes, strict=True):  # the breaker keeps its own transaction
        breakers.record(plan.notice.code, ok=result.ok)
    now = utcnow()
    with db.transaction() as session:
        logged: list[DataAccessLog] = []
        for plan, result in zip(plans, outcomes, strict=True):
            summary.by_source[plan.notice.code] = "answered" if result.ok else f"failed:{result.error}"
            for member_id, number in plan.members:
                record = result.records.get(number)
                if not result.ok:
                    status, payload = "failed", ""
                elif record is None or not record["found"]:
                    status, payload = "no_record", ""
                else:
                    status = "found"
                    payload = cipher.encrypt(
                        json.dumps(record["fields"], ensure_ascii=False), context=PAYLOAD_CONTEXT
                    )
                stored = BackfillResult(
                    application_id=application_id,
                    member_id=member_id,
                    source=plan.notice.code,
                    status=status,
                    payload_enc=payload,
                    error=result.error,
                    request_id=result.request_id,
                    response_signature=result.signature,
                    duration_ms=result.duration_ms,
                    fetched_at=now,
                )
                if record is not None and status == "found":
                    _carry_review(session, stored, record["fields"], cipher)
                session.add(stored)
                logged.append(
                    DataAccessLog(
                        subject_bidx=bidx[member_id],
                        source=plan.notice.code,
                        fields=",".join(plan.notice.fields),
                        purpose=plan.notice.purpose,
                        application_id=application_id,
                        actor=actor,
                        outcome=status if result.ok else f"failed:{result.error}",
                        request_id=result.request_id,
                        occurred_at=now,
                    )
                )
        audit.append(session, *logged)
        for (member_id, code), status in skipped.items():
            session.add(
                BackfillResult(
                    application_id=application_id,
                    member_id=member_id,
                    source=code,
                    status=status,
                    fetched_at=now,
                )
            )
    return summary


def _carry_review(
    session: Session, stored: BackfillResult, fields: dict[str, Any], cipher: crypto.FieldCipher
) -> None:
    """Keep the applicant's confirmation or dispute when a source says exactly the same again."""
    previous = session.scalar(
        select(BackfillResult)
        .where(
            BackfillResult.application_id == stored.application_id,
            BackfillResult.member_id == stored.member_id,
            BackfillResult.source == stored.source,
            BackfillResult.status == "found",
        )
        .order_by(BackfillResult.id.desc())
    )
    if previous is None or not previous.review:
        return
    if json.loads(cipher.decrypt(previous.payload_enc, context=PAYLOAD_CONTEXT)) == fields:
        stored.review, stored.review_reason = previous.review, previous.review_reason
        stored.reviewed_at = previous.reviewed_at


@dataclass(frozen=True)
class PreviewItem:
    """One source's answer about one member, as the applicant reviews it."""

    result_id: int
    source: str
    source_name: str
    department: str
    member_id: int
    member_name: str
    status: str
    fields: dict[str, Any]
    fetched_at: Any
    request_id: str
    review: str
    review_reason: str
    retry_failed: bool = False
    # (file name, size, collected on paper at a window) of the proofs given for this item
    proofs: tuple[tuple[str, int, bool], ...] = ()
    promised: str = ""  # 容缺受理: the period within which the applicant promised the proof, if they did


def backfill_preview(
    *, session: Session, application_id: int, cipher: crypto.FieldCipher
) -> list[PreviewItem]:
    """The latest result per (member, source), decrypted for the applicant's own review."""
    catalog = source_list()
    members = {
        m.id: m
        for m in session.scalars(
            select(ApplicationMember).where(ApplicationMember.application_id == application_id)
        )
    }
    latest: dict[tuple[int, str], BackfillResult] = {}
    last_found: dict[tuple[int, str], BackfillResult] = {}
    for row in session.scalars(
        select(BackfillResult)
        .where(BackfillResult.application_id == application_id)
        .order_by(BackfillResult.id)
    ):
        if row.member_id not in members or members[row.member_id].role == "removed":
            continue
        latest[(row.member_id, row.source)] = row
        if row.status == "found":
            last_found[(row.member_id, row.source)] = row
    proofs: dict[tuple[int | None, str], list[tuple[str, int, bool]]] = {}
    for proof in proofs_of(session=session, application_id=application_id, purpose="register"):
        proofs.setdefault((proof.member_id, proof.source), []).append(
            (proof.filename, proof.size_bytes, proof.on_paper)
        )
    promised = {
        (p.member_id, p.source): deferrals.period_words(p.limit, p.unit)
        for p in deferrals.promises_open(session=session, application_id=application_id)
    }
    items = []
    for (member_id, code), newest in sorted(
        latest.items(), key=lambda kv: (list(catalog.sources).index(kv[0][1]), kv[0][0])
    ):
        # A failed re-query never hides what an earlier query already gave: nothing saved is lost.
        row = newest
        retry_failed = newest.status in ("failed", "circuit_open") and (member_id, code) in last_found
        if retry_failed:
            row = last_found[(member_id, code)]
        fields = (
            json.loads(cipher.decrypt(row.payload_enc, context=PAYLOAD_CONTEXT)) if row.payload_enc else {}
        )
        notice = catalog.sources[code]
        items.append(
            PreviewItem(
                result_id=row.id,
                source=code,
                source_name=notice.name,
                department=notice.department,
                member_id=member_id,
                member_name=members[member_id].name,
                status=row.status,
                fields=fields,
                fetched_at=row.fetched_at,
                request_id=row.request_id,
                review=row.review,
                review_reason=row.review_reason,
                retry_failed=retry_failed,
                proofs=tuple(proofs.get((member_id, code), ())),
                promised=promised.get((member_id, code), ""),
            )
        )
    return items


class ReviewRefused(Exception):
    """The confirmation or dispute cannot be recorded."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def backfill_confirm_rest(*, session: Session, application_id: int, cipher: crypto.FieldCipher) -> int:
    """全部无误: confirm every answer the applicant has not yet confirmed or disputed (the latest of each
    source and member, as the preview shows them); returns how many."""
    ids = [
        item.result_id
        for item in backfill_preview(session=session, application_id=application_id, cipher=cipher)
        if item.status == "found" and not item.review
    ]
    for result_id in ids:
        backfill_review(
            session=session, application_id=application_id, result_id=result_id, decision="confirmed"
        )
    return len(ids)


def backfill_review(
    *, session: Session, application_id: int, result_id: int, decision: str, reason: str = ""
) -> BackfillResult:
    """The applicant confirms what a source said, or disputes it with a reason (for the reviewer to verify)."""
    row = session.get(BackfillResult, result_id)
    if row is None or row.application_id != application_id:
        raise ReviewRefused("result_not_found", "没有找到这条数据。")
    if decision not in ("confirmed", "disputed"):
        raise ReviewRefused("decision_unknown", "请选择“信息无误”或“信息有误”。")
    if decision == "disputed" and len(reason.strip()) < 4:
        raise ReviewRefused("reason_required", "请说明哪里有误（至少 4 个字），审核人员会据此核实。")
    row.review = decision
    row.review_reason = reason.strip() if decision == "disputed" else ""
    row.reviewed_at = utcnow()
    return row


def data_log_of(*, session: Session, subject_bidx: str) -> list[DataAccessLog]:
    """Every query made about a person, newest first (their “my data log”)."""
    return list(
        session.scalars(
            select(DataAccessLog)
            .where(DataAccessLog.subject_bidx == subject_bidx)
            .order_by(DataAccessLog.id.desc())
        )
    )


def member_birth_date(id_number: str) -> date:
    """A member's birth date from their ID number."""
    from anju.core import idcard

    return idcard.parse(id_number).birth_date


PROOF_CONTEXT = "platform.proof.content"
PROOF_MAX_BYTES = 5 * 1024 * 1024
PROOF_MAX_PER_APPLICATION = 10
PROOF_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})


def proof_content_type(data: bytes) -> str | None:
    """The file's real type from its signature bytes (PDF, JPEG, PNG), else None."""
    return sniffed_type(data, allowed=PROOF_TYPES)


def proof_store(
    *,
    session: Session,
    application_id: int,
    filename: str,
    data: bytes,
    cipher: crypto.FieldCipher,
    purpose: str,
    result: BackfillResult | None = None,
    correction_round: int | None = None,
    on_paper: bool = False,
) -> ProofUpload:
    """Check a file (present, ≤ 5 MB, really PDF/JPEG/PNG, within the per-application count) and keep it
    encrypted at rest; raises ReviewRefused with a message the applicant can act on. ``on_paper``: the
    person brought it on paper to a counter window, where it was scanned."""
    import base64

    if not data:
        raise ReviewRefused("file_missing", "请选择要上传的证明文件。")
    if len(data) > PROOF_MAX_BYTES:
        raise ReviewRefused("file_too_large", "文件不能超过 5 MB，请压缩或分页拍照后再上传。")
    content_type = proof_content_type(data)
    if content_type is None:
        raise ReviewRefused("file_type", "只能上传 PDF、JPG 或 PNG 格式的文件。")
    count = session.scalar(
        select(func.count())
        .select_from(ProofUpload)
        .where(
            ProofUpload.application_id == application_id,
            ProofUpload.purpose.not_in(("correction", "signature")),
        )
    )
    if purpose not in ("correction", "signature") and (count or 0) >= PROOF_MAX_PER_APPLICATION:
        raise ReviewRefused("too_many_files", f"每份申请最多上传 {PROOF_MAX_PER_APPLICATION} 个证明文件。")
    proof = ProofUpload(
        application_id=application_id,
        purpose=purpose,
        result_id=result.id if result else None,
        member_id=result.member_id if result else None,
        source=result.source if result else "",
        correction_round=correction_round,
        filename=(filename or "证明材料").replace("/", "_").replace("\\", "_")[-200:],
        content_type=content_type,
        size_bytes=len(data),
        digest=crypto.sm3_hex(data),
        content_enc=cipher.encrypt(base64.b64encode(data).decode("ascii"), context=PROOF_CONTEXT),
        on_paper=on_paper,
        uploaded_at=utcnow(),
    )
    session.add(proof)
    session.flush()
    return proof


def proof_attach(
    *,
    session: Session,
    application_id: int,
    result_id: int,
    filename: str,
    data: bytes,
    cipher: crypto.FieldCipher,
    on_paper: bool = False,
) -> ProofUpload:
    """Keep a proof for a register item that failed, had no record, or is disputed (encrypted at rest)."""
    row = session.get(BackfillResult, result_id)
    if row is None or row.application_id != application_id:
        raise ReviewRefused("result_not_found", "没有找到这条数据。")
    return proof_store(
        session=session,
        application_id=application_id,
        filename=filename,
        data=data,
        cipher=cipher,
        purpose="register",
        result=row,
        on_paper=on_paper,
    )


def proof_remove(*, session: Session, application_id: int, proof_id: int, purpose: str) -> bool:
    """Take back a proof not yet sent (False if there is no such proof of that purpose)."""
    proof = session.get(ProofUpload, proof_id)
    if proof is None or proof.application_id != application_id or proof.purpose != purpose:
        return False
    session.delete(proof)
    session.flush()
    return True


def proof_content(proof: ProofUpload, *, cipher: crypto.FieldCipher) -> bytes:
    """The file's bytes as the applicant uploaded them (proof_store's encoding undone)."""
    import base64

    return base64.b64decode(cipher.decrypt(proof.content_enc, context=PROOF_CONTEXT))


def proofs_of(
    *, session: Session, application_id: int, purpose: str | None = None, correction_round: int | None = None
) -> list[ProofUpload]:
    """The application's uploaded proofs (of one purpose, or all), oldest first."""
    query = select(ProofUpload).where(ProofUpload.application_id == application_id)
    if purpose is not None:
        query = query.where(ProofUpload.purpose == purpose)
    if correction_round is not None:
        query = query.where(ProofUpload.correction_round == correction_round)
    return list(session.scalars(query.order_by(ProofUpload.id)))
