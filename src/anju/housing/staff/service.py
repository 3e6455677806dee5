"""Staff accounts: their roles and the region each may see (sign-in itself: core/staffauth)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from anju.core import crypto, idcard, regions
from anju.core.audit import AuditChain
from anju.core.paging import Paging, paging
from anju.core.refusals import Refused
from anju.core.staffauth import account_authenticate, password_hash
from anju.core.timeutil import shanghai_date, utcnow
from anju.core.vocab import status_label
from anju.housing.models import Case, CaseCorrection, RevealLog, StaffUser
from anju.housing.review import deadlines

ROLES_FILE = Path(__file__).with_name("roles.yaml")


@lru_cache(maxsize=1)
def role_labels() -> dict[str, str]:
    """Role code → Chinese label."""
    return dict(yaml.safe_load(ROLES_FILE.read_text(encoding="utf-8"))["roles"])


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
        password_hash=hashed_password or password_hash(str(password)),
    )
    session.add(user)
    session.flush()
    return user


def staff_authenticate(*, session: Session, username: str, password: str) -> tuple[StaffUser, int]:
    """The housing staff account if the password is right, with the failed attempts since its last
    sign-in (core/staffauth)."""
    return account_authenticate(session=session, model=StaffUser, username=username, password=password)


def in_region(query: Select[Any], staff: StaffUser) -> Select[Any]:
    if regions.is_jurisdiction(staff.region_code):
        return query.where(Case.city_code == staff.region_code)
    return query.where(Case.district_code == staff.region_code)


def case_in_region(staff: StaffUser, case: Case) -> bool:
    """Whether the case is in the staff member's region (the rule of ``in_region``, for a case in hand)."""
    if regions.is_jurisdiction(staff.region_code):
        return case.city_code == staff.region_code
    return case.district_code == staff.region_code


PAGE_SIZE = 50  # cases on one page of the queue
DUE_FILTERS = {"overdue": "已超期", "near": "临近期限"}
NAME_SEARCH = re.compile(r"^[\u3400-\u9fff\U00020000-\U0003134F·•]{2,20}$")  # a full name, 间隔号 kept


@dataclass(frozen=True)
class QueueFilter:
    """What the clerk narrowed the queue to; every field empty is the role's whole queue."""

    search: str = ""  # an application number, an ID number or a full name — in any status
    status: str = ""  # one of the role's statuses
    district: str = ""  # for city staff: one county of the city
    due: str = ""  # "overdue" or "near"


@dataclass
class QueuePage:
    """One page of the queue and the counts over all of it."""

    cases: list[Case]
    total: int
    overdue: int
    near: int
    page: int
    pages: int


def queue_query(
    *, staff: StaffUser, filters: QueueFilter, index: crypto.BlindIndex | None, today: date
) -> Select[Any]:
    """The cases a queue (or a search) selects, in no order: region first, then the search or filters."""
    query = in_region(select(Case), staff)
    term = filters.search.strip().upper()
    if term and index is not None and idcard.is_valid(term):
        return query.where(
            Case.applicant_id_bidx == index.digest(idcard.parse(term).number, kind="id_number")
        )
    if term and NAME_SEARCH.match(filters.search.strip()):
        return query.where(Case.applicant_name == filters.search.strip())
    if term:
        return query.where(Case.case_no == term)
    statuses = queue_statuses(staff.role)
    if filters.status and (statuses is None or filters.status in statuses):
        query = query.where(Case.status == filters.status)
    elif statuses is not None:
        query = query.where(Case.status.in_(statuses))
    if filters.district and regions.is_jurisdiction(staff.region_code):
        query = query.where(Case.district_code == filters.district)
    if filters.due == "overdue":
        query = query.where(Case.due_on < today)
    elif filters.due == "near":
        query = query.where(Case.due_on >= today, Case.due_on < deadlines.near_before(today))
    return query


def staff_queue(
    *,
    session: Session,
    staff: StaffUser,
    filters: QueueFilter | None = None,
    page: int = 1,
    index: crypto.BlindIndex | None = None,
    today: date | None = None,
    page_size: int = PAGE_SIZE,
) -> QueuePage:
    """One page of the cases in the staff member's region and their role's statuses, most urgent first
    (the nearest due date, then the longest waiting), with the counts over the whole selection.

    A search finds one application number, every case of one ID number (looked up by its blind index, so
    the number itself is never stored or compared in clear) or of one full name — in any status.
    """
    filters = filters or QueueFilter()
    today = today or shanghai_date(utcnow())
    query = queue_query(staff=staff, filters=filters, index=index, today=today)
    selected = query.subquery()
    near_before = deadlines.near_before(today)
    total, overdue, near = session.execute(
        select(
            func.count(),
            func.count().filter(selected.c.due_on < today),
            func.count().filter(selected.c.due_on >= today, selected.c.due_on < near_before),
        ).select_from(selected)
    ).one()
    shown = paging(int(total), page, page_size)
    # The page's ids first, from the index alone (every column the order needs is in it), then just those
    # rows: sorting a city's hundred thousand settled cases by whole rows took 130 ms, by ids 25 ms.
    order = (Case.due_on.is_(None), Case.due_on, Case.submitted_at, Case.id)
    ids = list(
        session.scalars(
            query.with_only_columns(Case.id).order_by(*order).limit(shown.size).offset(shown.offset)
        )
    )
    cases = list(session.scalars(select(Case).where(Case.id.in_(ids)).order_by(*order))) if ids else []
    return QueuePage(
        cases=cases,
        total=int(total),
        overdue=int(overdue),
        near=int(near),
        page=shown.page,
        pages=shown.pages,
    )


