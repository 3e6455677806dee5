"""好差评: offered from acceptance, once per case; a 差评 becomes the office's task with a working-day
deadline, its follow-up reaches the rater, who may rate it; the figures match a hand count."""

from __future__ import annotations

import json
import re
from datetime import date

import httpx
import pytest
from sqlalchemy import select

from anju.core.timeutil import utcnow
from anju.platform.evaluation import service as evaluation
from anju.platform.models import Application, ApplicationEvent
from anju.sandbox.hcp.models import HcpRecord, HcpRectifyTask
from tests.conftest import Systems
from tests.support.factories import submit_application
from tests.support.journey import applicant_sign_in, application_fill_and_submit, csrf_of, staff_sign_in

ALL_BAD = {"overall": "1", "efficiency": "2", "guide_accuracy": "2", "convenience": "1", "usability": "2"}


def test_a_bad_rating_is_followed_up_and_the_rater_judges_the_follow_up(live: Systems) -> None:
    platform, housing = live.settings.base_url("platform"), live.settings.base_url("housing")
    with httpx.Client(timeout=10) as browser, httpx.Client(timeout=10) as clerk:
        form = applicant_sign_in(browser, platform, id_number="350104199011200641")
        done = application_fill_and_submit(browser, platform, form.text)
        number = re.search(r'id="application-no">([^<]+)<', done.text).group(1).strip()  # type: ignore[union-attr]
        assert 'id="evaluation-link"' not in browser.get(f"{platform}/applications/{number}").text  # not yet
        live.runtimes["platform"].outbox_worker().run_once()
        staff_sign_in(clerk, housing, username="shouli.350100")
        case = clerk.get(f"{housing}/staff/cases/{number}")
        clerk.post(
            f"{housing}/staff/cases/{number}/events",
            data={"csrf_token": csrf_of(case.text), "event": "accept", "confirm": "yes"},
        )
        live.runtimes["housing"].outbox_worker().run_once()

        progress = browser.get(f"{platform}/applications/{number}")
        assert 'id="evaluation-link"' in progress.text
        page = browser.get(f"{platform}/applications/{number}/evaluation")
        partial = browser.post(
            f"{platform}/applications/{number}/evaluation",
            data={"csrf_token": csrf_of(page.text), "overall": "1"},
        )
        assert partial.status_code == 400 and "请为“办事效率”选择一个评价等级" in partial.text
        rated = browser.post(
            f"{platform}/applications/{number}/evaluation",
            data={"csrf_token": csrf_of(page.text), **ALL_BAD, "comment": "补正通知写得不清楚，跑了两趟。"},
            follow_redirects=True,
        )
        assert "感谢您的评价" in rated.text and "您的差评已转办理部门" in rated.text
        again = browser.post(
            f"{platform}/applications/{number}/evaluation", data={"csrf_token": csrf_of(page.text), **ALL_BAD}
        )
        assert again.status_code == 400 and "已经评价过" in again.text  # 一事一评

        drain(live, "platform")
        pulled = evaluation.hcp_tasks_pull(live.runtimes["platform"])  # the province set a 整改 task for it
        assert (
            len(pulled.received) == 1 and not pulled.unmatched and not pulled.reported
        )  # not followed up yet
        assert evaluation.hcp_tasks_pull(live.runtimes["platform"]).received == []  # kept once
        tasks = clerk.get(f"{housing}/staff/follow-ups")
        assert number in tasks.text and "补正通知写得不清楚" in tasks.text and "期限 " in tasks.text
        task_id = re.search(r'action="[^"]*/follow-ups/(\d+)"', tasks.text).group(1)  # type: ignore[union-attr]
        short = clerk.post(
            f"{housing}/staff/follow-ups/{task_id}",
            data={"csrf_token": csrf_of(tasks.text), "finding": "已回访", "action": "rectified"},
        )
        assert short.status_code == 400 and "至少 10 个字" in short.text
        clerk.post(
            f"{housing}/staff/follow-ups/{task_id}",
            data={
                "csrf_token": csrf_of(tasks.text),
                "finding": "已电话回访申请人，补正通知模板已改为逐项列明材料和办理地点。",
                "action": "rectified",
            },
        )
        live.runtimes["housing"].outbox_worker().run_once()

        followed = browser.get(f"{platform}/applications/{number}/evaluation")
        assert "补正通知模板已改为逐项列明" in followed.text and "已整改" in followed.text
        browser.post(
            f"{platform}/applications/{number}/evaluation/follow-up",
            data={"csrf_token": csrf_of(followed.text), "rating": "4"},
        )
        assert "您对回访的评价：满意" in browser.get(f"{platform}/applications/{number}/evaluation").text

    # Both ratings reached the provincial 好差评 system (sandbox) over its own protocol, with the national
    # field names and the rater's real name; the office's rectification answered the province's task.
    drain(live, "platform")
    with live.runtimes["sandbox"].db.transaction() as session:
        reports = [
            (r.project_no, r.assess_number, r.satisfaction, r.area_code)
            for r in session.scalars(select(HcpRecord).order_by(HcpRecord.assess_number))
        ]
        first = json.loads(
            session.scalars(select(HcpRecord.payload).where(HcpRecord.assess_number == 1)).one()
        )
        task = session.scalars(select(HcpRectifyTask)).one()
    assert reports == [(number, 1, 1, "350100000000"), (number, 2, 4, "350100000000")]
    assert first["pf"] == "1" and first["handleUserName"] == "福州市住房保障部门"
    assert "efficiency=2" in first["evalDetail"] and first["userPageType"] == "111"
    assert first["certKey"] == "350104199011200641" and first["sysNO"] == live.settings.hcp_sys_no
    assert task.project_no == number and task.result == "1" and "补正通知模板已改为逐项列明" in task.content
    inbox = httpx.get(f"{live.settings.base_url('sandbox')}/hcp", timeout=10).text
    assert "已整改" in inbox and number in inbox


