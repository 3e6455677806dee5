"""好差评 on the platform: offer, record once per case and channel, send 差评 to the office for follow-up,
take the office's answer back, let the rater judge the follow-up, and count it all."""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Table, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from anju.core import crypto, workdays
from anju.core.outbox import outbox_enqueue
from anju.core.refusals import Refused
from anju.core.timeutil import shanghai_date, to_shanghai, utcnow
from anju.core.vocab import FINAL_STATUSES, housing_office_name
from anju.platform.applications import service as applications
from anju.platform.evaluation import hcp
from anju.platform.models import Application, ApplicationEvent, Evaluation

LOG = logging.getLogger(__name__)
RULES_FILE = Path(__file__).with_name("evaluation.yaml")
BAD_PATH = "/v1/evaluations/bad"
CHANNEL_CODES = {"web": 1, "h5": 2, "kiosk": 5, "counter": 4}  # 评价渠道 pf (standards.md §5.2)

COMMENT_MAX = 500


@lru_cache(maxsize=1)
def evaluation_rules() -> dict[str, Any]:
    """evaluation.yaml, as data."""
    data: dict[str, Any] = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    return data


def indicators_for(channel: str) -> dict[str, str]:
    """The indicator set of a channel (online or offline)."""
    rules = evaluation_rules()
    return dict(rules["indicators"][rules["channels"][channel]])


class EvaluationRefused(Refused):
    """The rating cannot be taken; ``message`` says why."""


def evaluation_of(*, session: Session, application: Application, channel: str) -> Evaluation | None:
    """The rating already given through this channel, if any."""
    return session.scalar(
        select(Evaluation).where(Evaluation.application_id == application.id, Evaluation.channel == channel)
    )


def evaluation_offered(*, session: Session, application: Application, channel: str) -> bool:
    """Whether to invite a rating now: from acceptance on (at a kiosk, as the visit ends), and only until
    one is given through the channel (一事一评, 一次一评)."""
    if not offer_open(application.status, rated=False, channel=channel):
        return False
    given = session.scalar(
        select(Evaluation.id).where(
            Evaluation.application_id == application.id, Evaluation.channel == channel
        )
    )
    return given is None


def rating_offered_to(*, session: Session, applicant_id: int, application_no: str, channel: str) -> bool:
    """Whether the applicant's application may be rated now through ``channel`` (as a visit ends)."""
    application = applications.application_get_for(
        session=session, applicant_id=applicant_id, application_no=application_no
    )
    return application is not None and evaluation_offered(
        session=session, application=application, channel=channel
    )


def offer_open(status: str, *, rated: bool, channel: str = "web") -> bool:
    """The rule of when to invite a rating, for a case in ``status`` (one rating per case and channel)."""
    rules = evaluation_rules()
    statuses = [*rules["offered_from"], *rules.get("offered_on_the_spot", {}).get(channel, [])]
    return status in statuses and not rated


def _level(raw: str, label: str) -> int:
    if raw not in {str(k) for k in evaluation_rules()["levels"]}:
        raise EvaluationRefused(f"请为“{label}”选择一个评价等级。")
    return int(raw)


def evaluation_record(
    *,
    session: Session,
    application: Application,
    channel: str,
    answers: dict[str, str],
    comment: str,
    outbox: Table,
    user: str,
    cipher: crypto.FieldCipher,
    today: date | None = None,
    clerk: str | None = None,
    terminal_id: str | None = None,
) -> Evaluation:
    """Record a rating (raises EvaluationRefused); a 差评 goes to the office with a follow-up deadline. At a
    counter window, ``clerk`` and ``terminal_id`` say who served and whose evaluator was pressed."""
    if not evaluation_offered(session=session, application=application, channel=channel):
        raise EvaluationRefused("这件申请已经评价过，或尚未到评价环节。")
    indicators = {
        code: _level(answers.get(code, ""), label) for code, label in indicators_for(channel).items()
    }
    comment = comment.strip()
    if len(comment) > COMMENT_MAX:
        raise EvaluationRefused(f"意见建议不能超过 {COMMENT_MAX} 个字。")
    rules = evaluation_rules()
    overall = indicators["overall"]
    today = today or shanghai_date(utcnow())
    due: date | None = None
    if overall <= int(rules["bad_at_most"]):
        try:
            due = workdays.add_workdays(today, int(rules["follow_up"]["limit"]))
        except workdays.CalendarUnknown:
            due = None
    evaluation = Evaluation(
        application_id=application.id,
        city_code=application.city_code,
        channel=channel,
        stage=application.status,
        overall=overall,
        indicators_json=json.dumps(indicators),
        comment=comment,
        follow_up_due_on=due,
        clerk=clerk,
        terminal_id=terminal_id,
    )
    session.add(evaluation)
    try:
        session.flush()
    except IntegrityError as exc:  # rated twice at the same moment: the first one stands
        raise EvaluationRefused("这件申请已经评价过。") from exc
    hcp_report(
        session=session,
        application=application,
        evaluation=evaluation,
        assess_number=1,
        outbox=outbox,
        cipher=cipher,
    )
    if overall <= int(rules["bad_at_most"]):
        outbox_enqueue(
            session,
            outbox,
            topic="evaluation.bad",
            destination="housing",
            path=BAD_PATH,
            payload={
                "ref": f"EV-{evaluation.id}",
                "case_no": application.application_no,
                "overall": overall,
                "level": rules["levels"][overall],
                "indicators": indicators,
                "comment": comment,
                "due_on": due.isoformat() if due else None,
            },
            case_no=application.application_no or "",
            acting_user=user,
            purpose="好差评：差评转办理部门回访整改",
        )
    return evaluation


