"""The public notice (公示) and the waiting list (轮候) as housing publishes them, and objections sent to
housing — signed calls."""

from __future__ import annotations

from typing import Any

import httpx

from anju.core.httpclient import PeerResponseError, SignedClient

NOTICES_PATH = "/v1/public-notices/{city_code}"
OBJECTION_PATH = "/v1/public-notices/{case_no}/objections"
WAITLIST_PATH = "/v1/waitlists/{city_code}"
STANDING_PATH = "/v1/waitlists/{city_code}/cases/{case_no}"
LOTTERIES_PATH = "/v1/lotteries/{city_code}"


class NoticeUnavailable(Exception):
    """Housing could not be asked, or said no; ``message`` is for the reader."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def housing_get(
    *, client: SignedClient, path: str, purpose: str, unavailable: str, user: str = "", case: str = ""
) -> Any:
    """A signed GET of one of housing's published lists (raises NoticeUnavailable: ``unavailable`` when
    housing cannot answer, ``not_found`` on a 404)."""
    try:
        response = client.request(
            method="GET", destination="housing", path=path, purpose=purpose, user=user, case=case
        )
    except (httpx.HTTPError, PeerResponseError) as exc:
        raise NoticeUnavailable("housing_unreachable", unavailable) from exc
    if response.status_code == 404:
        raise NoticeUnavailable("not_found", str(response.json()["error"]["message"]))
    if response.status_code != 200:
        raise NoticeUnavailable("housing_error", unavailable)
    return response.json()


def notices_fetch(*, client: SignedClient, city_code: str, page: int = 1) -> dict[str, Any]:
    """One page of the city's current notice (raises NoticeUnavailable)."""
    body: dict[str, Any] = housing_get(
        client=client,
        path=NOTICES_PATH.format(city_code=city_code) + f"?page={max(1, page)}",
        purpose="公示公租房申请",
        unavailable="暂时无法获取公示信息，请稍后再试。",
    )
    return body


def waitlist_fetch(*, client: SignedClient, city_code: str, page: int = 1) -> dict[str, Any]:
    """One page of the city's waiting list in today's order (raises NoticeUnavailable)."""
    body: dict[str, Any] = housing_get(
        client=client,
        path=WAITLIST_PATH.format(city_code=city_code) + f"?page={max(1, page)}",
        purpose="公开公租房轮候名单",
        unavailable="暂时无法获取轮候名单，请稍后再试。",
    )
    return body


def standing_fetch(*, client: SignedClient, city_code: str, case_no: str, user: str) -> dict[str, Any]:
    """A waiting application's place today, for its applicant (raises NoticeUnavailable)."""
    body: dict[str, Any] = housing_get(
        client=client,
        path=STANDING_PATH.format(city_code=city_code, case_no=case_no),
        purpose="申请人查询本人轮候位次",
        unavailable="暂时无法查询轮候位次，请稍后再试。",
        user=user,
        case=case_no,
    )
    return body


def objection_send(
    *, client: SignedClient, case_no: str, text: str, name: str, phone: str, user: str
) -> None:
    """Send a signed-in resident's objection to housing (raises NoticeUnavailable with the reason)."""
    try:
        response = client.request(
            method="POST",
            destination="housing",
            path=OBJECTION_PATH.format(case_no=case_no),
            payload={"text": text, "name": name, "phone": phone},
            user=user,
            purpose="对公示的公租房申请提出异议",
            case=case_no,
        )
    except (httpx.HTTPError, PeerResponseError) as exc:
        raise NoticeUnavailable("housing_unreachable", "暂时无法提交异议，请稍后再试。") from exc
    if response.status_code == 201:
        return
    if response.status_code == 422:
        raise NoticeUnavailable("invalid", "异议内容请写 10 到 2000 个字，说明事实和理由。")
    if response.status_code in (404, 409):
        raise NoticeUnavailable("not_on_notice", "这件申请不在公示期内，无法提出异议。")
    raise NoticeUnavailable("housing_error", "暂时无法提交异议，请稍后再试。")


def lotteries_fetch(*, client: SignedClient, city_code: str, draw_id: int | None = None) -> Any:
    """A city's draws, or one draw with its frozen list (raises NoticeUnavailable)."""
    path = LOTTERIES_PATH.format(city_code=city_code) + (f"/{draw_id}" if draw_id is not None else "")
    return housing_get(
        client=client,
        path=path,
        purpose="公开公租房配租摇号",
        unavailable="暂时无法获取摇号信息，请稍后再试。",
    )
