"""The draft's task list, consent, backfill preview, household and the person's own data pages."""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from anju.core import masking, regions
from anju.core.runtime import Runtime
from anju.core.timeutil import today_shanghai
from anju.core.web import form_file, path_for
from anju.core.websession import WebSession, require_csrf, web_session
from anju.platform.applications import household
from anju.platform.applications import service as applications
from anju.platform.applications.retention import retention_rules
from anju.platform.backfill import service as backfill
from anju.platform.backfill.breaker import CircuitBreakers
from anju.platform.backfill.catalog import source_catalog
from anju.platform.backfill.observe import BackfillMetrics
from anju.platform.channels.web.pages import channel_of, draft_missing, signed_in_applicant_id
from anju.platform.consent import service as consent
from anju.platform.identity import service as identity
from anju.platform.models import Applicant, Application, ApplicationMember

STATUS_TEXT = {
    "found": "已查询到",
    "no_record": "该部门没有记录",
    "failed": "暂时无法查询",
    "no_consent": "未授权，未查询",
    "circuit_open": "该部门暂停服务，未查询",
    "pass": "人脸比对通过",
    "fail": "人脸比对未通过",
}


def build_router(
    *, runtime: Runtime, templates: Jinja2Templates, breakers: CircuitBreakers, observe: BackfillMetrics
) -> APIRouter:
    """Routes of the consent → backfill → preview → household steps."""
    router = APIRouter(include_in_schema=False)
    catalog = source_catalog()

    def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
        web: WebSession = request.state.web
        base = {"signed_in_name": web.get("applicant_name"), "catalog": catalog, "status_text": STATUS_TEXT}
        return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)

    def not_found(request: Request) -> Response:
        # Co-applicants reach drafts that are not theirs to submit: "can work on", not "yours".
        return draft_missing(templates, request, message="没有找到您可以办理的这份申请草稿。")

    def signed_in_applicant(session: Session, web: WebSession) -> Applicant | None:
        return identity.applicant_get(session=session, applicant_id=signed_in_applicant_id(web))

    def member_views(members: list[ApplicationMember]) -> list[dict[str, Any]]:
        today = today_shanghai()
        return [
            {
                "id": m.id,
                "name": m.name,
                "relation": m.relation,
                "role": m.role,
                "adult": consent.member_is_adult(member=m, today=today),
            }
            for m in members
        ]

    def owned(session: Any, applicant_id: int, draft_id: int) -> Application | None:
        return household.draft_get(session=session, applicant_id=applicant_id, draft_id=draft_id)

    @router.get("/drafts/{draft_id}", name="draft_tasks")
    def tasks(request: Request, draft_id: int, web: WebSession = Depends(web_session)) -> Response:
        applicant_id = signed_in_applicant_id(web)
        with runtime.db.transaction() as session:
            draft = owned(session, applicant_id, draft_id)
            if draft is None:
                return not_found(request)
            members = household.members_of(session=session, application_id=draft.id)
            active = consent.consents_active(session=session, application_id=draft.id)
            preview = backfill.backfill_preview(
                session=session, application_id=draft.id, cipher=runtime.cipher
            )
            applicant = identity.applicant_get(session=session, applicant_id=applicant_id)
            face_needed = applicant is not None and not applications.submission_allowed(
                applicant=applicant, min_real_name_level=runtime.settings.submit_min_real_name_level
            )
        consented = {m.id: sum(1 for (mid, _s) in active if mid == m.id) for m in members}
        views = member_views(members)
        for v in views:
            v["consents"] = consented[v["id"]]
        return render(
            request,
            "draft_tasks.html",
            {
                "title": "申请公租房",
                "draft_id": draft_id,
                "members": views,
                "consented_any": bool(active),
                "queried": bool(preview),
                "disputed": sum(1 for p in preview if p.review == "disputed"),
                "to_review": sum(1 for p in preview if p.status == "found" and not p.review),
                "draft_idle_days": retention_rules().draft_idle_days,
                "face_needed": face_needed,
            },
        )

    def consent_target(
        session: Any, web: WebSession, draft_id: int, member_id: int
    ) -> tuple[Applicant, ApplicationMember, bool] | None:
        applicant_id = signed_in_applicant_id(web)
        actor = identity.applicant_get(session=session, applicant_id=applicant_id)
        member = session.get(ApplicationMember, member_id)
        if (
            actor is None
            or member is None
            or member.application_id != draft_id
            or member.role == household.REMOVED
        ):
            return None
        draft = session.get(Application, draft_id)
        if draft is None or draft.status != "draft":
            return None
        is_applicant = draft.applicant_id == actor.id
        if not consent.consent_may_grant(
            actor_bidx=actor.id_number_bidx,
            actor_is_applicant=is_applicant,
            member=member,
            today=today_shanghai(),
        ):
            return None
        return actor, member, is_applicant

    @router.get("/drafts/{draft_id}/members/{member_id}/consent", name="member_consent")
    def consent_page(
        request: Request, draft_id: int, member_id: int, web: WebSession = Depends(web_session)
    ) -> Response:
        with runtime.db.transaction() as session:
            target = consent_target(session, web, draft_id, member_id)
            if target is None:
                return not_found(request)
            _actor, member, is_applicant = target
            active = {
                c.source for c in consent.consents_active_for_member(session=session, member_id=member.id)
            }
            name = member.name
        return render(
            request,
            "consent.html",
            {
                "title": "授权查询",
                "draft_id": draft_id,
                "member_id": member_id,
                "member_name": name,
                "active": active,
                "is_applicant": is_applicant,
                "error": "",
            },
        )

    @router.post(
        "/drafts/{draft_id}/members/{member_id}/consent",
        name="member_consent_submit",
        dependencies=[Depends(require_csrf)],
    )
    async def consent_submit(
        request: Request, draft_id: int, member_id: int, web: WebSession = Depends(web_session)
    ) -> Response:
        form = await request.form()
        chosen = [str(v) for v in form.getlist("source")]
        separate = {str(v) for v in form.getlist("separate")}

        channel = channel_of(web)

        def record() -> tuple[str, bool, str] | None:
            with runtime.db.transaction() as session:
                target = consent_target(session, web, draft_id, member_id)
                if target is None:
                    return None
                actor, member, is_applicant = target
                try:
                    consent.consents_grant(
                        session=session,
                        member=member,
                        sources=chosen,
                        separately_agreed=separate,
                        granted_by=actor.subject,
                        actor_bidx=actor.id_number_bidx,
                        actor_is_applicant=is_applicant,
                        channel=channel,
                        today=today_shanghai(),
                    )
                except consent.ConsentRefused as exc:
                    return member.name, is_applicant, exc.message
                return member.name, is_applicant, ""

        outcome = await anyio.to_thread.run_sync(record)
        if outcome is None:
            return not_found(request)
        name, is_applicant, error = outcome
        if error:
            return render(
                request,
                "consent.html",
                {
                    "title": "授权查询",
                    "draft_id": draft_id,
                    "member_id": member_id,
                    "member_name": name,
                    "active": set(chosen),
                    "is_applicant": is_applicant,
                    "error": error,
                },
                status_code=400,
            )
        target = "draft_tasks" if is_applicant else "memberships"
        url = path_for(request, target, draft_id=draft_id) if is_applicant else path_for(request, target)
        return RedirectResponse(url + "?consented=1", status_code=303)

    @router.post("/drafts/{draft_id}/backfill", name="draft_backfill", dependencies=[Depends(require_csrf)])
    def backfill_start(request: Request, draft_id: int, web: WebSession = Depends(web_session)) -> Response:
        applicant_id = signed_in_applicant_id(web)
        with runtime.db.transaction() as session:
            draft = owned(session, applicant_id, draft_id)
            applicant = identity.applicant_get(session=session, applicant_id=applicant_id)
            if draft is None or applicant is None:
                return not_found(request)
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
        observe.observe(summary)
        return RedirectResponse(path_for(request, "draft_preview", draft_id=draft_id), status_code=303)

    @router.get("/drafts/{draft_id}/preview", name="draft_preview")
    def preview(request: Request, draft_id: int, web: WebSession = Depends(web_session)) -> Response:
        applicant_id = signed_in_applicant_id(web)
        with runtime.db.transaction() as session:
            draft = owned(session, applicant_id, draft_id)
            if draft is None:
                return not_found(request)
            items = backfill.backfill_preview(session=session, application_id=draft.id, cipher=runtime.cipher)
        views = [preview_view(i) for i in items]
        return render(
            request,
            "preview.html",
            {
                "title": "核对查询结果",
                "draft_id": draft_id,
                "items": views,
                "to_confirm": sum(1 for v in views if v["status"] == "found" and not v["review"]),
            },
        )

    @router.post(
        "/drafts/{draft_id}/preview/confirm-rest",
        name="draft_review_rest",
        dependencies=[Depends(require_csrf)],
    )
    def review_rest(request: Request, draft_id: int, web: WebSession = Depends(web_session)) -> Response:
        """全部无误: every answer not yet confirmed or disputed is confirmed; back to the task list."""
        applicant_id = signed_in_applicant_id(web)
        with runtime.db.transaction() as session:
            draft = owned(session, applicant_id, draft_id)
            if draft is None:
                return not_found(request)
            backfill.backfill_confirm_rest(session=session, application_id=draft.id, cipher=runtime.cipher)
        return RedirectResponse(
            path_for(request, "draft_tasks", draft_id=draft_id) + "?reviewed=1", status_code=303
        )

    @router.post(
        "/drafts/{draft_id}/preview/{result_id}", name="draft_review", dependencies=[Depends(require_csrf)]
    )
    def review(
        request: Request,
        draft_id: int,
        result_id: int,
        web: WebSession = Depends(web_session),
        decision: str = Form(""),
        reason: str = Form(""),
    ) -> Response:
        applicant_id = signed_in_applicant_id(web)
        with runtime.db.transaction() as session:
            draft = owned(session, applicant_id, draft_id)
            if draft is None:
                return not_found(request)
            try:
                backfill.backfill_review(
                    session=session,
                    application_id=draft.id,
                    result_id=result_id,
                    decision=decision,
                    reason=reason,
                )
                error = ""
            except backfill.ReviewRefused as exc:
                error = exc.message
            items = backfill.backfill_preview(session=session, application_id=draft.id, cipher=runtime.cipher)
        if error:
            return render(
                request,
                "preview.html",
                {
                    "title": "核对查询结果",
                    "draft_id": draft_id,
                    "items": [preview_view(i) for i in items],
                    "error": error,
                    "error_result": result_id,
                    "reason": reason,
                    "to_confirm": sum(1 for i in items if i.status == "found" and not i.review),
                },
                status_code=400,
            )
        return RedirectResponse(
            path_for(request, "draft_preview", draft_id=draft_id) + f"#result-{result_id}", status_code=303
        )

    @router.post(
        "/drafts/{draft_id}/preview/{result_id}/proof",
        name="draft_proof",
        dependencies=[Depends(require_csrf)],
        max_body_size=runtime.settings.max_upload_request_bytes,
    )
    async def proof_upload(
        request: Request, draft_id: int, result_id: int, web: WebSession = Depends(web_session)
    ) -> Response:
        filename, data = await form_file(request, "proof")

        def store() -> tuple[bool, str, list[dict[str, Any]]]:
            applicant_id = signed_in_applicant_id(web)
            with runtime.db.transaction() as session:
                draft = owned(session, applicant_id, draft_id)
                if draft is None:
                    return False, "", []
                try:
                    backfill.proof_attach(
                        session=session,
                        application_id=draft.id,
                        result_id=result_id,
                        filename=filename,
                        data=data,
                        cipher=runtime.cipher,
                    )
                    return True, "", []
                except backfill.ReviewRefused as exc:
                    items = backfill.backfill_preview(
                        session=session, application_id=draft.id, cipher=runtime.cipher
                    )
                    return True, exc.message, [preview_view(i) for i in items]

        found, error, items = await anyio.to_thread.run_sync(store)
        if not found:
            return not_found(request)
        if error:
            return render(
                request,
                "preview.html",
                {
                    "title": "核对查询结果",
                    "draft_id": draft_id,
                    "items": items,
                    "error": error,
                    "error_result": result_id,
                },
                status_code=400,
            )
        return RedirectResponse(
            path_for(request, "draft_preview", draft_id=draft_id) + f"#result-{result_id}", status_code=303
        )

    def household_context(
        session: Session, draft: Application, *, chosen: set[str] | None = None
    ) -> dict[str, Any]:
        """What the household page shows: hukou-book candidates, members added by hand, everyone so far."""
        candidates = household.household_candidates(session=session, draft=draft, cipher=runtime.cipher)
        spouse = household.spouse_on_record(session=session, draft=draft, cipher=runtime.cipher)
        members = household.members_of(session=session, application_id=draft.id)
        numbers = {
            m.id: runtime.cipher.decrypt(m.id_number_enc, context=backfill.MEMBER_ID_CONTEXT) for m in members
        }
        in_book = {c.id_number for c in candidates or []}
        if chosen is None:
            chosen = {numbers[m.id] for m in members[1:]}
        others = [
            {**view, "masked_id": masking.mask_id_number(numbers[view["id"]])}
            for view in member_views(members[1:])
            if numbers[view["id"]] not in in_book
        ]
        return {
            "title": "家庭成员",
            "draft_id": draft.id,
            "candidates": candidate_views(candidates, chosen, spouse),
            "others": others,
            "relations": household.RELATIONS,
            "members": member_views(members),
            "error": "",
            "other_errors": {},
            "other_values": {},
        }

    @router.get("/drafts/{draft_id}/household", name="draft_household")
    def household_page(request: Request, draft_id: int, web: WebSession = Depends(web_session)) -> Response:
        applicant_id = signed_in_applicant_id(web)
        with runtime.db.transaction() as session:
            draft = owned(session, applicant_id, draft_id)
            if draft is None:
                return not_found(request)
            context = household_context(session, draft)
        return render(request, "household.html", context)

    OTHER_FIELDS = ("name", "id_number", "relation")

    async def household_save(request: Request, draft_id: int, web: WebSession, *, adding: bool) -> Response:
        """One form, one outcome: the hukou-book choice (when the page offered it) and the family member
        typed in (when adding, or when the fields were filled before pressing 保存) are saved together or
        not at all; a refusal shows the page again with every tick and everything typed kept."""
        form = await request.form()
        # Whether the page offered the hukou book's members to tick (it says so; a plain save means yes).
        book = str(form.get("hukou_choice", "0" if adding else "1")) == "1"
        chosen = [str(v) for v in form.getlist("member")]
        values = {k: str(form.get(k, "")).strip() for k in OTHER_FIELDS}
        add = adding or any(values.values())

        def save() -> dict[str, Any] | None:
            applicant_id = signed_in_applicant_id(web)
            try:
                with runtime.db.transaction() as session:  # all of it, or (on a refusal) none of it
                    draft = owned(session, applicant_id, draft_id)
                    applicant = identity.applicant_get(session=session, applicant_id=applicant_id)
                    if draft is None or applicant is None:
                        return None
                    if book:
                        household.household_set(
                            session=session,
                            draft=draft,
                            chosen=chosen,
                            actor=applicant.subject,
                            cipher=runtime.cipher,
                            index=runtime.blind_index,
                        )
                    if add:
                        household.member_add_other(
                            session=session,
                            draft=draft,
                            cipher=runtime.cipher,
                            index=runtime.blind_index,
                            **values,
                        )
            except (household.HouseholdError, household.FieldErrors) as exc:
                with runtime.db.transaction() as session:
                    draft = owned(session, applicant_id, draft_id)
                    if draft is None:
                        return None
                    context = household_context(session, draft, chosen=set(chosen) if book else None)
                if isinstance(exc, household.HouseholdError):
                    return {**context, "error": exc.message, "other_values": values}
                return {**context, "other_errors": exc.fields, "other_values": values}
            return {}

        context = await anyio.to_thread.run_sync(save)
        if context is None:
            return not_found(request)
        if context:
            return render(request, "household.html", context, status_code=400)
        if adding:
            return RedirectResponse(
                path_for(request, "draft_household", draft_id=draft_id) + "#others", status_code=303
            )
        return RedirectResponse(path_for(request, "draft_tasks", draft_id=draft_id), status_code=303)

    @router.post(
        "/drafts/{draft_id}/household", name="draft_household_submit", dependencies=[Depends(require_csrf)]
    )
    async def household_submit(
        request: Request, draft_id: int, web: WebSession = Depends(web_session)
    ) -> Response:
        return await household_save(request, draft_id, web, adding=False)

    @router.post(
        "/drafts/{draft_id}/household/others",
        name="draft_household_add",
        dependencies=[Depends(require_csrf)],
    )
    async def household_add(
        request: Request, draft_id: int, web: WebSession = Depends(web_session)
    ) -> Response:
        return await household_save(request, draft_id, web, adding=True)

    @router.post(
        "/drafts/{draft_id}/household/others/{member_id}/remove",
        name="draft_household_remove",
        dependencies=[Depends(require_csrf)],
    )
    def household_remove(
        request: Request, draft_id: int, member_id: int, web: WebSession = Depends(web_session)
    ) -> Response:
        applicant_id = signed_in_applicant_id(web)
        with runtime.db.transaction() as session:
            draft = owned(session, applicant_id, draft_id)
            applicant = identity.applicant_get(session=session, applicant_id=applicant_id)
            if draft is None or applicant is None:
                return not_found(request)
            household.member_remove(
                session=session, draft=draft, member_id=member_id, actor=applicant.subject
            )
        return RedirectResponse(
            path_for(request, "draft_household", draft_id=draft_id) + "#others", status_code=303
        )

    @router.get("/drafts/{draft_id}/delete", name="draft_delete")
    def delete_confirm(request: Request, draft_id: int, web: WebSession = Depends(web_session)) -> Response:
        applicant_id = signed_in_applicant_id(web)
        with runtime.db.transaction() as session:
            if owned(session, applicant_id, draft_id) is None:
                return not_found(request)
        return render(request, "draft_delete.html", {"title": "删除草稿", "draft_id": draft_id})

    @router.post(
        "/drafts/{draft_id}/delete", name="draft_delete_submit", dependencies=[Depends(require_csrf)]
    )
    def delete_submit(request: Request, draft_id: int, web: WebSession = Depends(web_session)) -> Response:
        applicant_id = signed_in_applicant_id(web)
        with runtime.db.transaction() as session:
            draft = owned(session, applicant_id, draft_id)
            applicant = identity.applicant_get(session=session, applicant_id=applicant_id)
            if draft is None or applicant is None:
                return not_found(request)
            household.draft_delete(session=session, draft=draft, actor=applicant.subject)
        return RedirectResponse(path_for(request, "home") + "?deleted=1", status_code=303)

    @router.get("/memberships", name="memberships")
    def memberships(request: Request, web: WebSession = Depends(web_session)) -> Response:
        applicant_id = signed_in_applicant_id(web, next_path="/memberships")  # the invitation SMS's link
        with runtime.db.transaction() as session:
            me = identity.applicant_get(session=session, applicant_id=applicant_id)
            if me is None:
                return not_found(request)
            rows = household.invitations_for(session=session, subject_bidx=me.id_number_bidx)
        return render(request, "memberships.html", {"title": "家人邀请我授权", "rows": rows})

    @router.get("/consents", name="my_consents")
    def my_consents(request: Request, web: WebSession = Depends(web_session)) -> Response:
        with runtime.db.transaction() as session:
            me = signed_in_applicant(session, web)
            if me is None:
                return not_found(request)
            rows = [
                {
                    "id": c.id,
                    **source_view(c.source),
                    "purpose": c.purpose,
                    "granted_at": c.granted_at,
                    "revoked_at": c.revoked_at,
                    "sensitive": c.sensitive,
                    "self": c.granted_by == me.subject,
                }
                for c in consent.consents_of_subject(session=session, subject_bidx=me.id_number_bidx)
            ]
        return render(request, "my_consents.html", {"title": "我的授权", "rows": rows})

    @router.post("/consents/{consent_id}/revoke", name="consent_revoke", dependencies=[Depends(require_csrf)])
    def revoke(request: Request, consent_id: int, web: WebSession = Depends(web_session)) -> Response:
        with runtime.db.transaction() as session:
            me = signed_in_applicant(session, web)
            if me is None:
                return not_found(request)
            try:
                consent.consent_revoke(
                    session=session,
                    consent_id=consent_id,
                    subject_bidx=me.id_number_bidx,
                    actor=me.subject,
                    channel=channel_of(web),
                )
            except consent.ConsentRefused:
                return draft_missing(
                    templates,
                    request,
                    title="找不到这项授权",
                    message="这项授权不存在，或不是您本人的授权，无法撤回。请在“我的授权”中查看您的授权。",
                    code="consent_not_found",
                )
        return RedirectResponse(path_for(request, "my_consents") + "?revoked=1", status_code=303)

    @router.get("/my/data-log", name="my_data_log")
    def data_log(request: Request, web: WebSession = Depends(web_session)) -> Response:
        with runtime.db.transaction() as session:
            me = signed_in_applicant(session, web)
            if me is None:
                return not_found(request)
            rows = [
                {
                    "at": r.occurred_at,
                    **source_view(r.source),
                    "fields": r.fields,
                    "purpose": r.purpose,
                    "outcome": STATUS_TEXT.get(r.outcome.split(":")[0], r.outcome),
                    "application": application_label(session, r.application_id),
                    "by_me": r.actor == me.subject,
                    "request_id": r.request_id,
                }
                for r in backfill.data_log_of(session=session, subject_bidx=me.id_number_bidx)
            ]
        return render(request, "data_log.html", {"title": "我的数据查询记录", "rows": rows})

    return router


