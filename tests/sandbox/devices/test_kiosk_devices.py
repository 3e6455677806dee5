"""The demo kiosk's local device service: the card on the reader comes signed with the terminal's key
over the platform's challenge (what the platform verifies), the printer keeps what it printed, and only
a person in the population can be placed on the reader."""

from __future__ import annotations

from anju.core import signing
from anju.sandbox.devices.kiosk import DEMO_TERMINAL_ID, demo_terminal_key
from tests.conftest import Systems

LIN = "350102199203150519"


def test_the_card_read_is_signed_by_the_terminal_over_the_challenge(systems: Systems) -> None:
    client = systems.client("sandbox")
    assert (
        client.get("/devices/kiosk/local/card", params={"challenge": "c1"}).status_code == 404
    )  # no card yet
    placed = client.post("/devices/kiosk/card", data={"id_number": LIN}, follow_redirects=False)
    assert placed.status_code == 303
    read = client.get("/devices/kiosk/local/card", params={"challenge": "c1"})
    assert read.status_code == 200
    card = read.json()
    assert card["name"] == "林晓峰" and card["id_number"] == LIN and card["terminal_id"] == DEMO_TERMINAL_ID
    text = signing.kiosk_card_text(
        terminal_id=DEMO_TERMINAL_ID,
        challenge="c1",
        id_number=card["id_number"],
        name=card["name"],
        valid_until=card["valid_until"],
    )
    key = demo_terminal_key(systems.settings.key_directory).public_key
    assert signing.sm2_verify(public_key=key, message=text, signature=bytes.fromhex(card["signature"]))
    assert not signing.sm2_verify(
        public_key=key, message=text + b"x", signature=bytes.fromhex(card["signature"])
    )
    assert client.get("/devices/kiosk/local/card").status_code == 400  # a reading without a challenge


def test_an_unknown_or_malformed_number_cannot_be_placed(systems: Systems) -> None:
    client = systems.client("sandbox")
    assert client.post("/devices/kiosk/card", data={"id_number": "350102199203150518"}).status_code == 400
    assert client.post("/devices/kiosk/card", data={"id_number": "11010519491231002X"}).status_code == 404


def test_the_printer_prints_a_well_formed_slip_and_refuses_another(systems: Systems) -> None:
    client = systems.client("sandbox")
    job = client.post(
        "/devices/kiosk/local/printer/jobs", content='{"title": "受理回执", "lines": ["申请编号 X"]}'
    )
    assert job.status_code == 200 and job.json()["status"] == "printed"
    assert client.post("/devices/kiosk/local/printer/jobs", content="not json").status_code == 400
    slips = client.get("/devices/kiosk/printed").json()["slips"]
    assert [(s["title"], s["lines"]) for s in slips] == [("受理回执", ["申请编号 X"])]
