"""Calling a peer (core/httpclient) over real HTTP: the answer must be signed by the system it was sent
to, for this very request; an impostor's answer or an unreachable peer is a retryable delivery, a
refusal a final one."""

from __future__ import annotations

import pytest

from anju.core.httpclient import PeerResponseError, SignedClient
from anju.core.outbox import OutboxMessage, new_message_id
from tests.conftest import Systems
from tests.support import env


def client_of(systems: Systems, base_urls: dict[str, str]) -> SignedClient:
    platform = systems.runtimes["platform"]
    return SignedClient(identity=platform.api.identity, registry=platform.api.registry, base_urls=base_urls)


def test_a_peer_answers_signed_for_this_request(live: Systems) -> None:
    client = live.runtimes["platform"].client
    response = client.request(
        method="GET", destination="housing", path="/v1/guide-facts/350100", user="system"
    )
    assert response.status_code == 200 and response.json()
    prepared = client.prepare(method="GET", destination="housing", path="/v1/guide-facts/350100")
    with pytest.raises(PeerResponseError):  # the same answer does not vouch for another request
        client.check(prepared, response)


def test_an_answer_from_another_system_than_the_one_called_is_not_trusted(live: Systems) -> None:
    impostor = client_of(
        live, {"housing": live.settings.base_url("sandbox")}
    )  # housing's address, sandbox answers
    with pytest.raises(PeerResponseError, match="housing answered without a valid signature"):
        impostor.request(method="GET", destination="housing", path="/v1/guide-facts/350100")


def message(path: str) -> OutboxMessage:
    return OutboxMessage(
        id=1,
        topic="case",
        attempts=0,
        message_id=new_message_id(),
        destination="housing",
        path=path,
        payload={},
        acting_user="system",
        purpose="测试",
        case_no="",
    )


def test_delivery_outcomes_are_classified_for_the_retry_rule(live: Systems) -> None:
    client = live.runtimes["platform"].client
    refused = client.deliver(message("/v1/cases"))  # an empty case: housing refuses it, for good
    assert not refused.ok and not refused.retryable and refused.status_code == 422
    nobody = f"http://127.0.0.1:{env.free_port()}"  # a port nothing listens on
    unreachable = client_of(live, {"housing": nobody}).deliver(message("/v1/cases"))
    assert not unreachable.ok and unreachable.retryable
