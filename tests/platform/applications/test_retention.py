"""The retention the consent notice promises is kept: idle drafts are deleted, ended applications are
erased when their period runs out, and the record of consents and register queries survives intact."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from anju.core.timeutil import utcnow
from anju.platform.applications import service as applications
from anju.platform.applications.retention import RetentionRules, retention_enforce, retention_rules
from anju.platform.applications.schemas import StatusEvent
from anju.platform.backfill.sources import source_list
from anju.platform.models import (
    Application,
    ApplicationMember,
    ApplicationSignature,
    BackfillResult,
    Consent,
    DataAccessLog,
    DraftAnswer,
)
from tests.conftest import Systems
from tests.platform.backfill.test_backfill import Family
from tests.support.factories import seed_family
from tests.support.journey import applicant_sign_in, application_fill_and_submit

RULES = RetentionRules(years_after_final=5, draft_idle_days=30)


@pytest.fixture
def family(live: Systems) -> Family:
    seed_family(live.runtimes["sandbox"])
    return Family(live)


def test_the_notice_states_the_numbers_the_job_enforces() -> None:
    rules = retention_rules()
    words = source_list().retention
    assert f"保存 {rules.years_after_final} 年" in words and f"草稿 {rules.draft_idle_days} 天" in words


def test_an_idle_draft_is_deleted_and_the_record_of_queries_stays(family: Family) -> None:
    family.grant("林晓峰", ["hukou"])
    family.run()
    platform = family.platform
    later = utcnow() + timedelta(days=RULES.draft_idle_days)
    with platform.db.transaction() as session:
        assert retention_enforce(session=session, rules=RULES, now=later - timedelta(days=1)).drafts == []
        dry = retention_enforce(session=session, rules=RULES, now=later + timedelta(days=1), dry_run=True)
        assert dry.drafts == [family.draft_id]
        assert session.get(Application, family.draft_id).status == "draft"  # type: ignore[union-attr]
    with platform.db.transaction() as session:
        run = retention_enforce(session=session, rules=RULES, now=later + timedelta(days=1))
    assert run.drafts == [family.draft_id]

    with platform.db.transaction() as session:
        draft = session.get(Application, family.draft_id)
        assert draft is not None and draft.status == "deleted" and draft.erased_at is not None
        assert session.scalars(select(DraftAnswer).where(DraftAnswer.application_id == draft.id)).all() == []
        results = session.scalars(
            select(BackfillResult).where(BackfillResult.application_id == draft.id)
        ).all()
        assert results and {r.payload_enc for r in results} == {""}
        members = session.scalars(
            select(ApplicationMember).where(ApplicationMember.application_id == draft.id)
        )
        assert {(m.name, m.id_number_enc) for m in members} == {("", "")}
        consents = session.scalars(select(Consent).where(Consent.application_id == draft.id)).all()
        assert consents and all(c.revoked_at is not None for c in consents)  # revoked, not erased
        logged = session.scalars(select(DataAccessLog).where(DataAccessLog.application_id == draft.id)).all()
        assert logged and {entry.source for entry in logged} == {"hukou"}
        assert platform.audit.verify(session, DataAccessLog).intact


def test_a_draft_someone_is_still_filling_in_is_kept(family: Family) -> None:
    family.grant("林晓峰", ["hukou"])  # consenting today is activity, whatever the draft row says
    with family.platform.db.transaction() as session:
        draft = session.get(Application, family.draft_id)
        assert draft is not None
        draft.updated_at = utcnow() - timedelta(days=90)
    with family.platform.db.transaction() as session:
        assert retention_enforce(session=session, rules=RULES).drafts == []


def submitted(live: Systems, browser: httpx.Client) -> str:
    """An application submitted on the platform by a resident signed in with ``browser``: its number."""
    platform_url = live.settings.base_url("platform")
    form = applicant_sign_in(browser, platform_url, id_number="350104199011200641")
    done = application_fill_and_submit(browser, platform_url, form.text, phone="13912345678")
    return re.search(r'id="application-no">([^<]+)<', done.text).group(1).strip()  # type: ignore[union-attr]


def test_an_ended_application_is_erased_after_its_period_and_its_page_says_so(live: Systems) -> None:
    platform_url = live.settings.base_url("platform")
    platform = live.runtimes["platform"]
    browser = httpx.Client(timeout=10)
    number = submitted(live, browser)
    ended = datetime(2020, 3, 2, 2, 0, tzinfo=UTC)
    with platform.db.transaction() as session:
        applications.status_event_apply(
            session=session,
            event=StatusEvent(case_no=number, seq=1, status="rejected", event="reject", occurred_at=ended),
            message_id="retention-1",
            cipher=platform.cipher,
            outbox=platform.tables.outbox,
        )
    just_before = datetime(2025, 3, 2, 1, 59, tzinfo=UTC)
    with platform.db.transaction() as session:
        assert retention_enforce(session=session, rules=RULES, now=just_before).finished == []
    with platform.db.transaction() as session:
        assert retention_enforce(session=session, rules=RULES).finished == [number]

    with platform.db.transaction() as session:
        application = session.scalars(select(Application).where(Application.application_no == number)).one()
        assert (application.phone_enc, application.address, application.status) == ("", "", "rejected")
        signatures = select(ApplicationSignature).where(ApplicationSignature.application_id == application.id)
        assert session.scalars(signatures).all() == []
    page = browser.get(f"{platform_url}/applications/{number}")
    assert page.status_code == 200 and 'id="current-status">不予批准<' in page.text
    assert "个人信息" in page.text.split('id="erased"')[1] and 'id="receipt-link"' not in page.text
    receipt = browser.get(f"{platform_url}/applications/{number}/receipt.pdf")
    assert receipt.status_code == 410 and "申请表已删除" in receipt.text
    with platform.db.transaction() as session:  # a second pass finds nothing more to do
        assert retention_enforce(session=session, rules=RULES).finished == []
    browser.close()


def test_a_housed_household_keeps_its_application_while_it_rents_and_five_years_after_it_leaves(
    live: Systems,
) -> None:
    platform = live.runtimes["platform"]
    browser = httpx.Client(timeout=10)
    number = submitted(live, browser)

    def told(seq: int, status: str, event: str, on: datetime) -> None:
        with platform.db.transaction() as session:
            applications.status_event_apply(
                session=session,
                event=StatusEvent(case_no=number, seq=seq, status=status, event=event, occurred_at=on),
                message_id=f"retention-housed-{seq}",
                cipher=platform.cipher,
                outbox=platform.tables.outbox,
            )

    told(1, "closed", "close", datetime(2019, 3, 2, 2, 0, tzinfo=UTC))  # 办结: housed, renting since
    with platform.db.transaction() as session:  # seven years on, still a tenant: nothing is erased
        assert retention_enforce(session=session, rules=RULES).finished == []
    told(2, "exiting", "exit_notice", datetime(2020, 1, 6, 2, 0, tzinfo=UTC))
    told(3, "exited", "vacated", datetime(2020, 3, 2, 2, 0, tzinfo=UTC))  # the flat handed back
    with platform.db.transaction() as session:
        assert (
            retention_enforce(
                session=session, rules=RULES, now=datetime(2025, 3, 2, 1, 59, tzinfo=UTC)
            ).finished
            == []
        )
    with platform.db.transaction() as session:  # five years after 退出
        assert retention_enforce(session=session, rules=RULES).finished == [number]
    browser.close()


def test_the_notice_tells_a_tenant_their_application_is_kept_while_they_rent() -> None:
    words = source_list().retention
    assert "租赁期间一直保存" in words and "自退出之日起保存 5 年" in words and "办结" not in words
