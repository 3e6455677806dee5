"""Sign-in of staff accounts, whichever system keeps them (housing's reviewers today; the platform's
counter clerks next, decision 0018): argon2id passwords, limits on failures that slow an attacker without
locking the rightful user out, the user told of failed attempts on their account, and answers that never
tell which part was wrong.

Failures are limited per account and address (a guesser at one computer), per address across accounts
(password spraying) and per account across addresses at a much higher count (a spread-out attack). A
lockout per account alone let anyone lock a whole office out by typing predictable usernames (issue 20):
the rightful user at another computer is not affected by failures at this one."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from anju.core.db import UTCDateTime
from anju.core.ratelimit import Limit, RateLimited, RateLimiter
from anju.core.runtime import Runtime
from anju.core.timeutil import utcnow

# Beyond the per-account lockout: failed sign-ins from one address across any accounts (password spraying).
# Only failures count, so a whole office signing in behind one address at nine o'clock is never refused.
LOGIN_FAILURES_PER_ADDRESS = Limit(
    scope="staff_login",
    count=20,
    window=timedelta(minutes=15),
    message="这台电脑的登录失败次数过多，请 15 分钟后再试；如忘记密码，请联系本单位管理员。",
)
LOGIN_FAILURES_PER_ACCOUNT = Limit(
    scope="staff_login_account",
    count=50,
    window=timedelta(hours=1),
    message="这个账号近一小时的登录失败次数异常，暂停登录，请稍后再试并联系本单位管理员。",
)


def login_failures_per_account_address(max_failures: int, minutes: int) -> Limit:
    """The limit on one account's failures from one address (ANJU_STAFF_MAX_FAILED_LOGINS in
    ANJU_STAFF_LOCKOUT_MINUTES)."""
    return Limit(
        scope="staff_login_account_address",
        count=max_failures,
        window=timedelta(minutes=minutes),
        message=f"这个账号在这台电脑上连续登录失败，请 {minutes} 分钟后再试；如忘记密码，请联系本单位管理员。",
    )


def login_keys(*, username: str, address: str) -> dict[str, str]:
    """The keys the three failure limits count under (hashed by the limiter before they are stored)."""
    account = username.strip().lower()
    return {"address": address, "account": account, "account_address": f"{account}|{address}"}


_hasher = PasswordHasher()
# A hash to verify against when the username is unknown, so timing does not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash("anju-no-such-user")


class StaffAccount:
    """Mixin of a staff account table: the columns sign-in reads and writes."""

    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


Account = TypeVar("Account", bound=StaffAccount)
T = TypeVar("T")


class SignInFailed(Exception):
    """Wrong credentials or a locked account; the message never says which part was wrong."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def password_hash(password: str) -> str:
    """An argon2id hash of a password."""
    return _hasher.hash(password)


def account_authenticate(
    *, session: Session, model: type[Account], username: str, password: str
) -> tuple[Account, int]:
    """The account if the password is right, with how many failed attempts it saw since its last sign-in
    (to tell the user); a failure is counted on the account. The failure limits are checked by the caller."""
    generic = SignInFailed("credentials_invalid", "用户名或密码不正确。")
    user = session.scalar(select(model).where(model.username == username.strip()).with_for_update())
    if user is None:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password)
        raise generic
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        user.failed_logins += 1
        raise generic from None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    failed_before = user.failed_logins
    user.failed_logins = 0
    user.locked_until = None  # no longer set (kept for the schema); see the module's docstring
    user.last_login_at = utcnow()
    return user, failed_before


def account_sign_in(
    *,
    session: Session,
    rates: RateLimiter,
    model: type[Account],
    username: str,
    password: str,
    address: str,
    max_failures: int,
    lockout_minutes: int,
) -> tuple[Account, int]:
    """``account_authenticate`` behind the three failure limits: RateLimited when a limit is reached (and
    the password is not even tried); a failure is counted under all three. The caller catches either
    inside its transaction, so the failures counted are committed."""
    keys = login_keys(username=username, address=address)
    limits = {
        "address": LOGIN_FAILURES_PER_ADDRESS,
        "account": LOGIN_FAILURES_PER_ACCOUNT,
        "account_address": login_failures_per_account_address(max_failures, lockout_minutes),
    }
    for kind, limit in limits.items():
        rates.check(session, limit, keys[kind])
    try:
        return account_authenticate(session=session, model=model, username=username, password=password)
    except SignInFailed:
        for kind, limit in limits.items():
            rates.count(session, limit, keys[kind])
        raise


class SignInRefused(Exception):
    """Not signed in, said once: the message for the person and the HTTP status that carries it (401 wrong
    credentials, 429 a failure limit reached). Raised after the failure it counted is committed."""

    def __init__(self, message: str, status_code: int) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code


def account_sign_in_committed(
    *,
    runtime: Runtime,
    model: type[Account],
    read: Callable[[Account], T],
    username: str,
    password: str,
    address: str,
) -> tuple[T, int]:
    """``account_sign_in`` in its own transaction under the system's staff limits, for a sign-in page: what
    ``read`` takes from the account and the failures it saw since the last sign-in, or SignInRefused once
    the failure is counted."""
    refused: SignInRefused
    with runtime.db.transaction() as session:
        try:
            account, failed_before = account_sign_in(
                session=session,
                rates=runtime.rates,
                model=model,
                username=username,
                password=password,
                address=address,
                max_failures=runtime.settings.staff_max_failed_logins,
                lockout_minutes=runtime.settings.staff_lockout_minutes,
            )
            return read(account), failed_before
        except SignInFailed as exc:
            refused = SignInRefused(exc.message, 401)
        except RateLimited as exc:
            refused = SignInRefused(exc.message, 429)
    raise refused


def failed_attempts_notice(failed_before: int) -> str:
    """What the user is told at sign-in about failed attempts on their account since the last one."""
    if not failed_before:
        return ""
    return (
        f"自您上次登录以来，有 {failed_before} 次使用您账号的登录失败。"
        "如果不是您本人输错，请立即修改密码并告知本单位管理员。"
    )


def accounts_seed(
    *, session: Session, model: type[Account], accounts: list[dict[str, str]], password: str, create: Any
) -> int:
    """Create the demo accounts that do not exist yet (one published password, hashed once); returns how
    many were added. ``create(session=, hashed_password=, **account)`` makes one."""
    added, hashed = 0, ""
    for account in accounts:
        if session.scalar(select(model.username).where(model.username == account["username"])) is None:
            hashed = hashed or password_hash(password)
            create(session=session, hashed_password=hashed, **account)
            added += 1
    return added