def drain(live: Systems, system: str) -> None:
    """Deliver everything the system's outbox holds (five at a time)."""
    worker = live.runtimes[system].outbox_worker()  # type: ignore[index]
    while worker.run_once():
        pass


def test_the_follow_up_deadline_counts_working_days_across_national_day(systems: Systems) -> None:
    platform = systems.runtimes["platform"]
    number = submit_application(platform)
    with platform.db.transaction() as session:
        application = session.scalars(select(Application).where(Application.application_no == number)).one()
        application.status = "accepted"  # test set-up: the case has been accepted
        rated = evaluation.evaluation_record(
            session=session,
            application=application,
            channel="web",
            answers=ALL_BAD,
            comment="",
            outbox=platform.tables.outbox,
            user="t",
            cipher=platform.cipher,
            today=date(2026, 9, 30),
        )
        assert rated.follow_up_due_on == date(2026, 10, 13)  # 10-01..10-07 off, Saturday 10-10 worked


def test_the_figures_match_a_count_by_hand(systems: Systems) -> None:
    platform = systems.runtimes["platform"]
    numbers = [submit_application(platform, subject=f"s-{i}") for i in range(6)]
    levels = [5, 4, 3, 2, 1, None]  # five rated, one not
    with platform.db.transaction() as session:
        for number, level in zip(numbers, levels, strict=True):
            application = session.scalars(
                select(Application).where(Application.application_no == number)
            ).one()
            application.status = "accepted"
            if level is not None:
                answers = dict.fromkeys(evaluation.indicators_for("web"), str(level))
                evaluation.evaluation_record(
                    session=session,
                    application=application,
                    channel="web",
                    answers=answers,
                    comment="",
                    outbox=platform.tables.outbox,
                    user="t",
                    cipher=platform.cipher,
                )
        bad = session.scalars(select(evaluation.Evaluation).where(evaluation.Evaluation.overall == 1)).one()
        evaluation.follow_up_apply(
            session=session,
            ref=f"EV-{bad.id}",
            finding="已回访并整改",
            action="rectified",
            at=bad.rated_at,
            outbox=platform.tables.outbox,
        )
        evaluation.follow_up_rate(
            session=session, evaluation=bad, rating="5", outbox=platform.tables.outbox, cipher=platform.cipher
        )
    with platform.db.transaction() as session:
        (row,) = evaluation.evaluation_figures(session=session)
    assert (row["cases"], row["rated"], row["good"], row["bad"]) == (6, 5, 2, 2)
    assert row["active_rate"] == pytest.approx(5 / 6, abs=1e-4)
    assert row["good_rate"] == pytest.approx(2 / 5)
    assert row["rectify_rate"] == pytest.approx(1 / 2)
    assert row["follow_up_satisfaction"] == 1.0


