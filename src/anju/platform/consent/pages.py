"""Consent pages: authorise the registers for oneself (or, as the applicant, for a minor), list one's
consents and withdraw any of them (decision 0025)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import anyio
from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from anju.core.runtime import Runtime
from anju.core.timeutil import today_shanghai
from anju.core.web import page_router, path_for
from anju.platform.backfill.sources import source_list
from anju.platform.backfill.view import actor_label, source_view
from anju.platform.consent import service as consent
from anju.platform.identity import service as identity
from anju.platform.web import (
    PRESENT_MEMBER,
    RuntimeDep,
    Web,
    channel_of,
    counter_witness,
    not_found_page,
    present_member_actor,
    render,
    signed_in_applicant_id,
)

router = page_router()
NOT_FOUND = "没有找到您可以办理的这份申请草稿。"


def _consent_page(request: Request, context: dict[str, Any], status_code: int = 200) -> Response:
    base = {"title": "授权查询", "catalog": source_list(), "error": ""}
    return render(request, "consent.html", {**base, **context}, status_code)


@router.get("/drafts/{draft_id}/members/{member_id}/consent", name="member_consent")
def member_consent(
    request: Request, draft_id: int, member_id: int, web: Web, runtime: RuntimeDep
) -> Response:
    """Which registers may be queried about this member: each named, the sensitive ones apart."""
    actor_id = present_member_actor(web, member_id) or signed_in_applicant_id(web)
    with runtime.db.transaction() as session:
        target = consent.consent_target(
            session=session, actor_id=actor_id, draft_id=draft_id, member_id=member_id, today=today_shanghai()
        )
        if target is None:
            return not_found_page(request, message=NOT_FOUND)
        active = {c.source for c in consent.consents_active_for_member(session=session, member_id=member_id)}
        context = {"member_name": target.member.name, "is_applicant": target.is_applicant}
    return _consent_page(request, {"draft_id": draft_id, "member_id": member_id, "active": active, **context})


@dataclass(frozen=True)
class _Asked:
    draft_id: int
    member_id: int
    chosen: list[str]
    separate: set[str]
    channel: str
    witnessed_by: str | None = None  # at a counter window, the clerk
    witness_confirmed: bool = False
    agency_id: int | None = None  # and the 帮办代办 the applicant's agent acts through


def _consent_record(runtime: Runtime, actor_id: int, asked: _Asked) -> tuple[str, bool, str] | None:
    """Record the consents: (member's name, whether the actor is the applicant, the refusal or "");
    None when the member is not one the actor may consent for."""
    today = today_shanghai()
    with runtime.db.transaction() as session:
        target = consent.consent_target(
            session=session,
            actor_id=actor_id,
            draft_id=asked.draft_id,
            member_id=asked.member_id,
            today=today,
        )
        if target is None:
            return None
        try:
            consent.consents_grant(
                session=session,
                member=target.member,
                sources=asked.chosen,
                separately_agreed=asked.separate,
                granted_by=target.actor.subject,
                actor_bidx=target.actor.id_number_bidx,
                actor_is_applicant=target.is_applicant,
                channel=asked.channel,
                today=today,
                witnessed_by=asked.witnessed_by,
                witness_confirmed=asked.witness_confirmed,
                agency_id=asked.agency_id,
            )
        except consent.ConsentRefused as exc:
            return target.member.name, target.is_applicant, exc.message
        return target.member.name, target.is_applicant, ""


@router.post("/drafts/{draft_id}/members/{member_id}/consent", name="member_consent_submit")
async def member_consent_submit(
    request: Request, draft_id: int, member_id: int, web: Web, runtime: RuntimeDep
) -> Response:
    """Record the consents ticked (the sensitive ones need their own tick); a refusal keeps the ticks."""
    form = await request.form()
    chosen = [str(v) for v in form.getlist("source")]
    separate = {str(v) for v in form.getlist("separate")}

    witnessed = form.get("witnessed") == "yes"
    witness = counter_witness(web)
    present = present_member_actor(web, member_id)  # a co-applicant, in person at the window: their own
    agency_id = web.get("agency_id") if witness and not present else None
    asked = _Asked(draft_id, member_id, chosen, separate, channel_of(web), witness, witnessed, agency_id)
    actor_id = present or signed_in_applicant_id(web)
    outcome = await anyio.to_thread.run_sync(_consent_record, runtime, actor_id, asked)
    if outcome is None:
        return not_found_page(request, message=NOT_FOUND)
    name, is_applicant, error = outcome
    if error:
        context = {"draft_id": draft_id, "member_id": member_id, "member_name": name, "active": set(chosen)}
        return _consent_page(request, {**context, "is_applicant": is_applicant, "error": error}, 400)
    if present:  # back to the applicant's task list, the member's part done
        web.pop(PRESENT_MEMBER)
        return RedirectResponse(path_for(request, "draft_tasks", draft_id=draft_id) + "?consented=1", 303)
    url = (
        path_for(request, "draft_tasks", draft_id=draft_id)
        if is_applicant
        else path_for(request, "memberships")
    )
    return RedirectResponse(url + "?consented=1", status_code=303)


@router.get("/consents", name="my_consents")
def my_consents(request: Request, web: Web, runtime: RuntimeDep) -> Response:
    """Every consent about the signed-in person, in force or withdrawn, and who gave it."""
    with runtime.db.transaction() as session:
        me = identity.applicant_get(session=session, applicant_id=signed_in_applicant_id(web))
        if me is None:
            return not_found_page(request, message=NOT_FOUND)
        rows = [
            {
                "id": c.id,
                **source_view(c.source),
                "purpose": c.purpose,
                "granted_at": c.granted_at,
                "revoked_at": c.revoked_at,
                "sensitive": c.sensitive,
                "self": c.granted_by == me.subject,
                "witness": actor_label(session, c.witnessed_by, me.subject) if c.witnessed_by else "",
                "agent": consent.consent_agent_name(session=session, consent=c),
            }
            for c in consent.consents_of_subject(session=session, subject_bidx=me.id_number_bidx)
        ]
    return render(request, "my_consents.html", {"title": "我的授权", "rows": rows})


@router.post("/consents/{consent_id}/revoke", name="consent_revoke")
def consent_revoke(request: Request, consent_id: int, web: Web, runtime: RuntimeDep) -> Response:
    """Withdraw one of one's own consents (no register is queried on it again)."""
    with runtime.db.transaction() as session:
        me = identity.applicant_get(session=session, applicant_id=signed_in_applicant_id(web))
        if me is None:
            return not_found_page(request, message=NOT_FOUND)
        try:
            consent.consent_revoke(
                session=session,
                consent_id=consent_id,
                subject_bidx=me.id_number_bidx,
                actor=me.subject,
                channel=channel_of(web),
            )
        except consent.ConsentRefused:
            return not_found_page(
                request,
                title="找不到这项授权",
                message="这项授权不存在，或不是您本人的授权，无法撤回。请在“我的授权”中查看您的授权。",
                code="consent_not_found",
            )
    return RedirectResponse(path_for(request, "my_consents") + "?revoked=1", status_code=303)
