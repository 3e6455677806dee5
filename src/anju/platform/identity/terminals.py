"""Registered terminals (decision 0022): a self-service kiosk, or a counter window's card reader and
camera. A terminal's device agent holds its SM2 key; at start it asks the platform for a challenge, signs
it, and the browser it drives is bound to the terminal for a working day by an HttpOnly cookie. A card
reading counts only from a browser bound to a terminal of the right kind (a kiosk's for the kiosk's
sign-in, a window's for the counter), so nobody can use those routes from home to test which name goes
with which ID number.

What is signed: the UTF-8 bytes of ``anju-kiosk-terminal|<terminal id>|<challenge>``, SM2 with SM3 and the
default user id (as every signature here, docs/interfaces/signing.md), DER r‖s, hex.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from anju.core import crypto, idcard, signing
from anju.core.refusals import Refused
from anju.core.runtime import Runtime
from anju.core.timeutil import today_shanghai, utcnow
from anju.platform.identity.card_face import CardHolder
from anju.platform.models import KioskBinding, KioskTerminal

CHALLENGE_TTL = timedelta(minutes=5)
BINDING_TTL = timedelta(hours=12)  # a working day; the agent binds again each morning
COOKIE = "anju_kiosk_terminal"
CHALLENGE_KIND = "kiosk_challenge"


class TerminalRefused(Refused):
    """The browser could not be bound to a terminal (the message says why, for the operator)."""


signed_text = signing.kiosk_terminal_text  # the bytes a terminal signs


KIOSK: Final = "kiosk"
WINDOW: Final = "window"
KINDS: Final = {KIOSK: "自助终端", WINDOW: "窗口设备"}


def terminal_register(
    *, session: Session, terminal_id: str, name: str, public_key: str, kind: str = KIOSK
) -> KioskTerminal:
    """Register (or re-key) a terminal of a kind; raises TerminalRefused for a bad id, kind or key."""
    if kind not in KINDS:
        raise TerminalRefused("终端类型只能是自助终端（kiosk）或窗口设备（window）。")
    terminal_id = terminal_id.strip()
    if not terminal_id or len(terminal_id) > 64 or not terminal_id.replace("-", "").isalnum():
        raise TerminalRefused("终端编号只能由字母、数字和连字符组成，最多 64 个字符。")
    try:
        key = signing.Sm2PublicKey.from_hex(public_key)
    except ValueError as exc:
        raise TerminalRefused(f"终端公钥无效：{exc}") from exc
    terminal = session.scalar(select(KioskTerminal).where(KioskTerminal.terminal_id == terminal_id))
    if terminal is None:
        terminal = KioskTerminal(terminal_id=terminal_id, name=name.strip() or terminal_id, public_key="")
        session.add(terminal)
    terminal.public_key, terminal.kind, terminal.revoked_at = key.to_hex(), kind, None
    return terminal


def challenge_issue(*, index: crypto.BlindIndex, now: datetime | None = None) -> str:
    """A challenge the platform can recognise without keeping it: nonce, expiry and an HMAC-SM3 over both."""
    expires = int(((now or utcnow()) + CHALLENGE_TTL).timestamp())
    body = f"{secrets.token_hex(16)}.{expires}"
    return f"{body}.{index.digest(body, kind=CHALLENGE_KIND)}"


def terminal_verify(
    *,
    session: Session,
    index: crypto.BlindIndex,
    terminal_id: str,
    challenge: str,
    signature: str,
    now: datetime | None = None,
) -> tuple[str, int]:
    """Check the terminal's signature over a fresh challenge of ours; returns the challenge's nonce and
    expiry, which the caller records as used (once only); raises TerminalRefused."""
    return _signed_by_terminal(
        session=session,
        index=index,
        terminal_id=terminal_id,
        challenge=challenge,
        signature=signature,
        message=signed_text(terminal_id=terminal_id, challenge=challenge),
        now=now,
    )


def _signed_by_terminal(
    *,
    session: Session,
    index: crypto.BlindIndex,
    terminal_id: str,
    challenge: str,
    signature: str,
    message: bytes,
    now: datetime | None = None,
) -> tuple[str, int]:
    now = now or utcnow()
    parts = challenge.split(".")
    if len(parts) != 3 or index.digest(f"{parts[0]}.{parts[1]}", kind=CHALLENGE_KIND) != parts[2]:
        raise TerminalRefused("启用请求无效，请在终端上重新启用。")
    if not parts[1].isdigit() or int(parts[1]) < now.timestamp():
        raise TerminalRefused("启用请求已过期，请在终端上重新启用。")
    terminal = session.scalar(
        select(KioskTerminal).where(
            KioskTerminal.terminal_id == terminal_id, KioskTerminal.revoked_at.is_(None)
        )
    )
    if terminal is None:
        raise TerminalRefused("这台设备不是已登记的自助终端。")
    try:
        valid = signing.sm2_verify(
            public_key=signing.Sm2PublicKey.from_hex(terminal.public_key),
            message=message,
            signature=bytes.fromhex(signature),
        )
    except ValueError:
        valid = False
    if not valid:
        raise TerminalRefused("终端签名无效，请检查终端密钥。")
    return parts[0], int(parts[1])


def _device_signed(
    *,
    session: Session,
    index: crypto.BlindIndex,
    terminal_id: str,
    challenge: str,
    signature: str,
    message: bytes,
    unreadable: str,
) -> tuple[str, int]:
    """A device's reading signed by its terminal's key over a fresh challenge of ours: its nonce and
    expiry; any fault reads as the device's own ``unreadable`` message (TerminalRefused)."""
    try:
        return _signed_by_terminal(
            session=session,
            index=index,
            terminal_id=terminal_id,
            challenge=challenge,
            signature=signature,
            message=message,
        )
    except TerminalRefused as exc:
        raise TerminalRefused(unreadable) from exc


