"""Logs say what happened without personal information: a request is logged by its route's template,
never by the path as typed (application numbers) or the client's address; JSON lines for a pipeline."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient

from anju.core.logs import configure_logging
from tests.conftest import Systems


def test_a_request_is_logged_by_template_without_the_number_or_the_address(
    systems: Systems, caplog: pytest.LogCaptureFixture
) -> None:
    client = TestClient(systems.apps["platform"], base_url="http://testserver", client=("203.0.113.9", 4000))
    with caplog.at_level(logging.INFO, logger="anju.access"):
        assert client.get("/guide/990001").status_code == 404
    (record,) = [r for r in caplog.records if r.name == "anju.access"]
    line = record.getMessage()
    assert line.startswith("platform GET /guide/{city_code} 404 ")
    assert "990001" not in line and "203.0.113.9" not in line
    assert (record.route, record.status) == ("/guide/{city_code}", 404)  # type: ignore[attr-defined]


def test_json_lines_carry_the_fields_and_readable_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        configure_logging("json")
        logging.getLogger("anju.access").info(
            "platform GET /guide 200 3 ms", extra={"route": "/guide", "status": 200, "note": "办事指南"}
        )
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])
    (line,) = [x for x in capsys.readouterr().err.splitlines() if x.startswith("{")]
    entry = json.loads(line)
    assert entry["level"] == "INFO" and entry["logger"] == "anju.access" and entry["time"]
    assert (entry["route"], entry["status"], entry["message"]) == (
        "/guide",
        200,
        "platform GET /guide 200 3 ms",
    )
    assert "办事指南" in line  # not \u escapes: people read these lines too
