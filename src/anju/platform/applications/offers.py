"""配租 as the applicant meets it: the flat housing offers, and the answer given once on the platform.
Housing holds the stock and the offer (allocation/offers.py); its answer to the reply is the same status
event the bus will deliver later, applied at once so the page shows it (idempotent)."""

from __future__ import annotations

from typing import Any

import httpx

from anju.core.crypto import FieldCipher
from anju.core.db import Database
from anju.core.httpclient import PeerResponseError, SignedClient
from anju.platform.applications import signed
from anju.platform.applications.notices import NoticeUnavailable, housing_get
from anju.platform.applications.schemas import StatusEvent
from anju.platform.applications.service import status_event_apply
from anju.platform.models import Application

OFFER_PATH = "/v1/offers/{city_code}/{case_no}"
TENANCY_PATH = "/v1/tenancies/{city_code}/{case_no}"
PURPOSE = "申请人确认配租房源"


class AnswerFailed(Exception):
    """The answer did not reach housing; ``message`` is for the applicant (nothing changed)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _housing_view(
    *, client: SignedClient, application: Application, path: str, purpose: str, unavailable: str, user: str
) -> dict[str, Any] | None:
    """What housing says about this case at ``path`` (formatted with city_code and case_no): the answer,
    {"error": …} when housing cannot say, None when it has nothing (404)."""
    number = str(application.application_no)
    try:
        found: dict[str, Any] = housing_get(
            client=client,
            path=path.format(city_code=application.city_code, case_no=number),
            purpose=purpose,
            unavailable=unavailable,
            user=user,
            case=number,
        )
    except NoticeUnavailable as exc:
        return None if exc.code == "not_found" else {"error": exc.message}
    return found


def offer_fetch(*, client: SignedClient, application: Application, user: str) -> dict[str, Any] | None:
    """The flat offered to this household now, {"error": …} when housing cannot say, None when none."""
    if application.status != "offered" or application.application_no is None:
        return None
    unavailable = "暂时无法查询配租房源，请稍后再试，或联系住房保障部门。"
    return _housing_view(
        client=client,
        application=application,
        path=OFFER_PATH,
        purpose=PURPOSE,
        unavailable=unavailable,
        user=user,
    )


def offer_reply(
    *,
    db: Database,
    client: SignedClient,
    cipher: FieldCipher,
    outbox: Any,
    application: Application,
    accept: bool,
    reason: str,
    user: str,
) -> Application:
    """Send the applicant's answer to housing and record the status it answers with (raises AnswerFailed)."""
    number = str(application.application_no)
    try:
        response = client.request(
            method="POST",
            destination="housing",
            path=OFFER_PATH.format(city_code=application.city_code, case_no=number) + "/answer",
            payload={"accept": accept, "reason": " ".join(reason.split())[:200]},
            user=user,
            purpose=PURPOSE,
            case=number,
        )
    except (httpx.HTTPError, PeerResponseError) as exc:
        raise AnswerFailed("暂时无法连接住房保障部门，您的答复没有送达，请稍后再试。") from exc
    if response.status_code == 404:
        raise AnswerFailed("这件申请已没有待确认的配租房源（可能已逾期或已撤回），请刷新页面查看。")
    if response.status_code != 200:
        raise AnswerFailed("住房保障部门暂时无法办理，您的答复没有送达，请稍后再试。")
    event = StatusEvent.model_validate(response.json())
    with db.transaction() as session:
        return status_event_apply(
            session=session,
            event=event,
            message_id=f"offer-{number}-{event.seq}",
            cipher=cipher,
            outbox=outbox,
        )


TENANCY_STATUSES = frozenset(
    {"allocated", "closed", "reverifying", "exiting", "exited"}
)  # from the accepted offer on


