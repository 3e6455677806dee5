"""The provincial 好差评 system's stand-in: a rating is kept once per 办件 and 评价次数 (a first rating and
the one after the follow-up are two), only from the platform, and listed on the joint-test page."""

from __future__ import annotations

from typing import Any

from tests.conftest import Systems
from tests.support.signed import signed_post


def rating(**changes: Any) -> dict[str, Any]:
    return {
        "projectNo": "FJ-GZF-20261206-000001",
        "taskName": "申请公租房",
        "areaCode": "350102000000",
        "proDepart": "福州市住房保障部门",
        "proStatus": 3,
        "pf": 1,
        "userProp": 1,
        "satisfaction": 2,
        "evalDetail": "办事效率=2,服务态度=3",
        "assessTime": "2026-12-06 10:00:00",
        "assessNumber": 1,
        **changes,
    }


def report(systems: Systems, payload: dict[str, Any], *, as_system: str = "platform") -> Any:
    return signed_post(
        systems.client("sandbox"),
        as_system=systems.runtimes[as_system],
        path="/v1/hcp/evaluations",
        payload=payload,
    )


def test_a_rating_is_kept_once_and_the_follow_up_rating_apart(systems: Systems) -> None:
    assert report(systems, rating()).json() == {"accepted": True, "duplicate": False}
    assert report(systems, rating()).json() == {"accepted": True, "duplicate": True}
    assert report(systems, rating(assessNumber=2, satisfaction=4)).json() == {
        "accepted": True,
        "duplicate": False,
    }
    page = systems.client("sandbox").get("/hcp").text
    assert page.count("FJ-GZF-20261206-000001") == 2


def test_a_rating_outside_the_national_fields_is_refused(systems: Systems) -> None:
    assert report(systems, rating(satisfaction=6)).status_code == 422
    assert report(systems, rating(assessTime="2026-12-06T10:00:00")).status_code == 422
    assert report(systems, rating(extra="x")).status_code == 422


def test_only_the_platform_may_report(systems: Systems) -> None:
    refused = report(systems, rating(), as_system="housing")
    assert refused.status_code == 403 and refused.json()["error"]["message"] == "该系统无权上报评价。"
