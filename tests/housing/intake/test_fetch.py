"""Proofs by reference (decision 0035): a case declares its files, housing fetches each from the platform
over signed HTTP, cut off past the declared size and checked by SM3; until every file is here nobody acts
on the case, a failing fetch is tried again, and spent tries reach operations."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from anju.cli import app as cli
from anju.core.crypto import sm3_hex
from anju.core.outbox import RetryPolicy
from anju.core.timeutil import utcnow
from anju.housing.intake.fetch import attachments_fetch_once, attachments_retry, attachments_waiting
from anju.housing.intake.service import attachments_of
from anju.housing.models import Case
from anju.housing.review.service import TransitionRefused, case_transition
from tests.conftest import Systems
from tests.housing.staff.test_staff_console import CASE_NO, login, submit_case
from tests.support.env import cli_env
from tests.support.factories import scanned_png
from tests.support.journey import (
    applicant_sign_in,
    application_fill_and_submit,
    pledge_file_add,
    staff_sign_in,
)
from tests.support.signed import signed_get

PNG = scanned_png()


def _fetch(live: Systems, **kwargs: object) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    housing = live.runtimes["housing"]
    run = attachments_fetch_once(
        db=housing.db,
        client=housing.client,
        cipher=housing.cipher,
        policy=kwargs.pop("policy", housing.retry_policy),  # type: ignore[arg-type]
        **kwargs,  # type: ignore[arg-type]
    )
    return run.fetched, run.failed


def _submitted_with_a_proof(live: Systems) -> str:
    """A resident uploads a proof on the pledge page and submits; the platform delivers the case."""
    platform = live.settings.base_url("platform")
    with httpx.Client(timeout=10) as browser:
        form = applicant_sign_in(browser, platform, id_number="350104199011200641")
        _, added = pledge_file_add(browser, platform, form, "残疾证.png", PNG, "image/png")
        assert added.status_code == 303
        done = application_fill_and_submit(browser, platform, browser.get(str(form.url)).text)
        number = re.search(r'id="application-no">([^<]+)<', done.text).group(1).strip()  # type: ignore[union-attr]
    live.runtimes["platform"].outbox_worker().run_once()
    return number


def test_the_case_arrives_small_the_file_follows_and_only_then_can_the_clerk_act(live: Systems) -> None:
    number = _submitted_with_a_proof(live)
    housing = live.settings.base_url("housing")
    with httpx.Client(timeout=10) as clerk:
        staff_sign_in(clerk, housing, username="shouli.350100")
        waiting = clerk.get(f"{housing}/staff/cases/{number}")
        assert "正在从平台获取" in waiting.text and "还有 1 份" in waiting.text
        assert not re.search(r'href="[^"]*/attachments/\d+">残疾证.png<', waiting.text)
        assert 'name="event" value="accept"' not in waiting.text  # offered only once the file is here
        with live.runtimes["housing"].db.transaction() as session:
            case = session.scalars(select(Case).where(Case.case_no == number)).one()
            with pytest.raises(TransitionRefused) as refused:
                case_transition(
                    session=session,
                    case=case,
                    event="accept",
                    actor="shouli.350100",
                    actor_role="street_reviewer",
                    outbox=live.runtimes["housing"].tables.outbox,
                    audit=live.runtimes["housing"].audit,
                )
            assert refused.value.code == "proofs_pending"

        fetched, failed = _fetch(live)
        assert fetched == [(number, "残疾证.png")] and failed == []
        page = clerk.get(f"{housing}/staff/cases/{number}")
        assert "正在从平台获取" not in page.text and 'value="accept"' in page.text
        link = re.search(r'href="([^"]*/attachments/\d+)">残疾证.png<', page.text)
        assert link, "the clerk can open the file"
        opened = clerk.get(housing + link.group(1).removeprefix("/housing"))
        assert opened.content == PNG
    with live.runtimes["housing"].db.transaction() as session:
        case = session.scalars(select(Case).where(Case.case_no == number)).one()
        assert case.proofs_pending == 0
        (attachment,) = attachments_of(session=session, case=case, purposes=("other",))
        assert attachment.fetched_at is not None and attachment.digest == sm3_hex(PNG)
        assert b"PNG" not in attachment.content_enc.encode()  # encrypted at rest
    assert _fetch(live) == ([], [])  # nothing fetched twice


def test_only_housing_may_fetch_and_only_a_submitted_applications_file(live: Systems) -> None:
    number = _submitted_with_a_proof(live)
    platform = live.client("platform")
    path = f"/v1/applications/{number}/proofs/{sm3_hex(PNG)}"
    unsigned = platform.get(path)
    assert unsigned.status_code == 401
    as_sandbox = signed_get(platform, as_system=live.runtimes["sandbox"], path=path, case=number)
    assert as_sandbox.status_code == 403
    as_housing = signed_get(platform, as_system=live.runtimes["housing"], path=path, case=number)
    assert as_housing.status_code == 200 and as_housing.content == PNG
    other = signed_get(platform, as_system=live.runtimes["housing"], path=path.replace(number, "FJ-NONE"))
    assert other.status_code == 404 and other.json()["error"]["code"] == "proof_unknown"


def test_a_file_larger_than_declared_is_cut_off_and_never_stored(live: Systems) -> None:
    number = _submitted_with_a_proof(live)
    with live.runtimes["housing"].db.transaction() as session:  # the declaration says less than is served
        case = session.scalars(select(Case).where(Case.case_no == number)).one()
        (attachment,) = attachments_of(session=session, case=case, purposes=("other",))
        attachment.size_bytes = len(PNG) - 10
    fetched, failed = _fetch(live)
    assert fetched == [] and len(failed) == 1 and "PeerResponseTooLarge" in failed[0][2]
    with live.runtimes["housing"].db.transaction() as session:
        case = session.scalars(select(Case).where(Case.case_no == number)).one()
        (attachment,) = attachments_of(session=session, case=case, purposes=("other",))
        assert attachment.fetched_at is None and attachment.content_enc == ""
        assert attachment.fetch_attempts == 1 and attachment.fetch_due_at is not None
        assert case.proofs_pending == 1


def test_a_failing_fetch_is_tried_again_then_reaches_operations_and_is_requeued(live: Systems) -> None:
    # A case that declares a file the platform does not have: every try gets 404.
    declared = {"filename": "收入证明.pdf", "content_type": "application/pdf", "size": 1234, "sm3": "a" * 64}
    submit_case(live, other_proofs=[declared])
    housing = live.runtimes["housing"]
    policy = RetryPolicy(max_attempts=3, base_delay_seconds=60, max_delay_seconds=60)
    fetched, failed = _fetch(live, policy=policy)
    assert fetched == [] and "404" in failed[0][2]
    assert _fetch(live, policy=policy) == ([], [])  # not due again yet: it waits its backoff
    for hour in (1, 2):
        _fetch(live, policy=policy, now=utcnow() + timedelta(hours=hour))
    assert attachments_waiting(db=housing.db) == {"waiting": 0, "failed": 1}
    scraper = TestClient(live.apps["housing"], base_url="http://testserver", client=("127.0.0.1", 50000))
    metrics = scraper.get("/internal/metrics").text
    assert 'anju_case_files_waiting{state="failed"} 1.0' in metrics

    status = CliRunner().invoke(cli, ["files", "status"], env=cli_env(live.settings))
    assert status.exit_code == 1 and "获取失败" in status.output and "收入证明.pdf" in status.output
    page = live.client("housing")
    assert login(page, "shouli.350100").status_code == 303
    case_page = page.get(f"/staff/cases/{CASE_NO}")
    assert "获取失败，已告知运维" in case_page.text
    assert "其中 1 份多次获取失败，已告知运维处理" in case_page.text

    assert attachments_retry(db=housing.db) == 1
    assert attachments_waiting(db=housing.db) == {"waiting": 1, "failed": 0}
    once = CliRunner().invoke(cli, ["files", "fetch"], env=cli_env(live.settings))  # an operator's pass
    assert once.exit_code == 1 and "未获取  收入证明.pdf" in once.output and "404" in once.output
