"""年审 / 动态核查 (issue 19, slice 6): for each tenancy due, housing asks the registers again (批量核查,
signed, under the consent the applicant gave for the time of the tenancy), compares the answers with the
household as approved and with the city's rules on the day, and opens a review task for a person where
something changed. The batch decides nothing: the tenant is told what was found and may explain; a
reviewer keeps the tenancy or starts 退出.

A round is resumable: every register's answer about every household is kept as it arrives, in its own
transaction, so a run stopped half-way asks again only what it had not been told. A batch whose answer was
lost with the process before it was saved is the only one asked twice."""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import httpx
import yaml
from sqlalchemy import Table, exists, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, load_only

from anju.core import crypto, periods
from anju.core.audit import AuditChain
from anju.core.db import Database
from anju.core.httpclient import PeerResponseError, SignedClient
from anju.core.refusals import Refused
from anju.core.timeutil import shanghai_date, utcnow
from anju.housing.allocation.models import Tenancy
from anju.housing.allocation.tenancy import tenancy_rule
from anju.housing.eligibility.assess import eligibility_assess
from anju.housing.eligibility.from_case import situation_from
from anju.housing.eligibility.params import NoRuleInForce
from anju.housing.eligibility.report import case_answers
from anju.housing.intake.service import case_evidence, case_household
from anju.housing.models import Case
from anju.housing.reverify import compare
from anju.housing.reverify.models import ReverifyRound, ReviewAnswer, TenancyReview
from anju.housing.review.service import case_transition

RULES_FILE = Path(__file__).with_name("reverify.yaml")
FINDINGS_CONTEXT = "housing.reverify.findings"
ANSWERS_CONTEXT = "housing.reverify.answers"
EXPLANATION_CONTEXT = "housing.reverify.explanation"
DEFLATED = "deflate:"  # what a kept answer's plaintext starts with when it is zlib in base64
DUE_STATUSES = ("allocated", "closed")  # a tenancy in 退出 is not re-checked: a person is already on it
BATCH_PATH = "/v1/sources/{source}/batch"


@dataclass(frozen=True)
class Register:
    source: str
    fields: list[str]
    compare: str  # a key of compare.COMPARISONS, or "" for the rules only


@lru_cache(maxsize=1)
def reverify_rules() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    return data


def registers() -> list[Register]:
    return [
        Register(source, list(row["fields"]), str(row.get("compare") or ""))
        for source, row in reverify_rules()["registers"].items()
    ]


def round_open(*, session: Session, as_of: date, actor: str) -> ReverifyRound:
    """The round still running (whatever day it was started for), or a new one for ``as_of``."""
    running = session.scalar(
        select(ReverifyRound).where(ReverifyRound.state == "running").order_by(ReverifyRound.id)
    )
    if running is not None:
        return running
    started = ReverifyRound(as_of=as_of, started_by=actor)
    session.add(started)
    session.flush()
    return started


@dataclass(frozen=True)
class Shard:
    """This run's part of the round when several run side by side: tenancies whose id modulo ``of`` is
    ``index`` (each household in exactly one part)."""

    index: int = 0
    of: int = 1


def _due(round_: ReverifyRound, shard: Shard = Shard()) -> Any:
    """Tenancies due in this round that it has not yet taken up."""
    taken = exists().where(TenancyReview.round_id == round_.id, TenancyReview.tenancy_id == Tenancy.id)
    return (
        select(Tenancy.id, Tenancy.case_id, Tenancy.next_review_on)
        .join(Case, Case.id == Tenancy.case_id)
        .where(
            Tenancy.next_review_on <= round_.as_of,
            Tenancy.ended_on.is_(None),
            Case.status.in_(DUE_STATUSES),
            Tenancy.id % shard.of == shard.index,
            ~taken,
        )
        .order_by(Tenancy.id)
    )


def round_remaining(*, session: Session, round_: ReverifyRound, shard: Shard | None = None) -> int:
    """Households still to conclude in the round, or in one part of it (for progress)."""
    part = shard or Shard()
    asking = session.scalar(
        select(func.count()).where(
            TenancyReview.round_id == round_.id,
            TenancyReview.state == "asking",
            TenancyReview.tenancy_id % part.of == part.index,
        )
    )
    due = session.scalar(select(func.count()).select_from(_due(round_, part).subquery()))
    return int(asking or 0) + int(due or 0)