def queue_status_labels(*, session: Session, cases: list[Case]) -> dict[int, str]:
    """What the queue says of each case's status: a case back at 待受理 because the applicant answered its
    补正 notice reads 已补正，待受理, so the clerk sees it is a resubmission and not a new application."""
    waiting = [c.id for c in cases if c.status == "submitted"]
    answered = (
        set(
            session.scalars(
                select(CaseCorrection.case_id).where(
                    CaseCorrection.case_id.in_(waiting), CaseCorrection.replied_at.is_not(None)
                )
            )
        )
        if waiting
        else set()
    )
    return {c.id: "已补正，待受理" if c.id in answered else status_label(c.status) for c in cases}


def region_case_numbers(staff: StaffUser) -> Select[Any]:
    """The case numbers of the staff member's region, as a subquery (for lists kept outside the cases)."""
    return in_region(select(Case.case_no), staff)


def staff_case(*, session: Session, staff: StaffUser, case_no: str) -> Case | None:
    """A case the staff member may see (None for anything outside their region)."""
    case: Case | None = session.scalar(in_region(select(Case), staff).where(Case.case_no == case_no))
    return case


def case_due(*, case: Case, today: date | None = None) -> deadlines.Due:
    """How the case stands against its current step's limit (review/time_limits.yaml)."""
    return deadlines.due_state(due_on=case.due_on, today=today or shanghai_date(utcnow()), note=case.due_note)


# What each role works on (the auditor reads everything in the region and acts on nothing).
ROLE_QUEUES: dict[str, tuple[str, ...]] = {
    "street_reviewer": ("submitted", "corrections_requested", "first_review"),
    "district_reviewer": ("submitted", "review", "rechecking", "public_notice", "reverifying"),
    "city_approver": ("submitted", "public_notice"),
    "city_admin": (
        "public_notice",
        "approved",
        "waitlisted",
        "offered",
        "allocated",
        "reverifying",
        "exiting",
    ),
}


def queue_statuses(role: str) -> tuple[str, ...] | None:
    """The statuses in a role's queue (None: every status, for the auditor)."""
    return ROLE_QUEUES.get(role)


REVEALABLE = {"id_number": "身份证号码", "phone": "联系电话"}
REVEAL_REASON_MAX = 200  # what the reveal log keeps; longer is refused, not cut
# Who may see a full number to do their work; an auditor reads the logs and never reveals (PIPL art. 6).
REVEALING_ROLES = frozenset({"street_reviewer", "district_reviewer", "city_approver", "city_admin"})


class RevealRefused(Refused):
    """The number cannot be shown: no reason given, or not a field that can be revealed."""


def reveal_record(
    *, session: Session, audit: AuditChain, staff: StaffUser, case: Case, field: str, reason: str
) -> None:
    """Log that a staff member is shown a full number, and why (raises RevealRefused)."""
    reason = " ".join(reason.split())
    if staff.role not in REVEALING_ROLES:
        raise RevealRefused("审计人员只查阅记录，不查看完整号码。")
    if field not in REVEALABLE:
        raise RevealRefused("只能查看身份证号码或联系电话。")
    if len(reason) < 4:
        raise RevealRefused("查看完整号码须写明用途（至少 4 个字），例如“电话核实补正材料”。")
    if len(reason) > REVEAL_REASON_MAX:
        raise RevealRefused(f"用途最多 {REVEAL_REASON_MAX} 个字（现在 {len(reason)} 个字），请简要写明。")
    audit.append(
        session,
        RevealLog(staff_id=staff.id, username=staff.username, case_id=case.id, field=field, reason=reason),
    )


REVEALS_PAGE_SIZE = 100


def reveals_of(
    *, session: Session, staff: StaffUser, page: int = 1, page_size: int = REVEALS_PAGE_SIZE
) -> tuple[list[Any], int, Paging]:
    """One page of the reveal log of cases in the staff member's region, newest first (for the auditor),
    the number of entries, and which page of how many it is."""
    joined: Any = select(RevealLog, Case.case_no).join(Case, Case.id == RevealLog.case_id)
    query = in_region(joined, staff)
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    shown = paging(total, page, page_size)
    rows = list(session.execute(query.order_by(RevealLog.id.desc()).limit(shown.size).offset(shown.offset)))
    return rows, total, shown
