"""Whose e-signature a case must carry: the applicant's own, or — only for a counter window's 帮办代办 —
the agent's whom the signed application names."""

from __future__ import annotations

import json

from anju.housing.intake.schemas import CaseSubmission
from anju.housing.intake.service import expected_signer
from tests.support.factories import case_submission

APPLICANT = "350182198802290158"
AGENT = "350103198007190558"


def with_application(channel: str, content: dict[str, object]) -> CaseSubmission:
    document = {"kind": "application", "title": "申请表", "content": json.dumps(content), "signature": {}}
    return CaseSubmission.model_validate(case_submission(channel=channel, signed_documents=[document]))


def test_the_applicant_signs_unless_an_agent_at_a_window_is_named_in_what_was_signed() -> None:
    agent = {"agent": {"name": "张伟", "id_number": AGENT, "basis": "委托代办"}}
    assert expected_signer(with_application("counter", agent)) == AGENT
    assert expected_signer(with_application("counter", {"answers": {}})) == APPLICANT
    # Online or at a kiosk nobody signs for the applicant, whatever the document says.
    assert expected_signer(with_application("web", agent)) == APPLICANT
    assert expected_signer(with_application("kiosk", agent)) == APPLICANT
    assert expected_signer(with_application("counter", {"agent": "张伟"})) == APPLICANT  # not an agent record