@dataclass(frozen=True)
class CardRead:
    """An ID card as the terminal's reader read it, its signature checked."""

    name: str
    id_number: str
    valid_until: date
    nonce: str
    expires: int


CARD_UNREADABLE = (
    "没有读到身份证，或读取的信息无效。请把身份证平放在读卡区，稍等片刻；仍不行的，请到办事窗口办理。"
)


def card_verify(
    *, session: Session, index: crypto.BlindIndex, terminal_id: str, reading: str, today: date
) -> CardRead:
    """Check a card reading the page passed on from the reader: signed by this terminal's key over a fresh
    challenge of ours, for a card valid today. Raises TerminalRefused with what the person reads."""
    try:
        data = json.loads(reading)
        fields = {k: str(data[k]) for k in ("terminal_id", "challenge", "id_number", "name", "valid_until")}
        signature = str(data["signature"])
        valid_until = date.fromisoformat(fields["valid_until"])
    except (ValueError, KeyError, TypeError) as exc:
        raise TerminalRefused(CARD_UNREADABLE) from exc
    if fields["terminal_id"] != terminal_id:
        raise TerminalRefused(CARD_UNREADABLE)
    nonce, expires = _device_signed(
        session=session,
        index=index,
        terminal_id=terminal_id,
        challenge=fields["challenge"],
        signature=signature,
        message=signing.kiosk_card_text(**fields),
        unreadable=CARD_UNREADABLE,
    )
    if valid_until < today:
        raise TerminalRefused(
            f"这张身份证已过有效期（有效期至 {valid_until:%Y年%m月%d日}），不能用于核验身份。"
            "请使用有效的身份证，或持临时身份证明办理。"
        )
    return CardRead(
        name=fields["name"],
        id_number=fields["id_number"],
        valid_until=valid_until,
        nonce=nonce,
        expires=expires,
    )


