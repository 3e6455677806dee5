"""Applications: validation, submission (with the case queued to housing), status from the bus."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import httpx
from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from anju.core import crypto, regions
from anju.core.db import Database
from anju.core.httpclient import PeerResponseError, SignedClient
from anju.core.masking import mask_name
from anju.core.outbox import outbox_enqueue
from anju.core.timeutil import shanghai_date, utcnow
from anju.core.vocab import APPLICANT_GROUP_LABELS, CASE_STATUS_LABELS
from anju.platform.applications import household
from anju.platform.applications.notify import sms_queue, sms_templates
from anju.platform.applications.schemas import StatusEvent
from anju.platform.applications.signed import signed_documents_of
from anju.platform.backfill.service import MEMBER_ID_CONTEXT, backfill_preview, proofs_of
from anju.platform.consent.service import members_awaiting_consent
from anju.platform.identity.service import applicant_id_number
from anju.platform.models import (
    APPLICATION_PHONE_CONTEXT,
    Applicant,
    Application,
    ApplicationCounter,
    ApplicationEvent,
    ProofUpload,
)

PHONE_CONTEXT = APPLICATION_PHONE_CONTEXT
MOBILE = re.compile(r"^1[3-9]\d{9}$")
CASE_INTAKE_PATH = "/v1/cases"
SUBMIT_PURPOSE = "申请公租房：向住房保障部门提交申请"


@dataclass
class ApplicationForm:
    """The answers of the (interim) application form, as typed."""

    city_code: str = ""
    district_code: str = ""
    applicant_group: str = ""
    household_size: str = ""
    phone: str = ""
    address: str = ""
    pledge: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Values for re-rendering the form."""
        return dict(self.__dict__)


@dataclass
class FormErrors:
    """Field → message, in the order the fields appear on the page."""

    fields: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.fields)


def application_validate(form: ApplicationForm) -> FormErrors:
    """Every problem with the answers, each said so the applicant knows how to fix it."""
    errors: dict[str, str] = {}
    if not form.city_code:
        errors["city_code"] = "请选择申请的设区市或平潭综合实验区"
    elif not regions.is_jurisdiction(form.city_code):
        errors["city_code"] = "所选地区不受理公租房申请，请重新选择"
    if not form.district_code:
        errors["district_code"] = "请选择现居住或工作所在的县（市、区）"
    elif form.city_code and "city_code" not in errors:
        allowed = {r.code for r in regions.counties_of(form.city_code)}
        if form.district_code not in allowed:
            errors["district_code"] = "所选县（市、区）不属于申请的城市，请重新选择"
    if form.applicant_group not in APPLICANT_GROUP_LABELS:
        errors["applicant_group"] = "请选择申请人类别"
    size = form.household_size.strip()
    if not size:
        errors["household_size"] = "请填写共同申请的家庭人口数"
    elif not size.isdigit() or not 1 <= int(size) <= 20:
        errors["household_size"] = "家庭人口数应为 1 到 20 之间的整数，例如 3"
    phone = form.phone.strip().replace(" ", "")
    if not phone:
        errors["phone"] = "请填写联系电话，用于接收办理进度短信"
    elif not MOBILE.match(phone):
        errors["phone"] = "手机号码应为 11 位数字，以 1 开头，例如 13800000000"
    address = form.address.strip()
    if len(address) < 5:
        errors["address"] = "请填写现居住地址，写到门牌号，例如 鼓楼区五四路 123 号"
    elif len(address) > 200:
        errors["address"] = "现居住地址不能超过 200 个字"
    if not form.pledge:
        errors["pledge"] = "提交前请阅读并勾选诚信承诺"
    return FormErrors(errors)


def _next_sequence(session: Session, *, city_code: str, day: date) -> int:
    dialect = session.get_bind().dialect.name
    table: Table = ApplicationCounter.__table__  # type: ignore[assignment]
    insert: Any = (postgresql if dialect == "postgresql" else sqlite).insert(table)
    stmt = (
        insert.values(city_code=city_code, day=day, last=1, created_at=utcnow())
        .on_conflict_do_update(index_elements=["city_code", "day"], set_={"last": table.c.last + 1})
        .returning(table.c.last)
    )
    return int(session.execute(stmt).scalar_one())