@dataclass
class Cursor:
    """Where a run is in its part of the round: the last review it took up (one it left waiting for a
    register is not taken up again in the same run) and the tenancies due it has yet to open a review for
    (read once, at its first step: the query looks through every tenancy)."""

    review: int = 0
    due: list[tuple[int, int, date]] | None = None  # (tenancy, case, due on), in tenancy order


def reviews_next(
    *, session: Session, round_: ReverifyRound, limit: int, cursor: Cursor, shard: Shard = Shard()
) -> list[int]:
    """The next reviews to work on, in id order: this round's unfinished ones first, then new ones (one
    INSERT) for tenancies due; ``cursor`` is moved past them."""
    asking = list(
        session.scalars(
            select(TenancyReview.id)
            .where(
                TenancyReview.round_id == round_.id,
                TenancyReview.state == "asking",
                TenancyReview.id > cursor.review,
                TenancyReview.tenancy_id % shard.of == shard.index,
            )
            .order_by(TenancyReview.id)
            .limit(limit)
        )
    )
    if cursor.due is None:
        cursor.due = [(t, c, d) for t, c, d in session.execute(_due(round_, shard))]
    if len(asking) < limit and cursor.due:
        taken, cursor.due = cursor.due[: limit - len(asking)], cursor.due[limit - len(asking) :]
        asking += session.scalars(
            insert(TenancyReview).returning(TenancyReview.id, sort_by_parameter_order=True),
            [{"round_id": round_.id, "tenancy_id": t, "case_id": c, "due_on": d} for t, c, d in taken],
        ).all()
    if asking:
        cursor.review = asking[-1]
    return asking


def consent_given(answers: dict[str, Any]) -> bool:
    """Whether the signed application carries the authorisation to check during the tenancy."""
    value = (answers.get("application") or {}).get(reverify_rules()["consent_field"])
    return value not in (None, "", False, "false", "0", "no")


@dataclass
class Household:
    """What one review needs from its case, read and decrypted once per batch."""

    review_id: int
    case_no: str
    city_code: str
    group: str  # the applicant group the case was approved in
    approved_on: date
    members: list[dict[str, Any]]  # the household as submitted (used to ask and to compare)
    answers: dict[str, Any]  # the signed application's answers
    evidence: list[dict[str, Any]]  # what the registers said at approval
    asked: set[str]  # sources answered already in this round
    fresh: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # answers kept in this run

    @property
    def persons(self) -> list[str]:
        return [str(m["id_number"]) for m in self.members]


def households_of(*, session: Session, review_ids: list[int], cipher: crypto.FieldCipher) -> list[Household]:
    """The batch's households from their cases: only the columns the 年审 reads."""
    rows = session.execute(
        select(TenancyReview.id, Tenancy.starts_on, Case)
        .join(Case, Case.id == TenancyReview.case_id)
        .join(Tenancy, Tenancy.id == TenancyReview.tenancy_id)
        .where(TenancyReview.id.in_(review_ids))
        .options(
            load_only(
                Case.case_no,
                Case.city_code,
                Case.applicant_group,
                Case.decided_at,
                Case.household_enc,
                Case.signed_documents_enc,
                Case.evidence_enc,
            )
        )
        .order_by(TenancyReview.id)
    )
    answered: dict[int, set[str]] = {}
    for review_id, source in session.execute(
        select(ReviewAnswer.review_id, ReviewAnswer.source).where(
            ReviewAnswer.review_id.in_(review_ids), ReviewAnswer.status == "answered"
        )
    ):
        answered.setdefault(review_id, set()).add(source)
    return [
        Household(
            review_id=review_id,
            case_no=case.case_no,
            city_code=case.city_code,
            group=case.applicant_group,
            approved_on=shanghai_date(case.decided_at) if case.decided_at else starts_on,
            members=case_household(case=case, cipher=cipher),
            answers=case_answers(case=case, cipher=cipher),
            evidence=case_evidence(case=case, cipher=cipher),
            asked=answered.get(review_id, set()),
        )
        for review_id, starts_on, case in rows
    ]