def test_an_appealed_bad_rating_is_reviewed_by_someone_else_and_if_upheld_not_counted(live: Systems) -> None:
    platform, housing = live.settings.base_url("platform"), live.settings.base_url("housing")
    with (
        httpx.Client(timeout=10) as browser,
        httpx.Client(timeout=10) as clerk,
        httpx.Client(timeout=10) as auditor,
    ):
        form = applicant_sign_in(browser, platform, id_number="350104199011200641")
        done = application_fill_and_submit(browser, platform, form.text)
        number = re.search(r'id="application-no">([^<]+)<', done.text).group(1).strip()  # type: ignore[union-attr]
        live.runtimes["platform"].outbox_worker().run_once()
        staff_sign_in(clerk, housing, username="shouli.350100")
        case = clerk.get(f"{housing}/staff/cases/{number}")
        clerk.post(
            f"{housing}/staff/cases/{number}/events",
            data={"csrf_token": csrf_of(case.text), "event": "accept", "confirm": "yes"},
        )
        live.runtimes["housing"].outbox_worker().run_once()
        page = browser.get(f"{platform}/applications/{number}/evaluation")
        browser.post(
            f"{platform}/applications/{number}/evaluation", data={"csrf_token": csrf_of(page.text), **ALL_BAD}
        )
        live.runtimes["platform"].outbox_worker().run_once()

        tasks = clerk.get(f"{housing}/staff/follow-ups")
        task_id = re.search(r'action="[^"]*/follow-ups/(\d+)/appeal"', tasks.text).group(1)  # type: ignore[union-attr]
        appealed = clerk.post(
            f"{housing}/staff/follow-ups/{task_id}/appeal",
            data={
                "csrf_token": csrf_of(tasks.text),
                "reason": "评价人在受理当天即给出差评，评价内容与本件办理无关。",
            },
            follow_redirects=True,
        )
        assert (
            "申诉（shouli.350100）" in appealed.text and "申诉成立</button>" not in appealed.text
        )  # not her own
        self_review = clerk.post(
            f"{housing}/staff/follow-ups/{task_id}/appeal",
            data={"csrf_token": csrf_of(tasks.text), "decision": "upheld"},
        )
        assert self_review.status_code == 400 and "只有审计员或市级管理员" in self_review.text

        staff_sign_in(auditor, housing, username="shenji.350100")
        review = auditor.get(f"{housing}/staff/follow-ups")
        assert "申诉成立</button>" in review.text
        auditor.post(
            f"{housing}/staff/follow-ups/{task_id}/appeal",
            data={"csrf_token": csrf_of(review.text), "decision": "upheld"},
        )
        live.runtimes["housing"].outbox_worker().run_once()

    with live.runtimes["platform"].db.transaction() as session:
        (row,) = evaluation.evaluation_figures(session=session)
    assert row["rated"] == 1 and row["bad"] == 0  # upheld on review: not counted as a 差评


def test_the_figures_are_per_office_and_count_a_case_rated_on_two_channels_once(systems: Systems) -> None:
    platform = systems.runtimes["platform"]
    numbers = [submit_application(platform, subject=f"o-{i}") for i in range(3)]
    district_office = "福州市鼓楼区住房保障中心"
    with platform.db.transaction() as session:
        applications = [
            session.scalars(select(Application).where(Application.application_no == n)).one() for n in numbers
        ]
        for application in applications:
            application.status = "accepted"  # test set-up: housing has accepted the three cases
        session.add(  # the first case was accepted by a district office, the others by the city's
            ApplicationEvent(
                application_id=applications[0].id,
                source="housing",
                seq=1,
                status="accepted",
                office=district_office,
                occurred_at=utcnow(),
            )
        )
        for channel, level in (
            ("web", "5"),
            ("counter", "1"),
        ):  # the same case, rated at home and at the counter
            evaluation.evaluation_record(
                session=session,
                application=applications[1],
                channel=channel,
                answers=dict.fromkeys(evaluation.indicators_for(channel), level),
                comment="",
                outbox=platform.tables.outbox,
                user="t",
                cipher=platform.cipher,
            )
    with platform.db.transaction() as session:
        rows = {row["office"]: row for row in evaluation.evaluation_figures(session=session)}
    assert set(rows) == {district_office, "福州市住房保障部门"}
    assert (rows[district_office]["cases"], rows[district_office]["rated"]) == (1, 0)
    city = rows["福州市住房保障部门"]
    assert (city["cases"], city["rated"], city["ratings"], city["good"], city["bad"]) == (2, 1, 2, 1, 1)
    assert city["active_rate"] == 0.5 and city["good_rate"] == 0.5
