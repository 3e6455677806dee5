"""Fetching the files a case declares from the platform (decision 0035).

Intake stores each declared proof as a ``case_attachment`` row without its content. Workers claim due
rows under a lease (an optimistic UPDATE, so any number of workers on either database), download each
file with a signed GET that is cut off past the declared size, check its SM3 against the declaration the
platform signed with the case, and store it encrypted. A failure is tried again with the outbox's
backoff; when the tries are spent the row waits for an operator (``anju files retry``) and the
``anju_case_files_waiting{state="failed"}`` gauge raises the alert. The case counts what it still waits
for, and no staff member acts on it until that is zero (review/service.py).
"""

from __future__ import annotations

import base64
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select, update

from anju.core import crypto
from anju.core.crypto import sm3_hex
from anju.core.db import Database
from anju.core.httpclient import PeerResponseError, SignedClient
from anju.core.outbox import RetryPolicy
from anju.core.runtime import Runtime
from anju.core.timeutil import utcnow
from anju.housing.intake.schemas import PROOF_MAX_BYTES
from anju.housing.intake.service import ATTACHMENT_CONTEXT, attachment_state
from anju.housing.models import Case, CaseAttachment

log = logging.getLogger(__name__)

PROOF_PATH = "/v1/applications/{case_no}/proofs/{sm3}"
PROOF_PURPOSE = "受理公租房申请：获取申请人上传的材料"
LEASE_SECONDS = 120  # longer than one download can take (5 MB within the HTTP timeout)


@dataclass
class FetchRun:
    """What one pass did: files stored, and files that failed this time (case, file, why)."""

    fetched: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str, str]] = field(default_factory=list)


class FetchFailed(Exception):
    """This try did not bring an intact file; ``reason`` is kept on the row for operators."""


def attachments_due(*, db: Database, now: datetime, limit: int) -> list[tuple[int, datetime]]:
    """Rows a worker may try now, oldest first (id and the due time it saw, for the claim)."""
    with db.transaction() as session:
        rows = session.execute(
            select(CaseAttachment.id, CaseAttachment.fetch_due_at)
            .where(CaseAttachment.fetched_at.is_(None), CaseAttachment.fetch_due_at <= now)
            .order_by(CaseAttachment.fetch_due_at, CaseAttachment.id)
            .limit(limit)
        ).all()
    return [(r.id, r.fetch_due_at) for r in rows]


def _claim(db: Database, attachment_id: int, seen_due: datetime, now: datetime) -> bool:
    """Take a row for LEASE_SECONDS; another worker that saw the same due time loses the race."""
    with db.transaction() as session:
        taken = session.execute(
            update(CaseAttachment)
            .where(
                CaseAttachment.id == attachment_id,
                CaseAttachment.fetched_at.is_(None),
                CaseAttachment.fetch_due_at == seen_due,
            )
            .values(fetch_due_at=now + timedelta(seconds=LEASE_SECONDS))
        )
    return bool(getattr(taken, "rowcount", 0))


def _download(client: SignedClient, *, case_no: str, attachment: CaseAttachment) -> bytes:
    """The file from the platform, intact as declared (raises FetchFailed)."""
    try:
        got = client.download(
            max_bytes=min(attachment.size_bytes, PROOF_MAX_BYTES),
            destination="platform",
            path=PROOF_PATH.format(case_no=case_no, sm3=attachment.digest),
            purpose=PROOF_PURPOSE,
            case=case_no,
        )
    except (httpx.HTTPError, PeerResponseError) as exc:
        raise FetchFailed(f"{type(exc).__name__}: {exc}"[:300]) from exc
    if got.status_code != 200:
        raise FetchFailed(f"platform answered {got.status_code}: {got.content[:200]!r}")
    if len(got.content) != attachment.size_bytes or sm3_hex(got.content) != attachment.digest:
        raise FetchFailed("the file does not match its declared size and SM3")
    return got.content


def attachment_fetch(
    *, db: Database, client: SignedClient, cipher: crypto.FieldCipher, policy: RetryPolicy, attachment_id: int
) -> tuple[str, str, str]:
    """Try one claimed row; returns (case number, file name, error or "")."""
    with db.transaction() as session:
        attachment = session.get(CaseAttachment, attachment_id)
        assert attachment is not None  # rows are never deleted while a case is open
        case_no = session.scalars(select(Case.case_no).where(Case.id == attachment.case_id)).one()
        session.expunge(attachment)
    try:
        content = _download(client, case_no=case_no, attachment=attachment)
    except FetchFailed as exc:
        _failure_record(db, attachment, str(exc), policy)
        return case_no, attachment.filename, str(exc)
    sealed = cipher.encrypt(base64.b64encode(content).decode(), context=ATTACHMENT_CONTEXT)
    del content
    with db.transaction() as session:
        stored = session.execute(
            update(CaseAttachment)
            .where(CaseAttachment.id == attachment.id, CaseAttachment.fetched_at.is_(None))
            .values(content_enc=sealed, fetched_at=utcnow(), fetch_due_at=None, fetch_error="")
        )
        if getattr(stored, "rowcount", 0):  # a worker whose lease ran out may have stored it already
            session.execute(
                update(Case)
                .where(Case.id == attachment.case_id, Case.proofs_pending > 0)
                .values(proofs_pending=Case.proofs_pending - 1)
            )
    return case_no, attachment.filename, ""


