"""The public notice (公示) as housing publishes it, and objections sent to housing — signed calls."""

from __future__ import annotations

from typing import Any

import httpx

from anju.core.httpclient import PeerResponseError, SignedClient

NOTICES_PATH = "/v1/public-notices/{city_code}"
OBJECTION_PATH = "/v1/public-notices/{case_no}/objections"


class NoticeUnavailable(Exception):
    """Housing could not be asked, or said no; ``message`` is for the reader."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def notices_fetch(*, client: SignedClient, city_code: str, page: int = 1) -> dict[str, Any]:
    """One page of the city's current notice (raises NoticeUnavailable)."""
    try:
        response = client.request(
            method="GET",
            destination="housing",
            path=NOTICES_PATH.format(city_code=city_code) + f"?page={max(1, page)}",
            purpose="公示公租房申请",
        )
    except (httpx.HTTPError, PeerResponseError) as exc:
        raise NoticeUnavailable("housing_unreachable", "暂时无法获取公示信息，请稍后再试。") from exc
    if response.status_code == 404:
        raise NoticeUnavailable("city_unknown", "没有这个市（区）。")
    if response.status_code != 200:
        raise NoticeUnavailable("housing_error", "暂时无法获取公示信息，请稍后再试。")
    body: dict[str, Any] = response.json()
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
