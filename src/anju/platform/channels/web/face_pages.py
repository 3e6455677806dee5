"""人脸识别 before submission: the separate notice, a photo from the phone's camera, the outcome."""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from anju.core.ratelimit import RateLimited
from anju.core.runtime import Runtime
from anju.core.web import form_file, path_for
from anju.core.websession import WebSession, require_csrf, web_session
from anju.platform.applications import household
from anju.platform.backfill.catalog import source_catalog
from anju.platform.channels.web.pages import current_applicant_id, draft_missing
from anju.platform.identity import faceauth
from anju.platform.identity import service as identity


def build_router(*, runtime: Runtime, templates: Jinja2Templates) -> APIRouter:
    """GET/POST /drafts/{id}/face."""
    router = APIRouter(include_in_schema=False)

    def render(request: Request, draft_id: int, error: str = "", status_code: int = 200) -> Response:
        web: WebSession = request.state.web
        context: dict[str, Any] = {
            "signed_in_name": web.get("applicant_name"),
            "title": "人脸识别",
            "draft_id": draft_id,
            "notice": source_catalog().verifications[faceauth.CODE],
            "error": error,
        }
        return templates.TemplateResponse(request, "face.html", context, status_code=status_code)

    def missing(request: Request) -> Response:
        return draft_missing(templates, request)

    @router.get("/drafts/{draft_id}/face", name="draft_face")
    def face_page(
        request: Request, draft_id: int, applicant_id: int = Depends(current_applicant_id)
    ) -> Response:
        with runtime.db.transaction() as session:
            if household.draft_get(session=session, applicant_id=applicant_id, draft_id=draft_id) is None:
                return missing(request)
        return render(request, draft_id)

    @router.post(
        "/drafts/{draft_id}/face",
        name="draft_face_submit",
        dependencies=[Depends(require_csrf)],
        max_body_size=runtime.settings.max_upload_request_bytes,
    )
    async def face_submit(
        request: Request,
        draft_id: int,
        applicant_id: int = Depends(current_applicant_id),
        web: WebSession = Depends(web_session),
    ) -> Response:
        form = await request.form()
        agreed = form.get("agree") == "yes"
        _filename, raw = await form_file(request, "photo")
        if not agreed:
            return render(request, draft_id, "请阅读上面的告知，勾选单独同意后再进行人脸识别。", 400)
        if not raw:
            return render(request, draft_id, "请拍摄或选择一张本人正面照片。", 400)

        def who() -> faceauth.FaceClaim | None:
            with runtime.db.transaction() as session:
                draft = household.draft_get(session=session, applicant_id=applicant_id, draft_id=draft_id)
                applicant = identity.applicant_get(session=session, applicant_id=applicant_id)
                if draft is None or applicant is None:
                    return None
                runtime.rates.attempt(session, faceauth.ATTEMPTS, applicant.subject)
                return faceauth.FaceClaim(
                    name=applicant.name,
                    id_number=identity.applicant_id_number(applicant=applicant, cipher=runtime.cipher),
                    subject_bidx=applicant.id_number_bidx,
                    actor=applicant.subject,
                    application_id=draft.id,
                    case=f"DRAFT-{draft_id}",
                )

        def verify(claim: faceauth.FaceClaim) -> faceauth.FaceOutcome:
            outcome = faceauth.face_verify(
                db=runtime.db, client=runtime.client, audit=runtime.audit, raw=raw, claim=claim
            )
            if outcome.passed:
                with runtime.db.transaction() as session:
                    applicant = identity.applicant_get(session=session, applicant_id=applicant_id)
                    if applicant is not None:
                        faceauth.applicant_face_verified(applicant)
            return outcome

        try:
            claim = await anyio.to_thread.run_sync(who)
            if claim is None:
                return missing(request)
            outcome = await anyio.to_thread.run_sync(verify, claim)
        except RateLimited as exc:
            return render(request, draft_id, exc.message, 429)
        except faceauth.FaceAuthFailed as exc:
            return render(request, draft_id, exc.message, faceauth.failure_status(exc))
        if not outcome.passed:
            return render(request, draft_id, faceauth.mismatch_message(outcome), 400)
        web.set("real_name_level", faceauth.FACE_VERIFIED_LEVEL)
        return RedirectResponse(
            path_for(request, "draft_check", draft_id=draft_id) + "?face=passed", status_code=303
        )

    return router
