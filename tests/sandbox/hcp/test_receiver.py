"""The provincial 好差评 system's stand-in speaks Fujian's protocol and refuses what the real one would: a
token only for our app key, a fresh timestamp and the right MD5 sign; a SOAP call only with a token it
issued and has not let run out; an xmlStr only if it decrypts under the app's secret; a rating only with
every national field in its code list, a valid ID number and a first rating before a second. A 差评 sets a
整改 task, listed until the rectification is reported."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from anju.core import hcpwire
from anju.core.timeutil import utcnow
from anju.sandbox.hcp.models import HcpToken
from tests.conftest import Systems

GATEWAY = "/hcp/gateway"
SERVICE = GATEWAY + "/api-gateway/gateway/96hyvzxl/wailian/webservice/{method}"


def rating(**changes: str) -> dict[str, str]:
    return {
        "sysNO": "ANJU-GZF",
        "projectNo": "GZF-350100-20261206-000001",
        "proStatus": "2",
        "regionCode": "350100000000",
        "userProp": "1",
        "userName": "欧阳娜娜",
        "userPageType": "111",
        "certKey": "350104199011200641",
        "serviceTime": "2026-12-06 10:00:00",
        "pf": "1",
        "satisfaction": "2",
        "evalDetail": "efficiency=2,convenience=3",
        "assessTime": "2026-12-06 10:00:00",
        "assessNumber": "1",
        **changes,
    }


class Province:
    """Our side of the wire, by hand: the app key and secret the sandbox knows."""

    def __init__(self, systems: Systems) -> None:
        self.client = systems.client("sandbox")
        self.key = systems.settings.hcp_app_key
        self.secret = systems.settings.hcp_app_secret.get_secret_value()

    def token_response(self, **changes: str) -> Any:
        stamp = str(int(time.time() * 1000))
        params = {
            "app_key": self.key,
            "timestamp": stamp,
            "sign": hcpwire.token_sign(self.secret, stamp),
            **changes,
        }
        return self.client.get(GATEWAY + hcpwire.TOKEN_PATH, params=params)

    def token(self) -> str:
        return str(self.token_response().json()["access_token"])

    def call(
        self,
        method: str,
        fields: dict[str, str],
        *,
        token: str | None = None,
        secret: str | None = None,
        key: str | None = None,
    ) -> tuple[str, str, dict[str, Any]]:
        xml_str = hcpwire.sm4_encrypt(hcpwire.case_xml(fields), secret or self.secret)
        envelope = hcpwire.envelope(
            method, token=token or self.token(), app_key=key or self.key, xml_str=xml_str
        )
        response = self.client.post(SERVICE.format(method=method), content=envelope)
        return hcpwire.answer_read(response.content)


@pytest.fixture
def province(systems: Systems) -> Province:
    return Province(systems)


def test_a_token_needs_our_app_key_a_fresh_timestamp_and_the_md5_sign(province: Province) -> None:
    good = province.token_response().json()
    assert good["expires_in"] == 3600 and len(good["access_token"]) == 32
    assert province.token_response(app_key="someone-else").json()["code"] == "app_key_invalid"
    assert province.token_response(sign="0" * 32).json()["code"] == "sign_invalid"
    stale = str(int(time.time() * 1000) - 10 * 60 * 1000)
    old = province.token_response(timestamp=stale, sign=hcpwire.token_sign(province.secret, stale))
    assert old.status_code == 401 and old.json()["code"] == "timestamp_invalid"
    lower = str(int(time.time() * 1000))
    lowercase_sign = hcpwire.token_sign(province.secret, lower).lower()  # either case is taken
    assert province.token_response(timestamp=lower, sign=lowercase_sign).status_code == 200


def test_a_call_without_a_live_token_gets_the_access_token_invalid_fault(
    systems: Systems, province: Province
) -> None:
    assert province.call("getSaveEvaluation", rating(), token="not-issued")[:2] == (
        "fault",
        "access_token_invalid",
    )
    issued = province.token()
    with systems.runtimes["sandbox"].db.transaction() as session:
        session.execute(update(HcpToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert province.call("getSaveEvaluation", rating(), token=issued)[:2] == ("fault", "access_token_invalid")


def test_a_rating_is_kept_once_per_case_and_rating_number(province: Province) -> None:
    code, _msg, data = province.call("getSaveEvaluation", rating())
    assert code == "200" and data["evaluateUnid"].startswith("HCP-")
    assert province.call("getSaveEvaluation", rating())[2] == data  # a resend is the same rating
    second = province.call("getSaveEvaluation", rating(assessNumber="2", satisfaction="4"))
    assert second[0] == "200" and second[2] != data


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"satisfaction": "6"}, "satisfaction 的取值 6 不在代码表中"),
        ({"pf": "9"}, "pf 的取值 9 不在代码表中"),
        ({"assessNumber": "3"}, "assessNumber 的取值 3 不在代码表中"),
        ({"userPageType": "999"}, "userPageType 的取值 999 不在代码表中"),
        ({"certKey": "350104199011200642"}, "certKey 不是有效的居民身份证号码"),
        ({"regionCode": "3501"}, "regionCode 应为 12 位行政区划代码"),
        ({"assessTime": "2026-12-06T10:00:00"}, "assessTime 应为 yyyy-MM-dd HH:mm:ss"),
        ({"projectNo": "G" * 51}, "projectNo 超过 50 个字符"),
        ({"userName": ""}, "缺少必填字段 userName"),
        ({"projectNo": "GZF-OTHER", "assessNumber": "2"}, "二次评价之前没有首次评价"),
    ],
)
def test_a_rating_outside_the_national_fields_is_refused_by_name(
    province: Province, changes: dict[str, str], says: str
) -> None:
    code, message, _data = province.call("getSaveEvaluation", rating(**changes))
    assert code in {"400", "404"} and message == says


def test_another_app_key_or_secret_is_refused(province: Province) -> None:
    assert province.call("getSaveEvaluation", rating(), key="someone-else")[:2] == ("401", "appKey 不存在")
    code, message, _ = province.call("getSaveEvaluation", rating(), secret="f" * 32)
    assert code == "402" and message.startswith("xmlStr 无法解密")


def test_a_bad_rating_sets_a_rectify_task_until_it_is_answered(systems: Systems, province: Province) -> None:
    province.call("getSaveEvaluation", rating(satisfaction="1"))
    province.call("getSaveEvaluation", rating(projectNo="GZF-GOOD", satisfaction="5"))
    tasks = province.call("getRectifyTaskList", {"sysNO": "ANJU-GZF"})[2]["tasks"]
    assert [t["projectNo"] for t in tasks] == ["GZF-350100-20261206-000001"]
    answer = {
        "sysNO": "ANJU-GZF",
        "taskId": tasks[0]["taskId"],
        "projectNo": "GZF-350100-20261206-000001",
        "rectifyResult": "1",
        "rectifyContent": "已电话回访，补正通知已改为逐项列明。",
        "rectifyTime": "2026-12-08 09:00:00",
    }
    assert province.call("saveRectifyResult", {**answer, "rectifyResult": "3"})[0] == "400"
    assert province.call("saveRectifyResult", {**answer, "taskId": "ZG-999"})[:2] == (
        "404",
        "没有这条整改任务",
    )
    assert province.call("saveRectifyResult", answer)[0] == "200"
    assert province.call("getRectifyTaskList", {"sysNO": "ANJU-GZF"})[2] == {"tasks": "", "count": "0"}
    page = systems.client("sandbox").get("/hcp").text
    assert "已整改" in page and "补正通知已改为逐项列明" in page
