"""Figures by city, channel and month of submission: cases submitted / accepted / decided / closed; working
days from submission to each milestone (median, 90th percentile); cases accepted by the deadline housing
set when it received them (its time limits are the one source); materials exempted (register answers
used) vs files collected, and of those the ones brought on paper to a window; fields backfilled vs typed;
好差评; and the counter's own figures by window.

They are computed a city and a month at a time into rollups (metrics/rollup.py, decision 0034), which the
dashboard reads: a city's million cases are never loaded to answer it."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anju.core import workdays
from anju.core.timeutil import SHANGHAI, shanghai_date, to_shanghai
from anju.core.vocab import DECISION_STATUSES, FINAL_STATUSES
from anju.platform.evaluation.service import evaluation_figures
from anju.platform.models import (
    Application,
    ApplicationEvent,
    BackfillResult,
    Clerk,
    Evaluation,
    MetricsRollup,
    MetricsRollupRun,
    ProofUpload,
)

ACCEPTED = frozenset({"accepted"})
GOOD_AT_LEAST = 4  # 满意 or 非常满意, as the 好差评 figures count a 好评
AWAITING_ACCEPTANCE = "submitted"  # housing's status (and deadline) from receipt until it accepts or not


def percentile(values: list[int], share: float) -> float | None:
    """The nearest-rank percentile (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    return float(ordered[max(0, math.ceil(share * len(ordered)) - 1)])


def _workdays(start: datetime, end: datetime) -> int | None:
    try:
        return workdays.workdays_between(shanghai_date(start), end=shanghai_date(end))
    except workdays.CalendarUnknown:
        return None


def month_of(moment: datetime) -> str:
    """The month of submission a case is counted in: its month in Shanghai, as "2026-11"."""
    return f"{to_shanghai(moment):%Y-%m}"


def next_month(month: str) -> str:
    """The month after "2026-12": "2027-01"."""
    year, number = (int(part) for part in month.split("-"))
    return f"{year + number // 12}-{number % 12 + 1:02d}"


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """The UTC instants a month in Shanghai starts and ends (the end excluded)."""
    start, end = (datetime(int(m[:4]), int(m[5:]), 1, tzinfo=SHANGHAI) for m in (month, next_month(month)))
    return start.astimezone(UTC), end.astimezone(UTC)


def metrics(*, session: Session, city_code: str | None = None) -> dict[str, Any]:
    """The dashboard's figures, for one city or all, as the last rollup left them, and when that was."""
    query = select(MetricsRollup.kind, MetricsRollup.rows_json)
    if city_code:
        query = query.where(MetricsRollup.city_code == city_code)
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for kind, rows_json in session.execute(query.order_by(MetricsRollup.city_code, MetricsRollup.month)):
        found[kind] += json.loads(rows_json)
    last = session.scalar(
        select(MetricsRollupRun.started_at)
        .where(MetricsRollupRun.finished_at.is_not(None))
        .order_by(MetricsRollupRun.id.desc())
        .limit(1)
    )
    rows = sorted(found["channel"], key=lambda r: (r["city_code"], r["channel"], r["month"]))
    evaluations = sorted(found["evaluation"], key=lambda r: (r["city_code"], r["office"], r["month"]))
    return {"rows": rows, "evaluations": evaluations, "windows": found["windows"], "as_of": last}


def month_figures(*, session: Session, city_code: str, month: str) -> dict[str, list[dict[str, Any]]]:
    """The rows (by channel) and the 好差评 figures (by office) of the cases a city received in a month."""
    start, end = month_bounds(month)
    query = select(Application).where(
        Application.city_code == city_code, Application.submitted_at >= start, Application.submitted_at < end
    )
    return {
        "channel": channel_rows(session, query),
        "evaluation": evaluation_figures(
            session=session, city_code=city_code, submitted_between=(start, end)
        ),
    }


def _paper(session: Session, ids: Any) -> dict[int, int]:
    """Proofs brought on paper and scanned at a window, by application (``ids``: a subquery)."""
    paper: dict[int, int] = defaultdict(int)
    for application_id, count in session.execute(
        select(ProofUpload.application_id, func.count())
        .where(
            ProofUpload.application_id.in_(ids),
            ProofUpload.on_paper.is_(True),
            ProofUpload.purpose != "signature",  # a signed form scanned back is no proof the registers lack
        )
        .group_by(ProofUpload.application_id)
    ):
        paper[application_id] = int(count)
    return paper


def channel_rows(session: Session, query: Any) -> list[dict[str, Any]]:
    """Rows by city, channel and month of the submitted applications ``query`` selects."""
    # Rows of the columns counted, not whole objects: a city's month is ten thousand cases.
    applications = session.execute(
        query.with_only_columns(
            Application.id,
            Application.city_code,
            Application.channel,
            Application.submitted_at,
            Application.uploads,
            Application.backfilled_fields,
            Application.typed_fields,
        )
    ).all()
    # The same selection as a subquery, not a list of ids: a city's cases outnumber SQLite's bound
    # parameter limit (32,766) long before the dashboard is slow.
    ids = query.with_only_columns(Application.id)
    firsts: dict[tuple[int, str], datetime] = {}
    acceptance_due: dict[int, date] = {}  # the deadline in force when the case was accepted
    for event in session.execute(
        select(
            ApplicationEvent.application_id,
            ApplicationEvent.status,
            ApplicationEvent.source,
            ApplicationEvent.due_on,
            ApplicationEvent.occurred_at,
        )
        .where(ApplicationEvent.application_id.in_(ids))
        .order_by(ApplicationEvent.occurred_at)
    ):
        firsts.setdefault((event.application_id, event.status), event.occurred_at)
        if (
            event.source == "housing"
            and event.status == AWAITING_ACCEPTANCE
            and event.due_on is not None
            and (event.application_id, "accepted") not in firsts
        ):
            acceptance_due[event.application_id] = event.due_on
    exempted: dict[int, int] = defaultdict(int)  # register answers used, one per (member, register)
    for application_id, _member, _source in session.execute(
        select(BackfillResult.application_id, BackfillResult.member_id, BackfillResult.source)
        .where(BackfillResult.application_id.in_(ids), BackfillResult.status == "found")
        .distinct()
    ):
        exempted[application_id] += 1
    paper = _paper(session, ids)
    groups: dict[tuple[str, str, str], list[Any]] = defaultdict(list)
    for a in applications:
        assert a.submitted_at is not None
        groups[(a.city_code, a.channel, f"{to_shanghai(a.submitted_at):%Y-%m}")].append(a)
    rows = []
    for (city, channel, month), members in sorted(groups.items()):

        def reached(statuses: frozenset[str], a: Any) -> datetime | None:
            times = [firsts[(a.id, s)] for s in statuses if (a.id, s) in firsts]
            return min(times) if times else None

        row: dict[str, Any] = {
            "city_code": city,
            "channel": channel,
            "month": month,
            "submitted": len(members),
        }
        for name, statuses in (
            ("accepted", ACCEPTED),
            ("decided", DECISION_STATUSES),
            ("closed", FINAL_STATUSES),
        ):
            days = []
            count = 0
            for a in members:
                at = reached(statuses, a)
                if at is None:
                    continue
                count += 1
                assert a.submitted_at is not None
                d = _workdays(a.submitted_at, at)
                if d is not None:
                    days.append(d)
            row[name] = count
            row[f"{name}_days_median"] = percentile(days, 0.5)
            row[f"{name}_days_p90"] = percentile(days, 0.9)
        row["accepted_within_limit"] = sum(
            1
            for a in members
            if (at := reached(ACCEPTED, a)) is not None
            and a.id in acceptance_due
            and shanghai_date(at) <= acceptance_due[a.id]
        )
        row["materials_exempted"] = sum(exempted[a.id] for a in members)
        row["files_collected"] = sum(a.uploads for a in members)
        row["paper_collected"] = sum(paper[a.id] for a in members)
        row["fields_backfilled"] = sum(a.backfilled_fields for a in members)
        row["fields_typed"] = sum(a.typed_fields for a in members)
        rows.append(row)
    return rows


def window_figures(*, session: Session, city_code: str) -> list[dict[str, Any]]:
    """The counter's own figures in a city, by the window that served: applications taken, minutes from
    identifying the person to submitting (median), proofs collected on paper, and what the window's
    evaluator got."""
    query = select(Application).where(
        Application.city_code == city_code,
        Application.submitted_at.is_not(None),
        Application.served_by.is_not(None),
    )
    paper = _paper(session, query.with_only_columns(Application.id))
    served: dict[str, list[Application]] = defaultdict(list)
    for a in session.scalars(query):
        served[str(a.served_by)].append(a)
    city_ids = select(Application.id).where(
        Application.city_code == city_code, Application.submitted_at.is_not(None)
    )
    ratings: dict[str, list[int]] = defaultdict(list)  # what people pressed on each window's evaluator
    for actor, overall in session.execute(
        select(Evaluation.clerk, Evaluation.overall).where(
            Evaluation.clerk.is_not(None), Evaluation.application_id.in_(city_ids)
        )
    ):
        ratings[str(actor)].append(int(overall))
    rows = []
    for actor, taken in sorted(served.items()):
        clerk = Clerk.of_actor(session, actor)
        minutes = [round(a.served_seconds / 60) for a in taken if a.served_seconds is not None]
        rows.append(
            {
                "centre": clerk.centre if clerk else "",
                "window": clerk.window if clerk else "",
                "clerk": clerk.display_name if clerk else actor,
                "submitted": len(taken),
                "minutes_median": percentile(minutes, 0.5),
                "paper_collected": sum(paper[a.id] for a in taken),
                "rated": len(ratings[actor]),
                "good": sum(1 for overall in ratings[actor] if overall >= GOOD_AT_LEAST),
            }
        )
    return rows
