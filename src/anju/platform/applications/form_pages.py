"""The unified form, page by page: prefilled from the registers, saved on every page, with the files a
page takes (decision 0025). The check and submit are in check_pages."""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from anju.core.timeutil import today_shanghai
from anju.core.web import form_file, page_router, path_for
from anju.platform.applications import draft_form, household, precheck
from anju.platform.applications.form_view import date_parts_joined, section_view
from anju.platform.backfill.service import ReviewRefused, proof_remove, proof_store, proofs_of
from anju.platform.catalog.answers import section_fields, section_save
from anju.platform.catalog.prefill import Prefill
from anju.platform.catalog.service import PRECHECK_SOURCE, form_catalog
from anju.platform.models import Application
from anju.platform.web import (
    RuntimeDep,
    Web,
    collected_on_paper,
    not_found_page,
    render,
    signed_in_applicant_id,
)

router = page_router()
# Routes that take a file: the app includes these with the upload body limit (decision 0012).
uploads = page_router()

Suggested = tuple[dict[tuple[int | None, str], Prefill], dict[str, str]]


def _asks_precheck(section: str) -> bool:
    """Whether a field of the page takes its suggestion from housing's pre-check (the applicant group)."""
    return any(x.source == PRECHECK_SOURCE for f in section_fields(section) for x in f.suggest)


def _takes_files(section: str) -> bool:
    """Whether the page offers an upload (a field of widget file)."""
    return section in form_catalog().sections and any(f.widget == "file" for f in section_fields(section))


def _suggested(runtime: RuntimeDep, applicant_id: int, draft_id: int, section: str) -> Suggested:
    if not _asks_precheck(section):
        return {}, {}
    return precheck.precheck_group_suggestion(
        db=runtime.db,
        client=runtime.client,
        cipher=runtime.cipher,
        applicant_id=applicant_id,
        draft_id=draft_id,
    )


def _state(
    runtime: RuntimeDep, session: Session, draft: Application, extra: dict[tuple[int | None, str], Prefill]
) -> draft_form.FormState:
    return draft_form.form_state(
        session=session, draft=draft, cipher=runtime.cipher, today=today_shanghai(), extra=extra
    )