def hcp_report(
    *,
    session: Session,
    application: Application,
    evaluation: Evaluation,
    assess_number: int,
    outbox: Table,
    cipher: crypto.FieldCipher,
) -> None:
    """Queue the rating (or the rating of the follow-up, assessNumber 2) to the provincial 好差评 system."""
    indicators = json.loads(evaluation.indicators_json)
    accepted = session.scalar(
        select(ApplicationEvent.occurred_at)
        .where(ApplicationEvent.application_id == application.id, ApplicationEvent.status == "accepted")
        .order_by(ApplicationEvent.occurred_at)
    )
    first = assess_number == 1
    applicant, id_number = hcp.rater_of(session=session, application=application, cipher=cipher)
    fields = hcp.rating_case(
        application=application,
        applicant=applicant,
        id_number=id_number,
        office=housing_office_name(application.city_code),
        final=application.status in FINAL_STATUSES,
        accepted_at=accepted,
        rating={
            "pf": CHANNEL_CODES.get(evaluation.channel, 1),
            "satisfaction": evaluation.overall if first else int(evaluation.follow_up_rating or 0),
            "evalDetail": ",".join(f"{k}={v}" for k, v in indicators.items()) if first else "follow_up",
            "writingEvaluation": evaluation.comment if first else "",
            "assessTime": f"{to_shanghai(evaluation.rated_at if first else utcnow()):%Y-%m-%d %H:%M:%S}",
            "assessNumber": assess_number,
        },
    )
    outbox_enqueue(
        session,
        outbox,
        topic="hcp.report",
        destination=hcp.DESTINATION,
        path=hcp.REPORT,
        payload=fields,
        case_no=application.application_no or "",
        acting_user="platform",
        purpose="好差评数据上报省好差评系统",
    )


def follow_up_apply(
    *, session: Session, ref: str, finding: str, action: str, at: datetime, outbox: Table
) -> Evaluation | None:
    """The office's follow-up of a 差评, from housing (idempotent; None for an unknown reference); any
    整改 task the province set for the rating is answered with it."""
    evaluation = session.get(Evaluation, int(ref.removeprefix("EV-"))) if ref.startswith("EV-") else None
    if evaluation is None:
        return None
    if evaluation.follow_up_at is None:
        evaluation.follow_up_finding, evaluation.follow_up_action, evaluation.follow_up_at = (
            finding,
            action,
            at,
        )
        office = housing_office_name(evaluation.city_code)
        hcp.rectification_queue(session=session, evaluation=evaluation, outbox=outbox, office=office)
    return evaluation


def appeal_apply(*, session: Session, ref: str, upheld: bool) -> Evaluation | None:
    """The outcome of the office's appeal (申诉复核): an upheld appeal takes the rating out of the 差评 count."""
    evaluation = session.get(Evaluation, int(ref.removeprefix("EV-"))) if ref.startswith("EV-") else None
    if evaluation is not None:
        evaluation.appeal_upheld = upheld
    return evaluation


def follow_up_rate(
    *, session: Session, evaluation: Evaluation, rating: str, outbox: Table, cipher: crypto.FieldCipher
) -> None:
    """The rater's view of the follow-up (回访满意度), once; reported upward as the second rating."""
    if evaluation.follow_up_at is None or evaluation.follow_up_rating is not None:
        raise EvaluationRefused("目前没有需要您评价的回访。")
    evaluation.follow_up_rating = _level(rating, "回访满意度")
    application = session.get(Application, evaluation.application_id)
    assert application is not None
    hcp_report(
        session=session,
        application=application,
        evaluation=evaluation,
        assess_number=2,
        outbox=outbox,
        cipher=cipher,
    )


