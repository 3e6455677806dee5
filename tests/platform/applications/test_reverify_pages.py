"""年审 as the tenant and the reviewer meet it (issue 19, slice 6): a tenant whose registers changed sees on the
application page what was found beside what was approved, explains it, and the reviewer reads the
explanation beside the evidence and keeps the tenancy with reasons the tenant is told."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx
from sqlalchemy import select

from anju.core.timeutil import today_shanghai, utcnow
from anju.housing.allocation.models import Tenancy
from anju.housing.models import Case
from anju.sandbox.population.models import Person, VehicleRecord
from tests.conftest import Systems
from tests.housing.allocation.test_stock_and_offers import offer_and_answer, stocked
from tests.housing.reverify.test_reverify import run, single
from tests.housing.staff.test_permissions_staff_scope import sign_in
from tests.platform.applications.test_waitlist_pages import submitted_and_delivered
from tests.support.journey import csrf_of

WIFE = "350104199011200641"  # 欧阳娜娜, who applies on the web


def test_the_tenant_sees_what_the_annual_review_found_explains_it_and_is_told_the_decision(
    live: Systems,
) -> None:
    stocked(live)
    platform, housing = live.settings.base_url("platform"), live.runtimes["housing"]
    with httpx.Client(timeout=15) as browser:
        number = submitted_and_delivered(live, browser, platform)
        with housing.db.transaction() as session:  # test set-up: approved a year ago and waiting for a flat
            case = session.scalars(select(Case).where(Case.case_no == number)).one()
            case.status, case.waitlist_no, case.household_size = "waitlisted", 1, 1
            case.decided_at = datetime(2025, 11, 1, 2, tzinfo=UTC)
        offer_and_answer(live, number, "101", accept=True, today=date(2025, 12, 1))
        single(live, "欧阳娜娜", WIFE)  # the registers know her now …
        with live.runtimes["sandbox"].db.transaction() as session:  # … and a car in her name since
            person = session.scalars(select(Person).where(Person.id_number == WIFE)).one()
            session.add(
                VehicleRecord(
                    person_id=person.id,
                    plate="闽A8K321",
                    purchase_value_fen=9_600_000,
                    purchased_on=date(2026, 5, 1),
                )
            )
        assert run(live).flagged == 1
        housing.outbox_worker().run_once(now=utcnow() + timedelta(hours=1))  # the bus tells the platform

        page = browser.get(f"{platform}/applications/{number}")
        assert 'id="current-status">年审核查中<' in page.text
        panel = page.text.split('id="review"')[1].split("</form>")[0]
        assert "名下机动车" in panel and "96000.00 元" in panel and "8K321" not in panel
        empty = browser.post(
            f"{platform}/applications/{number}/explanation",
            data={"csrf_token": csrf_of(page.text), "text": " "},
        )
        assert empty.status_code == 400 and "请写明情况" in empty.text
        explained = browser.post(
            f"{platform}/applications/{number}/explanation",
            data={
                "csrf_token": csrf_of(page.text),
                "text": "该车为单位配车，登记在本人名下，已办理过户手续。",
            },
            follow_redirects=True,
        )
        assert 'id="review-explained"' in explained.text and "已办理过户手续" in explained.text

        reviewer = sign_in(live, "guanli.350100")
        case_page = reviewer.get(f"/staff/cases/{number}")
        reverify_panel = case_page.text.split('id="case-reverify"')[1].split("</form>")[0]
        assert "名下机动车" in reverify_panel and "该车为单位配车" in reverify_panel
        short = reviewer.post(
            f"/staff/cases/{number}/reverify/keep",
            data={"csrf_token": csrf_of(case_page.text), "reason": "可"},
        )
        assert short.status_code == 409 and "请写明核实情况" in short.text
        kept = reviewer.post(
            f"/staff/cases/{number}/reverify/keep",
            data={
                "csrf_token": csrf_of(case_page.text),
                "reason": "经核实车辆已于2026年11月过户，不影响保障资格",
            },
            follow_redirects=True,
        )
        assert 'id="case-status">已办结<' in kept.text
        housing.outbox_worker().run_once(now=utcnow() + timedelta(hours=1))
        after = browser.get(f"{platform}/applications/{number}")
        assert 'id="current-status">已办结<' in after.text and "不影响保障资格" in after.text
        assert "年审核实，继续保障" in after.text
        assert 'id="review"' not in after.text
        too_late = browser.post(
            f"{platform}/applications/{number}/explanation",
            data={"csrf_token": csrf_of(after.text), "text": "再补充一点情况"},
        )
        assert too_late.status_code == 503 and "已由工作人员核实" in too_late.text
    with housing.db.transaction() as session:
        tenancy = session.scalars(select(Tenancy)).one()
        assert tenancy.next_review_on > today_shanghai()