def source_view(code: str) -> dict[str, str]:
    """A source's name and department for tables (the code itself if the catalogue no longer has it)."""
    name, department = source_catalog().described(code)
    return {"source": name, "department": department}


def application_label(session: Any, application_id: int | None) -> str:
    """How a log entry names its application: the number once submitted, else the draft."""
    if application_id is None:
        return ""
    application = session.get(Application, application_id)
    if application is None:
        return ""
    return (
        f"申请 {application.application_no}"
        if application.application_no
        else f"申请草稿（编号 {application.id}）"
    )


def preview_view(item: backfill.PreviewItem) -> dict[str, Any]:
    """A preview item with its fields rendered for people (masked where the catalogue says so)."""
    return {
        "id": item.result_id,
        "source": item.source,
        "source_name": item.source_name,
        "department": item.department,
        "member_name": item.member_name,
        "status": item.status,
        "fields": render_fields(item.source, item.fields),
        "fetched_at": item.fetched_at,
        "request_id": item.request_id,
        "review": item.review,
        "review_reason": item.review_reason,
        "retry_failed": item.retry_failed,
        "proofs": [{"name": n, "kb": max(1, size // 1024)} for n, size in item.proofs],
    }


# Register fields a resident has no use for on screen (the hukou book's number: a register's own key).
HIDDEN_FIELDS = frozenset({"book_no"})
FIELD_LABELS = {
    "name": "姓名",
    "sex": "性别",
    "birth_date": "出生日期",
    "relation": "与户主关系",
    "county_code": "户籍地",
    "address": "户籍地址",
    "moved_in": "迁入日期",
    "book_no": "户号",
    "book_members": "同户成员",
    "permits": "居住证",
    "status": "婚姻状况",
    "spouse_id_number": "配偶身份证号码",
    "spouse_name": "配偶姓名",
    "registered_on": "登记日期",
    "statuses": "低保/特困",
    "degrees": "学历",
    "contributions": "社保缴费",
    "homes": "名下住房",
    "vehicles": "机动车",
    "licences": "电子证照",
    "records": "住房保障记录",
}


def render_fields(source: str, fields: dict[str, Any]) -> list[tuple[str, str]]:
    """Human-readable lines for each field (ID numbers masked; long lists summarised)."""
    lines: list[tuple[str, str]] = []
    for key, value in fields.items():
        if key in HIDDEN_FIELDS:
            continue
        label = FIELD_LABELS.get(key, key)
        if key == "county_code":
            text = regions.place_name(str(value))
        elif key == "spouse_id_number":
            text = masking.mask_id_number(str(value))
        elif key == "book_members":
            text = "、".join(f"{masking.mask_name(m['name'])}（{m['relation']}）" for m in value)
        elif key == "contributions":
            months = [m["month"] for m in value]
            cities = sorted({regions.place_name(m["city_code"]) for m in value})
            text = (
                f"共 {len(months)} 个月（{months[0]} 至 {months[-1]}），缴费地 {'、'.join(cities)}"
                if months
                else "无"
            )
        elif key == "homes":
            text = (
                "；".join(
                    f"{h['address']}，建筑面积 {h['area_centi_m2'] / 100:.2f} 平方米"
                    + (f"，已于 {h['disposed_on']} 转出" if h.get("disposed_on") else "")
                    for h in value
                )
                or "无"
            )
        elif key == "degrees":
            text = "；".join(
                f"{d['level']}，{d['school']}，{'全日制' if d['full_time'] else '非全日制'}，{d['graduated_on']} 毕业"
                for d in value
            )
        elif key == "vehicles":
            text = "；".join(
                f"{masking.mask_plate(v['plate'])}，购置价 {v['purchase_value_fen'] / 100:,.2f} 元"
                for v in value
            )
        elif key == "permits":
            text = "；".join(
                f"{p.get('city') or regions.place_name(p['city_code'])}"
                f"{'（' + p['address'] + '）' if p.get('address') else ''}，{p['valid_from']} 至 {p['valid_to']}"
                for p in value
            )
        elif key == "statuses":
            text = "；".join(
                f"{'低保' if s['kind'] == 'dibao' else '特困'}，{s['valid_from']} 至 {s['valid_to']}"
                for s in value
            )
        elif key == "licences":
            text = "、".join(dict.fromkeys(lic["name"] for lic in value))  # one line per kind of licence
        elif key == "records":
            text = (
                "；".join(
                    f"{r.get('kind_label', r.get('kind', ''))}，{r.get('valid_from', '')} 至 {r.get('valid_to') or '至今'}"
                    for r in value
                )
                or "无"
            )
        else:
            text = str(value)
        lines.append((label, text))
    return lines


def candidate_views(
    candidates: list[household.Candidate] | None, chosen: set[str], spouse: str | None
) -> list[dict[str, Any]] | None:
    """Hukou-book members to choose from, masked, with the spouse marked as required."""
    if candidates is None:
        return None
    return [
        {
            "id_number": c.id_number,
            "masked_id": masking.mask_id_number(c.id_number),
            "name": c.name,
            "relation": c.relation,
            "birth_date": c.birth_date,
            "checked": c.id_number in chosen or c.id_number == spouse,
            "required": c.id_number == spouse,
        }
        for c in candidates
    ]