def _failure_record(db: Database, attachment: CaseAttachment, reason: str, policy: RetryPolicy) -> None:
    attempts = attachment.fetch_attempts + 1
    spent = attempts >= policy.max_attempts
    due = None if spent else utcnow() + policy.delay_after(attempts)
    with db.transaction() as session:
        session.execute(
            update(CaseAttachment)
            .where(CaseAttachment.id == attachment.id, CaseAttachment.fetched_at.is_(None))
            .values(fetch_attempts=attempts, fetch_due_at=due, fetch_error=reason[:300])
        )
    log.warning(
        "case file fetch failed",
        extra={"attachment_id": attachment.id, "attempts": attempts, "gave_up": spent, "reason": reason},
    )


def attachments_fetch_once(
    *,
    db: Database,
    client: SignedClient,
    cipher: crypto.FieldCipher,
    policy: RetryPolicy,
    limit: int = 20,
    now: datetime | None = None,
) -> FetchRun:
    """One pass: claim what is due and fetch it, one file at a time (memory holds one file)."""
    run = FetchRun()
    moment = now or utcnow()
    for attachment_id, seen_due in attachments_due(db=db, now=moment, limit=limit):
        if not _claim(db, attachment_id, seen_due, moment):
            continue
        case_no, filename, error = attachment_fetch(
            db=db, client=client, cipher=cipher, policy=policy, attachment_id=attachment_id
        )
        if error:
            run.failed.append((case_no, filename, error))
        else:
            run.fetched.append((case_no, filename))
    return run


def attachments_fetch_loop(
    *,
    db: Database,
    client: SignedClient,
    cipher: crypto.FieldCipher,
    policy: RetryPolicy,
    stop: threading.Event,
    poll_seconds: float,
) -> None:
    """Fetch until stopped; sleeps only when there was nothing to do."""
    while not stop.is_set():
        try:
            run = attachments_fetch_once(db=db, client=client, cipher=cipher, policy=policy)
            busy = bool(run.fetched or run.failed)
        except Exception:
            log.exception("case file fetch pass failed; retrying")
            busy = False
        if not busy:
            stop.wait(poll_seconds)


def fetch_thread_start(runtime: Runtime) -> threading.Thread:
    """Fetch case files in a background thread of this process, until the runtime stops."""
    thread = threading.Thread(
        target=attachments_fetch_loop,
        kwargs={
            "db": runtime.db,
            "client": runtime.client,
            "cipher": runtime.cipher,
            "policy": runtime.retry_policy,  # a file is tried as often, as patiently, as a message
            "stop": runtime.stop_event,
            "poll_seconds": runtime.settings.outbox_poll_seconds,
        },
        name="housing-case-files",
        daemon=True,
    )
    thread.start()
    return thread


def attachments_retry(*, db: Database, case_no: str | None = None) -> int:
    """Make the files whose tries were spent due again, with fresh tries (an operator's step once the
    cause is fixed); returns how many."""
    with db.transaction() as session:
        query = update(CaseAttachment).where(
            CaseAttachment.fetched_at.is_(None), CaseAttachment.fetch_due_at.is_(None)
        )
        if case_no is not None:
            query = query.where(
                CaseAttachment.case_id.in_(select(Case.id).where(Case.case_no == case_no).scalar_subquery())
            )
        done = session.execute(query.values(fetch_due_at=utcnow(), fetch_attempts=0))
    return int(getattr(done, "rowcount", 0))


@dataclass(frozen=True)
class Unfetched:
    """A file housing still waits for, as operations see it."""

    case_no: str
    filename: str
    state: str  # waiting | failed (intake.service.attachment_state)
    attempts: int
    error: str
    received_at: datetime


def attachments_unfetched(*, db: Database, limit: int = 200) -> list[Unfetched]:
    """Files not here yet, the oldest first (for `anju files status`)."""
    with db.transaction() as session:
        rows = session.execute(
            select(CaseAttachment, Case.case_no)
            .join(Case, Case.id == CaseAttachment.case_id)
            .where(CaseAttachment.fetched_at.is_(None))
            .order_by(CaseAttachment.received_at, CaseAttachment.id)
            .limit(limit)
        ).all()
        return [
            Unfetched(
                case_no=case_no,
                filename=a.filename,
                state=attachment_state(a),
                attempts=a.fetch_attempts,
                error=a.fetch_error,
                received_at=a.received_at,
            )
            for a, case_no in rows
        ]


def attachments_waiting(*, db: Database) -> dict[str, int]:
    """Files not here yet: ``waiting`` (tries left) and ``failed`` (tries spent), for the metrics."""
    with db.transaction() as session:
        rows = session.execute(
            select(CaseAttachment.fetch_due_at.is_(None), func.count())
            .where(CaseAttachment.fetched_at.is_(None))
            .group_by(CaseAttachment.fetch_due_at.is_(None))
        ).all()
    counts = {"waiting": 0, "failed": 0}
    for spent, n in rows:
        counts["failed" if spent else "waiting"] += int(n)
    return counts


class CaseFilesCollector(Collector):
    """The files housing still waits for, by state (deploy/prometheus/anju-alerts.yml alerts on failed)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterator[Metric]:
        """One gauge from one small query at scrape time (the rows are indexed on fetched_at)."""
        files = GaugeMetricFamily(
            "anju_case_files_waiting",
            "Case files declared by the platform and not fetched yet (waiting: tries left; failed: spent)",
            labels=["state"],
        )
        for state, count in sorted(attachments_waiting(db=self.db).items()):
            files.add_metric([state], float(count))
        yield files

    def describe(self) -> Iterator[Metric]:
        """Nothing up front: the family is built at collection."""
        return iter(())
