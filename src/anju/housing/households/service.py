"""One household, one application (issue 19, decision 0037): whether anyone in a household is already in
another live case (any city), already housed or subsidised, or still within a city's waiting period after
a refusal or an exit. Found by the blind index of the ID number, so the same rule catches a co-applicant
who has moved to another hukou book and another household's application.

The rules advise; they never decide. The applicant is told before signing, the reviewer sees the other
case at 受理, and only a person decides not to accept (行政许可法: refusal in writing, with reasons)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from anju.core import crypto, periods, regions
from anju.core.timeutil import shanghai_date
from anju.core.vocab import FINAL_STATUSES, status_label
from anju.housing.eligibility.admin import parameters_in_force
from anju.housing.eligibility.params import CityParameters, Value
from anju.housing.households.models import CaseMember
from anju.housing.models import Case
from anju.housing.records.service import KIND_LABELS, assistance_of, record_current

RULE_LABELS = {
    "live_case": "已有在办申请",
    "current_tenancy": "正在享受住房保障",
    "waiting_period": "再次申请等待期内",
}
REFUSED_STATUSES = frozenset({"not_accepted", "rejected"})
# 办结 follows 配租 only (review/transitions.yaml): a closed case is a household housed by this system, and
# one in 退出 is housed until the flat is handed back (then its 保障性住房记录 end: the exit waiting period).
HOUSED_STATUSES = frozenset({"closed", "reverifying", "exiting"})
REFUSAL_WORDS = {"not_accepted": "不予受理", "rejected": "审核未通过"}


@dataclass(frozen=True)
class Conflict:
    """One rule a person of the household meets, with what it rests on."""

    id_number: str
    rule: str  # live_case | current_tenancy | waiting_period
    city_code: str  # where the other case, the tenancy or the refusal is
    since: date  # the other case's submission, the tenancy's start, the refusal or the exit
    until: date | None = None  # the end of a waiting period
    case: Case | None = None  # the other case, when the rule rests on one
    kind: str = ""  # the assistance record's kind, when the rule rests on one
    parameter: Value | None = None  # the city's waiting period, when that is the rule

    @property
    def label(self) -> str:
        return RULE_LABELS[self.rule]

    @property
    def explanation(self) -> str:
        """The rule as the applicant and the reviewer read it, about the person (named by the reader)."""
        city = regions.get(self.city_code).name
        if self.rule == "live_case" and self.case is not None:
            return (
                f"已在另一件公租房申请中（{city}，{self.since} 提交，{status_label(self.case.status)}）。"
                "同一人同一时间只能在一件申请中。"
            )
        if self.rule == "current_tenancy":
            what = KIND_LABELS.get(self.kind, "") if self.kind else "承租公租房（经本系统配租）"
            return f"正在{what}（{city}，{self.since} 起）。正在享受住房保障的，一般不能再申请。"
        assert self.parameter is not None and self.until is not None
        pending = "，该规定待核实" if self.parameter.provisional else ""
        months = f"等待期 {self.parameter.value} 个月{pending}"
        if self.case is not None:
            ended = f"在{city}的申请于 {self.since} {REFUSAL_WORDS.get(self.case.status, '未获通过')}"
        else:
            ended = f"于 {self.since} 退出{city}的{KIND_LABELS.get(self.kind, '住房保障')}"
        return f"{ended}；按{city}的规定，{self.until} 前不能在{city}再次申请（{months}）。"


def case_members_record(
    *, session: Session, case: Case, household: Iterable[Any], index: crypto.BlindIndex
) -> int:
    """Record who is in a case (each member once, by role), in the caller's transaction; the number kept."""
    known = set(session.scalars(select(CaseMember.person_bidx).where(CaseMember.case_id == case.id)))
    added = 0
    for member in household:
        bidx = index.digest(str(member["id_number"]), kind="id_number")
        if bidx in known:
            continue
        session.add(CaseMember(case_id=case.id, person_bidx=bidx, role=str(member["role"])))
        known.add(bidx)
        added += 1
    return added


