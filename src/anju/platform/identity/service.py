"""Applicants as known to the platform after sign-in."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from anju.core import crypto, idcard
from anju.core.timeutil import utcnow
from anju.platform.identity.oidc import SignInError, VerifiedIdentity
from anju.platform.models import Applicant

ID_CONTEXT = "platform.applicant.id_number"
PHONE_CONTEXT = "platform.applicant.phone"


def applicant_sign_in(
    *, session: Session, identity: VerifiedIdentity, cipher: crypto.FieldCipher, index: crypto.BlindIndex
) -> Applicant:
    """Create or refresh the applicant the provider vouched for (ID and phone encrypted at rest)."""
    try:
        number = idcard.parse(identity.id_number).number
    except idcard.InvalidIdNumber as exc:
        raise SignInError("id_number_invalid", "身份认证服务返回的身份证号码无效，请联系客服。") from exc
    bidx = index.digest(number, kind="id_number")
    applicant = session.scalar(select(Applicant).where(Applicant.subject == identity.subject))
    if applicant is None:
        # Someone who started at a kiosk signs in online for the first time: the same person, one record.
        applicant = session.scalar(
            select(Applicant).where(
                Applicant.id_number_bidx == bidx, Applicant.subject.startswith(CARD_SUBJECT_PREFIX)
            )
        )
        if applicant is not None:
            applicant.subject = identity.subject
    if applicant is None:
        applicant = Applicant(subject=identity.subject)
        session.add(applicant)
    applicant.name = identity.name
    applicant.id_number_enc = cipher.encrypt(number, context=ID_CONTEXT)
    applicant.id_number_bidx = bidx
    applicant.phone_enc = cipher.encrypt(identity.phone, context=PHONE_CONTEXT) if identity.phone else ""
    applicant.real_name_level = identity.real_name_level
    applicant.last_sign_in_at = utcnow()
    session.flush()
    return applicant


CARD_SUBJECT_PREFIX = "idcard:"  # people first known from an ID card read at a kiosk, not from 统一身份认证


def applicant_sign_in_by_card(
    *, session: Session, name: str, id_number: str, cipher: crypto.FieldCipher, index: crypto.BlindIndex
) -> Applicant:
    """The applicant behind an ID card whose holder was just checked in person: face verification at a
    kiosk or a window, or a clerk's 人证核验 at the window.

    The person is found by their ID number whichever way they signed in before, so a kiosk and the web
    show the same applications; somebody new is recorded under a card subject until they sign in online."""
    number = idcard.parse(id_number).number
    bidx = index.digest(number, kind="id_number")
    applicant = session.scalar(
        select(Applicant).where(Applicant.id_number_bidx == bidx).order_by(Applicant.last_sign_in_at.desc())
    )
    if applicant is None:
        applicant = Applicant(
            subject=f"{CARD_SUBJECT_PREFIX}{bidx[:32]}",
            id_number_enc=cipher.encrypt(number, context=ID_CONTEXT),
            id_number_bidx=bidx,
        )
        session.add(applicant)
    applicant.name = name
    applicant.real_name_level = 3  # the face matched the card's photo, or a clerk saw card and person
    applicant.last_sign_in_at = utcnow()
    session.flush()
    return applicant


def applicant_get(*, session: Session, applicant_id: int) -> Applicant | None:
    """The applicant with this id, if any."""
    return session.get(Applicant, applicant_id)


def applicant_id_number(*, applicant: Applicant, cipher: crypto.FieldCipher) -> str:
    """The applicant's ID number, decrypted (callers must not show it unmasked)."""
    return cipher.decrypt(applicant.id_number_enc, context=ID_CONTEXT)


def applicant_phone(*, applicant: Applicant, cipher: crypto.FieldCipher) -> str:
    """The applicant's phone number from the provider, decrypted."""
    return cipher.decrypt(applicant.phone_enc, context=PHONE_CONTEXT) if applicant.phone_enc else ""
