"""Progress without signing in: application number + ID number + a one-time code sent by SMS to the phone
given in the application. The answer never tells whether a number exists (same words, same work),
requests are limited per number and per address, and codes expire and allow few tries."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from anju.core import crypto, idcard
from anju.core.ratelimit import RateLimiter
from anju.core.timeutil import utcnow
from anju.platform.applications.notify import sms_enqueue, sms_templates
from anju.platform.limits import LIMITS
from anju.platform.models import APPLICATION_PHONE_CONTEXT, Applicant, Application

CODE_MINUTES = 10
CODE_TRIES = 5
# Codes asked for one application number (whoever asks) and from one address (whatever number).
PER_NUMBER = LIMITS.limits["progress_number"]
PER_ADDRESS = LIMITS.limits["progress_address"]
SENT = "如申请编号和身份证号码正确，验证码已发送至申请时填写的手机号，10 分钟内有效。"


@dataclass(frozen=True)
class Pending:
    """What the session keeps between asking for a code and entering it (the code only as a keyed hash)."""

    number: str
    code_key: str
    application_id: int | None
    expires_at: str
    tries: int = 0


def _normalised(number: str) -> str:
    return number.strip().upper()


def code_request(
    *,
    session: Session,
    index: crypto.BlindIndex,
    cipher: crypto.FieldCipher,
    outbox: Table,
    rates: RateLimiter,
    number: str,
    id_number: str,
    address: str,
    now: datetime | None = None,
) -> Pending:
    """Send a code when number and ID match; do the same work and say the same either way.

    Raises RateLimited when the number or the address asked too often (neither is then counted)."""
    now = now or utcnow()
    number_key = _normalised(number)
    rates.check(session, PER_NUMBER, number_key, now=now)
    rates.check(session, PER_ADDRESS, address, now=now)
    rates.count(session, PER_NUMBER, number_key, now=now)
    rates.count(session, PER_ADDRESS, address, now=now)
    application = _match(session=session, index=index, number=number, id_number=id_number)
    code = f"{secrets.randbelow(1_000_000):06d}"
    if application is not None and application.phone_enc:
        text = str(sms_templates()["signature"]) + str(sms_templates()["otp"]).format(
            code=code, minutes=CODE_MINUTES
        )
        sms_enqueue(
            session=session,
            outbox=outbox,
            phone=cipher.decrypt(application.phone_enc, context=APPLICATION_PHONE_CONTEXT),
            text=text,
            case_no=application.application_no or "",
            acting_user="progress-query",
        )
    session.flush()
    return Pending(
        number=_normalised(number),
        code_key=index.digest(code, kind="progress_code"),
        application_id=application.id if application else None,
        expires_at=(now + timedelta(minutes=CODE_MINUTES)).isoformat(),
    )


def _match(*, session: Session, index: crypto.BlindIndex, number: str, id_number: str) -> Application | None:
    try:
        parsed = idcard.parse(id_number)
    except idcard.InvalidIdNumber:
        return None
    return session.scalar(
        select(Application)
        .join(Applicant, Applicant.id == Application.applicant_id)
        .where(
            Application.application_no == _normalised(number),
            Applicant.id_number_bidx == index.digest(parsed.number, kind="id_number"),
        )
    )


def code_check(*, pending: Pending, code: str, index: crypto.BlindIndex, now: datetime | None = None) -> bool:
    """Whether the code opens the query (the same answer for a wrong code, an expired one, or no match)."""
    now = now or utcnow()
    if now > datetime.fromisoformat(pending.expires_at) or pending.tries >= CODE_TRIES:
        return False
    given = index.digest(code.strip(), kind="progress_code")
    return hmac.compare_digest(given, pending.code_key) and pending.application_id is not None