def binding_create(*, session: Session, terminal_id: str, now: datetime | None = None) -> tuple[str, str]:
    """Bind a browser to the terminal for a working day; returns the cookie value (kept only hashed) and
    the terminal's kind."""
    now = now or utcnow()
    session.execute(delete(KioskBinding).where(KioskBinding.expires_at < now))
    token = secrets.token_urlsafe(32)
    session.add(
        KioskBinding(
            token_hash=crypto.sm3_hex(token.encode()), terminal_id=terminal_id, expires_at=now + BINDING_TTL
        )
    )
    kind = session.scalar(select(KioskTerminal.kind).where(KioskTerminal.terminal_id == terminal_id))
    return token, kind or KIOSK


@dataclass(frozen=True)
class BoundTerminal:
    """The registered terminal a browser is bound to."""

    terminal_id: str
    name: str
    kind: str


def _bound(*, session: Session, token: str | None, now: datetime | None = None) -> BoundTerminal | None:
    """The terminal a browser's cookie binds it to, if the binding is current and the terminal active."""
    if not token:
        return None
    row = session.execute(
        select(KioskTerminal.terminal_id, KioskTerminal.name, KioskTerminal.kind)
        .join(KioskBinding, KioskBinding.terminal_id == KioskTerminal.terminal_id)
        .where(
            KioskBinding.token_hash == crypto.sm3_hex(token.encode()),
            KioskBinding.expires_at > (now or utcnow()),
            KioskTerminal.revoked_at.is_(None),
        )
    ).first()
    return BoundTerminal(terminal_id=row[0], name=row[1], kind=row[2]) if row else None


def terminal_of(
    *, session: Session, token: str | None, kind: str, now: datetime | None = None
) -> BoundTerminal | None:
    """The terminal of ``kind`` a browser's cookie binds it to (a window's devices are no kiosk, and a
    kiosk is no window)."""
    bound = _bound(session=session, token=token, now=now)
    return bound if bound and bound.kind == kind else None


def browser_terminal(*, runtime: Runtime, token: str | None, kind: str) -> BoundTerminal | None:
    """The terminal of ``kind`` a browser's binding cookie (``COOKIE``) names, or None (its own transaction)."""
    with runtime.db.transaction() as session:
        return terminal_of(session=session, token=token, kind=kind)


def bound_kind(*, session: Session, token: str | None) -> str | None:
    """The kind of terminal a browser is bound to (its cookie outlives any sign-in on it), or None."""
    bound = _bound(session=session, token=token)
    return bound.kind if bound else None


def _used_once(runtime: Runtime, device: str, nonce: str, expires: int, message: str) -> None:
    """A device's signed reading (a card, a press, a signature) counts once: a replay is refused."""
    if not runtime.api.nonces.remember(caller=device, nonce=nonce, timestamp=expires):
        raise TerminalRefused(message)


def card_holder(*, runtime: Runtime, terminal_id: str, reading: str) -> CardHolder:
    """The holder of the card the terminal's reader signed, once per reading (TerminalRefused if not)."""
    with runtime.db.transaction() as session:
        card = card_verify(
            session=session,
            index=runtime.blind_index,
            terminal_id=terminal_id,
            reading=reading,
            today=today_shanghai(),
        )
    _used_once(runtime, f"kiosk-card:{terminal_id}", card.nonce, card.expires, CARD_UNREADABLE)
    try:
        return CardHolder(name=card.name, id_number=idcard.parse(card.id_number).number)
    except idcard.InvalidIdNumber:
        raise TerminalRefused(CARD_UNREADABLE) from None


RATING_UNREADABLE = "没有收到评价器的评价，或评价器传来的内容无效。请申请人在评价器上重新评价。"


@dataclass(frozen=True)
class RatingPressed:
    """What the person pressed on a window's evaluator, its signature checked: level by indicator code."""

    scores: dict[str, str]
    nonce: str
    expires: int