def batch_ask(
    *, client: SignedClient, register: Register, households: list[Household], actor: str
) -> dict[str, Any]:
    """One signed 批量核查 call for these households: {case_no: records} and the request id, or
    {"error": why} (the households are asked again on the next run)."""
    body = {
        "households": [{"ref": h.case_no, "persons": h.persons} for h in households],
        "fields": register.fields,
    }
    try:
        response = client.request(
            method="POST",
            destination="sandbox",
            path=BATCH_PATH.format(source=register.source),
            payload=body,
            user=actor,
            purpose=str(reverify_rules()["purpose"]),
        )
    except (PeerResponseError, httpx.HTTPError, OSError) as exc:
        return {"error": str(exc)[:200]}
    if response.status_code != 200:
        return {"error": f"HTTP {response.status_code}"}
    try:
        answer = response.json()
        return {
            "request_ids": {h["ref"]: str(h["request_id"]) for h in answer["households"]},
            "by_ref": {h["ref"]: h["records"] for h in answer["households"]},
        }
    except (ValueError, KeyError, TypeError) as exc:
        return {"error": f"answer unreadable: {exc}"[:200]}


def sealed_answer(records: list[dict[str, Any]], cipher: crypto.FieldCipher) -> str:
    """A register's answer as kept: JSON, deflated (three years of monthly contributions repeat themselves:
    14 KB becomes well under 1 KB), then encrypted. Compressing before encrypting is the only order that
    saves anything; nobody else's input is mixed in, so the length tells nothing."""
    deflated = zlib.compress(json.dumps(records, ensure_ascii=False).encode("utf-8"), 1)
    return cipher.encrypt(DEFLATED + base64.b64encode(deflated).decode("ascii"), context=ANSWERS_CONTEXT)


def opened_answer(token: str, cipher: crypto.FieldCipher) -> list[dict[str, Any]]:
    text = cipher.decrypt(token, context=ANSWERS_CONTEXT)
    if text.startswith(DEFLATED):
        text = zlib.decompress(base64.b64decode(text.removeprefix(DEFLATED))).decode("utf-8")
    records: list[dict[str, Any]] = json.loads(text)  # an answer kept before they were deflated: plain JSON
    return records


def answers_record(
    *,
    session: Session,
    register: Register,
    households: list[Household],
    asked: dict[str, Any],
    cipher: crypto.FieldCipher,
) -> int:
    """Keep each household's answer (or the failure, to ask again): a row per household, new ones in one
    INSERT; the answers stay with the households for this run too. The number answered."""
    retried = {
        a.review_id: a
        for a in session.scalars(
            select(ReviewAnswer).where(
                ReviewAnswer.review_id.in_([h.review_id for h in households]),
                ReviewAnswer.source == register.source,
            )
        )
    }
    now, rows, answered = utcnow(), [], 0
    for h in households:
        records = (asked.get("by_ref") or {}).get(h.case_no)
        values: dict[str, Any] = {"status": "failed", "asked_at": now}
        if records is not None:
            values |= {
                "status": "answered",
                "request_id": str(asked["request_ids"].get(h.case_no, ""))[:64],
                "records_enc": sealed_answer(records, cipher),
            }
            h.asked.add(register.source)
            h.fresh[register.source] = records
            answered += 1
        row = retried.get(h.review_id)
        if row is None:
            rows.append({"review_id": h.review_id, "source": register.source, "tries": 1, **values})
        else:
            row.tries = (row.tries or 0) + 1
            for name, value in values.items():
                setattr(row, name, value)
    if rows:
        session.execute(insert(ReviewAnswer), rows)
    return answered


def _fresh_evidence(
    approved: list[dict[str, Any]], fresh: dict[str, list[dict[str, Any]]], today: date
) -> list[dict[str, Any]]:
    """The case's evidence with each re-asked register replaced by its answer today."""
    kept = [e for e in approved if e["source"] not in fresh]
    for source, records in fresh.items():
        for r in records:
            kept.append(
                {
                    "id_number": r["id_number"],
                    "source": source,
                    "status": "found" if r.get("found") else "no_record",
                    "fields": r.get("fields") or {},
                }
            )
    return kept


