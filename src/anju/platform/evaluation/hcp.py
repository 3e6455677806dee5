"""The platform's adapter to Fujian's provincial 好差评 system (standards.md §5.3, decision 0032).

Ratings leave through the outbox to the destination ``hcp``; this adapter delivers them instead of the
signed-JSON client: a token from the API gateway (kept until a minute before it runs out, fetched again
once when the gateway calls it stale), then the SOAP method with the rating as an SM4-encrypted GB2312
``<Case>`` (core/hcpwire.py). A rating the province refuses is final (dead letter, for an operator); a
gateway that does not answer is tried again by the outbox's rule.

The province also sets 差评整改 tasks for bad ratings. ``tasks_pull`` fetches them, links each to our
rating by its 办件编号, and queues the office's rectification back as soon as the office has followed the
rating up — now, if it already has, or when housing reports it (``rectification_queue``).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

import httpx
from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from anju.core import crypto, hcpwire
from anju.core.db import Database
from anju.core.outbox import DeliveryResult, OutboxMessage, outbox_enqueue
from anju.core.settings import Settings
from anju.core.timeutil import to_shanghai, utcnow
from anju.platform.identity import service as identity
from anju.platform.models import Applicant, Application, Evaluation, HcpTask

DESTINATION = "hcp"  # the outbox destination this adapter delivers
REPORT = hcpwire.METHODS["report"]
RECTIFY = hcpwire.PROVISIONAL["methods"]["rectify"]
TASKS = hcpwire.PROVISIONAL["methods"]["tasks"]
FINAL_CODES = {c for k, c in hcpwire.PROVISIONAL["codes"].items() if k != "ok"}
TOKEN_SPARE_SECONDS = 60  # fetch a new token this long before the old one runs out
RECTIFY_RESULTS = {"rectified": "1", "explained": "2"}  # 整改 / 解释说明 (provisional codes)


class HcpUnavailable(Exception):
    """The gateway did not answer, or answered with something other than the protocol."""


class HcpRefused(Exception):
    """The province refused a message; ``code`` and ``message`` are its own."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass
class HcpGateway:
    """The province's 好差评 API gateway as our app is registered with it."""

    base: str
    app_key: str
    app_secret: str
    sys_no: str
    timeout: float = 10.0
    _token: tuple[str, float] | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> HcpGateway:
        """The gateway the settings name (the sandbox's stand-in by default): one per configuration in a
        process, so the outbox's deliveries and the task pulls share its token."""
        return _gateway(
            settings.hcp_base(),
            settings.hcp_app_key,
            settings.hcp_app_secret.get_secret_value(),
            settings.hcp_sys_no,
        )

    def _fetch_token(self, client: httpx.Client) -> tuple[str, float]:
        stamp = str(int(time.time() * 1000))
        params = {
            "app_key": self.app_key,
            "timestamp": stamp,
            "sign": hcpwire.token_sign(self.app_secret, stamp),
        }
        response = client.get(self.base + hcpwire.TOKEN_PATH, params=params)
        body = (
            response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
        )
        if response.status_code != 200 or not body.get("access_token"):
            raise HcpRefused(
                str(body.get("code", response.status_code)), str(body.get("message", "取令牌失败"))
            )
        return str(body["access_token"]), time.monotonic() + int(
            body.get("expires_in", 3600)
        ) - TOKEN_SPARE_SECONDS

    def token(self, client: httpx.Client, *, fresh: bool = False) -> str:
        """A token the gateway should still accept (fetched when there is none, it is old, or ``fresh``)."""
        with self._lock:
            if fresh or self._token is None or self._token[1] <= time.monotonic():
                self._token = self._fetch_token(client)
            return self._token[0]

    def call(self, method: str, fields: dict[str, str]) -> dict[str, Any]:
        """Call one method with a ``<Case>`` of ``fields`` (our sysNO first); its answer's data, or raise
        HcpRefused (the province said no) or HcpUnavailable (no usable answer)."""
        xml_str = hcpwire.sm4_encrypt(hcpwire.case_xml({"sysNO": self.sys_no, **fields}), self.app_secret)
        try:
            with httpx.Client(timeout=self.timeout) as client:
                for attempt in (1, 2):
                    request = hcpwire.envelope(
                        method,
                        token=self.token(client, fresh=attempt == 2),
                        app_key=self.app_key,
                        xml_str=xml_str,
                    )
                    response = client.post(
                        self.base + hcpwire.SERVICE_PATH.format(method=method),
                        content=request,
                        headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{method}"'},
                    )
                    code, message, data = hcpwire.answer_read(response.content)
                    if not (code == "fault" and hcpwire.TOKEN_INVALID in message):
                        break
        except (httpx.HTTPError, ValueError) as exc:
            raise HcpUnavailable(f"{type(exc).__name__}: {exc}") from exc
        if code == hcpwire.OK:
            return data
        if code in FINAL_CODES:
            raise HcpRefused(code, message)
        raise HcpUnavailable(f"{code}: {message}")

    def deliver(self, message: OutboxMessage) -> DeliveryResult:
        """Outbox sender for the destination ``hcp``: the message's path is the method."""
        try:
            self.call(message.path, {k: str(v) for k, v in message.payload.items()})
        except HcpRefused as exc:
            return DeliveryResult(
                ok=False, retryable=False, status_code=422, error=f"{exc.code} {exc.message}"[:2000]
            )
        except HcpUnavailable as exc:
            return DeliveryResult.network_error(str(exc))
        return DeliveryResult(ok=True, status_code=200)


