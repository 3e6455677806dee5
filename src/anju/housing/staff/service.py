"""Staff accounts: argon2 passwords, lockout, and the region each may see."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from anju.core import regions, workdays
from anju.core.timeutil import shanghai_date, utcnow
from anju.housing.models import Case, StaffUser

ROLES_FILE = Path(__file__).with_name("roles.yaml")
ACCEPTANCE_LIMIT_WORKDAYS = 5  # 行政许可法 第三十二条: decide or notify within 5 days, else deemed accepted
_hasher = PasswordHasher()
# A hash to verify against when the username is unknown, so timing does not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash("anju-no-such-user")


@lru_cache(maxsize=1)
def role_labels() -> dict[str, str]:
    """Role code → Chinese label."""
    return dict(yaml.safe_load(ROLES_FILE.read_text(encoding="utf-8"))["roles"])


class SignInFailed(Exception):
    """Wrong credentials or a locked account; the message never says which part was wrong."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def password_hash(password: str) -> str:
    """An argon2id hash of a password."""
    return _hasher.hash(password)


def staff_create(
    *,
    session: Session,
    username: str,
    display_name: str,
    role: str,
    region_code: str,
    password: str | None = None,
    hashed_password: str | None = None,
) -> StaffUser:
    """A new staff account (argon2id hash); the region must be a known division."""
    if (password is None) == (hashed_password is None):
        raise ValueError("give exactly one of password and hashed_password")
    if role not in role_labels():
        raise ValueError(f"unknown role {role}")
    regions.get(region_code)
    user = StaffUser(
        username=username,
        display_name=display_name,
        role=role,
        region_code=region_code,
        password_hash=hashed_password or _hasher.hash(str(password)),
    )
    session.add(user)
    session.flush()
    return user


def staff_authenticate(
    *, session: Session, username: str, password: str, max_failures: int, lockout: timedelta
) -> StaffUser:
    """The account if the password is right and it is not locked; counts failures and locks."""
    generic = SignInFailed("credentials_invalid", "用户名或密码不正确。")
    user = session.scalar(select(StaffUser).where(StaffUser.username == username.strip()).with_for_update())
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


def _in_scope(query: Select[Any], staff: StaffUser) -> Select[Any]:
    if regions.is_jurisdiction(staff.region_code):
        return query.where(Case.city_code == staff.region_code)
    return query.where(Case.district_code == staff.region_code)


def staff_queue(
    *, session: Session, staff: StaffUser, statuses: tuple[str, ...] = ("submitted",)
) -> list[Case]:
    """Cases in the staff member's region waiting in the given statuses, oldest first."""
    query = (
        _in_scope(select(Case), staff)
        .where(or_(*(Case.status == s for s in statuses)))
        .order_by(Case.submitted_at)
    )
    return list(session.scalars(query))


def staff_case(*, session: Session, staff: StaffUser, case_no: str) -> Case | None:
    """A case the staff member may see (None for anything outside their region)."""
    case: Case | None = session.scalar(_in_scope(select(Case), staff).where(Case.case_no == case_no))
    return case


@dataclass(frozen=True)
class Due:
    """When a decision is due and how the case stands against it."""

    due_on: date | None
    overdue: bool
    note: str


def acceptance_due(*, case: Case, today: date | None = None) -> Due:
    """The acceptance deadline: 5 working days after receipt (行政许可法 第三十二条)."""
    received = shanghai_date(case.received_at)
    try:
        due = workdays.add_workdays(received, ACCEPTANCE_LIMIT_WORKDAYS)
    except workdays.CalendarUnknown as exc:
        return Due(due_on=None, overdue=False, note=exc.message)
    today = today or shanghai_date(utcnow())
    return Due(due_on=due, overdue=today > due, note="")
