"""The sandbox's 闽政通 refuses what the real one would: an app that is not registered, a wrong 授权码, a
ticket used twice, a callback to anywhere but the app's own address; and says ``nologin`` when nobody is
signed in to it (standards.md §4.1: the names beyond the paths are provisional)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from anju.sandbox.models import Resident
from tests.conftest import Systems

BASE = "/mzt/dataset"


def test_the_stand_in_exchanges_a_ticket_once_for_the_registered_app_only(systems: Systems) -> None:
    sandbox = TestClient(systems.apps["sandbox"])
    settings = systems.settings
    with systems.runtimes["sandbox"].db.transaction() as session:
        resident = session.scalars(select(Resident).order_by(Resident.id)).first()
        assert resident is not None
        resident_id, number = resident.id, resident.id_number
    ticket = systems.apps["sandbox"].state.mzt_tickets.issue(resident_id)
    form = {"appId": settings.mzt_app_id, "authCode": "wrong", "trustticket": ticket}
    refused = sandbox.post(f"{BASE}/AppSerController/invokeservice.do", data=form)
    assert refused.status_code == 401 and refused.json()["errcode"] == "app_unauthorized"
    form["authCode"] = settings.mzt_auth_code
    first = sandbox.post(f"{BASE}/AppSerController/invokeservice.do", data=form).json()
    assert (
        first["success"] and first["data"]["papersnumber"] == number and first["data"]["authlevel"] in "0123"
    )
    again = sandbox.post(f"{BASE}/AppSerController/invokeservice.do", data=form).json()
    assert not again["success"] and again["errcode"] == "ticket_used"

    callback = settings.base_url("platform") + "/mztaccount/checkback"
    nobody = sandbox.get(
        f"{BASE}/UnifiedController/checkLoginStatus.do",
        params={"appId": settings.mzt_app_id, "callback": callback},
        follow_redirects=False,
    )
    assert nobody.status_code == 303 and nobody.headers["location"] == f"{callback}?type=nologin"
    stranger = sandbox.get(
        f"{BASE}/UnifiedController/goLogin.do", params={"appId": "someone-else", "callback": callback}
    )
    assert stranger.status_code == 400 and "该应用未在闽政通登记" in stranger.text
