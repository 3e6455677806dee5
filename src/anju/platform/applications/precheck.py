"""The advisory pre-check ("check you can apply"): the draft as it stands, evaluated by housing's rules.

It advises and explains; it never blocks submission (Bloom Housing's income "red light" lesson).
"""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.orm import Session

from anju.core import crypto
from anju.core.db import Database
from anju.core.httpclient import PeerResponseError, SignedClient
from anju.core.timeutil import today_shanghai
from anju.platform.applications import household
from anju.platform.applications.service import evidence_payload, household_payload
from anju.platform.applications.signed import answers_by_person
from anju.platform.catalog.prefill import Prefill
from anju.platform.catalog.service import form_catalog
from anju.platform.models import Applicant, Application

PRECHECK_PATH = "/v1/eligibility/pre-checks"
PRECHECK_PURPOSE = "申请公租房：申请前按当地条件自查（仅供参考）"


def precheck_request(
    *, session: Session, draft: Application, cipher: crypto.FieldCipher
) -> dict[str, Any] | None:
    """What housing's pre-check takes, or None while the city is not chosen yet."""
    answers = answers_by_person(session=session, draft=draft, cipher=cipher)
    city = str(answers["application"].get("city_code") or "")
    if not city:
        return None
    return {
        "city_code": city,
        "on": today_shanghai().isoformat(),
        "household": household_payload(session=session, application=draft, cipher=cipher),
        "evidence": evidence_payload(session=session, application=draft, cipher=cipher),
        "answers": answers,
    }


UNAVAILABLE = "暂时无法自查申请条件，不影响您提交申请。"


def housing_advice(
    *, client: SignedClient, path: str, purpose: str, payload: dict[str, Any], user: str, unavailable: str
) -> dict[str, Any]:
    """Housing's answer to an advisory question, or {"error": message} — never an exception: advice must
    not block the applicant (a 422 carries housing's own words; anything else says ``unavailable``)."""
    try:
        response = client.request(
            method="POST", destination="housing", path=path, payload=payload, user=user, purpose=purpose
        )
    except (httpx.HTTPError, PeerResponseError):
        return {"error": unavailable}
    if response.status_code == 422:
        return {"error": str(response.json()["error"]["message"])}
    if response.status_code != 200:
        return {"error": unavailable}
    result: dict[str, Any] = response.json()
    return result


def precheck_run(*, client: SignedClient, request: dict[str, Any], user: str) -> dict[str, Any]:
    """Housing's evaluation, or {"error": message}: the pre-check must not block."""
    return housing_advice(
        client=client,
        path=PRECHECK_PATH,
        purpose=PRECHECK_PURPOSE,
        payload=request,
        user=user,
        unavailable=UNAVAILABLE,
    )


# What the pre-check found for each group, as the page that asks the group says it (advice, not a decision).
GROUP_FINDINGS = {
    "eligible": "自查：可能符合",
    "not_eligible": "自查：可能不符合",
    "undetermined": "自查：暂时无法判断",
}


def precheck_group_suggestion(
    *, db: Database, client: SignedClient, cipher: crypto.FieldCipher, applicant_id: int, draft_id: int
) -> tuple[dict[tuple[int | None, str], Prefill], dict[str, str]]:
    """The pre-check's suggested applicant group (only a group it finds the household may fit) and, by
    group, what it found, for the page that asks the group. Asks housing outside any transaction (HTTP)."""
    with db.transaction() as session:
        draft = household.draft_get(session=session, applicant_id=applicant_id, draft_id=draft_id)
        applicant = session.get(Applicant, applicant_id)
        if draft is None or applicant is None:
            return {}, {}
        check_request = precheck_request(session=session, draft=draft, cipher=cipher)
        subject = applicant.subject
    if check_request is None:
        return {}, {}
    result = precheck_run(client=client, request=check_request, user=subject)
    if "error" in result:
        return {}, {}
    findings = {code: GROUP_FINDINGS[g["outcome"]] for code, g in result["groups"].items()}
    best = str(result["suggested_group"])
    if result["groups"][best]["outcome"] != "eligible":
        return {}, findings
    field = form_catalog().fields["applicant_group"]
    suggestion = Prefill(
        value=best,
        source="申请条件自查",
        department="住房保障部门",
        request_id="",
        disputed=False,
        suggested=True,
        basis=field.suggest[0].basis if field.suggest else "",
    )
    return {(None, "applicant_group"): suggestion}, findings
