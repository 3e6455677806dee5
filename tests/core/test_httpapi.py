"""A system's signed API (core/httpapi) over HTTP: an unsigned or replayed request is refused with a
JSON error in Chinese, a caller outside a route's allow-list gets that route's own message, and every
answer under /v1 (a refusal too) is signed by the answering system — pages are not."""

from __future__ import annotations

from anju.core import signing
from tests.conftest import Systems
from tests.support.signed import signed_post

QUERY = {"persons": ["350102199203150519"], "fields": ["records"]}


def test_an_unsigned_request_is_refused_and_the_refusal_is_signed(systems: Systems) -> None:
    response = systems.client("housing").post("/v1/assistance/query", json=QUERY)
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] and any("\u4e00" <= ch <= "\u9fff" for ch in error["message"])
    assert response.headers[signing.HEADER_RESPONDER] == "housing"
    assert response.headers[signing.HEADER_SIGNATURE]


def test_a_replayed_request_is_refused(systems: Systems) -> None:
    platform = systems.runtimes["platform"]
    client = systems.client("housing")
    first = signed_post(
        client, as_system=platform, path="/v1/assistance/query", payload=QUERY, nonce="n" * 32
    )
    again = signed_post(
        client, as_system=platform, path="/v1/assistance/query", payload=QUERY, nonce="n" * 32
    )
    assert first.status_code == 200
    assert again.status_code == 401 and again.json()["error"]["code"] == "nonce_replayed"


def test_a_caller_outside_the_allow_list_hears_the_routes_own_message(systems: Systems) -> None:
    refused = signed_post(
        systems.client("housing"),
        as_system=systems.runtimes["sandbox"],
        path="/v1/assistance/query",
        payload=QUERY,
    )
    assert refused.status_code == 403
    assert refused.json()["error"] == {
        "code": "caller_not_allowed",
        "message": "该系统无权查询保障性住房信息。",
        **{k: v for k, v in refused.json()["error"].items() if k not in ("code", "message")},
    }


def test_pages_are_not_signed(systems: Systems) -> None:
    page = systems.client("housing").get("/staff/login")
    assert page.status_code == 200 and signing.HEADER_SIGNATURE not in page.headers