def findings_of(*, household: Household, today: date) -> list[compare.Finding]:
    """Everything a person should look at: each compared register that changed, then the city's rules
    (the registers' answers this round are the household's ``fresh``)."""
    approved, members, fresh = household.evidence, household.members, household.fresh
    found: list[compare.Finding] = []
    for register in registers():
        if register.compare and register.source in fresh:
            now = {str(r["id_number"]): r for r in fresh[register.source]}
            found += compare.changes(
                compare=register.compare,
                source=register.source,
                household=members,
                approved=approved,
                now=now,
                approved_on=household.approved_on,
                today=today,
            )

    def assessed(evidence: list[dict[str, Any]], on: date) -> dict[str, Any] | None:
        try:
            situation = situation_from(
                city_code=household.city_code, household=members, evidence=evidence, answers=household.answers
            )
            return eligibility_assess(situation, on=on, only=household.group)
        except (ValueError, NoRuleInForce):  # pydantic's ValidationError is a ValueError
            return None  # the reviewer's own report on the case page says why it cannot be computed

    today_result = assessed(_fresh_evidence(approved, fresh, today), today)
    if today_result is None:
        return found
    group = household.group
    if not compare.failing_rules(today_result, group):
        return found  # nothing fails today: no need to know how it stood at approval
    ruled = compare.rule_finding(assessed(approved, household.approved_on), today_result, group)
    return [*found, ruled] if ruled else found


def review_conclude(
    *,
    session: Session,
    review: TenancyReview,
    case: Case,
    tenancy: Tenancy,
    cipher: crypto.FieldCipher,
    outbox: Table,
    audit: AuditChain,
    today: date,
    findings: list[compare.Finding],
) -> None:
    """Record what was found; where anything was, the case becomes a review task and the tenant is told.
    The next 年审 is set either way: a person deals with this one."""
    review.findings_enc = (  # nothing found: nothing to keep
        cipher.encrypt(
            json.dumps([f.as_dict() for f in findings], ensure_ascii=False), context=FINDINGS_CONTEXT
        )
        if findings
        else ""
    )
    review.state = "flagged" if findings else "clear"
    review.concluded_at = utcnow()
    every = tenancy_rule(case.city_code, today).review_every_months
    next_on = periods.months_after(review.due_on, every)
    tenancy.next_review_on = next_on if next_on > today else periods.months_after(today, every)
    if findings and case.status in DUE_STATUSES:
        told = "；".join(
            f"{f.member + '：' if f.member else ''}{f.label}由“{f.before}”变为“{f.now}”" for f in findings
        )
        case_transition(
            session=session,
            case=case,
            event="reverify_flag",
            actor="system",
            actor_role="system",
            outbox=outbox,
            audit=audit,
            reason=(
                f"{today} 年审核查（{reverify_rules()['purpose'].split('：')[0]}）发现以下情况需要核实：{told}。"
                "请在期限内登录平台说明情况或到住房保障部门说明；核实前租赁照常履行，是否继续保障由工作人员审核决定。"
            ),
            channel="system",
            today=today,
        )


def review_findings(review: TenancyReview, cipher: crypto.FieldCipher) -> list[dict[str, str]]:
    if not review.findings_enc:
        return []
    rows: list[dict[str, str]] = json.loads(cipher.decrypt(review.findings_enc, context=FINDINGS_CONTEXT))
    return rows


def _answers_kept(db: Database, households: list[Household], cipher: crypto.FieldCipher) -> None:
    """Add to each household the answers an earlier run kept (this run's are with it already); no
    database read when there are none."""
    earlier = {h.review_id: h for h in households if h.asked - set(h.fresh)}
    if not earlier:
        return
    with db.transaction() as session:
        for a in session.scalars(
            select(ReviewAnswer).where(ReviewAnswer.review_id.in_(earlier), ReviewAnswer.status == "answered")
        ):
            fresh = earlier[a.review_id].fresh
            if a.source not in fresh:
                fresh[a.source] = opened_answer(a.records_enc, cipher)


@dataclass
class BatchResult:
    concluded: int = 0
    flagged: int = 0
    calls: int = 0
    waiting: list[int] | None = None  # reviews left for a register that did not answer


@dataclass
class Asked:
    """A batch after its register calls: who was asked (and answered every register), who was not to be."""

    households: list[Household]
    unconsented: set[int]
    calls: int


