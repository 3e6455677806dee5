"""Housing's written decisions as the applicant gets them: fetched (signed) from housing on request, and
checked — by anyone — against the trusted seal CA."""

from __future__ import annotations

import httpx

from anju.core import seal
from anju.core.httpclient import PeerResponseError, SignedClient
from anju.platform.limits import LIMITS

DOCUMENT_PATH = "/v1/cases/{case_no}/documents/{event_seq}"
VERIFY_MAX_BYTES = 5 * 1024 * 1024  # as every other upload (the page's request limit is a little above)
# Anyone may check a seal without signing in, and each check is real work (certificate path, signature):
# a limit per address keeps one client from using it up for everybody.
VERIFICATIONS_PER_ADDRESS = LIMITS.limits["decision_verify"]


class DecisionUnavailable(Exception):
    """The decision could not be fetched; ``message`` is for the applicant."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def decision_fetch(*, client: SignedClient, case_no: str, event_seq: int, user: str) -> bytes:
    """The sealed PDF of one decision (raises DecisionUnavailable)."""
    try:
        response = client.request(
            method="GET",
            destination="housing",
            path=DOCUMENT_PATH.format(case_no=case_no, event_seq=event_seq),
            user=user,
            purpose="申请人下载办件文书",
            case=case_no,
        )
    except (httpx.HTTPError, PeerResponseError) as exc:
        raise DecisionUnavailable("housing_unreachable", "暂时无法获取文书，请稍后再试。") from exc
    if response.status_code == 404:
        raise DecisionUnavailable("document_unknown", "没有这份文书。")
    if response.status_code != 200 or not response.content.startswith(b"%PDF-"):
        raise DecisionUnavailable("housing_error", "暂时无法获取文书，请稍后再试。")
    return response.content


def decision_verify(pdf: bytes, *, trusted_ca_pem: bytes | None) -> seal.SealCheck:
    """What the seal on an uploaded PDF proves."""
    if trusted_ca_pem is None:
        return seal.SealCheck(False, False, False, "", None, "尚未配置电子印章根证书，暂时无法核验。")
    if len(pdf) > VERIFY_MAX_BYTES:
        return seal.SealCheck(False, False, False, "", None, "文件超过 5 MB。")
    return seal.seal_verify(pdf, trusted_ca_pem=trusted_ca_pem)
