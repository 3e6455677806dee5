"""Sign-in of staff accounts, whichever system keeps them (housing's reviewers today; the platform's
counter clerks next, decision 0018): argon2id passwords, a per-account lockout after repeated failures,
a per-address limit on failures across accounts, and answers that never tell which part was wrong."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from anju.core.db import UTCDateTime
from anju.core.ratelimit import Limit
from anju.core.timeutil import utcnow

# Beyond the per-account lockout: failed sign-ins from one address across any accounts (password spraying).
# Only failures count, so a whole office signing in behind one address at nine o'clock is never refused.
LOGIN_FAILURES_PER_ADDRESS = Limit(
    scope="staff_login",
    count=20,
    window=timedelta(minutes=15),
    message="这台电脑的登录失败次数过多，请 15 分钟后再试；如忘记密码，请联系本单位管理员。",
)
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
    *,
    session: Session,
    model: type[Account],
    username: str,
    password: str,
    max_failures: int,
    lockout: timedelta,
) -> Account:
    """The account if the password is right and it is not locked; counts failures and locks."""
    generic = SignInFailed("credentials_invalid", "用户名或密码不正确。")
    user = session.scalar(select(model).where(model.username == username.strip()).with_for_update())
    if user is None:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password)
        raise generic
    now = utcnow()
    if user.locked_until is not None and user.locked_until > now:
        minutes = max(1, int(lockout.total_seconds() // 60))
        raise SignInFailed(
            "account_locked", f"连续登录失败次数过多，账号已暂时锁定，请 {minutes} 分钟后再试或联系管理员。"
        )
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        user.failed_logins += 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + lockout
            user.failed_logins = 0
        raise generic from None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    return user