def tenancy_fetch(*, client: SignedClient, application: Application, user: str) -> dict[str, Any] | None:
    """The tenancy of a household that accepted its flat — rent, subsidy, what it pays, the next 年审 —
    {"error": …} when housing cannot say, None before there is one."""
    if application.status not in TENANCY_STATUSES or application.application_no is None:
        return None
    return _housing_view(
        client=client,
        application=application,
        path=TENANCY_PATH,
        purpose="承租人查看本人租赁信息",
        unavailable="暂时无法查询租赁信息，请稍后再试。",
        user=user,
    )


REVIEW_PATH = "/v1/reviews/{city_code}/{case_no}"
REVIEW_PURPOSE = "承租人查看年审结果并作出说明"


def review_fetch(*, client: SignedClient, application: Application, user: str) -> dict[str, Any] | None:
    """What the latest 年审 found, while a reviewer has it ({"error": …} when housing cannot say)."""
    if application.status != "reverifying" or application.application_no is None:
        return None
    return _housing_view(
        client=client,
        application=application,
        path=REVIEW_PATH,
        purpose=REVIEW_PURPOSE,
        unavailable="暂时无法查询年审结果，请稍后再试，或联系住房保障部门。",
        user=user,
    )


def review_explain(*, client: SignedClient, application: Application, text: str, user: str) -> None:
    """Send the tenant's explanation to housing (raises AnswerFailed with what to tell them)."""
    number = str(application.application_no)
    text = " ".join(text.split())
    try:
        response = client.request(
            method="POST",
            destination="housing",
            path=REVIEW_PATH.format(city_code=application.city_code, case_no=number) + "/explanation",
            payload={"text": text[:500]},
            user=user,
            purpose=REVIEW_PURPOSE,
            case=number,
        )
    except (httpx.HTTPError, PeerResponseError) as exc:
        raise AnswerFailed("暂时无法连接住房保障部门，您的说明没有送达，请稍后再试。") from exc
    if response.status_code in (404, 409):
        raise AnswerFailed("这次年审已由工作人员核实，不能再提交说明，请刷新页面查看。")
    if response.status_code != 200:
        raise AnswerFailed("住房保障部门暂时无法接收，您的说明没有送达，请稍后再试。")


LEASE_PURPOSE = "承租人签署公共租赁住房租赁合同"


def lease_sign(
    *, client: SignedClient, application: Application, signer_name: str, signer_id_number: str, user: str
) -> None:
    """The tenant signs the contract housing wrote, exactly as housing holds it, with the e-signature
    service; housing checks the signature and issues the contract under its seal (raises AnswerFailed)."""
    tenancy = tenancy_fetch(client=client, application=application, user=user)
    lease = (tenancy or {}).get("lease")
    if not lease or "error" in (tenancy or {}):
        raise AnswerFailed("暂时无法取得租赁合同，请稍后再试。")
    if lease["signed"]:
        raise AnswerFailed("租赁合同已经签署。")
    number = str(application.application_no)
    document = signed.Unsigned(kind=lease["kind"], title=lease["title"], content=lease["content"].encode())
    try:
        (signature,) = signed.documents_sign(
            client=client,
            documents=[document],
            signer_name=signer_name,
            signer_id_number=signer_id_number,
            user=user,
            case=number,
        )
        response = client.request(
            method="POST",
            destination="housing",
            path=TENANCY_PATH.format(city_code=application.city_code, case_no=number) + "/lease",
            payload={"signature": signature.as_dict()},
            user=user,
            purpose=LEASE_PURPOSE,
            case=number,
        )
    except signed.EsignFailed as exc:
        raise AnswerFailed(f"{exc.message}租赁合同没有签署，请稍后再试。") from exc
    except (httpx.HTTPError, PeerResponseError) as exc:
        raise AnswerFailed("暂时无法连接住房保障部门，租赁合同没有签署，请稍后再试。") from exc
    if response.status_code == 409:
        raise AnswerFailed(str(response.json()["error"]["message"]))
    if response.status_code != 200:
        raise AnswerFailed("住房保障部门暂时无法办理，租赁合同没有签署，请稍后再试。")
