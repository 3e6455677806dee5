"""The unified form, section by section: prefilled from the registers, saved on every page, then checked."""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from anju.core import masking
from anju.core.ratelimit import RateLimited
from anju.core.runtime import Runtime
from anju.core.timeutil import today_shanghai
from anju.core.web import form_file, path_for
from anju.core.websession import WebSession, require_csrf, web_session
from anju.platform.applications import draft_form, household, invitations, precheck, submission
from anju.platform.applications import service as applications
from anju.platform.backfill.service import (
    ReviewRefused,
    proof_remove,
    proof_store,
    proofs_of,
)
from anju.platform.catalog.answers import (
    Answer,
    answers_burden,
    form_key,
    member_adult,
    section_fields,
    section_save,
)
from anju.platform.catalog.prefill import Prefill
from anju.platform.catalog.service import (
    PRECHECK_SOURCE,
    FormField,
    answer_display,
    catalog_options,
    counties_by_city_json,
    field_required,
    form_catalog,
    is_blank,
)
from anju.platform.channels.web.pages import KIOSK, channel_of, draft_missing, signed_in_applicant_id
from anju.platform.identity import service as identity
from anju.platform.models import Application, ApplicationMember


def box(f: FormField, value: Any) -> str:
    """A stored value as it goes back into an input box."""
    if is_blank(value):
        return ""
    if f.widget in ("money", "area"):
        return f"{int(value) / 100:.2f}".rstrip("0").rstrip(".")
    if f.widget == "checkbox":
        return "yes"
    return str(value)


# What the pre-check found for each group, as the page that asks the group says it (advice, not a decision).
GROUP_FINDINGS = {
    "eligible": "自查：可能符合",
    "not_eligible": "自查：可能不符合",
    "undetermined": "自查：暂时无法判断",
}


DATE_PARTS = ("year", "month", "day")


def date_parts_joined(raw: dict[str, str]) -> dict[str, str]:
    """A date asked in three boxes (<name>-year, -month, -day) as the one answer the form checks:
    "2024-06-30"; "" when all three are empty; what was typed, joined, otherwise (the check says what is
    wrong and the page shows the three boxes again as typed)."""
    joined = {k: v for k, v in raw.items() if not k.endswith(tuple(f"-{p}" for p in DATE_PARTS))}
    for key in raw:
        if key.endswith("-year"):
            name = key[: -len("-year")]
            year, month, day = (raw.get(f"{name}-{p}", "").strip() for p in DATE_PARTS)
            if not (year or month or day):
                joined[name] = ""
                continue
            month, day = (v.zfill(2) if v.isdigit() and len(v) == 1 else v for v in (month, day))
            joined[name] = f"{year}-{month}-{day}"
    return joined