@dataclass
class Figures:
    """One row of the statistics: one office of one city in one month."""

    city_code: str
    office: str
    month: str
    cases: int = 0  # cases that reached a stage where a rating is offered
    rated: int = 0  # of those, cases rated at least once (主动评价)
    ratings: int = 0  # ratings given (one per case and channel)
    good: int = 0
    bad: int = 0
    bad_followed_up: int = 0
    follow_up_rated: int = 0
    follow_up_satisfied: int = 0

    def as_dict(self) -> dict[str, Any]:
        """With the rates (None when nothing to divide)."""

        def rate(n: int, d: int) -> float | None:
            return round(n / d, 4) if d else None

        return {
            **self.__dict__,
            "active_rate": rate(self.rated, self.cases),  # 主动评价率
            "good_rate": rate(self.good, self.ratings),  # 好评率 (4–5 stars)
            "rectify_rate": rate(self.bad_followed_up, self.bad),  # 差评整改率
            "follow_up_satisfaction": rate(self.follow_up_satisfied, self.follow_up_rated),  # 回访满意度
        }


def evaluation_figures(
    *,
    session: Session,
    city_code: str | None = None,
    submitted_between: tuple[datetime, datetime] | None = None,
) -> list[dict[str, Any]]:
    """Per city, office and month (of submission), for one city or all: 主动评价率, 好评率, 差评数, 差评整改率, 回访满意度.

    The office is the one that accepted the case (named on housing's acceptance event), or the city's
    housing office before acceptance. A case rated through two channels counts once as rated and its two
    ratings each count towards 好评率 and 差评数."""
    offered = set(evaluation_rules()["offered_from"])
    bad_at_most = int(evaluation_rules()["bad_at_most"])
    cases = select(Application).where(Application.submitted_at.is_not(None))
    if city_code:
        cases = cases.where(Application.city_code == city_code)
    if submitted_between:
        start, end = submitted_between
        cases = cases.where(Application.submitted_at >= start, Application.submitted_at < end)
    ids = cases.with_only_columns(Application.id)
    ratings: dict[int, list[Any]] = defaultdict(list)
    for rating in session.execute(
        select(
            Evaluation.application_id,
            Evaluation.overall,
            Evaluation.appeal_upheld,
            Evaluation.follow_up_at,
            Evaluation.follow_up_rating,
        )
        .where(Evaluation.application_id.in_(ids))
        .order_by(Evaluation.id)
    ):
        ratings[rating.application_id].append(rating)
    accepted_by: dict[int, str] = {
        application_id: office
        for application_id, office in session.execute(
            select(ApplicationEvent.application_id, ApplicationEvent.office).where(
                ApplicationEvent.application_id.in_(ids),
                ApplicationEvent.source == "housing",
                ApplicationEvent.status == "accepted",
            )
        )
    }
    rows: dict[tuple[str, str, str], Figures] = {}
    counted = (Application.id, Application.city_code, Application.status, Application.submitted_at)
    for application in session.execute(cases.with_only_columns(*counted)):
        assert application.submitted_at is not None
        given = ratings.get(application.id, [])
        if application.status not in offered and not given:
            continue
        office = accepted_by.get(application.id) or housing_office_name(application.city_code)
        key = (application.city_code, office, f"{to_shanghai(application.submitted_at):%Y-%m}")
        figures = rows.setdefault(key, Figures(*key))
        figures.cases += 1
        figures.rated += bool(given)
        for rating in given:
            figures.ratings += 1
            figures.good += rating.overall >= 4
            if rating.overall <= bad_at_most and not rating.appeal_upheld:
                figures.bad += 1
                figures.bad_followed_up += rating.follow_up_at is not None
            if rating.follow_up_rating is not None:
                figures.follow_up_rated += 1
                figures.follow_up_satisfied += rating.follow_up_rating >= 4
    return [rows[k].as_dict() for k in sorted(rows)]


def hcp_tasks_pull(runtime: Any) -> hcp.TaskPull:
    """One pull of the province's 差评整改 tasks for this platform (raises HcpUnavailable / HcpRefused)."""
    return hcp.tasks_pull(
        db=runtime.db,
        gateway=hcp.HcpGateway.from_settings(runtime.settings),
        outbox=runtime.tables.outbox,
        bad_at_most=int(evaluation_rules()["bad_at_most"]),
        office_of=housing_office_name,
    )


def hcp_tasks_loop(runtime: Any, *, poll_seconds: float) -> None:
    """Pull the tasks every ``poll_seconds`` until the runtime stops (the embedded server; cron runs
    `anju hcp tasks` in production). A pull that fails is logged and tried at the next round."""
    while not runtime.stop_event.wait(poll_seconds):
        try:
            hcp_tasks_pull(runtime)
        except (hcp.HcpUnavailable, hcp.HcpRefused) as exc:
            LOG.warning("hcp task pull failed: %s", exc)
