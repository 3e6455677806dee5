"""The face check's stand-in: a well-formed photo of a resident known under that name passes; the photo
is checked against the contract (10–70 KB, an image) and the operator can make faces differ."""

from __future__ import annotations

import base64
from typing import Any

from anju.sandbox.devices.kiosk import camera_image
from tests.conftest import Systems
from tests.support.signed import signed_post

LIN = {"name": "林晓峰", "id_number": "350102199203150519"}


def check(systems: Systems, photo: bytes, **changes: Any) -> Any:
    payload = {
        "biz_seq": "TEST-000001",
        "auth_mode": "face",
        **LIN,
        "photo_b64": base64.b64encode(photo).decode(),
    }
    return signed_post(
        systems.client("sandbox"),
        as_system=systems.runtimes["platform"],
        path="/v1/faceauth/verifications",
        payload={**payload, **changes},
    )


def test_a_known_resident_passes_and_a_wrong_name_is_unknown(systems: Systems) -> None:
    photo = camera_image(width=640, height=480, seed=7)
    passed = check(systems, photo)
    assert passed.status_code == 200 and passed.json()["result"] == "pass" and passed.json()["reason"] == ""
    unknown = check(systems, photo, name="林晓")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "person_unknown"


def test_a_photo_outside_the_contract_is_refused_with_the_reason(systems: Systems) -> None:
    tiny = check(systems, camera_image(width=40, height=30, seed=1))
    assert tiny.status_code == 422 and tiny.json()["error"]["code"] == "photo_invalid"
    not_base64 = check(systems, b"", photo_b64="not base64!")
    assert not_base64.status_code == 422 and not_base64.json()["error"]["code"] == "photo_invalid"


def test_the_operator_can_make_the_faces_differ(systems: Systems) -> None:
    systems.client("sandbox").put("/admin/faults/faceauth", json={"mismatch": True})
    failed = check(systems, camera_image(width=640, height=480, seed=7))
    assert failed.status_code == 200 and failed.json()["result"] == "fail"
    assert failed.json()["reason"] == "现场照片与身份证照片不一致。"
