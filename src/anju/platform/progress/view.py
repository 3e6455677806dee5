"""What the signed-in progress page shows, read in two statements: the application with its signatures
and whether it has been rated (one joined query), then its timeline. bench/progress.py holds this page to
at least 0.6 of a bare endpoint doing the application and timeline reads alone, so every extra round
trip to the database counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from anju.core.vocab import event_label
from anju.platform.applications import corrections
from anju.platform.applications import service as applications
from anju.platform.evaluation import service as evaluation
from anju.platform.models import Application, ApplicationEvent, ApplicationSignature, Evaluation


@dataclass(frozen=True)
class ProgressView:
    """One application as its applicant follows it."""

    application: Application
    events: list[ApplicationEvent]
    signatures: list[tuple[str, str]]  # (title, serial) of each signed document, in signing order
    evaluation_offered: bool
    notice: corrections.Notice | None

    @property
    def current_due(self) -> date | None:
        """The due date of the step the case is in now, if housing gave one."""
        last = self.events[-1] if self.events else None
        return last.due_on if last is not None and last.status == self.application.status else None

    @property
    def current_due_note(self) -> str:
        """What to know about that date (provisional while the year's holidays are unknown)."""
        last = self.events[-1] if self.events else None
        return last.due_note if last is not None and last.status == self.application.status else ""


def timeline_entries(events: list[ApplicationEvent]) -> list[dict[str, object]]:
    """The timeline as both progress pages show it (signed in, and anonymous with fewer details)."""
    return [
        {
            "label": event_label(source=e.source, status=e.status, event=e.event),
            "at": e.occurred_at,
            "office": e.office,
            "reason": e.reason,
            "due_on": e.due_on,
            "due_note": e.due_note,
            "document": e.document,
            "seq": e.seq,
        }
        for e in events
    ]


def progress_view(
    *, session: Session, applicant_id: int, application_no: str, channel: str
) -> ProgressView | None:
    """The applicant's own application (None for anybody else's: no enumeration)."""
    rated = exists().where(Evaluation.application_id == Application.id, Evaluation.channel == channel)
    rows = session.execute(
        select(Application, rated, ApplicationSignature.title, ApplicationSignature.serial)
        .outerjoin(ApplicationSignature, ApplicationSignature.application_id == Application.id)
        .where(Application.application_no == application_no, Application.applicant_id == applicant_id)
        .order_by(ApplicationSignature.id)
    ).all()
    if not rows:
        return None
    application, already_rated = rows[0][0], bool(rows[0][1])
    return ProgressView(
        application=application,
        events=applications.application_timeline(session=session, application=application),
        signatures=[(title, serial) for _, _, title, serial in rows if title is not None],
        evaluation_offered=evaluation.offer_open(application.status, rated=already_rated, channel=channel),
        notice=corrections.notice_current(session=session, application=application),
    )