def application_number(*, city_code: str, day: date, sequence: int) -> str:
    """A readable, unique application number: GZF-350100-20261127-000123 (≤ 50 characters)."""
    return f"GZF-{city_code}-{day:%Y%m%d}-{sequence:06d}"


class SubmissionRefused(Exception):
    """The applicant may not submit yet (e.g. real-name level too low)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def submission_allowed(*, applicant: Applicant, min_real_name_level: int) -> bool:
    """Whether this sign-in reached the level submission needs (through the provider or 人脸识别 here)."""
    return applicant.real_name_level >= min_real_name_level


def submission_precheck(*, applicant: Applicant, min_real_name_level: int) -> None:
    """Refuse early what would be refused at submission (so nobody signs what cannot be sent)."""
    if not submission_allowed(applicant=applicant, min_real_name_level=min_real_name_level):
        raise SubmissionRefused(
            "real_name_level_too_low",
            "提交申请需要完成人脸识别（高级实名认证）。请点击“进行人脸识别”，或在统一身份认证平台完成人脸识别后重新登录。",
        )


def household_consents_precheck(*, session: Session, draft: Application, today: date) -> None:
    """Refuse to sign or submit while an adult co-applicant has not authorised for themself: their register
    data would be queried, and the application signed, without their own consent."""
    members = household.members_of(session=session, application_id=draft.id)
    waiting = members_awaiting_consent(session=session, members=members, today=today)
    if waiting:
        names = "、".join(f"{mask_name(m.name)}（{m.relation}）" for m in waiting)
        raise SubmissionRefused(
            "co_applicant_consent_missing",
            f"还需要{names}本人登录本平台，在首页“家人邀请我授权”中授权，之后才能提交申请。",
        )


def application_submit(
    *,
    session: Session,
    applicant: Applicant,
    form: ApplicationForm,
    cipher: crypto.FieldCipher,
    outbox: Table,
    min_real_name_level: int,
    channel: str = "web",
    draft: Application | None = None,
) -> Application:
    """Submit: number the application, record 已提交, and queue the case to housing — one transaction."""
    submission_precheck(applicant=applicant, min_real_name_level=min_real_name_level)
    if draft is not None:
        household_consents_precheck(session=session, draft=draft, today=shanghai_date(utcnow()))
    errors = application_validate(form)
    if errors:
        raise ValueError(f"invalid form: {sorted(errors.fields)}")
    now = utcnow()
    day = shanghai_date(now)
    number = application_number(
        city_code=form.city_code, day=day, sequence=_next_sequence(session, city_code=form.city_code, day=day)
    )
    phone = form.phone.strip().replace(" ", "")
    application = draft or Application(applicant_id=applicant.id)
    if application.applicant_id != applicant.id or (draft is not None and draft.status != "draft"):
        raise SubmissionRefused("not_your_draft", "这份申请不是您的草稿，或已经提交。")
    application.application_no = number
    application.city_code = form.city_code
    application.district_code = form.district_code
    application.applicant_group = form.applicant_group
    application.household_size = int(form.household_size)
    application.phone_enc = cipher.encrypt(phone, context=PHONE_CONTEXT)
    application.address = form.address.strip()
    application.channel = channel
    application.status = "submitted"
    application.status_seq = 0
    application.submitted_at = now
    session.add(application)
    session.flush()
    session.add(
        ApplicationEvent(
            application_id=application.id,
            source="platform",
            seq=0,
            status="submitted",
            occurred_at=now,
            office="福建省公租房申请集成化办理平台",
        )
    )
    outbox_enqueue(
        session,
        outbox,
        topic="case.submitted",
        destination="housing",
        path=CASE_INTAKE_PATH,
        payload=case_payload(
            session=session, application=application, applicant=applicant, cipher=cipher, phone=phone
        ),
        case_no=number,
        acting_user=applicant.subject,
        purpose=SUBMIT_PURPOSE,
    )
    return application


def case_payload(
    *,
    session: Session,
    application: Application,
    applicant: Applicant,
    cipher: crypto.FieldCipher,
    phone: str,
) -> dict[str, Any]:
    """The case as housing's intake API expects it (docs/interfaces/housing-intake.openapi.json)."""
    assert application.submitted_at is not None
    return {
        "case_no": application.application_no,
        "city_code": application.city_code,
        "district_code": application.district_code,
        "channel": application.channel,
        "submitted_at": application.submitted_at.isoformat(),
        "household": household_payload(session=session, application=application, cipher=cipher),
        "signed_documents": [
            {
                "kind": d.kind,
                "title": d.title,
                "content": d.content.decode(),
                "signature": d.signature.as_dict(),
            }
            for d in signed_documents_of(session=session, application_id=application.id, cipher=cipher)
        ],
        "evidence": evidence_payload(session=session, application=application, cipher=cipher),
        # The form's 其他证明材料, a 帮办代办's 委托书 or proof of guardianship, a window's handwritten signature.
        "other_proofs": [
            proof_payload(p)
            for purpose in ("other", "agency", "signature")
            for p in proofs_of(session=session, application_id=application.id, purpose=purpose)
        ],
        "applicant": {
            "name": applicant.name,
            "id_number": applicant_id_number(applicant=applicant, cipher=cipher),
            "phone": phone,
            "real_name_level": applicant.real_name_level,
        },
        "applicant_group": application.applicant_group,
        "household_size": application.household_size,
        "address": application.address,
    }


