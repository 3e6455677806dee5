"""The eligibility report on a case for the reviewer: recomputed from the case's current register data and
answers every time it is shown, so it follows any change; it names the rule-set and the date."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import ValidationError

from anju.core import crypto
from anju.housing.eligibility.assess import eligibility_assess
from anju.housing.eligibility.from_case import situation_from
from anju.housing.eligibility.params import CityParameters, NoRuleInForce
from anju.housing.intake.service import case_evidence, case_household, case_signed_application
from anju.housing.models import Case


def case_answers(*, case: Case, cipher: crypto.FieldCipher) -> dict[str, Any]:
    """The answers the applicant signed (the application document), or {} for an unsigned case."""
    answers: dict[str, Any] = case_signed_application(case=case, cipher=cipher).get("answers", {})
    return answers


def eligibility_report(
    *, case: Case, cipher: crypto.FieldCipher, on: date, parameters: CityParameters | None = None
) -> dict[str, Any]:
    """The evaluation of the case on ``on``, or {"error": why it could not be evaluated}."""
    try:
        situation = situation_from(
            city_code=case.city_code,
            household=case_household(case=case, cipher=cipher),
            evidence=case_evidence(case=case, cipher=cipher),
            answers=case_answers(case=case, cipher=cipher),
        )
        result = eligibility_assess(situation, on=on, parameters=parameters)
    except ValidationError as exc:
        return {"error": "；".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())}
    except NoRuleInForce as exc:
        return {"error": exc.message}
    result["applied_group"] = case.applicant_group
    return result
