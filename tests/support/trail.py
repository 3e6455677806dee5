"""What housing holds of the platform's applications, asked the way the platform may ask: the signed case
trail query (GET /v1/cases/{case_no}), not housing's tables. The benches count deliveries with it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from anju.core.runtime import Runtime

PURPOSE = "申请公租房：核对办件送达情况"


def case_trails(platform: Runtime, numbers: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The trail of each application number housing has received (those it has not are left out)."""
    found: dict[str, dict[str, Any]] = {}
    for number in numbers:
        response = platform.client.request(
            method="GET", destination="housing", path=f"/v1/cases/{number}", purpose=PURPOSE, case=number
        )
        if response.status_code == 404:
            continue
        response.raise_for_status()
        found[number] = response.json()
    return found


def received_at(trail: dict[str, Any]) -> datetime:
    """When housing received the case."""
    return datetime.fromisoformat(trail["received_at"])


def receipts(trail: dict[str, Any]) -> int:
    """How many times housing recorded receiving it (more than one would be a duplicate delivery)."""
    return sum(1 for event in trail["events"] if event["event"] == "receive")
