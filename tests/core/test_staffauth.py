"""Staff sign-in (core/staffauth): the right password signs in and reports the failures since; failures
slow the computer they come from, never the rightful user at another; an unknown name reads as a wrong
password; an old hash is upgraded on the next sign-in."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from anju.core import staffauth
from anju.core.ratelimit import RateLimited
from anju.housing.models import StaffUser
from anju.housing.staff.seed import DEMO_STAFF_PASSWORD
from tests.conftest import Systems

USER = "shouli.350102"


def sign_in(
    systems: Systems, password: str, *, address: str = "10.0.0.1", username: str = USER
) -> tuple[StaffUser, int]:
    runtime = systems.runtimes["housing"]
    with runtime.db.transaction() as session:
        try:
            user, failed = staffauth.account_sign_in(
                session=session,
                rates=runtime.rates,
                model=StaffUser,
                username=username,
                password=password,
                address=address,
                max_failures=3,
                lockout_minutes=15,
            )
            return user, failed
        except (staffauth.SignInFailed, RateLimited) as exc:
            caught: Exception = exc
    raise caught  # outside the transaction, so the failures counted are committed


def test_the_right_password_signs_in_and_reports_the_failures_since(systems: Systems) -> None:
    for _ in range(2):
        with pytest.raises(staffauth.SignInFailed):
            sign_in(systems, "wrong")
    user, failed = sign_in(systems, DEMO_STAFF_PASSWORD)
    assert user.username == USER and failed == 2
    assert staffauth.failed_attempts_notice(failed).startswith("自您上次登录以来，有 2 次")
    assert sign_in(systems, DEMO_STAFF_PASSWORD)[1] == 0  # told once
    assert staffauth.failed_attempts_notice(0) == ""


def test_failures_slow_the_computer_they_come_from_not_the_user_at_another(systems: Systems) -> None:
    for _ in range(3):
        with pytest.raises(staffauth.SignInFailed):
            sign_in(systems, "wrong", address="10.0.0.66")
    with pytest.raises(RateLimited) as slowed:
        sign_in(systems, DEMO_STAFF_PASSWORD, address="10.0.0.66")  # even the right password, from there
    assert "这台电脑上连续登录失败" in slowed.value.message
    user, _failed = sign_in(systems, DEMO_STAFF_PASSWORD, address="10.0.0.7")
    assert user.username == USER


def test_an_unknown_name_reads_exactly_as_a_wrong_password(systems: Systems) -> None:
    with pytest.raises(staffauth.SignInFailed) as unknown:
        sign_in(systems, DEMO_STAFF_PASSWORD, username="nobody.350102")
    with pytest.raises(staffauth.SignInFailed) as wrong:
        sign_in(systems, "wrong")
    assert (unknown.value.code, unknown.value.message) == (wrong.value.code, wrong.value.message)


def test_a_hash_made_with_weaker_parameters_is_upgraded_at_sign_in(systems: Systems) -> None:
    runtime = systems.runtimes["housing"]
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(DEMO_STAFF_PASSWORD)
    with runtime.db.transaction() as session:
        session.scalar(select(StaffUser).where(StaffUser.username == USER)).password_hash = weak  # type: ignore[union-attr]
    sign_in(systems, DEMO_STAFF_PASSWORD)
    with runtime.db.transaction() as session:
        stored = session.scalar(select(StaffUser.password_hash).where(StaffUser.username == USER))
    assert stored != weak and not PasswordHasher().check_needs_rehash(stored or "")