def household_payload(
    *, session: Session, application: Application, cipher: crypto.FieldCipher
) -> list[dict[str, Any]]:
    """The household as submitted: who applies with whom."""
    return [
        {
            "role": m.role,
            "relation": m.relation,
            "name": m.name,
            "id_number": cipher.decrypt(m.id_number_enc, context=MEMBER_ID_CONTEXT),
            "birth_date": m.birth_date.isoformat(),
        }
        for m in household.members_of(session=session, application_id=application.id)
    ]


def evidence_payload(
    *, session: Session, application: Application, cipher: crypto.FieldCipher
) -> list[dict[str, Any]]:
    """What each register said about each member, with provenance and the applicant's confirmation or dispute."""
    members = {m.id: m for m in household.members_of(session=session, application_id=application.id)}
    items = backfill_preview(session=session, application_id=application.id, cipher=cipher)
    proofs: dict[tuple[int | None, str], list[dict[str, Any]]] = {}
    for p in proofs_of(session=session, application_id=application.id, purpose="register"):
        proofs.setdefault((p.member_id, p.source), []).append(proof_payload(p))
    return [
        {
            "id_number": cipher.decrypt(members[i.member_id].id_number_enc, context=MEMBER_ID_CONTEXT),
            "source": i.source,
            "status": i.status,
            "fields": i.fields,
            "request_id": i.request_id,
            "fetched_at": i.fetched_at.isoformat(),
            "review": i.review,
            "review_reason": i.review_reason,
            "proofs": proofs.get((i.member_id, i.source), []),
        }
        for i in items
        if i.member_id in members
    ]


def proof_payload(proof: ProofUpload) -> dict[str, Any]:
    """A file as housing's intake takes it (docs/interfaces/housing-intake.openapi.json, Proof): declared
    by name, type, size and SM3; housing fetches the bytes by reference (decision 0035, submitted_proof)."""
    return {
        "filename": proof.filename,
        "content_type": proof.content_type,
        "size": proof.size_bytes,
        "sm3": proof.digest,
    }


def submitted_proof(*, session: Session, application_no: str, sm3: str) -> ProofUpload | None:
    """A file of a submitted application, by the digest its case declared (for housing's fetch); None for
    a draft's file or a digest the application does not carry."""
    return session.scalars(
        select(ProofUpload)
        .join(Application, Application.id == ProofUpload.application_id)
        .where(Application.application_no == application_no, ProofUpload.digest == sm3)
        .order_by(ProofUpload.id)
        .limit(1)
    ).first()


def applications_of(*, session: Session, applicant_id: int) -> list[Application]:
    """The applicant's submitted applications, newest first (drafts are not applications yet)."""
    return list(
        session.scalars(
            select(Application)
            .where(Application.applicant_id == applicant_id, Application.application_no.is_not(None))
            .order_by(Application.id.desc())
        )
    )


def application_get_for(*, session: Session, applicant_id: int, application_no: str) -> Application | None:
    """One of the applicant's own applications (None for anybody else's: no enumeration)."""
    return session.scalar(
        select(Application).where(
            Application.application_no == application_no, Application.applicant_id == applicant_id
        )
    )


