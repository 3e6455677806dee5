"""Backfill pages: query the registers the household consented to, review what came back (confirm,
dispute, attach a proof), and the person's own log of every query about them (decision 0025)."""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from anju.core.web import form_file, page_router, path_for
from anju.platform.applications import household
from anju.platform.backfill import deferrals
from anju.platform.backfill import service as backfill
from anju.platform.backfill.breaker import CircuitBreakers
from anju.platform.backfill.deferrals import Deferral
from anju.platform.backfill.observe import BackfillMetrics
from anju.platform.backfill.sources import source_list
from anju.platform.backfill.view import STATUS_TEXT, actor_label, application_label, preview_view, source_view
from anju.platform.catalog.answers import answers_current
from anju.platform.guide.service import GuideUnavailable, guide_facts
from anju.platform.identity import service as identity
from anju.platform.web import (
    RuntimeDep,
    Web,
    collected_on_paper,
    counter_witness,
    not_found_page,
    render,
    signed_in_applicant_id,
)

NO_CITY = "请先在申请表中选择申请地区，再办理容缺受理。"
RULE_UNAVAILABLE = "暂时无法确认本市的容缺受理规定，请稍后再试，或收取纸质证明材料。"

router = page_router()
# Routes that take a file: the app includes these with the upload body limit (decision 0012).
uploads = page_router()


def _breakers(request: Request) -> CircuitBreakers:
    breakers: CircuitBreakers = request.app.state.breakers
    return breakers


def _metrics(request: Request) -> BackfillMetrics:
    metrics: BackfillMetrics = request.app.state.backfill_metrics
    return metrics


def _not_found(request: Request) -> Response:
    # Co-applicants reach drafts that are not theirs to submit: "can work on", not "yours".
    return not_found_page(request, message="没有找到您可以办理的这份申请草稿。")


def _preview_page(
    request: Request, draft_id: int, items: list[dict[str, Any]], status_code: int = 200, **extra: Any
) -> Response:
    context = {
        "title": "核对查询结果",
        "draft_id": draft_id,
        "items": items,
        "status_text": STATUS_TEXT,
        "catalog": source_list(),
        "to_confirm": sum(1 for i in items if i["status"] == "found" and not i["review"]),
        **extra,
    }
    return render(request, "preview.html", context, status_code)


def _preview_items(runtime: RuntimeDep, session: Any, draft_id: int) -> list[dict[str, Any]]:
    items = backfill.backfill_preview(session=session, application_id=draft_id, cipher=runtime.cipher)
    return [preview_view(i) for i in items]


def _item_done(
    request: Request, draft_id: int, result_id: int, error: str, items: list[dict[str, Any]], **extra: Any
) -> Response:
    """Back to the item on the preview, or the preview again saying why nothing was saved."""
    if error:
        return _preview_page(request, draft_id, items, 400, error=error, error_result=result_id, **extra)
    target = path_for(request, "draft_preview", draft_id=draft_id)
    return RedirectResponse(target + f"#result-{result_id}", status_code=303)


def _deferral(runtime: RuntimeDep, web: Any, draft_id: int) -> dict[str, Any]:
    """At a counter window, the city's 容缺受理 rule for the page (housing's, over a signed call), or why it
    cannot be offered now; elsewhere nothing: 容缺受理 is a window's decision, made before a clerk."""
    if counter_witness(web) is None:
        return {}
    with runtime.db.transaction() as session:
        answers = answers_current(session=session, application_id=draft_id, cipher=runtime.cipher)
    city = answers.get((None, "city_code"))
    if city is None:
        return {"at_counter": True, "deferral": None, "deferral_note": NO_CITY}
    try:
        facts = guide_facts(client=runtime.client, city_code=str(city.value))
    except GuideUnavailable:
        return {"at_counter": True, "deferral": None, "deferral_note": RULE_UNAVAILABLE}
    return {"at_counter": True, "deferral": Deferral.of_facts(facts["deferral"]), "deferral_note": ""}


@router.post("/drafts/{draft_id}/backfill", name="draft_backfill")
def draft_backfill(
    request: Request,
    draft_id: int,
    web: Web,
    runtime: RuntimeDep,
    breakers: Annotated[CircuitBreakers, Depends(_breakers)],
    metrics: Annotated[BackfillMetrics, Depends(_metrics)],
) -> Response:
    """Query every consented register for every member, then show what came back."""
    applicant_id = signed_in_applicant_id(web)
    with runtime.db.transaction() as session:
        _draft, applicant = household.draft_and_applicant(
            session=session, applicant_id=applicant_id, draft_id=draft_id
        )
        actor = applicant.subject
    summary = backfill.backfill_run(
        db=runtime.db,
        client=runtime.client,
        cipher=runtime.cipher,
        breakers=breakers,
        audit=runtime.audit,
        application_id=draft_id,
        actor=actor,
        timeout_seconds=runtime.settings.backfill_timeout_seconds,
    )
    metrics.observe(summary)
    return RedirectResponse(path_for(request, "draft_preview", draft_id=draft_id), status_code=303)


@router.get("/drafts/{draft_id}/preview", name="draft_preview")
def draft_preview(request: Request, draft_id: int, web: Web, runtime: RuntimeDep) -> Response:
    """What each register answered, for the applicant to confirm or dispute."""
    applicant_id = signed_in_applicant_id(web)
    with runtime.db.transaction() as session:
        household.draft_require(session=session, applicant_id=applicant_id, draft_id=draft_id)
        items = _preview_items(runtime, session, draft_id)
    return _preview_page(request, draft_id, items, **_deferral(runtime, web, draft_id))