def batch_ask_all(
    *, db: Database, client: SignedClient, cipher: crypto.FieldCipher, review_ids: list[int], actor: str
) -> Asked:
    """Ask every register these households still lack an answer from (one call per register, the registers
    side by side), keeping each register's answers in a transaction of their own as they arrive."""
    with db.transaction() as session:
        households = households_of(session=session, review_ids=review_ids, cipher=cipher)
        unconsented = {h.review_id for h in households if not consent_given(h.answers)}
    asking = [h for h in households if h.review_id not in unconsented]
    wanted = [(r, [h for h in asking if r.source not in h.asked]) for r in registers()]
    wanted = [(r, missing) for r, missing in wanted if missing]
    with ThreadPoolExecutor(max_workers=max(1, len(wanted))) as pool:
        answers = list(
            pool.map(lambda w: batch_ask(client=client, register=w[0], households=w[1], actor=actor), wanted)
        )
    for (register, missing), asked in zip(wanted, answers, strict=True):
        with db.transaction() as session:
            answers_record(session=session, register=register, households=missing, asked=asked, cipher=cipher)
    return Asked(households, unconsented, len(wanted))


def batch_conclude(
    *, db: Database, cipher: crypto.FieldCipher, outbox: Table, audit: AuditChain, asked: Asked, today: date
) -> BatchResult:
    """Conclude, together, every review of the batch that has all its answers (or was not to be asked)."""
    sources = {r.source for r in registers()}
    ready = [h for h in asked.households if h.review_id in asked.unconsented or sources <= h.asked]
    result = BatchResult(calls=asked.calls, waiting=[h.review_id for h in asked.households if h not in ready])
    _answers_kept(db, [h for h in ready if h.review_id not in asked.unconsented], cipher)
    unasked = compare.Finding(
        "consent", "授权核查", "", "未授权", "未查询：申请时未授权在保障期间核查，请当面核实"
    )
    found = {  # worked out before the transaction: it holds the audit chain's head while it writes
        h.review_id: [unasked] if h.review_id in asked.unconsented else findings_of(household=h, today=today)
        for h in ready
    }
    with db.transaction() as session, session.no_autoflush:  # the batch's conclusions together
        rows = session.execute(
            select(TenancyReview, Case, Tenancy)
            .join(Case, Case.id == TenancyReview.case_id)
            .join(Tenancy, Tenancy.id == TenancyReview.tenancy_id)
            .where(TenancyReview.id.in_(found), TenancyReview.state == "asking")
            .options(load_only(Case.status, Case.city_code, Case.case_no))  # the rest only for a transition
            .order_by(TenancyReview.id)
        ).all()
        for review, case, tenancy in sorted(rows, key=lambda r: bool(found[r[0].id])):  # the flagged last
            review_conclude(
                session=session,
                review=review,
                case=case,
                tenancy=tenancy,
                cipher=cipher,
                outbox=outbox,
                audit=audit,
                today=today,
                findings=found[review.id],
            )
            result.concluded += 1
            result.flagged += bool(found[review.id])
    return result


def round_finish(*, session: Session, round_: ReverifyRound) -> bool:
    """Mark the round finished when nothing is left in it; whether it is."""
    if round_remaining(session=session, round_=round_):
        return False
    round_.state, round_.finished_at = "finished", utcnow()
    return True


@dataclass
class RunResult:
    round_id: int
    households: int = 0
    flagged: int = 0
    register_calls: int = 0
    waiting: int = 0
    finished: bool = False


def reverify_run(
    *,
    db: Database,
    client: SignedClient,
    cipher: crypto.FieldCipher,
    outbox: Table,
    audit: AuditChain,
    as_of: date,
    today: date,
    actor: str,
    batch: int | None = None,
    limit: int | None = None,
    shard: Shard = Shard(),
    progress: Callable[[int, int], None] | None = None,
) -> RunResult:
    """Run (or go on with) the round: batch after batch until no household is left that could be
    concluded; ``limit`` stops after taking up that many households (a run in slices); ``progress(done,
    total)``."""
    size = min(int(batch or reverify_rules()["batch_households"]), 100)
    try:
        with db.transaction() as session:
            round_id = round_open(session=session, as_of=as_of, actor=actor).id
    except IntegrityError:  # another part started the round at the same moment: join it
        with db.transaction() as session:
            round_id = round_open(session=session, as_of=as_of, actor=actor).id
    with db.transaction() as session:
        round_ = session.get(ReverifyRound, round_id)
        assert round_ is not None
        run = RunResult(round_id=round_id)
        total = round_remaining(session=session, round_=round_, shard=shard)
    cursor, taken = Cursor(), 0

    def next_ids() -> list[int]:
        nonlocal taken
        if limit is not None and taken >= limit:
            return []
        take = size if limit is None else min(size, limit - taken)
        with db.transaction() as session:
            current = session.get(ReverifyRound, run.round_id)
            assert current is not None
            ids = reviews_next(session=session, round_=current, limit=take, cursor=cursor, shard=shard)
        taken += len(ids)
        return ids

    def ask(ids: list[int]) -> Asked:
        return batch_ask_all(db=db, client=client, cipher=cipher, review_ids=ids, actor=actor)

    # While one batch is concluded here, the next one's registers are asked on another thread: the registers'
    # time and this process's own overlap.
    with ThreadPoolExecutor(max_workers=1) as asker:
        ids = next_ids()
        pending = asker.submit(ask, ids) if ids else None
        while pending is not None:
            asked = pending.result()
            ids = next_ids()
            pending = asker.submit(ask, ids) if ids else None
            done = batch_conclude(db=db, cipher=cipher, outbox=outbox, audit=audit, asked=asked, today=today)
            run.households += done.concluded
            run.flagged += done.flagged
            run.register_calls += done.calls
            run.waiting += len(done.waiting or [])
            if progress is not None:
                progress(run.households + run.waiting, total)
    with db.transaction() as session:
        ending = session.get(ReverifyRound, run.round_id)
        assert ending is not None
        run.finished = round_finish(session=session, round_=ending)
    return run


