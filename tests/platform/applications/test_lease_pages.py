"""The 租赁合同 (issue 19, slice 5): the tenant reads the contract housing wrote on the application page and
signs it with the e-signature service; housing checks that signature over the exact text and issues the
contract under its seal; a signature over anything else, or a second one, is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select

from anju.core import seal
from anju.core.timeutil import today_shanghai, utcnow
from anju.housing.allocation.models import Tenancy
from anju.housing.models import Case
from anju.housing.review.documents import document_pdf
from tests.conftest import Systems
from tests.housing.allocation.test_stock_and_offers import offer_and_answer, stocked
from tests.platform.applications.test_waitlist_pages import submitted_and_delivered
from tests.support.journey import csrf_of
from tests.support.pdf import pdf_text
from tests.support.signed import signed_get, signed_post


def test_the_tenant_signs_the_lease_and_housing_seals_exactly_what_was_signed(live: Systems) -> None:
    stocked(live)
    platform, housing = live.settings.base_url("platform"), live.runtimes["housing"]
    with httpx.Client(timeout=15) as browser:
        number = submitted_and_delivered(live, browser, platform)
        with housing.db.transaction() as session:  # test set-up: approved and waiting for a flat
            case = session.scalars(select(Case).where(Case.case_no == number)).one()
            case.status, case.waitlist_no, case.household_size = "waitlisted", 1, 1
            case.decided_at = datetime(2026, 11, 1, 2, tzinfo=UTC)
        offer_and_answer(live, number, "101", accept=True, today=today_shanghai())
        housing.outbox_worker().run_once(now=utcnow() + timedelta(hours=1))

        path = f"/v1/tenancies/350100/{number}"
        told = signed_get(live.client("housing"), as_system=live.runtimes["platform"], path=path).json()
        forged = signed_post(
            live.client("housing"),
            as_system=live.runtimes["platform"],
            path=path + "/lease",
            payload={"signature": {"serial": "X"}},
        )
        assert forged.status_code == 409 and "电子签名验证不通过" in forged.text

        page = browser.get(f"{platform}/applications/{number}")
        contract = page.text.split('id="lease"')[1].split("</form>")[0]
        assert "公共租赁住房租赁合同" in contract and "承租人每月实际缴纳" in contract
        assert told["lease"]["content"].splitlines()[3] in contract  # the clause as housing wrote it
        signed = browser.post(
            f"{platform}/applications/{number}/lease",
            data={"csrf_token": csrf_of(page.text)},
            follow_redirects=True,
        )
        assert 'id="lease-signed"' in signed.text and 'id="lease"' not in signed.text
        again = browser.post(
            f"{platform}/applications/{number}/lease", data={"csrf_token": csrf_of(signed.text)}
        )
        assert again.status_code == 503 and "租赁合同已经签署" in again.text

        housing.outbox_worker().run_once(now=utcnow() + timedelta(hours=1))
        after = browser.get(f"{platform}/applications/{number}")
        assert 'id="lease-done"' in after.text and "公共租赁住房租赁合同" in after.text  # on the timeline
        assert 'id="current-status">已配租<' in after.text  # signing leaves the status as it was
        assert "已签署租赁合同" in after.text  # the timeline says the step, not the status again

    with housing.db.transaction() as session:
        case = session.scalars(select(Case).where(Case.case_no == number)).one()
        tenancy = session.scalars(select(Tenancy).where(Tenancy.case_id == case.id)).one()
        assert tenancy.lease_serial and tenancy.lease_signed_at is not None
        pdf = document_pdf(
            session=session,
            case=case,
            event_seq=case.event_seq,
            key_directory=live.settings.key_directory,
            cipher=housing.cipher,
        )
    assert pdf is not None and pdf[0].title == "公共租赁住房租赁合同"
    text = pdf_text(pdf[1]).replace(" ", "")
    for words in (
        "第三条租金",
        "承租人每月实际缴纳",
        f"签名编号{tenancy.lease_serial}",
        "出租人加盖电子印章确认",
    ):
        assert words in text, words
    trusted = seal.trusted_roots(live.settings.key_directory, None)
    assert trusted is not None
    assert seal.seal_verify(pdf[1], trusted_ca_pem=trusted).trusted
