"""The tenancy that follows an accepted offer (issue 19, slice 5): the rent split into the city's subsidy for
the household's group and what it pays, in fen, rounded half up; the term and the first 年审; the household
housed in 保障性住房记录 at once; the terms in the sealed 配租确认书 the applicant downloads."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from anju.core import seal
from anju.housing.allocation.models import HousingUnit, Tenancy
from anju.housing.allocation.tenancy import lease_terms, tenancy_rule
from anju.housing.households.service import household_conflicts
from anju.housing.models import Case
from anju.housing.review.documents import document_pdf
from tests.conftest import Systems
from tests.housing.allocation.test_stock_and_offers import offer_and_answer, stocked
from tests.housing.allocation.test_waitlist import PEOPLE, waiting
from tests.support.pdf import pdf_text
from tests.support.signed import signed_get


def test_the_rent_splits_into_subsidy_and_payable_in_fen_half_up() -> None:
    unit = HousingUnit(area_centi_m2=3850, rent_fen_per_m2=1250)  # 38.50 m² × 12.50 元 = 481.25 元
    on = date(2026, 12, 7)
    cases = {
        group: Case(city_code="350100", applicant_group=group)
        for group in ("dibao", "low_income", "new_graduate")
    }
    dibao = lease_terms(case=cases["dibao"], unit=unit, starts_on=on)
    assert (dibao.rent_fen, dibao.subsidy_fen, dibao.payable_fen) == (
        48125,
        43313,
        4812,
    )  # 90 %: 433.125 → 433.13
    low = lease_terms(case=cases["low_income"], unit=unit, starts_on=on)
    assert (low.subsidy_fen, low.payable_fen) == (24063, 24062)  # 50 %: 240.625 → 240.63
    graduate = lease_terms(case=cases["new_graduate"], unit=unit, starts_on=on)
    assert (graduate.subsidy_fen, graduate.payable_fen) == (0, 48125)
    assert (dibao.ends_on, dibao.next_review_on) == (date(2029, 12, 6), date(2027, 12, 7))
    leap = lease_terms(case=cases["dibao"], unit=unit, starts_on=date(2028, 2, 29))
    assert (leap.ends_on, leap.next_review_on) == (date(2031, 2, 27), date(2029, 2, 28))
    assert tenancy_rule("350100", on).provisional


def test_accepting_starts_the_tenancy_houses_the_household_and_seals_its_terms(systems: Systems) -> None:
    stocked(systems)
    case_no = waiting(systems, 1, "林晓峰", approved=date(2026, 10, 1), group="low_income")
    path, platform = f"/v1/tenancies/350100/{case_no}", systems.runtimes["platform"]
    assert signed_get(systems.client("housing"), as_system=platform, path=path).status_code == 404
    offer_and_answer(systems, case_no, "101", accept=True, today=date(2026, 12, 7))
    told = signed_get(systems.client("housing"), as_system=platform, path=path).json()
    assert (told["rent"], told["subsidy"], told["payable"]) == ("481.25", "240.63", "240.62")
    assert told["next_review_on"] == "2027-12-07" and told["provisional"] is True
    housing = systems.runtimes["housing"]
    with housing.db.transaction() as session:
        case = session.scalars(select(Case).where(Case.case_no == case_no)).one()
        tenancy = session.scalars(select(Tenancy).where(Tenancy.case_id == case.id)).one()
        assert (tenancy.payable_fen, tenancy.next_review_on, tenancy.signed_via) == (
            24062,
            date(2027, 12, 7),
            "counter",
        )
        assert case.status == "allocated"
        found = household_conflicts(
            session=session,
            id_numbers=[PEOPLE["林晓峰"]],
            city_code="350200",
            on=date(2026, 12, 8),
            index=housing.blind_index,
        )
        assert [c.rule for c in found] == [
            "live_case",
            "current_tenancy",
        ]  # housed from that day, in any city
        pdf = document_pdf(
            session=session,
            case=case,
            event_seq=case.event_seq,
            key_directory=systems.settings.key_directory,
            cipher=housing.cipher,
        )
    assert pdf is not None
    document, content = pdf
    assert document.title == "公共租赁住房配租确认书"
    text = pdf_text(content).replace(" ", "")  # the PDF's text comes back without its spaces
    for words in ("3栋101", "月租金481.25元", "租金补贴240.63元", "每月应缴240.62元", "首次年审2027-12-07"):
        assert words in text, words
    trusted = seal.trusted_roots(systems.settings.key_directory, None)
    assert trusted is not None
    check = seal.seal_verify(content, trusted_ca_pem=trusted)
    assert check.sealed and check.intact and check.trusted, check.summary
