"""Contract fuzzing of every system's published OpenAPI (DESIGN.md §9, issue 21): for each operation,
schemathesis generates a handful of requests from the schema, each signed as a real peer would sign it
(so they pass the signature check and reach the route), and the answer must be no server error and must
match the schema the system publishes (status code documented, content type, body shape)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from anju.core import signing
from anju.core.outbox import new_message_id
from anju.core.runtime import Runtime
from tests.conftest import Systems

EXAMPLES = 4  # per operation: enough to reach each route's validation, quick enough for every run
# Who calls each system's API in production (the peer whose signature gets past the allow-lists).
CALLER = {"platform": "housing", "housing": "platform", "sandbox": "platform"}
# The signed system-to-system API lives under /v1/ (the sandbox's OIDC stand-in and its joint-test knobs,
# which can make a stand-in hang for 30 s, are not part of it).
API_PREFIX = "/v1/"


def signed_request(case: Any, caller: Runtime) -> httpx.Request:
    """The generated request as a peer sends it: the exact bytes, signed over its exact path."""
    kwargs = case.as_transport_kwargs(base_url="http://testserver")
    body = b"" if kwargs.get("json") is None else json.dumps(kwargs["json"], ensure_ascii=False).encode()
    request = httpx.Request(
        kwargs["method"], kwargs["url"], params=kwargs.get("params") or None, content=body
    )
    path = request.url.raw_path.decode("latin-1")
    headers = signing.sign_request(
        method=request.method,
        path=path,
        body=body,
        caller=caller.identity.name,
        key_id=caller.identity.key_id,
        private_key=caller.identity.private_key,
        message_id=new_message_id(),
        user="fuzz",
        purpose="接口契约测试",
        case="",
    )
    if body:
        headers["Content-Type"] = "application/json"
    return httpx.Request(request.method, request.url, content=body, headers=headers)


@pytest.mark.parametrize("system", ["platform", "housing", "sandbox"])
def test_every_published_operation_answers_within_its_own_schema(systems: Systems, system: str) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", systems.apps[system])
    client = systems.client(system)
    caller = systems.runtimes[CALLER[system]]
    fuzzed = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if not operation.path.startswith(API_PREFIX):
            continue
        fuzzed.append(f"{operation.method.upper()} {operation.path}")

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def answers_within_schema(case: Any) -> None:
            request = signed_request(case, caller)
            response = client.send(request)
            assert response.status_code < 500, (
                f"{case.method} {request.url}: {response.status_code} {response.text}"
            )
            case.validate_response(
                response,
                checks=[status_code_conformance, content_type_conformance, response_schema_conformance],
            )

        answers_within_schema()
    assert len(fuzzed) >= 3, fuzzed  # the schema was read and its operations exercised
