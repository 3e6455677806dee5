"""Telling the applicant by SMS when the case changes status (templates in sms.yaml), via the outbox."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Table
from sqlalchemy.orm import Session

from anju.core import crypto, masking
from anju.core.outbox import outbox_enqueue
from anju.core.vocab import status_label
from anju.platform.models import APPLICATION_PHONE_CONTEXT, Application, ApplicationEvent

TEMPLATES_FILE = Path(__file__).with_name("sms.yaml")
SMS_SYSTEM = "sandbox"  # the SMS gateway (the province's SMS platform, in production)
SMS_PATH = "/v1/sms/messages"
SMS_PURPOSE = "办件状态短信告知申请人"
PHONE_CONTEXT = APPLICATION_PHONE_CONTEXT


@lru_cache(maxsize=1)
def sms_templates() -> dict[str, Any]:
    """The template file, as data."""
    data: dict[str, Any] = yaml.safe_load(TEMPLATES_FILE.read_text(encoding="utf-8"))
    return data


def sms_text(*, status: str, case_no: str, due_on: str = "") -> str | None:
    """The message for a status (None for a status the applicant is not texted about)."""
    t = sms_templates()
    if status in t.get("silent", []):
        return None
    body = str(t["statuses"].get(status, t["default"]))
    return str(t["signature"]) + body.format(
        case_no=case_no, status=status_label(status), due_on=due_on or "期限内"
    )


def sms_enqueue(
    *,
    session: Session,
    outbox: Table,
    phone: str,
    text: str,
    case_no: str = "",
    acting_user: str = "platform",
    purpose: str = SMS_PURPOSE,
) -> None:
    """Queue one text message to the SMS gateway, in the caller's transaction (the number travels
    encrypted in the outbox and is emptied once delivered)."""
    outbox_enqueue(
        session,
        outbox,
        topic="sms",
        destination=SMS_SYSTEM,
        path=SMS_PATH,
        payload={"phone": phone, "text": text},
        case_no=case_no,
        acting_user=acting_user,
        purpose=purpose,
    )


def sms_queue(
    *,
    session: Session,
    application: Application,
    event: ApplicationEvent,
    cipher: crypto.FieldCipher,
    outbox: Table,
) -> bool:
    """Queue the SMS for a newly recorded status (False when that status is not texted)."""
    text = sms_text(
        status=event.status,
        case_no=application.application_no or "",
        due_on=event.due_on.isoformat() if event.due_on else "",
    )
    if text is None or not application.phone_enc:
        return False
    sms_enqueue(
        session=session,
        outbox=outbox,
        phone=cipher.decrypt(application.phone_enc, context=PHONE_CONTEXT),
        text=text,
        case_no=application.application_no or "",
    )
    return True


def receipt_sms_queue(
    *,
    session: Session,
    application: Application,
    platform_url: str,
    cipher: crypto.FieldCipher,
    outbox: Table,
) -> str:
    """Text the application's receipt to its phone (asked for at a kiosk, instead of a download); returns
    the masked number it goes to."""
    phone = cipher.decrypt(application.phone_enc, context=PHONE_CONTEXT) if application.phone_enc else ""
    if not phone:
        raise ValueError("the application has no phone")
    t = sms_templates()
    text = str(t["signature"]) + str(t["receipt"]).format(
        case_no=application.application_no or "", link=platform_url.rstrip("/") + "/progress"
    )
    sms_enqueue(
        session=session, outbox=outbox, phone=phone, text=text, case_no=application.application_no or ""
    )
    return masking.mask_phone(phone)
