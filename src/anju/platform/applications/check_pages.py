"""The check page and submission: every answer read back, what is still missing, the pre-check, the
co-applicants submission waits for (with an SMS invitation), then sign and submit (decision 0025)."""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from anju.core import masking
from anju.core.ratelimit import RateLimited
from anju.core.timeutil import today_shanghai
from anju.core.web import page_router, path_for
from anju.core.websession import WebSession
from anju.platform.applications import (
    conflicts,
    draft_form,
    handwriting,
    household,
    invitations,
    precheck,
    submission,
)
from anju.platform.applications import service as applications
from anju.platform.applications.form_view import precheck_view
from anju.platform.applications.signed import Handwritten
from anju.platform.backfill import deferrals
from anju.platform.catalog.answers import answers_burden
from anju.platform.models import Application, ApplicationMember
from anju.platform.web import (
    COUNTER,
    KIOSK,
    RuntimeDep,
    Web,
    channel_of,
    counter_since,
    counter_witness,
    not_found_page,
    render,
    signed_in_applicant_id,
)

router = page_router()
# Submission takes a file at a counter window (the signed form, scanned): with the upload limit (0012).
uploads = page_router()


def _int_or_none(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


def _waiting_for(session: Session, draft: Application) -> list[invitations.Waiting]:
    """The adult co-applicants submission waits for, as the check page names them."""
    members = household.members_of(session=session, application_id=draft.id)
    return invitations.members_waiting(session=session, members=members, today=today_shanghai())


def _check_context(
    runtime: RuntimeDep, session: Session, draft: Application, web: WebSession
) -> dict[str, Any]:
    found = draft_form.draft_summary(
        session=session, draft=draft, cipher=runtime.cipher, today=today_shanghai()
    )
    return {
        "title": "核对并提交",
        "draft_id": draft.id,
        "sections": found.sections,
        "missing": found.missing,
        "burden": answers_burden(found.answers),
        "refusal": "",
        "promises": deferrals.promises_words(session=session, application_id=draft.id),
        "handwriting": handwriting.handwriting_mode(runtime, web),
        "group": str(found.answers[(None, "applicant_group")].value)
        if (None, "applicant_group") in found.answers
        else "",
    }


@router.get("/drafts/{draft_id}/check", name="draft_check")
def draft_check(request: Request, draft_id: int, web: Web, runtime: RuntimeDep) -> Response:
    """Every answer read back, page by page, with what is missing and the pre-check's advice."""
    applicant_id = signed_in_applicant_id(web)
    with runtime.db.transaction() as session:
        draft, applicant = household.draft_and_applicant(
            session=session, applicant_id=applicant_id, draft_id=draft_id
        )
        draft.page_views += 1
        context = _check_context(runtime, session, draft, web)
        check_request = precheck.precheck_request(session=session, draft=draft, cipher=runtime.cipher)
        household_check = conflicts.conflicts_request(session=session, draft=draft, cipher=runtime.cipher)
        face_needed = not applications.submission_allowed(
            applicant=applicant, min_real_name_level=runtime.settings.submit_min_real_name_level
        )
        waiting, subject = _waiting_for(session, draft), applicant.subject
    result = (
        precheck.precheck_run(client=runtime.client, request=check_request, user=subject)
        if check_request and not context["missing"]
        else None
    )
    context |= {
        "conflicts": conflicts.conflicts_found(
            client=runtime.client, request=household_check[0], names=household_check[1], user=subject
        )
        if household_check
        else None,
        "precheck": precheck_view(result, context["group"]),
        "face_needed": face_needed,
        "face_passed": request.query_params.get("face") == "passed",
        "waiting": waiting,
        "invited": _int_or_none(request.query_params.get("invited")),
    }
    return render(request, "check.html", context)


def _refused_page(
    runtime: RuntimeDep, request: Request, draft_id: int, applicant_id: int, refused: submission.SubmitRefused
) -> Response:
    """The check page again, saying what blocks submission once, where the button would be."""
    with runtime.db.transaction() as session:
        draft = household.draft_require(session=session, applicant_id=applicant_id, draft_id=draft_id)
        context = _check_context(runtime, session, draft, request.state.web)
        face_needed = refused.code == "real_name_level_too_low"
        waiting = _waiting_for(session, draft) if refused.code == "co_applicant_consent_missing" else []
    context |= {
        "refusal": "" if face_needed or waiting else refused.message,
        "face_needed": face_needed,
        "waiting": waiting,
    }
    return render(request, "check.html", context, refused.status)


@uploads.post("/drafts/{draft_id}/check", name="draft_check_submit")
async def draft_check_submit(request: Request, draft_id: int, web: Web, runtime: RuntimeDep) -> Response:
    """Check → (at a window, the handwritten signature) → sign (the e-signature service, verified) →
    submit; nothing typed is lost on any failure."""
    applicant_id = signed_in_applicant_id(web)
    try:
        handwritten = await handwriting.handwriting_taken(request, runtime, web)
    except handwriting.HandwritingRefused as exc:
        refused = submission.SubmitRefused("handwriting", exc.message, 400)
        return await anyio.to_thread.run_sync(
            _refused_page, runtime, request, draft_id, applicant_id, refused
        )
    return await anyio.to_thread.run_sync(_submit, request, draft_id, web, runtime, applicant_id, handwritten)


def _submit(
    request: Request,
    draft_id: int,
    web: WebSession,
    runtime: RuntimeDep,
    applicant_id: int,
    handwritten: Handwritten | None,
) -> Response:
    system = submission.Submitter(
        db=runtime.db,
        client=runtime.client,
        cipher=runtime.cipher,
        outbox=runtime.tables.outbox,
        min_real_name_level=runtime.settings.submit_min_real_name_level,
    )
    try:
        number = submission.draft_sign_and_submit(
            system=system,
            applicant_id=applicant_id,
            draft_id=draft_id,
            channel=channel_of(web),
            today=today_shanghai(),
            agency_id=web.get("agency_id"),  # a window's 帮办代办: the agent signs
            served_by=counter_witness(web),
            served_since=counter_since(web),
            handwritten=handwritten,
        )
    except submission.SubmitRefused as exc:
        return _refused_page(runtime, request, draft_id, applicant_id, exc)
    if channel_of(web) == KIOSK:
        web.set("kiosk_submitted", number)  # the kiosk offers to rate the visit as it ends
    elif channel_of(web) == COUNTER:
        web.set("counter_submitted", number)  # as does the window's evaluator
    target = path_for(request, "application_show", application_no=number)
    return RedirectResponse(target + "?submitted=1", status_code=303)


def _invitee(session: Session, draft: Application, member_id: int) -> ApplicationMember | None:
    member = session.get(ApplicationMember, member_id)
    return member if member is not None and member.application_id == draft.id else None


def _invite_page(
    request: Request, draft_id: int, member: ApplicationMember, *, error: str = "", phone: str = ""
) -> Response:
    context = {
        "title": "短信邀请家庭成员授权",
        "draft_id": draft_id,
        "member_id": member.id,
        "who": f"{masking.mask_name(member.name)}（{member.relation}）",
        "invited_phone": member.invited_phone_masked,
        "error": error,
        "phone": phone,
    }
    return render(request, "invite.html", context, 400 if error else 200)


@router.get("/drafts/{draft_id}/members/{member_id}/invite", name="draft_member_invite")
def draft_member_invite(
    request: Request, draft_id: int, member_id: int, web: Web, runtime: RuntimeDep
) -> Response:
    """Ask for the co-applicant's phone number, to text them the link to authorise."""
    applicant_id = signed_in_applicant_id(web)
    with runtime.db.transaction() as session:
        draft = household.draft_require(session=session, applicant_id=applicant_id, draft_id=draft_id)
        member = _invitee(session, draft, member_id)
        if member is None:
            return not_found_page(request)
        return _invite_page(request, draft_id, member)


@router.post("/drafts/{draft_id}/members/{member_id}/invite", name="draft_member_invite_send")
async def draft_member_invite_send(
    request: Request, draft_id: int, member_id: int, web: Web, runtime: RuntimeDep
) -> Response:
    """Text a co-applicant the link to authorise (the number is typed here, not kept)."""
    applicant_id = signed_in_applicant_id(web)
    phone = str((await request.form()).get("phone") or "")

    def send() -> Response:
        with runtime.db.transaction() as session:
            draft, applicant = household.draft_and_applicant(
                session=session, applicant_id=applicant_id, draft_id=draft_id
            )
            member = _invitee(session, draft, member_id)
            if member is None:
                return not_found_page(request)
            try:
                invitations.invitation_send(
                    session=session,
                    draft=draft,
                    member=member,
                    inviter_name=applicant.name,
                    phone=phone,
                    platform_url=runtime.settings.base_url("platform"),
                    cipher=runtime.cipher,
                    outbox=runtime.tables.outbox,
                    rates=runtime.rates,
                    today=today_shanghai(),
                )
            except (invitations.InvitationError, RateLimited) as exc:
                return _invite_page(request, draft_id, member, error=exc.message, phone=phone)
        target = path_for(request, "draft_check", draft_id=draft_id)
        return RedirectResponse(f"{target}?invited={member_id}#waiting-consent", status_code=303)

    return await anyio.to_thread.run_sync(send)
