"""Draft pages: the task list, the household (who applies with whom), deleting a draft, and the drafts a
person was invited to consent for (decision 0025)."""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from anju.core import masking
from anju.core.timeutil import today_shanghai
from anju.core.web import page_router, path_for
from anju.core.websession import WebSession
from anju.platform.applications import household
from anju.platform.applications import service as applications
from anju.platform.applications.retention import retention_rules
from anju.platform.backfill import service as backfill
from anju.platform.consent import service as consent
from anju.platform.identity import service as identity
from anju.platform.models import Application, ApplicationMember
from anju.platform.web import RuntimeDep, Web, not_found_page, render, signed_in_applicant_id

router = page_router()
OTHER_FIELDS = ("name", "id_number", "relation")


def _not_found(request: Request) -> Response:
    # Co-applicants reach drafts that are not theirs to submit: "can work on", not "yours".
    return not_found_page(request, message="没有找到您可以办理的这份申请草稿。")


def member_views(members: list[ApplicationMember]) -> list[dict[str, Any]]:
    """Members as the pages list them, each marked adult or not (adults consent for themselves)."""
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


@router.get("/drafts/{draft_id}", name="draft_tasks")
def draft_tasks(request: Request, draft_id: int, web: Web, runtime: RuntimeDep) -> Response:
    """The draft's task list: household, consents, the registers' answers, the form, the check."""
    applicant_id = signed_in_applicant_id(web)
    with runtime.db.transaction() as session:
        draft = household.draft_require(session=session, applicant_id=applicant_id, draft_id=draft_id)
        members = household.members_of(session=session, application_id=draft.id)
        active = consent.consents_active(session=session, application_id=draft.id)
        preview = backfill.backfill_preview(session=session, application_id=draft.id, cipher=runtime.cipher)
        applicant = identity.applicant_get(session=session, applicant_id=applicant_id)
        face_needed = applicant is not None and not applications.submission_allowed(
            applicant=applicant, min_real_name_level=runtime.settings.submit_min_real_name_level
        )
    views = member_views(members)
    for v in views:
        v["consents"] = sum(1 for (mid, _s) in active if mid == v["id"])
    context = {
        "title": "申请公租房",
        "draft_id": draft_id,
        "members": views,
        "consented_any": bool(active),
        "queried": bool(preview),
        "disputed": sum(1 for p in preview if p.review == "disputed"),
        "to_review": sum(1 for p in preview if p.status == "found" and not p.review),
        "draft_idle_days": retention_rules().draft_idle_days,
        "face_needed": face_needed,
    }
    return render(request, "draft_tasks.html", context)


