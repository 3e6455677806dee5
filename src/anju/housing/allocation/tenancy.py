"""The tenancy that follows an accepted offer (issue 19, slice 5): its term, the rent split into the city's
subsidy for the household's group and what the household pays (integers in fen, from allocation/tenancy.yaml,
provisional), and the date of the first 年审. It is recorded in housing's own 保障性住房记录 at once, so the
one-household rule and the registers' answer see the household as housed from that day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from anju.core import crypto, periods
from anju.housing.allocation.models import HousingOffer, HousingUnit, Tenancy
from anju.housing.allocation.units import monthly_rent_fen, percent_of, unit_label, unit_with_project, yuan
from anju.housing.models import Case
from anju.housing.records.service import assistance_record_add

RULES_FILE = Path(__file__).with_name("tenancy.yaml")


@dataclass(frozen=True)
class TenancyRule:
    """A city's tenancy levels from a date."""

    effective_from: date
    source: str
    provisional: bool
    term_years: int
    review_every_months: int
    subsidy_percent: dict[str, int]
    transition_rent_percent: int | None = None  # 退出: percent of the full rent until 腾退; None: the lease's


@lru_cache(maxsize=1)
def tenancy_rules() -> dict[str, Any]:
    """allocation/tenancy.yaml as read (levels by city and date; the grounds for 退出)."""
    data: dict[str, Any] = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    return data


@lru_cache(maxsize=256)
def tenancy_rule(city_code: str, on: date) -> TenancyRule:
    """The city's levels in force on ``on`` (the file is read once a process: so is each day's rule)."""
    rows = tenancy_rules()["cities"].get(city_code, []) + tenancy_rules()["defaults"]
    row = max((r for r in rows if r["effective_from"] <= on), key=lambda r: r["effective_from"])
    return TenancyRule(
        effective_from=row["effective_from"],
        source=str(row["source"]),
        provisional=bool(row["provisional"]),
        term_years=int(row["term_years"]),
        review_every_months=int(row["review_every_months"]),
        subsidy_percent={str(k): int(v) for k, v in row["subsidy_percent"].items()},
        transition_rent_percent=None
        if row.get("transition_rent_percent") is None
        else int(row["transition_rent_percent"]),
    )


@dataclass(frozen=True)
class Terms:
    """What the tenancy will say, before it is recorded."""

    starts_on: date
    ends_on: date
    rent_fen: int
    subsidy_fen: int
    payable_fen: int
    next_review_on: date
    rule: TenancyRule

    def sentence(self, label: str) -> str:
        """The terms as the applicant reads them on the timeline and in the sealed confirmation."""
        pending = "（租金补贴标准待当地核实）" if self.rule.provisional else ""
        return (
            f"房源：{label}；租期 {self.starts_on} 至 {self.ends_on}；月租金 {yuan(self.rent_fen)} 元，"
            f"租金补贴 {yuan(self.subsidy_fen)} 元{pending}，每月应缴 {yuan(self.payable_fen)} 元；"
            f"首次年审 {self.next_review_on} 前后进行，届时将重新核查家庭情况。"
        )


def lease_terms(*, case: Case, unit: HousingUnit, starts_on: date) -> Terms:
    """The term and the rent for this household in this flat, by the city's levels on the start date."""
    rule = tenancy_rule(case.city_code, starts_on)
    rent = monthly_rent_fen(unit)
    percent = rule.subsidy_percent.get(case.applicant_group, 0)
    subsidy = percent_of(rent, percent)
    return Terms(
        starts_on=starts_on,
        ends_on=periods.months_after(starts_on, 12 * rule.term_years) - timedelta(days=1),
        rent_fen=rent,
        subsidy_fen=subsidy,
        payable_fen=rent - subsidy,
        next_review_on=periods.months_after(starts_on, rule.review_every_months),
        rule=rule,
    )


def tenancy_start(
    *,
    session: Session,
    case: Case,
    offer: HousingOffer,
    via: str,
    index: crypto.BlindIndex,
    household: list[dict[str, Any]],
    today: date,
) -> tuple[Tenancy, str]:
    """Record the tenancy of an accepted offer and each member's 保障性住房记录; returns it and its terms as
    a sentence for the applicant."""
    project, unit = unit_with_project(session, offer.unit_id)
    terms = lease_terms(case=case, unit=unit, starts_on=today)
    tenancy = Tenancy(
        case_id=case.id,
        unit_id=unit.id,
        offer_id=offer.id,
        starts_on=terms.starts_on,
        ends_on=terms.ends_on,
        rent_fen=terms.rent_fen,
        subsidy_fen=terms.subsidy_fen,
        payable_fen=terms.payable_fen,
        next_review_on=terms.next_review_on,
        rule_source=terms.rule.source[:200],
        rule_provisional=terms.rule.provisional,
        signed_via=via,
    )
    session.add(tenancy)
    for member in household:
        assistance_record_add(
            session=session,
            id_number=str(member["id_number"]),
            index=index,
            city_code=case.city_code,
            kind="public_rental",
            valid_from=terms.starts_on,
            valid_to=None,
        )
    session.flush()
    return tenancy, terms.sentence(unit_label(project, unit))


def tenancy_of(*, session: Session, case: Case) -> Tenancy | None:
    """The case's tenancy, if an offer was accepted."""
    return session.scalar(select(Tenancy).where(Tenancy.case_id == case.id))