def _waiting_months(parameters: CityParameters, name: str, on: date) -> Value | None:
    """The city's waiting period in force on ``on``, or None where the city sets none (0 months)."""
    value = parameters.in_force(name, on)
    return value if value.value > 0 else None


def _case_conflicts(
    session: Session,
    by_bidx: dict[str, str],
    refusal_wait: Value | None,
    city_code: str,
    on: date,
    exclude: int,
) -> Iterator[Conflict]:
    rows = session.execute(
        select(CaseMember.person_bidx, Case)
        .join(Case, Case.id == CaseMember.case_id)
        .where(CaseMember.person_bidx.in_(list(by_bidx)), Case.id != exclude)
        .order_by(Case.submitted_at, Case.id)
    )
    for bidx, case in rows:
        number = by_bidx[bidx]
        if case.status in HOUSED_STATUSES:
            since = shanghai_date(case.closed_at or case.status_since or case.submitted_at)
            yield Conflict(number, "current_tenancy", case.city_code, since, case=case)
        elif case.status not in FINAL_STATUSES and case.status:
            yield Conflict(number, "live_case", case.city_code, shanghai_date(case.submitted_at), case=case)
        elif (
            case.status in REFUSED_STATUSES
            and case.city_code == city_code
            and case.closed_at is not None
            and refusal_wait is not None
        ):
            refused_on = shanghai_date(case.closed_at)
            until = periods.months_after(refused_on, int(refusal_wait.value))
            if on < until:
                yield Conflict(
                    number,
                    "waiting_period",
                    case.city_code,
                    refused_on,
                    until,
                    case=case,
                    parameter=refusal_wait,
                )


def _record_conflicts(
    session: Session, by_bidx: dict[str, str], exit_wait: Value | None, city_code: str, on: date
) -> Iterator[Conflict]:
    for bidx, records in assistance_of(session=session, bidxs=list(by_bidx)).items():
        for r in records:
            if record_current(r, on):
                yield Conflict(by_bidx[bidx], "current_tenancy", r.city_code, r.valid_from, kind=r.kind)
            elif exit_wait is not None and r.city_code == city_code and r.valid_to is not None:
                until = periods.months_after(r.valid_to, int(exit_wait.value))
                if on < until:
                    yield Conflict(
                        by_bidx[bidx],
                        "waiting_period",
                        r.city_code,
                        r.valid_to,
                        until,
                        kind=r.kind,
                        parameter=exit_wait,
                    )


def household_conflicts(
    *,
    session: Session,
    id_numbers: list[str],
    city_code: str,
    on: date,
    index: crypto.BlindIndex,
    exclude_case_id: int | None = None,
) -> list[Conflict]:
    """Every rule any of these people meets for an application in ``city_code`` on ``on``, in the
    household's order; ``exclude_case_id`` is the case being checked itself (at 受理)."""
    by_bidx = {index.digest(n, kind="id_number"): n for n in id_numbers}
    parameters = parameters_in_force(session=session, city_code=city_code)  # read once for both rules
    refusal_wait = _waiting_months(parameters, "reapply_after_refusal_months", on)
    exit_wait = _waiting_months(parameters, "reapply_after_exit_months", on)
    found = [
        *_case_conflicts(session, by_bidx, refusal_wait, city_code, on, exclude_case_id or 0),
        *_record_conflicts(session, by_bidx, exit_wait, city_code, on),
    ]
    order = {n: i for i, n in enumerate(id_numbers)}
    return sorted(found, key=lambda c: order[c.id_number])


def case_conflicts(
    *, session: Session, case: Case, household: list[dict[str, Any]], index: crypto.BlindIndex, on: date
) -> list[Conflict]:
    """The rules the household of a case meets, apart from the case itself (the reviewer's check at 受理)."""
    return household_conflicts(
        session=session,
        id_numbers=[str(m["id_number"]) for m in household],
        city_code=case.city_code,
        on=on,
        index=index,
        exclude_case_id=case.id,
    )