@lru_cache(maxsize=8)
def _gateway(base: str, app_key: str, app_secret: str, sys_no: str) -> HcpGateway:
    return HcpGateway(base=base, app_key=app_key, app_secret=app_secret, sys_no=sys_no)


def _time(moment: Any) -> str:
    return f"{to_shanghai(moment):%Y-%m-%d %H:%M:%S}" if moment else ""


def rating_case(
    *,
    application: Application,
    applicant: Applicant,
    id_number: str,
    office: str,
    final: bool,
    accepted_at: Any,
    rating: dict[str, Any],
) -> dict[str, str]:
    """The ``<Case>`` fields of one rating: Fujian's observed fields and the national rating fields
    (standards.md §5.2–5.3), in that order; ``rating`` holds pf, satisfaction, evalDetail, writingEvaluation,
    assessTime and assessNumber."""
    return {
        "businessCode": "",  # 省网事项编码: assigned by the province's item library (provisional: empty)
        "businessName": "申请公租房一件事",
        "projectNo": application.application_no or "",
        "proStatus": "3" if final else "2",
        "projectName": "公共租赁住房申请",
        "regionCode": application.city_code + "000000",
        "acceptDate": _time(accepted_at),
        "userProp": "1",
        "userName": applicant.name,
        "userPageType": "111",
        "certKey": id_number,
        "handleUserName": office,
        "serviceTime": rating["assessTime"],
        **{k: str(v) for k, v in rating.items()},
    }


def rater_of(
    *, session: Session, application: Application, cipher: crypto.FieldCipher
) -> tuple[Applicant, str]:
    """Who rated: the applicant and their ID number (decrypted for the province's real-name field)."""
    applicant = session.get(Applicant, application.applicant_id)
    assert applicant is not None
    return applicant, identity.applicant_id_number(applicant=applicant, cipher=cipher)


# --------------------------------------------------------------------------------------------------
# 差评整改 tasks


@dataclass
class TaskPull:
    """What one pull of the province's task list found."""

    received: list[str] = field(default_factory=list)  # task ids new to us
    unmatched: list[str] = field(
        default_factory=list
    )  # of those, tasks for a 办件编号 with no bad rating here
    reported: list[str] = field(default_factory=list)  # rectifications queued back in this pull


def _rectify_fields(task: HcpTask, evaluation: Evaluation, office: str) -> dict[str, str]:
    return {
        "taskId": task.task_id,
        "projectNo": task.project_no,
        "evaluateUnid": task.evaluate_unid,
        "rectifyResult": RECTIFY_RESULTS.get(evaluation.follow_up_action, "2"),
        "rectifyContent": evaluation.follow_up_finding,
        "handleUserName": office,
        "rectifyTime": _time(evaluation.follow_up_at),
    }


def rectification_queue(*, session: Session, evaluation: Evaluation, outbox: Table, office: str) -> list[str]:
    """Queue the office's follow-up back to the province for every task of this rating not yet answered
    (nothing before the office has followed it up); returns the task ids queued."""
    if evaluation.follow_up_at is None:
        return []
    queued = []
    for task in session.scalars(
        select(HcpTask).where(HcpTask.evaluation_id == evaluation.id, HcpTask.reported_at.is_(None))
    ):
        outbox_enqueue(
            session,
            outbox,
            topic="hcp.rectify",
            destination=DESTINATION,
            path=RECTIFY,
            payload=_rectify_fields(task, evaluation, office),
            case_no=task.project_no,
            acting_user="platform",
            purpose="好差评：差评整改结果报省好差评系统",
        )
        task.reported_at = utcnow()
        queued.append(task.task_id)
    return queued


def _bad_rating(session: Session, project_no: str, bad_at_most: int) -> Evaluation | None:
    return session.scalar(
        select(Evaluation)
        .join(Application, Application.id == Evaluation.application_id)
        .where(Application.application_no == project_no, Evaluation.overall <= bad_at_most)
        .order_by(Evaluation.id)
    )


def tasks_pull(
    *, db: Database, gateway: HcpGateway, outbox: Table, bad_at_most: int, office_of: Any
) -> TaskPull:
    """Fetch the province's open 差评整改 tasks, keep the new ones linked to our ratings, and queue back
    the rectification of any whose rating the office has already followed up (raises HcpUnavailable or
    HcpRefused when the list could not be had)."""
    listed = gateway.call(TASKS, {}).get("tasks") or []
    pull = TaskPull()
    with db.transaction() as session:
        for entry in listed if isinstance(listed, list) else []:
            task_id = str(entry.get("taskId", ""))[:64]
            if not task_id or session.scalar(select(HcpTask.id).where(HcpTask.task_id == task_id)):
                continue
            project_no = str(entry.get("projectNo", ""))[:50]
            rating = _bad_rating(session, project_no, bad_at_most)
            task = HcpTask(
                task_id=task_id,
                project_no=project_no,
                evaluate_unid=str(entry.get("evaluateUnid", ""))[:64],
                evaluation_id=rating.id if rating else None,
                due_on=_date(entry.get("deadline", "")),
            )
            session.add(task)
            session.flush()
            pull.received.append(task_id)
            if rating is None:
                pull.unmatched.append(task_id)
            else:
                pull.reported += rectification_queue(
                    session=session, evaluation=rating, outbox=outbox, office=office_of(rating.city_code)
                )
    return pull


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(str(text)[:10])
    except ValueError:
        return None
