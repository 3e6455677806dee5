"""Housing's background duties: the working-day calendar brought up to date (years entered elsewhere, and
the provisional deadlines they settle), the statutory deadlines enforced (deemed acceptance, lapsed 补正),
the written decisions sealed, and the national 办件 records queued. `anju review-jobs` runs them once (cron); the embedded server loops."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import Table

from anju.core import crypto
from anju.core.audit import AuditChain
from anju.core.db import Database
from anju.core.timeutil import shanghai_date, utcnow
from anju.housing.allocation.offers import offers_lapse
from anju.housing.banjian.records import records_pending
from anju.housing.review import documents
from anju.housing.review.calendar import deadlines_recount
from anju.housing.review.holidays import calendar_load
from anju.housing.review.service import deadlines_enforce

log = logging.getLogger(__name__)


@dataclass
class JobsRun:
    """What one round did."""

    recounted: list[tuple[str, date]] = field(default_factory=list)
    enforced: list[tuple[str, str]] = field(default_factory=list)
    issued: list[tuple[str, int]] = field(default_factory=list)
    banjian: list[str] = field(default_factory=list)  # 办件 records queued for the 一体化政务服务平台
    lapsed: list[str] = field(default_factory=list)  # offers not answered by their date (allocation/offers)


def review_jobs_once(
    *, db: Database, outbox: Table, audit: AuditChain, cipher: crypto.FieldCipher, key_directory: Path
) -> JobsRun:
    """One round of every duty, each in its own transaction."""
    run = JobsRun()
    with db.transaction() as session:
        calendar_load(session=session)
        run.recounted = deadlines_recount(session=session, outbox=outbox, audit=audit)
    with db.transaction() as session:
        run.enforced = deadlines_enforce(session=session, outbox=outbox, audit=audit)
    with db.transaction() as session:
        run.lapsed = offers_lapse(session=session, outbox=outbox, audit=audit, today=shanghai_date(utcnow()))
    with db.transaction() as session:
        run.issued = documents.documents_issue(session=session, key_directory=key_directory, cipher=cipher)
    with db.transaction() as session:
        run.banjian = records_pending(session=session, outbox=outbox, cipher=cipher)
    return run


def review_jobs_loop(
    *,
    db: Database,
    outbox: Table,
    audit: AuditChain,
    cipher: crypto.FieldCipher,
    key_directory: Path,
    stop: threading.Event,
    poll_seconds: float,
) -> None:
    """Every ``poll_seconds`` until stopped; a failed round is logged and the next one retries."""
    while not stop.is_set():
        try:
            run = review_jobs_once(
                db=db, outbox=outbox, audit=audit, cipher=cipher, key_directory=key_directory
            )
            for case_no, due in run.recounted:
                log.info("deadline recounted: %s %s", case_no, due)
            for case_no, event in run.enforced:
                log.info("deadline enforced: %s %s", case_no, event)
            for case_no, seq in run.issued:
                log.info("decision issued: %s event %s", case_no, seq)
            for case_no in run.lapsed:
                log.info("offer lapsed: %s", case_no)
            if run.banjian:
                log.info("办件 records queued: %d", len(run.banjian))
        except Exception:
            log.exception("review jobs failed")
        stop.wait(poll_seconds)
