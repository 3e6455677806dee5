"""The platform's adapter to the provincial 好差评 system, against the sandbox over HTTP: one token serves
many calls and is fetched again once when the gateway calls it stale; a refusal is final (an operator's
dead letter) and says why; a gateway that does not answer is tried again; a name GB2312 lacks arrives
whole."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select, update

from anju.core.outbox import OutboxMessage
from anju.core.timeutil import utcnow
from anju.platform.evaluation import hcp
from anju.sandbox.hcp.models import HcpRecord, HcpToken
from tests.conftest import Systems


def message(**changes: str) -> OutboxMessage:
    fields = {
        "projectNo": "GZF-350100-20261206-000009",
        "proStatus": "2",
        "regionCode": "350100000000",
        "userProp": "1",
        "userName": "王𠈌",
        "userPageType": "111",
        "certKey": "350182198802290158",
        "serviceTime": "2026-12-06 10:00:00",
        "pf": "2",
        "satisfaction": "5",
        "evalDetail": "overall=5",
        "assessTime": "2026-12-06 10:00:00",
        "assessNumber": "1",
        **changes,
    }
    return OutboxMessage(
        id=1,
        message_id="m-1",
        topic="hcp.report",
        destination=hcp.DESTINATION,
        path=hcp.REPORT,
        payload=fields,
        case_no=fields["projectNo"],
        acting_user="platform",
        purpose="test",
        attempts=0,
    )


def tokens(live: Systems) -> int:
    with live.runtimes["sandbox"].db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(HcpToken)) or 0)


def test_one_token_serves_many_calls_and_a_stale_one_is_replaced_once(live: Systems) -> None:
    gateway = hcp.HcpGateway.from_settings(live.settings)
    before = tokens(live)
    assert gateway.deliver(message()).ok
    assert gateway.deliver(message(projectNo="GZF-350100-20261206-000010")).ok
    assert tokens(live) == before + 1
    with live.runtimes["sandbox"].db.transaction() as session:  # the gateway forgets it before we do
        session.execute(update(HcpToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert gateway.deliver(message(projectNo="GZF-350100-20261206-000011")).ok
    assert tokens(live) == before + 2


def test_a_refused_rating_is_final_and_says_why_and_an_absent_gateway_is_tried_again(live: Systems) -> None:
    gateway = hcp.HcpGateway.from_settings(live.settings)
    refused = gateway.deliver(message(satisfaction="0"))
    assert not refused.ok and not refused.retryable and "satisfaction 的取值 0 不在代码表中" in refused.error
    wrong_secret = hcp.HcpGateway(base=gateway.base, app_key=gateway.app_key, app_secret="f" * 32, sys_no="X")
    unsigned = wrong_secret.deliver(message())  # the token's sign fails first: the province said no
    assert not unsigned.ok and not unsigned.retryable and "sign_invalid" in unsigned.error
    away = hcp.HcpGateway(base="http://127.0.0.1:9", app_key="k", app_secret="0" * 32, sys_no="X", timeout=2)
    down = away.deliver(message())
    assert not down.ok and down.retryable


def test_a_name_gb2312_lacks_arrives_whole(live: Systems) -> None:
    assert hcp.HcpGateway.from_settings(live.settings).deliver(message(projectNo="GZF-RARE-NAME")).ok
    with live.runtimes["sandbox"].db.transaction() as session:
        payload = session.scalar(select(HcpRecord.payload).where(HcpRecord.project_no == "GZF-RARE-NAME"))
    assert payload is not None and json.loads(payload)["userName"] == "王𠈌"