def application_timeline(*, session: Session, application: Application) -> list[ApplicationEvent]:
    """Every status the applicant has been told, in the order it happened."""
    return list(
        session.scalars(
            select(ApplicationEvent)
            .where(ApplicationEvent.application_id == application.id)
            .order_by(ApplicationEvent.occurred_at, ApplicationEvent.source.desc(), ApplicationEvent.seq)
        )
    )


class UnknownCase(Exception):
    """A status event named a case the platform never submitted."""


def status_event_apply(
    *, session: Session, event: StatusEvent, message_id: str, cipher: crypto.FieldCipher, outbox: Table
) -> Application:
    """Record a status change from housing; the latest event by sequence decides the current status."""
    if event.status not in CASE_STATUS_LABELS:
        raise ValueError(f"unknown status {event.status}")
    application = session.scalar(
        select(Application).where(Application.application_no == event.case_no).with_for_update()
    )
    if application is None:
        raise UnknownCase(event.case_no)
    exists = session.scalar(
        select(ApplicationEvent.id).where(
            ApplicationEvent.application_id == application.id,
            ApplicationEvent.source == "housing",
            ApplicationEvent.seq == event.seq,
        )
    )
    if exists is None:
        recorded = ApplicationEvent(
            application_id=application.id,
            source="housing",
            seq=event.seq,
            status=event.status,
            office=event.office,
            reason=event.reason,
            due_on=event.due_on,
            due_note=event.due_note,
            document=event.document,
            event=event.event,
            message_id=message_id,
            occurred_at=_aware(event.occurred_at),
        )
        session.add(recorded)
        if event.event not in sms_templates().get("silent_events", []):
            sms_queue(session=session, application=application, event=recorded, cipher=cipher, outbox=outbox)
    if event.seq > application.status_seq:
        application.status = event.status
        application.status_seq = event.seq
    return application


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


WITHDRAWAL_PATH = "/v1/cases/{case_no}/withdrawal"
WITHDRAWAL_PURPOSE = "申请公租房：申请人撤回申请"
WITHDRAWABLE = frozenset({"submitted"})  # before acceptance (housing decides; this only hides the button)


class WithdrawalFailed(Exception):
    """Housing did not withdraw the case; ``message`` tells the applicant what to do."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def application_withdraw(
    *,
    db: Database,
    client: SignedClient,
    applicant_id: int,
    application_no: str,
    reason: str,
    cipher: crypto.FieldCipher,
    outbox: Table,
) -> Application:
    """Ask housing to withdraw the case (a signed call the applicant waits for), then record its answer.

    Housing's answer is the same status event the bus will deliver later; applying it now is idempotent.
    """
    reason = " ".join(reason.split())[:200]
    with db.transaction() as session:
        application = application_get_for(
            session=session, applicant_id=applicant_id, application_no=application_no
        )
        if application is None:
            raise WithdrawalFailed("not_found", "没有找到您名下的这件申请。")
        if application.status not in WITHDRAWABLE:
            raise WithdrawalFailed("not_withdrawable", "这件申请当前的状态不能在线撤回。")
        applicant = session.get(Applicant, applicant_id)
        assert applicant is not None
        subject = applicant.subject
    try:
        response = client.request(
            method="POST",
            destination="housing",
            path=WITHDRAWAL_PATH.format(case_no=application_no),
            payload={"reason": reason},
            user=subject,
            purpose=WITHDRAWAL_PURPOSE,
            case=application_no,
        )
    except (httpx.HTTPError, PeerResponseError) as exc:
        raise WithdrawalFailed(
            "housing_unreachable", "暂时无法连接住房保障部门，申请没有撤回，请稍后再试。"
        ) from exc
    if response.status_code == 404:
        raise WithdrawalFailed("not_delivered_yet", "您的申请正在送往住房保障部门，请几分钟后再撤回。")
    if response.status_code == 409:
        raise WithdrawalFailed("already_accepted", str(response.json()["error"]["message"]))
    if response.status_code != 200:
        raise WithdrawalFailed("housing_error", "住房保障部门暂时无法办理撤回，请稍后再试。")
    event = StatusEvent.model_validate(response.json())
    with db.transaction() as session:
        return status_event_apply(
            session=session,
            event=event,
            message_id=f"withdrawal-{application_no}",
            cipher=cipher,
            outbox=outbox,
        )
