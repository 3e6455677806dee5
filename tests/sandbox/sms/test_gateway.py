"""The SMS gateway stand-in: only the platform may send, each message once per sender message id, and
the joint-test inbox shows the number masked."""

from __future__ import annotations

from tests.conftest import Systems
from tests.support.signed import signed_post

PHONE = "13805910001"


def send(
    systems: Systems, *, as_system: str = "platform", message_id: str | None = None, **body: str
) -> object:
    payload = {"phone": PHONE, "text": "您的公租房申请已受理。", **body}
    return signed_post(
        systems.client("sandbox"),
        as_system=systems.runtimes[as_system],
        path="/v1/sms/messages",
        payload=payload,
        message_id=message_id,
    )


def test_a_message_is_taken_once_however_often_it_is_retried(systems: Systems) -> None:
    first = send(systems, message_id="msg-0001-aaaa")
    again = send(systems, message_id="msg-0001-aaaa")
    assert first.status_code == 200 and first.json() == {"accepted": True, "duplicate": False}
    assert again.status_code == 200 and again.json() == {"accepted": True, "duplicate": True}
    inbox = systems.client("sandbox").get("/sms")
    assert inbox.text.count("您的公租房申请已受理。") == 1
    assert "138****0001" in inbox.text and PHONE not in inbox.text


def test_only_the_platform_may_send(systems: Systems) -> None:
    refused = send(systems, as_system="housing")
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "该系统无权发送短信。"


def test_a_number_that_is_not_a_mobile_or_a_text_too_long_is_refused(systems: Systems) -> None:
    assert send(systems, phone="0591-8888888").status_code == 422
    assert send(systems, text="长" * 301).status_code == 422


def test_the_operator_can_make_the_gateway_fail(systems: Systems) -> None:
    client = systems.client("sandbox")
    assert client.put("/admin/faults/sms", json={"error_rate": 1.0}).status_code == 200
    down = send(systems)
    assert down.status_code == 503 and down.json()["error"]["code"] == "sms_unavailable"
    client.delete("/admin/faults")
    assert send(systems).status_code == 200
