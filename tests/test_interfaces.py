"""The published OpenAPI documents are exactly what the code serves."""

from __future__ import annotations

from anju.interfaces import DOCS, interface_documents, render


def test_docs_interfaces_match_the_code() -> None:
    for name, document in interface_documents().items():
        committed = (DOCS / name).read_text(encoding="utf-8")
        assert committed == render(document), f"docs/interfaces/{name} is stale: run `make openapi`"


def test_intake_contract_names_every_error_the_caller_must_handle() -> None:
    intake = interface_documents()["housing-intake.openapi.json"]["paths"]["/v1/cases"]["post"]
    assert {"200", "201", "401", "403", "422"} <= set(intake["responses"])
    schema = interface_documents()["housing-intake.openapi.json"]["components"]["schemas"]["CaseSubmission"]
    assert schema["properties"]["case_no"]["maxLength"] == 50  # the national 办件编号 limit