def _int_or_none(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


def build_router(*, runtime: Runtime, templates: Jinja2Templates) -> APIRouter:
    """Routes: /drafts/{id}/sections/{code} and /drafts/{id}/check."""
    router = APIRouter(include_in_schema=False)
    catalog = form_catalog()
    order = list(catalog.sections)

    def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
        web: WebSession = request.state.web
        return templates.TemplateResponse(
            request,
            name,
            {"signed_in_name": web.get("applicant_name"), "catalog": catalog, **context},
            status_code=status_code,
        )

    def not_found(request: Request) -> Response:
        return draft_missing(templates, request)

    def state(
        session: Session, draft: Application, extra: dict[tuple[int | None, str], Prefill] | None = None
    ) -> draft_form.FormState:
        return draft_form.form_state(
            session=session, draft=draft, cipher=runtime.cipher, today=today_shanghai(), extra=extra
        )

    def group_suggestion(
        applicant_id: int, draft_id: int
    ) -> tuple[dict[tuple[int | None, str], Prefill], dict[str, str]]:
        """The pre-check's suggested applicant group (only a group it finds the household may fit) and, by
        group, what it found, for the page that asks the group. Asked outside any transaction (HTTP)."""
        with runtime.db.transaction() as session:
            draft = household.draft_get(session=session, applicant_id=applicant_id, draft_id=draft_id)
            applicant = identity.applicant_get(session=session, applicant_id=applicant_id)
            if draft is None or applicant is None:
                return {}, {}
            check_request = precheck.precheck_request(session=session, draft=draft, cipher=runtime.cipher)
            subject = applicant.subject
        if check_request is None:
            return {}, {}
        result = precheck.precheck_run(client=runtime.client, request=check_request, user=subject)
        if "error" in result:
            return {}, {}
        findings = {code: GROUP_FINDINGS[g["outcome"]] for code, g in result["groups"].items()}
        best = str(result["suggested_group"])
        if result["groups"][best]["outcome"] != "eligible":
            return {}, findings
        field = catalog.fields["applicant_group"]
        return {
            (None, "applicant_group"): Prefill(
                value=best,
                source="申请条件自查",
                department="住房保障部门",
                request_id="",
                disputed=False,
                suggested=True,
                basis=field.suggest[0].basis if field.suggest else "",
            )
        }, findings

    def section_view(
        section: str,
        form: draft_form.FormState,
        shown: dict[str, str],
        errors: dict[str, str],
        option_notes: dict[str, str] | None = None,
    ) -> list[dict[str, Any]]:
        members, prefill, answers, gaps = form.members, form.prefill, form.answers, form.gaps
        # What the page shows counts as answered for what depends on it (the counties of a suggested city).
        context = {code: p.value for (m, code), p in prefill.items() if m is None}
        context.update({code: a.value for (m, code), a in answers.items() if m is None})
        groups: list[dict[str, Any]] = []
        targets: list[tuple[ApplicationMember | None, list[FormField]]] = [
            (None, [f for f in section_fields(section) if f.scope == "application"])
        ]
        targets += [(m, [f for f in section_fields(section) if f.scope == "member"]) for m in members]
        for member, fields in targets:
            if not fields:
                continue
            rows = []
            for f in fields:
                key = (member.id if member else None, f.code)
                name = form_key(*key)
                supplied, answer = prefill.get(key), answers.get(key)
                value = (
                    answer.value if answer is not None else supplied.value if supplied is not None else None
                )
                rows.append(
                    {
                        "name": name,
                        "field": f,
                        "required": field_required(
                            f, context, adult=member_adult(members, key[0], today_shanghai())
                        ),
                        "options": catalog_options(f, context) if f.widget in ("select", "radio") else {},
                        "counties": counties_by_city_json() if f.options == "county" else "",
                        "box": shown.get(name, box(f, value)),
                        "display": answer_display(f, value, context),
                        "readonly": supplied is not None and not supplied.suggested and not f.override,
                        "source": supplied.department + "·" + supplied.source if supplied else "",
                        "suggested": supplied is not None and supplied.suggested,
                        "basis": supplied.basis if supplied else "",
                        "option_notes": (option_notes or {})
                        if any(x.source == PRECHECK_SOURCE for x in f.suggest)
                        else {},
                        "overridden": answer is not None and answer.origin == "overridden",
                        "error": errors.get(name, ""),
                        "gap": "" if supplied is not None or member is not None else gaps.get(f.code, ""),
                    }
                )
            legend = f"{masking.mask_name(member.name)}（{member.relation}）" if member else ""
            groups.append({"legend": legend, "rows": rows})
        return groups

    def asks_precheck(section: str) -> bool:
        """Whether a field of the page takes its suggestion from housing's pre-check (the applicant group)."""
        return any(x.source == PRECHECK_SOURCE for f in section_fields(section) for x in f.suggest)

    def takes_files(section: str) -> bool:
        """Whether the page offers an upload (a field of widget file)."""
        return section in catalog.sections and any(f.widget == "file" for f in section_fields(section))

    @router.get("/drafts/{draft_id}/sections/{section}", name="draft_section")
    def section_page(
        request: Request, draft_id: int, section: str, web: WebSession = Depends(web_session)
    ) -> Response:
        applicant_id = signed_in_applicant_id(web)
        if section not in catalog.sections:
            return not_found(request)
        extra, notes = group_suggestion(applicant_id, draft_id) if asks_precheck(section) else ({}, {})
        with runtime.db.transaction() as session:
            draft = household.draft_get(session=session, applicant_id=applicant_id, draft_id=draft_id)
            if draft is None:
                return not_found(request)
            draft.page_views += 1
            groups = section_view(section, state(session, draft, extra), {}, {}, notes)
            files = other_files(session, draft.id)
        return render(request, "section.html", page_context(draft_id, section, groups, {}, files))

    def other_files(session: Session, draft_id: int) -> list[dict[str, Any]]:
        return [
            {"id": p.id, "name": p.filename, "kb": max(1, p.size_bytes // 1024)}
            for p in proofs_of(session=session, application_id=draft_id, purpose="other")
        ]

    def page_context(
        draft_id: int,
        section: str,
        groups: list[dict[str, Any]],
        errors: dict[str, str],
        files: list[dict[str, Any]],
        file_error: str = "",
    ) -> dict[str, Any]:
        index = order.index(section)
        whose = {r["name"]: g["legend"] for g in groups for r in g["rows"] if g["legend"]}
        return {
            "takes_files": takes_files(section),
            # The summary says whose answer needs correcting when the page asks about several people.
            "error_items": [
                (name, f"{message}（{whose[name]}）" if name in whose else message)
                for name, message in errors.items()
            ],
            "files": files,
            "file_error": file_error,
            "title": catalog.sections[section],
            "draft_id": draft_id,
            "section": section,
            "groups": groups,
            "errors": errors,
            "step": index + 1,
            "steps": len(order),
            "previous": order[index - 1] if index else None,
        }

    @router.post(
        "/drafts/{draft_id}/sections/{section}",
        name="draft_section_submit",
        dependencies=[Depends(require_csrf)],
    )
    async def section_submit(
        request: Request, draft_id: int, section: str, web: WebSession = Depends(web_session)
    ) -> Response:
        form = await request.form()
        raw = date_parts_joined({k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"})

        def save() -> tuple[bool, dict[str, str], list[dict[str, Any]], list[dict[str, Any]]]:
            applicant_id = signed_in_applicant_id(web)
            extra, notes = group_suggestion(applicant_id, draft_id) if asks_precheck(section) else ({}, {})
            with runtime.db.transaction() as session:
                draft = household.draft_get(session=session, applicant_id=applicant_id, draft_id=draft_id)
                if draft is None or section not in catalog.sections:
                    return False, {}, [], []
                form_now = state(session, draft, extra)
                result = section_save(
                    session=session,
                    application_id=draft.id,
                    section=section,
                    raw=raw,
                    members=form_now.members,
                    prefill=form_now.prefill,
                    cipher=runtime.cipher,
                    today=today_shanghai(),
                )
                if result.errors:
                    return (
                        True,
                        result.errors,
                        section_view(section, form_now, {**raw, **result.shown}, result.errors, notes),
                        other_files(session, draft.id),
                    )
            return True, {}, [], []

        found, errors, groups, files = await anyio.to_thread.run_sync(save)
        if not found:
            return not_found(request)
        if errors:
            return render(
                request,
                "section.html",
                page_context(draft_id, section, groups, errors, files),
                status_code=400,
            )
        index = order.index(section)
        if index + 1 < len(order):
            target = path_for(request, "draft_section", draft_id=draft_id, section=order[index + 1])
        else:
            target = path_for(request, "draft_check", draft_id=draft_id)
        return RedirectResponse(target, status_code=303)

    def summary(
        session: Session, draft: Application
    ) -> tuple[list[dict[str, Any]], list[tuple[str, str, str]], dict[tuple[int | None, str], Answer]]:
        found = draft_form.draft_summary(
            session=session, draft=draft, cipher=runtime.cipher, today=today_shanghai()
        )
        return found.sections, found.missing, found.answers

    @router.post(
        "/drafts/{draft_id}/sections/{section}/files",
        name="draft_files_add",
        dependencies=[Depends(require_csrf)],
        max_body_size=runtime.settings.max_upload_request_bytes,
    )
    async def files_add(
        request: Request, draft_id: int, section: str, web: WebSession = Depends(web_session)
    ) -> Response:
        filename, data = await form_file(request, "file")

        def store() -> Response | None:
            applicant_id = signed_in_applicant_id(web)
            with runtime.db.transaction() as session:
                draft = household.draft_get(session=session, applicant_id=applicant_id, draft_id=draft_id)
                if draft is None or not takes_files(section):
                    return not_found(request)  # only a page that offers an upload takes a file
                try:
                    proof_store(
                        session=session,
                        application_id=draft.id,
                        filename=filename,
                        data=data,
                        cipher=runtime.cipher,
                        purpose="other",
                    )
                except ReviewRefused as exc:
                    groups = section_view(section, state(session, draft), {}, {})
                    context = page_context(
                        draft_id, section, groups, {}, other_files(session, draft.id), exc.message
                    )
                    return render(request, "section.html", context, status_code=400)
            return None

        refused = await anyio.to_thread.run_sync(store)
        if refused is not None:
            return refused
        return RedirectResponse(
            path_for(request, "draft_section", draft_id=draft_id, section=section) + "#files",
            status_code=303,
        )

    @router.post(
        "/drafts/{draft_id}/sections/{section}/files/{file_id}/remove",
        name="draft_files_remove",
        dependencies=[Depends(require_csrf)],
    )
    def files_remove(
        request: Request, draft_id: int, section: str, file_id: int, web: WebSession = Depends(web_session)
    ) -> Response:
        applicant_id = signed_in_applicant_id(web)
        with runtime.db.transaction() as session:
            draft = household.draft_get(session=session, applicant_id=applicant_id, draft_id=draft_id)
            if draft is None or section not in catalog.sections:
                return not_found(request)
            proof_remove(session=session, application_id=draft.id, proof_id=file_id, purpose="other")
        return RedirectResponse(
            path_for(request, "draft_section", draft_id=draft_id, section=section) + "#files",
            status_code=303,
        )

    def waiting_for(session: Session, draft: Application) -> list[invitations.Waiting]:
        """The adult co-applicants submission waits for, as the check page names them."""
        members = household.members_of(session=session, application_id=draft.id)
        return invitations.members_waiting(session=session, members=members, today=today_shanghai())

    def invite_member(session: Session, draft: Application, member_id: int) -> ApplicationMember | None:
        member = session.get(ApplicationMember, member_id)
        return member if member is not None and member.application_id == draft.id else None

    def invite_render(
        request: Request, draft_id: int, member: ApplicationMember, *, error: str = "", phone: str = ""
    ) -> Response:
        return render(
            request,
            "invite.html",
            {
                "title": "短信邀请家庭成员授权",
                "draft_id": draft_id,
                "member_id": member.id,
                "who": f"{masking.mask_name(member.name)}（{member.relation}）",
                "invited_phone": member.invited_phone_masked,
                "error": error,
                "phone": phone,
            },
            status_code=400 if error else 200,
        )

    @router.get("/drafts/{draft_id}/members/{member_id}/invite", name="draft_member_invite")
    def invite_page(
        request: Request, draft_id: int, member_id: int, web: WebSession = Depends(web_session)
    ) -> Response:
        applicant_id = signed_in_applicant_id(web)
        with runtime.db.transaction() as session:
            draft = household.draft_get(session=session, applicant_id=applicant_id, draft_id=draft_id)
            member = invite_member(session, draft, member_id) if draft else None
            if member is None:
                return not_found(request)
            return invite_render(request, draft_id, member)

    @router.post(
        "/drafts/{draft_id}/members/{member_id}/invite",
        name="draft_member_invite_send",
        dependencies=[Depends(require_csrf)],
    )
    async def invite_send(
        request: Request, draft_id: int, member_id: int, web: WebSession = Depends(web_session)
    ) -> Response:
        """Text a co-applicant the link to authorise (the number is typed here, not kept)."""
        applicant_id = signed_in_applicant_id(web)
        phone = str((await request.form()).get("phone") or "")

        def send() -> Response:
            with runtime.db.transaction() as session:
                draft = household.draft_get(session=session, applicant_id=applicant_id, draft_id=draft_id)
                member = invite_member(session, draft, member_id) if draft else None
                applicant = identity.applicant_get(session=session, applicant_id=applicant_id)
                if draft is None or member is None or applicant is None:
                    return not_found(request)
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
                    return invite_render(request, draft_id, member, error=exc.message, phone=phone)
            target = path_for(request, "draft_check", draft_id=draft_id)
            return RedirectResponse(f"{target}?invited={member_id}#waiting-consent", status_code=303)

        return await anyio.to_thread.run_sync(send)

    @router.get("/drafts/{draft_id}/check", name="draft_check")
    def check_page(request: Request, draft_id: int, web: WebSession = Depends(web_session)) -> Response:
        applicant_id = signed_in_applicant_id(web)
        with runtime.db.transaction() as session:
            draft = household.draft_get(session=session, applicant_id=applicant_id, draft_id=draft_id)
            if draft is None:
                return not_found(request)
            draft.page_views += 1
            sections, missing, answers = summary(session, draft)
            burden = answers_burden(answers)
            check_request = precheck.precheck_request(session=session, draft=draft, cipher=runtime.cipher)
            group = (
                str(answers[(None, "applicant_group")].value) if (None, "applicant_group") in answers else ""
            )
            applicant = identity.applicant_get(session=session, applicant_id=applicant_id)
            subject = applicant.subject if applicant else ""
            face_needed = applicant is not None and not applications.submission_allowed(
                applicant=applicant, min_real_name_level=runtime.settings.submit_min_real_name_level
            )
            waiting = waiting_for(session, draft)
        result = (
            precheck.precheck_run(client=runtime.client, request=check_request, user=subject)
            if check_request and not missing
            else None
        )
        return render(
            request,
            "check.html",
            {
                "title": "核对并提交",
                "draft_id": draft_id,
                "sections": sections,
                "missing": missing,
                "burden": burden,
                "refusal": "",
                "precheck": precheck_view(result, group),
                "face_needed": face_needed,
                "face_passed": request.query_params.get("face") == "passed",
                "waiting": waiting,
                "invited": _int_or_none(request.query_params.get("invited")),
            },
        )

    @router.post("/drafts/{draft_id}/check", name="draft_check_submit", dependencies=[Depends(require_csrf)])
    def check_submit(request: Request, draft_id: int, web: WebSession = Depends(web_session)) -> Response:
        """Check → sign (the e-signature service, verified) → submit; nothing typed is lost on any failure."""
        applicant_id = signed_in_applicant_id(web)
        settings = runtime.settings

        def page(
            session: Session, draft: Application, refusal: str, status_code: int, refusal_code: str = ""
        ) -> Response:
            sections, missing, answers = summary(session, draft)
            # What blocks submission is said once, where the button would be (not again as a refusal).
            face_needed = refusal_code == "real_name_level_too_low"
            waiting = waiting_for(session, draft) if refusal_code == "co_applicant_consent_missing" else []
            context = {
                "title": "核对并提交",
                "draft_id": draft_id,
                "sections": sections,
                "missing": missing,
                "burden": answers_burden(answers),
                "refusal": "" if face_needed or waiting else refusal,
                "face_needed": face_needed,
                "waiting": waiting,
            }
            return render(request, "check.html", context, status_code=status_code)

        system = submission.Submitter(
            db=runtime.db,
            client=runtime.client,
            cipher=runtime.cipher,
            outbox=runtime.tables.outbox,
            min_real_name_level=settings.submit_min_real_name_level,
        )
        try:
            number = submission.draft_sign_and_submit(
                system=system,
                applicant_id=applicant_id,
                draft_id=draft_id,
                channel=channel_of(web),
                today=today_shanghai(),
            )
        except submission.DraftGone:
            return not_found(request)
        except submission.SubmitRefused as exc:
            with runtime.db.transaction() as session:
                draft = household.draft_get(session=session, applicant_id=applicant_id, draft_id=draft_id)
                if draft is None:
                    return not_found(request)
                return page(session, draft, exc.message, exc.status, exc.code)
        if channel_of(web) == KIOSK:
            web.set("kiosk_submitted", number)  # the kiosk offers to rate the visit as it ends
        return RedirectResponse(
            path_for(request, "application_show", application_no=number) + "?submitted=1", status_code=303
        )

    return router


# How a rule's comparison reads to an applicant (the evaluator's symbols stay in the staff's trace).
COMPARISON_WORDS = {">=": "不少于", "<=": "不超过", "<": "低于"}
YES_NO_COMPARISONS = ("是", "否")
RULES_ONLY_FOR_SINGLES = ("single_age",)  # shown to a household of one only: to others it does not apply


def precheck_view(result: dict[str, Any] | None, chosen: str) -> dict[str, Any] | None:
    """The pre-check as the applicant reads it: the group they chose, the best fit, and each rule."""
    if result is None:
        return None
    if "error" in result:
        return {"error": result["error"]}
    groups = result["groups"]
    shown = chosen if chosen in groups else result["suggested_group"]
    words = {"eligible": "符合", "not_eligible": "不符合", "undetermined": "暂时无法判断"}
    marks = {"pass": "符合", "fail": "不符合", "unknown": "无法判断"}
    return {
        "error": "",
        "chosen": groups[shown]["label"],
        "outcome": shown and groups[shown]["outcome"],
        "outcome_text": words[groups[shown]["outcome"]],
        "suggested": groups[result["suggested_group"]]["label"]
        if result["suggested_group"] != shown and groups[result["suggested_group"]]["outcome"] == "eligible"
        else "",
        "rules": [
            {
                "label": r["label"],
                "mark": marks[r["outcome"]],
                "outcome": r["outcome"],
                # A yes/no condition reads as its mark alone ("无自有住房：否" would say the opposite).
                "value": "" if r["comparison"] in YES_NO_COMPARISONS else r["value_text"],
                "threshold": (
                    # a yes/no condition names only its period ("5 年内"): "要求否 5 年内" reads as nonsense
                    r["threshold"]
                    if r["comparison"] in YES_NO_COMPARISONS
                    else f"{COMPARISON_WORDS.get(r['comparison'], r['comparison'])} {r['threshold']}"
                )
                if r["threshold"]
                else "",
                "note": r.get("note", ""),
                "proof": r["proof"],
            }
            for r in groups[shown]["rules"]
            if not (r["rule"] in RULES_ONLY_FOR_SINGLES and not result["facts"].get("single"))
        ],
        "provisional": result["provisional"],
    }
