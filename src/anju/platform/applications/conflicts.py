"""One household, one application, asked before the applicant signs (issue 19, decision 0037): whether
anyone in the household is already in another live application, housed or subsidised, or within a city's
waiting period. Housing holds the cases and the rules and answers; the platform tells the applicant
plainly. It advises: submission stays possible, and housing's reviewer checks again at 受理."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from anju.core import crypto, masking
from anju.core.httpclient import SignedClient
from anju.core.timeutil import today_shanghai
from anju.platform.applications.precheck import housing_advice
from anju.platform.applications.service import household_payload
from anju.platform.applications.signed import answers_by_person
from anju.platform.models import Application

CONFLICTS_PATH = "/v1/households/conflicts"
CONFLICTS_PURPOSE = "申请公租房：提交前核查家庭成员是否已有在办申请或正在享受住房保障（一户一申请）"
UNAVAILABLE = "暂时无法核查家庭成员是否已有在办申请，不影响您提交申请；住房保障部门受理时会再核查。"


def conflicts_request(
    *, session: Session, draft: Application, cipher: crypto.FieldCipher
) -> tuple[dict[str, Any], dict[str, str]] | None:
    """What housing's check takes, and each member's name by ID number (to say whom a rule concerns);
    None while the city is not chosen yet."""
    answers = answers_by_person(session=session, draft=draft, cipher=cipher)
    city = str(answers["application"].get("city_code") or "")
    members = household_payload(session=session, application=draft, cipher=cipher)
    if not city or not members:
        return None
    request = {
        "city_code": city,
        "on": today_shanghai().isoformat(),
        "persons": [m["id_number"] for m in members],
    }
    return request, {m["id_number"]: m["name"] for m in members}


def conflicts_found(
    *, client: SignedClient, request: dict[str, Any], names: dict[str, str], user: str
) -> dict[str, Any]:
    """What the check page says: each rule a member meets, by their masked name, or why it could not ask."""
    answer = housing_advice(
        client=client,
        path=CONFLICTS_PATH,
        purpose=CONFLICTS_PURPOSE,
        payload=request,
        user=user,
        unavailable=UNAVAILABLE,
    )
    if "error" in answer:
        return {"error": answer["error"], "found": []}
    found = [
        {
            "member": masking.mask_name(names.get(c["id_number"], "")),
            "label": c["label"],
            "explanation": c["explanation"],
            "rule": c["rule"],
        }
        for c in answer["conflicts"]
    ]
    return {"error": "", "found": found}