@router.post("/drafts/{draft_id}/preview/{result_id}/promise", name="draft_promise")
def draft_promise(
    request: Request, draft_id: int, result_id: int, web: Web, runtime: RuntimeDep, withdraw: str = Form("")
) -> Response:
    """容缺受理 at a counter window: record (or take back) the applicant's promise to bring an item's proof
    within the city's limit."""
    applicant_id = signed_in_applicant_id(web)
    clerk = counter_witness(web)
    with runtime.db.transaction() as session:
        household.draft_require(session=session, applicant_id=applicant_id, draft_id=draft_id)
    if clerk is None:
        return not_found_page(request, message="容缺受理只在政务服务中心窗口办理。")
    rule = _deferral(runtime, web, draft_id)
    with runtime.db.transaction() as session:
        try:
            if not withdraw and rule["deferral"] is None:
                raise deferrals.PromiseRefused(rule["deferral_note"])
            if withdraw:
                deferrals.promise_withdraw(session=session, application_id=draft_id, result_id=result_id)
            else:
                deferrals.promise_record(
                    session=session,
                    application_id=draft_id,
                    result_id=result_id,
                    rule=rule["deferral"],
                    clerk=clerk,
                )
            error = ""
        except deferrals.PromiseRefused as exc:
            error = exc.message
        items = _preview_items(runtime, session, draft_id)
    return _item_done(request, draft_id, result_id, error, items, **rule)


@router.post("/drafts/{draft_id}/preview/confirm-rest", name="draft_review_rest")
def draft_review_rest(request: Request, draft_id: int, web: Web, runtime: RuntimeDep) -> Response:
    """全部无误: every answer not yet confirmed or disputed is confirmed; back to the task list."""
    applicant_id = signed_in_applicant_id(web)
    with runtime.db.transaction() as session:
        household.draft_require(session=session, applicant_id=applicant_id, draft_id=draft_id)
        backfill.backfill_confirm_rest(session=session, application_id=draft_id, cipher=runtime.cipher)
    return RedirectResponse(
        path_for(request, "draft_tasks", draft_id=draft_id) + "?reviewed=1", status_code=303
    )


@router.post("/drafts/{draft_id}/preview/{result_id}", name="draft_review")
def draft_review(
    request: Request,
    draft_id: int,
    result_id: int,
    web: Web,
    runtime: RuntimeDep,
    decision: str = Form(""),
    reason: str = Form(""),
) -> Response:
    """Confirm one answer, or dispute it with a reason."""
    applicant_id = signed_in_applicant_id(web)
    with runtime.db.transaction() as session:
        household.draft_require(session=session, applicant_id=applicant_id, draft_id=draft_id)
        try:
            backfill.backfill_review(
                session=session,
                application_id=draft_id,
                result_id=result_id,
                decision=decision,
                reason=reason,
            )
            error = ""
        except backfill.ReviewRefused as exc:
            error = exc.message
        items = _preview_items(runtime, session, draft_id)
    extra = _deferral(runtime, web, draft_id) if error else {}
    return _item_done(request, draft_id, result_id, error, items, reason=reason, **extra)


@uploads.post("/drafts/{draft_id}/preview/{result_id}/proof", name="draft_proof")
async def draft_proof(
    request: Request, draft_id: int, result_id: int, web: Web, runtime: RuntimeDep
) -> Response:
    """Attach a proof (a photo or a PDF) to an answer the applicant disputes."""
    filename, data = await form_file(request, "proof")

    def store() -> tuple[str, list[dict[str, Any]]]:
        applicant_id = signed_in_applicant_id(web)
        with runtime.db.transaction() as session:
            household.draft_require(session=session, applicant_id=applicant_id, draft_id=draft_id)
            try:
                backfill.proof_attach(
                    session=session,
                    application_id=draft_id,
                    result_id=result_id,
                    filename=filename,
                    data=data,
                    cipher=runtime.cipher,
                    on_paper=collected_on_paper(web),
                )
                return "", []
            except backfill.ReviewRefused as exc:
                return exc.message, _preview_items(runtime, session, draft_id)

    error, items = await anyio.to_thread.run_sync(store)
    extra = await anyio.to_thread.run_sync(_deferral, runtime, web, draft_id) if error else {}
    return _item_done(request, draft_id, result_id, error, items, **extra)


@router.get("/my/data-log", name="my_data_log")
def my_data_log(request: Request, web: Web, runtime: RuntimeDep) -> Response:
    """Every query made about the signed-in person, by whom, for what and with what outcome."""
    with runtime.db.transaction() as session:
        me = identity.applicant_get(session=session, applicant_id=signed_in_applicant_id(web))
        if me is None:
            return _not_found(request)
        rows = [
            {
                "at": r.occurred_at,
                **source_view(r.source),
                "fields": r.fields,
                "purpose": r.purpose,
                "outcome": STATUS_TEXT.get(r.outcome.split(":")[0], r.outcome),
                "application": application_label(session, r.application_id),
                "by": actor_label(session, r.actor, me.subject),
                "request_id": r.request_id,
            }
            for r in backfill.data_log_of(session=session, subject_bidx=me.id_number_bidx)
        ]
    return render(request, "data_log.html", {"title": "我的数据查询记录", "rows": rows})
