"""Inviting a co-applicant by SMS to sign in and authorise for themself (issue 24).

The applicant types the family member's mobile number; the platform texts them a link to "家人邀请我授权".
The number is not kept: it travels encrypted in the outbox (emptied once delivered) and only its masked
form stays on the member, so the applicant can see where the last invitation went. The message names the
applicant only masked, as it goes to a number nobody has verified."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Table
from sqlalchemy.orm import Session

from anju.core import crypto, masking
from anju.core.ratelimit import RateLimiter
from anju.core.refusals import Refused
from anju.core.timeutil import format_shanghai, utcnow
from anju.platform.applications.notify import sms_enqueue, sms_templates
from anju.platform.catalog.service import MOBILE
from anju.platform.consent.service import members_awaiting_consent
from anju.platform.limits import LIMITS
from anju.platform.models import Application, ApplicationMember

INVITE_PURPOSE = "短信邀请共同申请人登录授权"
MEMBERSHIPS_PATH = "/memberships"  # the co-applicant's page (家人邀请我授权); sign-in comes first
# One family member is not texted more than three times a day, and one draft not more than ten: enough to
# correct a mistyped number, not enough to pester anyone. Provisional, like every limit nobody confirmed.
PER_MEMBER = LIMITS.limits["invite_member"]
PER_DRAFT = LIMITS.limits["invite_draft"]


class InvitationError(Refused):
    """The invitation cannot be sent; ``message`` is what the applicant reads."""


@dataclass(frozen=True)
class Waiting:
    """An adult co-applicant the submission waits for, as the applicant sees them."""

    member_id: int
    name_masked: str
    relation: str
    invited_at: str  # Beijing time of the last invitation, "" if none
    invited_phone: str  # masked

    @property
    def label(self) -> str:
        return f"{self.name_masked}（{self.relation}）"


def members_waiting(*, session: Session, members: list[ApplicationMember], today: date) -> list[Waiting]:
    """The adult co-applicants who have not yet authorised, with where their last invitation went."""
    return [
        Waiting(
            member_id=m.id,
            name_masked=masking.mask_name(m.name),
            relation=m.relation,
            invited_at=format_shanghai(m.invited_at),
            invited_phone=m.invited_phone_masked,
        )
        for m in members_awaiting_consent(session=session, members=members, today=today)
    ]


def invitation_text(*, inviter_name: str, link: str) -> str:
    """The SMS: who invites (masked), what to do, where."""
    t = sms_templates()
    return str(t["signature"]) + str(t["co_applicant_invite"]).format(
        inviter=masking.mask_name(inviter_name), link=link
    )


def invitation_send(
    *,
    session: Session,
    draft: Application,
    member: ApplicationMember,
    inviter_name: str,
    phone: str,
    platform_url: str,
    cipher: crypto.FieldCipher,
    outbox: Table,
    rates: RateLimiter,
    today: date,
    now: datetime | None = None,
) -> str:
    """Text ``member`` a link to authorise; returns the masked number it went to.

    Raises InvitationError for a number that is not a mobile number, a member who no longer needs to
    authorise, or too many invitations (core.ratelimit's message)."""
    digits = re.sub(r"[\s-]", "", phone)
    if not MOBILE.match(digits):
        raise InvitationError("手机号码应为 11 位数字，以 1 开头，例如 13800000000")
    waiting = members_awaiting_consent(session=session, members=[member], today=today)
    if member.application_id != draft.id or not waiting:
        raise InvitationError("这位家庭成员不需要再授权（或已授权），无需发送邀请。")
    now = now or utcnow()
    for limit, key in ((PER_DRAFT, str(draft.id)), (PER_MEMBER, str(member.id))):
        rates.check(session, limit, key, now=now)
    for limit, key in ((PER_DRAFT, str(draft.id)), (PER_MEMBER, str(member.id))):
        rates.count(session, limit, key, now=now)
    sms_enqueue(
        session=session,
        outbox=outbox,
        phone=digits,
        text=invitation_text(inviter_name=inviter_name, link=platform_url.rstrip("/") + MEMBERSHIPS_PATH),
        purpose=INVITE_PURPOSE,
    )
    member.invited_at = now
    member.invited_phone_masked = masking.mask_phone(digits)
    session.flush()
    return member.invited_phone_masked