def reviews_of(*, session: Session, case: Case, cipher: crypto.FieldCipher) -> list[dict[str, Any]]:
    """The case's 年审, newest first, with what each found (for the case page and the tenant)."""
    rows = session.scalars(
        select(TenancyReview).where(TenancyReview.case_id == case.id).order_by(TenancyReview.id.desc())
    )
    return [
        {
            "id": r.id,
            "due_on": r.due_on,
            "state": r.state,
            "concluded_at": r.concluded_at,
            "findings": review_findings(r, cipher),
            "explanation": cipher.decrypt(r.explanation_enc, context=EXPLANATION_CONTEXT)
            if r.explanation_enc
            else "",
            "explained_at": r.explained_at,
        }
        for r in rows
    ]


KEEP_ROLES = frozenset({"district_reviewer", "city_admin"})
STATE_LABELS = {"asking": "核查中", "clear": "未发现变化", "flagged": "发现变化，待人工核实"}


class ReviewRefused(Refused):
    """The 年审 step cannot be taken; ``message`` says why."""


def review_keep(
    *,
    session: Session,
    case: Case,
    reason: str,
    actor: str,
    role: str,
    outbox: Table,
    audit: AuditChain,
    today: date,
) -> None:
    """A reviewer has looked at what the 年审 found (and what the tenant said) and keeps the tenancy, with
    the reasons the tenant is told. Ending it is 退出 (allocation/exits.py), by the city administrator."""
    if case.status != "reverifying":
        raise ReviewRefused("这件申请没有待核实的年审结果。")
    if role not in KEEP_ROLES:
        raise ReviewRefused("您的岗位不能办理年审核实。")
    reason = " ".join(reason.split())
    if len(reason) < 4:
        raise ReviewRefused("请写明核实情况和继续保障的理由，将告知承租人。")
    case_transition(
        session=session,
        case=case,
        event="reverify_kept",
        actor=actor,
        actor_role=role,
        outbox=outbox,
        audit=audit,
        reason=f"年审核实：{reason}。继续保障，租赁照常履行。",
        channel="counter",
        today=today,
    )


EXPLANATION_MAX_CHARS = 500


def review_explain(*, session: Session, case: Case, text: str, cipher: crypto.FieldCipher) -> TenancyReview:
    """Keep the tenant's explanation of what the latest 年审 found (a later one replaces it) until a
    reviewer decides; raises ReviewRefused when there is nothing open to explain."""
    review = session.scalar(
        select(TenancyReview)
        .where(TenancyReview.case_id == case.id)
        .order_by(TenancyReview.id.desc())
        .limit(1)
    )
    if review is None or review.state != "flagged" or case.status != "reverifying":
        raise ReviewRefused("这件申请没有待说明的年审结果（可能已由工作人员核实）。")
    text = " ".join(text.split())
    if len(text) < 4 or len(text) > EXPLANATION_MAX_CHARS:
        raise ReviewRefused(f"请用 4–{EXPLANATION_MAX_CHARS} 个字说明情况。")
    review.explanation_enc = cipher.encrypt(text, context=EXPLANATION_CONTEXT)
    review.explained_at = utcnow()
    return review
