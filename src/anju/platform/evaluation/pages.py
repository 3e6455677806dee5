"""好差评 pages: rate the service of one's own case once per channel, and the office's follow-up of a bad
rating (decision 0025: routes at module level). At a kiosk the rating ends the visit."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from anju.core.web import page_router, path_for
from anju.core.websession import WebSession
from anju.platform.applications import service as applications
from anju.platform.evaluation import service as evaluation
from anju.platform.identity import service as identity
from anju.platform.web import KIOSK, RuntimeDep, channel_of, current_applicant_id, render

router = page_router()
ApplicantId = Annotated[int, Depends(current_applicant_id)]


def _page(request: Request, context: dict[str, Any], status_code: int = 200) -> Response:
    web: WebSession = request.state.web
    rules = evaluation.evaluation_rules()
    base = {
        "title": "评价本次服务",
        "levels": {int(k): v for k, v in rules["levels"].items()},
        "indicators": evaluation.indicators_for(channel_of(web)),
        "at_kiosk": channel_of(web) == KIOSK,
    }
    return render(request, "evaluation.html", {**base, **context}, status_code)


def _missing(request: Request) -> Response:
    context = {"title": "找不到这件申请", "message": "没有找到您名下的这件申请。", "code": "not_found"}
    return render(request, "error.html", context, 404)


def _state(session: Session, applicant_id: int, application_no: str, channel: str) -> dict[str, Any] | None:
    """What the page shows: whether a rating is offered, the one given and its follow-up."""
    application = applications.application_get_for(
        session=session, applicant_id=applicant_id, application_no=application_no
    )
    if application is None:
        return None
    given = evaluation.evaluation_of(session=session, application=application, channel=channel)
    return {
        "application_no": application_no,
        "offered": evaluation.evaluation_offered(session=session, application=application, channel=channel),
        "given": None
        if given is None
        else {
            "overall": given.overall,
            "indicators": json.loads(given.indicators_json),
            "comment": given.comment,
            "due_on": given.follow_up_due_on,
            "finding": given.follow_up_finding,
            "action": given.follow_up_action,
            "follow_up_at": given.follow_up_at,
            "follow_up_rating": given.follow_up_rating,
        },
        "error": "",
        "values": {},
    }


def _thanks(request: Request, application_no: str) -> Response:
    target = path_for(request, "evaluation", application_no=application_no)
    return RedirectResponse(target + "?thanks=1", status_code=303)


@router.get("/applications/{application_no}/evaluation", name="evaluation")
def evaluation_page(
    request: Request, application_no: str, applicant_id: ApplicantId, runtime: RuntimeDep
) -> Response:
    """The rating form, or the rating given and its follow-up."""
    with runtime.db.transaction() as session:
        context = _state(session, applicant_id, application_no, channel_of(request.state.web))
    return _missing(request) if context is None else _page(request, context)


@router.post("/applications/{application_no}/evaluation", name="evaluation_submit")
async def evaluation_submit(
    request: Request, application_no: str, applicant_id: ApplicantId, runtime: RuntimeDep
) -> Response:
    """Record a rating (once per case and channel); a bad one becomes the office's follow-up task."""
    form = await request.form()
    web: WebSession = request.state.web
    channel = channel_of(web)
    answers = {k: str(v) for k, v in form.items() if k in evaluation.indicators_for(channel)}
    comment = str(form.get("comment", ""))
    with runtime.db.transaction() as session:
        application = applications.application_get_for(
            session=session, applicant_id=applicant_id, application_no=application_no
        )
        applicant = identity.applicant_get(session=session, applicant_id=applicant_id)
        if application is None or applicant is None:
            return _missing(request)
        try:
            evaluation.evaluation_record(
                session=session,
                application=application,
                channel=channel,
                answers=answers,
                comment=comment,
                outbox=runtime.tables.outbox,
                user=applicant.subject,
                cipher=runtime.cipher,
            )
        except evaluation.EvaluationRefused as exc:
            context = _state(session, applicant_id, application_no, channel)
            assert context is not None
            values = {**answers, "comment": comment}
            return _page(request, {**context, "error": exc.message, "values": values}, 400)
    if channel == KIOSK:  # the kiosk's rating ends the visit: thanks, and the next person's screen
        web.destroyed = True
        return RedirectResponse(path_for(request, "kiosk_home") + "?bye=1&rated=1", status_code=303)
    return _thanks(request, application_no)


@router.post("/applications/{application_no}/evaluation/follow-up", name="evaluation_follow_up")
async def evaluation_follow_up(
    request: Request, application_no: str, applicant_id: ApplicantId, runtime: RuntimeDep
) -> Response:
    """The rater's view of the office's follow-up of their bad rating."""
    form = await request.form()
    channel = channel_of(request.state.web)
    with runtime.db.transaction() as session:
        application = applications.application_get_for(
            session=session, applicant_id=applicant_id, application_no=application_no
        )
        given = (
            evaluation.evaluation_of(session=session, application=application, channel=channel)
            if application
            else None
        )
        if given is None:
            return _missing(request)
        try:
            evaluation.follow_up_rate(
                session=session,
                evaluation=given,
                rating=str(form.get("rating", "")),
                outbox=runtime.tables.outbox,
                cipher=runtime.cipher,
            )
        except evaluation.EvaluationRefused as exc:
            context = _state(session, applicant_id, application_no, channel)
            assert context is not None
            return _page(request, {**context, "error": exc.message}, 400)
    return _thanks(request, application_no)