def _other_files(session: Session, draft_id: int) -> list[dict[str, Any]]:
    return [
        {"id": p.id, "name": p.filename, "kb": max(1, p.size_bytes // 1024), "paper": p.on_paper}
        for p in proofs_of(session=session, application_id=draft_id, purpose="other")
    ]


def _section_page(
    request: Request,
    draft_id: int,
    section: str,
    groups: list[dict[str, Any]],
    files: list[dict[str, Any]],
    *,
    now: draft_form.FormState | None = None,
    errors: dict[str, str] | None = None,
    file_error: str = "",
    conflict: bool = False,
) -> Response:
    catalog = form_catalog()
    order = list(catalog.sections)
    index = order.index(section)
    errors = errors or {}
    whose = {r["name"]: g["legend"] for g in groups for r in g["rows"] if g["legend"]}
    context = {
        "takes_files": _takes_files(section),
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
        # What the page's answers were when shown (None: the page after a file was refused, which saves
        # no answers and so needs no check).
        "fingerprint": now.page_fingerprint(section) if now else "",
        "conflict": conflict,
    }
    status = 409 if conflict else 400 if errors or file_error else 200
    return render(request, "section.html", context, status)


def _next_page(request: Request, draft_id: int, section: str) -> str:
    """The page after this one, or the check page after the last."""
    order = list(form_catalog().sections)
    index = order.index(section)
    if index + 1 < len(order):
        return path_for(request, "draft_section", draft_id=draft_id, section=order[index + 1])
    return path_for(request, "draft_check", draft_id=draft_id)


@router.get("/drafts/{draft_id}/sections/{section}", name="draft_section")
def draft_section(request: Request, draft_id: int, section: str, web: Web, runtime: RuntimeDep) -> Response:
    """One page of the form: what the registers said, read-only or to confirm, and what is left to type."""
    applicant_id = signed_in_applicant_id(web)
    if section not in form_catalog().sections:
        return not_found_page(request)
    extra, notes = _suggested(runtime, applicant_id, draft_id, section)
    with runtime.db.transaction() as session:
        draft = household.draft_require(session=session, applicant_id=applicant_id, draft_id=draft_id)
        draft.page_views += 1
        now = _state(runtime, session, draft, extra)
        groups = section_view(section, now, {}, {}, notes)
        files = _other_files(session, draft.id)
    return _section_page(request, draft_id, section, groups, files, now=now)


@router.post("/drafts/{draft_id}/sections/{section}", name="draft_section_submit")
async def draft_section_submit(
    request: Request, draft_id: int, section: str, web: Web, runtime: RuntimeDep
) -> Response:
    """Save the page (every answer checked; a refusal shows the page again as typed), then the next page."""
    form = await request.form()
    raw = date_parts_joined({k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"})

    def save() -> Response | None:
        applicant_id = signed_in_applicant_id(web)
        extra, notes = _suggested(runtime, applicant_id, draft_id, section)
        with runtime.db.transaction() as session:
            draft = household.draft_require(session=session, applicant_id=applicant_id, draft_id=draft_id)
            if section not in form_catalog().sections:
                return not_found_page(request)
            now = _state(runtime, session, draft, extra)
            seen = str(form.get("page_fingerprint") or "")
            if seen and seen != now.page_fingerprint(section):  # changed elsewhere since this page was shown
                groups = section_view(section, now, raw, {}, notes)
                files = _other_files(session, draft.id)
                return _section_page(request, draft_id, section, groups, files, now=now, conflict=True)
            result = section_save(
                session=session,
                application_id=draft.id,
                section=section,
                raw=raw,
                members=now.members,
                prefill=now.prefill,
                cipher=runtime.cipher,
                today=today_shanghai(),
            )
            if result.errors:
                groups = section_view(section, now, {**raw, **result.shown}, result.errors, notes)
                files = _other_files(session, draft.id)
                return _section_page(request, draft_id, section, groups, files, now=now, errors=result.errors)
        return None

    refused = await anyio.to_thread.run_sync(save)
    if refused is not None:
        return refused
    return RedirectResponse(_next_page(request, draft_id, section), status_code=303)


@uploads.post("/drafts/{draft_id}/sections/{section}/files", name="draft_files_add")
async def draft_files_add(
    request: Request, draft_id: int, section: str, web: Web, runtime: RuntimeDep
) -> Response:
    """Add a file to a page that takes files (a refusal says why and keeps the page)."""
    filename, data = await form_file(request, "file")

    def store() -> Response | None:
        applicant_id = signed_in_applicant_id(web)
        with runtime.db.transaction() as session:
            draft = household.draft_require(session=session, applicant_id=applicant_id, draft_id=draft_id)
            if not _takes_files(section):
                return not_found_page(request)  # only a page that offers an upload takes a file
            try:
                proof_store(
                    session=session,
                    application_id=draft.id,
                    filename=filename,
                    data=data,
                    cipher=runtime.cipher,
                    purpose="other",
                    on_paper=collected_on_paper(web),
                )
            except ReviewRefused as exc:
                now = _state(runtime, session, draft, {})
                groups = section_view(section, now, {}, {})
                files = _other_files(session, draft.id)
                return _section_page(
                    request, draft_id, section, groups, files, now=now, file_error=exc.message
                )
        return None

    refused = await anyio.to_thread.run_sync(store)
    if refused is not None:
        return refused
    target = path_for(request, "draft_section", draft_id=draft_id, section=section)
    return RedirectResponse(target + "#files", status_code=303)


@router.post("/drafts/{draft_id}/sections/{section}/files/{file_id}/remove", name="draft_files_remove")
def draft_files_remove(
    request: Request, draft_id: int, section: str, file_id: int, web: Web, runtime: RuntimeDep
) -> Response:
    """Remove a file added on a page."""
    applicant_id = signed_in_applicant_id(web)
    with runtime.db.transaction() as session:
        draft = household.draft_require(session=session, applicant_id=applicant_id, draft_id=draft_id)
        if section not in form_catalog().sections:
            return not_found_page(request)
        proof_remove(session=session, application_id=draft.id, proof_id=file_id, purpose="other")
    target = path_for(request, "draft_section", draft_id=draft_id, section=section)
    return RedirectResponse(target + "#files", status_code=303)