def rating_verify(
    *, session: Session, index: crypto.BlindIndex, terminal_id: str, reading: str
) -> RatingPressed:
    """Check an evaluator's press the page passed on: signed by this window's key over a fresh challenge of
    ours. Raises TerminalRefused (the caller records the nonce as used, once only)."""
    try:
        data = json.loads(reading)
        scores_text, challenge, signature = (
            str(data["scores"]),
            str(data["challenge"]),
            str(data["signature"]),
        )
        if str(data["terminal_id"]) != terminal_id:
            raise ValueError("another terminal")
        scores = dict(pair.split("=", 1) for pair in scores_text.split(","))
    except (ValueError, KeyError, TypeError) as exc:
        raise TerminalRefused(RATING_UNREADABLE) from exc
    nonce, expires = _device_signed(
        session=session,
        index=index,
        terminal_id=terminal_id,
        challenge=challenge,
        signature=signature,
        message=signing.window_rating_text(terminal_id=terminal_id, challenge=challenge, scores=scores_text),
        unreadable=RATING_UNREADABLE,
    )
    return RatingPressed(scores=scores, nonce=nonce, expires=expires)


def rating_read(*, runtime: Runtime, terminal_id: str, reading: str) -> RatingPressed:
    """The press a window's evaluator signed, once per press (TerminalRefused if not)."""
    with runtime.db.transaction() as session:
        pressed = rating_verify(
            session=session, index=runtime.blind_index, terminal_id=terminal_id, reading=reading
        )
    _used_once(runtime, f"window-rating:{terminal_id}", pressed.nonce, pressed.expires, RATING_UNREADABLE)
    return pressed


HANDWRITING_UNREADABLE = "没有收到签名板上的签名，或签名板传来的内容无效。请申请人在签名板上重新签名。"
HANDWRITING_MAX_BYTES = 512 * 1024  # a pad's PNG of strokes is a few KB


@dataclass(frozen=True)
class Handwriting:
    """A signature written on a window's signature pad (签名板): the PNG, its signature checked."""

    image: bytes
    terminal_id: str
    nonce: str
    expires: int


def handwriting_verify(
    *, session: Session, index: crypto.BlindIndex, terminal_id: str, reading: str
) -> Handwriting:
    """Check a pad's capture the page passed on: a PNG, signed with this window's key over its SM3 and a
    fresh challenge of ours. Raises TerminalRefused (the caller records the nonce as used, once only)."""
    try:
        data = json.loads(reading)
        image = base64.b64decode(str(data["image"]), validate=True)
        challenge, signature = str(data["challenge"]), str(data["signature"])
        if str(data["terminal_id"]) != terminal_id or not image.startswith(b"\x89PNG\r\n\x1a\n"):
            raise ValueError("another terminal, or not a PNG")
        if len(image) > HANDWRITING_MAX_BYTES:
            raise ValueError("too large for strokes")
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise TerminalRefused(HANDWRITING_UNREADABLE) from exc
    nonce, expires = _device_signed(
        session=session,
        index=index,
        terminal_id=terminal_id,
        challenge=challenge,
        signature=signature,
        message=signing.signature_pad_text(
            terminal_id=terminal_id, challenge=challenge, image_sm3=crypto.sm3_hex(image)
        ),
        unreadable=HANDWRITING_UNREADABLE,
    )
    return Handwriting(image=image, terminal_id=terminal_id, nonce=nonce, expires=expires)


def handwriting_read(*, runtime: Runtime, terminal_id: str, reading: str) -> Handwriting:
    """The signature a window's pad captured and signed, once per capture (TerminalRefused if not)."""
    with runtime.db.transaction() as session:
        written = handwriting_verify(
            session=session, index=runtime.blind_index, terminal_id=terminal_id, reading=reading
        )
    _used_once(
        runtime, f"signature-pad:{terminal_id}", written.nonce, written.expires, HANDWRITING_UNREADABLE
    )
    return written
