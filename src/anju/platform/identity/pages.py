"""人脸识别 before submission: the separate notice, a photo from the phone's camera, the outcome
(decision 0025)."""

from __future__ import annotations

import anyio
from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from anju.core.ratelimit import RateLimited
from anju.core.web import form_file, page_router, path_for
from anju.platform.applications import household
from anju.platform.backfill.sources import source_list
from anju.platform.identity import faceauth
from anju.platform.identity import service as identity
from anju.platform.web import ApplicantId, RuntimeDep, Web, render

router = page_router()
# Routes that take a file: the app includes these with the upload body limit (decision 0012).
uploads = page_router()


def _face_page(request: Request, draft_id: int, error: str = "", status_code: int = 200) -> Response:
    context = {
        "title": "人脸识别",
        "draft_id": draft_id,
        "notice": source_list().verifications[faceauth.CODE],
        "error": error,
    }
    return render(request, "face.html", context, status_code)


@router.get("/drafts/{draft_id}/face", name="draft_face")
def draft_face(request: Request, draft_id: int, applicant_id: ApplicantId, runtime: RuntimeDep) -> Response:
    """The face check's own notice and consent, and the camera."""
    with runtime.db.transaction() as session:
        household.draft_require(session=session, applicant_id=applicant_id, draft_id=draft_id)
    return _face_page(request, draft_id)


def _face_claim(runtime: RuntimeDep, applicant_id: int, draft_id: int) -> faceauth.FaceClaim:
    """Whose face the photo must be (the signed-in applicant's), counted against the attempts allowed."""
    with runtime.db.transaction() as session:
        draft, applicant = household.draft_and_applicant(
            session=session, applicant_id=applicant_id, draft_id=draft_id
        )
        runtime.rates.attempt(session, faceauth.ATTEMPTS, applicant.subject)
        return faceauth.FaceClaim(
            name=applicant.name,
            id_number=identity.applicant_id_number(applicant=applicant, cipher=runtime.cipher),
            subject_bidx=applicant.id_number_bidx,
            actor=applicant.subject,
            application_id=draft.id,
            case=f"DRAFT-{draft_id}",
        )


def _face_verify(
    runtime: RuntimeDep, applicant_id: int, raw: bytes, claim: faceauth.FaceClaim
) -> faceauth.FaceOutcome:
    outcome = faceauth.face_verify(
        db=runtime.db, client=runtime.client, audit=runtime.audit, raw=raw, claim=claim
    )
    if outcome.passed:
        with runtime.db.transaction() as session:
            applicant = identity.applicant_get(session=session, applicant_id=applicant_id)
            if applicant is not None:
                faceauth.applicant_face_verified(applicant)
    return outcome


@uploads.post("/drafts/{draft_id}/face", name="draft_face_submit")
async def draft_face_submit(
    request: Request, draft_id: int, applicant_id: ApplicantId, web: Web, runtime: RuntimeDep
) -> Response:
    """Compare the photo with the ID photo on record; a pass raises the sign-in's real-name level."""
    form = await request.form()
    _filename, raw = await form_file(request, "photo")
    if form.get("agree") != "yes":
        return _face_page(request, draft_id, "请阅读上面的告知，勾选单独同意后再进行人脸识别。", 400)
    if not raw:
        return _face_page(request, draft_id, "请拍摄或选择一张本人正面照片。", 400)
    try:
        claim = await anyio.to_thread.run_sync(_face_claim, runtime, applicant_id, draft_id)
        outcome = await anyio.to_thread.run_sync(_face_verify, runtime, applicant_id, raw, claim)
    except RateLimited as exc:
        return _face_page(request, draft_id, exc.message, 429)
    except faceauth.FaceAuthFailed as exc:
        return _face_page(request, draft_id, exc.message, faceauth.failure_status(exc))
    if not outcome.passed:
        return _face_page(request, draft_id, faceauth.mismatch_message(outcome), 400)
    web.set("real_name_level", faceauth.FACE_VERIFIED_LEVEL)
    target = path_for(request, "draft_check", draft_id=draft_id)
    return RedirectResponse(target + "?face=passed", status_code=303)
