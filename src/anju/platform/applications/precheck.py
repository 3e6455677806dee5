"""The advisory pre-check ("check you can apply"): the draft as it stands, evaluated by housing's rules.

It advises and explains; it never blocks submission (Bloom Housing's income "red light" lesson).
"""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.orm import Session

from anju.core import crypto
from anju.core.httpclient import PeerResponseError, SignedClient
from anju.core.timeutil import today_shanghai
from anju.platform.applications.service import evidence_payload, household_payload
from anju.platform.applications.signed import answers_by_person
from anju.platform.models import Application

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


def precheck_run(*, client: SignedClient, request: dict[str, Any], user: str) -> dict[str, Any]:
    """Housing's evaluation, or {"error": message} — never an exception: the pre-check must not block."""
    try:
        response = client.request(
            method="POST",
            destination="housing",
            path=PRECHECK_PATH,
            payload=request,
            user=user,
            purpose=PRECHECK_PURPOSE,
        )
    except (httpx.HTTPError, PeerResponseError):
        return {"error": "暂时无法自查申请条件，不影响您提交申请。"}
    if response.status_code == 422:
        return {"error": str(response.json()["error"]["message"])}
    if response.status_code != 200:
        return {"error": "暂时无法自查申请条件，不影响您提交申请。"}
    result: dict[str, Any] = response.json()
    return result
