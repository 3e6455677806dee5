"""Signing a person in by their ID card and their face (人证核验), as one service for every channel where
the card is in front of us: the self-service kiosk now, the counter next (issue 16). Where the card was
read — a registered terminal's reader, a window's reader — is the channel's business; from a card
holder's name and number and a photo, this checks the face with the province, logs the check on the
holder's data log, and finds or creates the applicant (decision 0017)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from anju.core import crypto
from anju.core.audit import AuditChain
from anju.core.db import Database
from anju.core.httpclient import SignedClient
from anju.core.ratelimit import Limit, RateLimited, RateLimiter
from anju.core.runtime import Runtime
from anju.platform.backfill.sources import source_list
from anju.platform.identity import faceauth
from anju.platform.identity import service as identity
from anju.platform.models import DataAccessLog

# One answer for a face that does not match and a name that does not go with the number, so nobody can
# use a card-and-face sign-in to learn whose number a name is.
IDENTITY_NOT_CONFIRMED = (
    "人证核验未通过。请确认放置的是本人的身份证，在光线充足处正对摄像头，摘下帽子和口罩后重试；"
    "多次未通过的，请到办事窗口办理。"
)
NOT_AGREED = "请阅读告知，勾选单独同意后再进行人脸识别。"
NO_PHOTO = "请正对摄像头拍照。"


class CardFaceRefused(Exception):
    """Not signed in: what the person reads, and the HTTP status that says it."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message, self.status = message, status


@dataclass(frozen=True)
class CardHolder:
    """The holder of a card a trusted reader read (name and number as on the card)."""

    name: str
    id_number: str


@dataclass(frozen=True)
class IdentitySystem:
    """What the check needs of the platform."""

    db: Database
    client: SignedClient
    audit: AuditChain
    cipher: crypto.FieldCipher
    index: crypto.BlindIndex
    rates: RateLimiter

    @classmethod
    def of(cls, runtime: Runtime) -> IdentitySystem:
        """The platform's own, from its runtime."""
        return cls(
            db=runtime.db,
            client=runtime.client,
            audit=runtime.audit,
            cipher=runtime.cipher,
            index=runtime.blind_index,
            rates=runtime.rates,
        )


def _card_holder_applicant(session: Session, system: IdentitySystem, holder: CardHolder) -> int:
    applicant = identity.applicant_sign_in_by_card(
        session=session,
        name=holder.name,
        id_number=holder.id_number,
        cipher=system.cipher,
        index=system.index,
    )
    return applicant.id


WINDOW_CHECK = "window_check"  # the verification code of a clerk's attestation (backfill/sources.yaml)


def card_attested_sign_in(*, system: IdentitySystem, holder: CardHolder, clerk_actor: str) -> int:
    """The applicant id of the card's holder, whom the clerk at the window attests is the person present
    (人证核验一致: no camera, or the person declines the face check). The attestation goes on the holder's
    data log with the clerk as actor. A clerk comparing the physical card with the person is the check a
    face match stands in for online, so the sign-in is as strong as the kiosk's (decision 0018)."""
    notice = source_list().verifications[WINDOW_CHECK]
    with system.db.transaction() as session:
        system.audit.append(
            session,
            DataAccessLog(
                subject_bidx=system.index.digest(holder.id_number, kind="id_number"),
                source=WINDOW_CHECK,
                fields=",".join(notice.fields),
                purpose=notice.purpose,
                application_id=None,
                actor=clerk_actor,
                outcome="attested",
                request_id="",
            ),
        )
        return _card_holder_applicant(session, system, holder)


def card_face_sign_in(
    *,
    system: IdentitySystem,
    holder: CardHolder,
    photo: bytes,
    agreed: bool,
    actor: str,
    case: str,
    limits: list[tuple[Limit, str]],
) -> int:
    """The applicant id of the card's holder whose face matched; raises CardFaceRefused. ``limits``: the
    channel's rate limits with their keys (a terminal's, a card's), counted before the face is sent."""
    if not agreed:
        raise CardFaceRefused(NOT_AGREED, 400)
    if not photo:
        raise CardFaceRefused(NO_PHOTO, 400)
    claim = faceauth.FaceClaim(
        name=holder.name,
        id_number=holder.id_number,
        subject_bidx=system.index.digest(holder.id_number, kind="id_number"),
        actor=actor,
        application_id=None,
        case=case,
    )
    try:
        with system.db.transaction() as session:
            for limit, key in limits:
                system.rates.attempt(session, limit, key)
        outcome = faceauth.face_verify(
            db=system.db, client=system.client, audit=system.audit, raw=photo, claim=claim
        )
    except RateLimited as exc:
        raise CardFaceRefused(exc.message, 429) from exc
    except faceauth.FaceAuthFailed as exc:
        if exc.code == "person_unknown":  # a name that does not go with the number: said as a mismatch
            raise CardFaceRefused(IDENTITY_NOT_CONFIRMED, 400) from exc
        raise CardFaceRefused(exc.message, faceauth.failure_status(exc)) from exc
    if not outcome.passed:
        raise CardFaceRefused(IDENTITY_NOT_CONFIRMED, 400)
    with system.db.transaction() as session:
        return _card_holder_applicant(session, system, holder)


NOT_ATTESTED = "请当面核对身份证与本人一致后，勾选“人证核验一致”；不能确认的，请改用人脸识别。"


def window_sign_in(
    *,
    system: IdentitySystem,
    holder: CardHolder,
    attest: bool,
    attested: bool,
    photo: bytes,
    agreed: bool,
    clerk_actor: str,
    limits: list[tuple[Limit, str]],
) -> int:
    """The person at a counter window, by the card its reader read and either the clerk's attestation
    (``attest``; ``attested`` is the clerk's tick) or the window camera's face check; raises CardFaceRefused."""
    if attest:
        if not attested:
            raise CardFaceRefused(NOT_ATTESTED, 400)
        return card_attested_sign_in(system=system, holder=holder, clerk_actor=clerk_actor)
    return card_face_sign_in(
        system=system,
        holder=holder,
        photo=photo,
        agreed=agreed,
        actor=clerk_actor,
        case="COUNTER-SIGN-IN",
        limits=limits,
    )