def household_context(
    runtime: RuntimeDep, session: Session, draft: Application, *, chosen: set[str] | None = None
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
def draft_household(request: Request, draft_id: int, web: Web, runtime: RuntimeDep) -> Response:
    """Tick the hukou book's members who apply too; add anyone not in the book by hand."""
    applicant_id = signed_in_applicant_id(web)
    with runtime.db.transaction() as session:
        draft = household.draft_require(session=session, applicant_id=applicant_id, draft_id=draft_id)
        context = household_context(runtime, session, draft)
    return render(request, "household.html", context)


async def _household_save(
    request: Request, runtime: RuntimeDep, draft_id: int, web: WebSession, *, adding: bool
) -> Response:
    """One form, one outcome: the hukou-book choice (when the page offered it) and the family member
    typed in (when adding, or when the fields were filled before pressing 保存) are saved together or
    not at all; a refusal shows the page again with every tick and everything typed kept."""
    form = await request.form()
    # Whether the page offered the hukou book's members to tick (it says so; a plain save means yes).
    book = str(form.get("hukou_choice", "0" if adding else "1")) == "1"
    chosen = [str(v) for v in form.getlist("member")]
    values = {k: str(form.get(k, "")).strip() for k in OTHER_FIELDS}
    add = adding or any(values.values())

    def save() -> dict[str, Any]:
        applicant_id = signed_in_applicant_id(web)
        try:
            with runtime.db.transaction() as session:  # all of it, or (on a refusal) none of it
                draft, applicant = household.draft_and_applicant(
                    session=session, applicant_id=applicant_id, draft_id=draft_id
                )
                cipher, index = runtime.cipher, runtime.blind_index
                if book:
                    household.household_set(
                        session=session,
                        draft=draft,
                        chosen=chosen,
                        actor=applicant.subject,
                        cipher=cipher,
                        index=index,
                    )
                if add:
                    household.member_add_other(
                        session=session, draft=draft, cipher=cipher, index=index, **values
                    )
        except (household.HouseholdError, household.FieldErrors) as exc:
            with runtime.db.transaction() as session:
                draft = household.draft_require(session=session, applicant_id=applicant_id, draft_id=draft_id)
                context = household_context(runtime, session, draft, chosen=set(chosen) if book else None)
            if isinstance(exc, household.HouseholdError):
                return {**context, "error": exc.message, "other_values": values}
            return {**context, "other_errors": exc.fields, "other_values": values}
        return {}

    context = await anyio.to_thread.run_sync(save)
    if context:
        return render(request, "household.html", context, status_code=400)
    if adding:
        target = path_for(request, "draft_household", draft_id=draft_id)
        return RedirectResponse(target + "#others", status_code=303)
    return RedirectResponse(path_for(request, "draft_tasks", draft_id=draft_id), status_code=303)


@router.post("/drafts/{draft_id}/household", name="draft_household_submit")
async def draft_household_submit(request: Request, draft_id: int, web: Web, runtime: RuntimeDep) -> Response:
    """保存: the hukou-book choice (and anyone typed in), then back to the task list."""
    return await _household_save(request, runtime, draft_id, web, adding=False)


@router.post("/drafts/{draft_id}/household/others", name="draft_household_add")
async def draft_household_add(request: Request, draft_id: int, web: Web, runtime: RuntimeDep) -> Response:
    """添加: a family member not in the hukou book, typed in; back to the household page."""
    return await _household_save(request, runtime, draft_id, web, adding=True)


@router.post("/drafts/{draft_id}/household/others/{member_id}/remove", name="draft_household_remove")
def draft_household_remove(
    request: Request, draft_id: int, member_id: int, web: Web, runtime: RuntimeDep
) -> Response:
    """Take a member added by hand off the household (their consents end with it)."""
    applicant_id = signed_in_applicant_id(web)
    with runtime.db.transaction() as session:
        draft, applicant = household.draft_and_applicant(
            session=session, applicant_id=applicant_id, draft_id=draft_id
        )
        household.member_remove(session=session, draft=draft, member_id=member_id, actor=applicant.subject)
    target = path_for(request, "draft_household", draft_id=draft_id)
    return RedirectResponse(target + "#others", status_code=303)


@router.get("/drafts/{draft_id}/delete", name="draft_delete")
def draft_delete(request: Request, draft_id: int, web: Web, runtime: RuntimeDep) -> Response:
    """Ask before deleting a draft."""
    applicant_id = signed_in_applicant_id(web)
    with runtime.db.transaction() as session:
        household.draft_require(session=session, applicant_id=applicant_id, draft_id=draft_id)
    return render(request, "draft_delete.html", {"title": "删除草稿", "draft_id": draft_id})


@router.post("/drafts/{draft_id}/delete", name="draft_delete_submit")
def draft_delete_submit(request: Request, draft_id: int, web: Web, runtime: RuntimeDep) -> Response:
    """Delete the draft, its answers and the registers' answers (the consents' record stays)."""
    applicant_id = signed_in_applicant_id(web)
    with runtime.db.transaction() as session:
        draft, applicant = household.draft_and_applicant(
            session=session, applicant_id=applicant_id, draft_id=draft_id
        )
        household.draft_delete(session=session, draft=draft, actor=applicant.subject)
    return RedirectResponse(path_for(request, "home") + "?deleted=1", status_code=303)


@router.get("/memberships", name="memberships")
def memberships(request: Request, web: Web, runtime: RuntimeDep) -> Response:
    """Drafts of others that name the signed-in person, waiting for their consent."""
    applicant_id = signed_in_applicant_id(web, next_path="/memberships")  # the invitation SMS's link
    with runtime.db.transaction() as session:
        me = identity.applicant_get(session=session, applicant_id=applicant_id)
        if me is None:
            return _not_found(request)
        rows = household.invitations_for(session=session, subject_bidx=me.id_number_bidx)
    return render(request, "memberships.html", {"title": "家人邀请我授权", "rows": rows})
