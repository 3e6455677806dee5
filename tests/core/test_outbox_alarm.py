"""A message that will not get through is an alarm with a way out: a metric the alert rules watch, a list
of what is stuck and why, and a command that sends it again once the cause is fixed. A delivered message
keeps no personal data."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from anju.cli import app as cli
from anju.core.outbox import DEAD, DELIVERED, DELIVERED_PAYLOAD, PENDING, outbox_enqueue
from tests.conftest import Systems
from tests.core.test_observability import LOOPBACK, sample
from tests.support.env import cli_env

RULES = Path(__file__).parents[2] / "docs" / "operations" / "prometheus-alerts.yml"


def test_every_alert_rule_watches_a_metric_the_systems_export(systems: Systems) -> None:
    rules = [r for g in yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"] for r in g["rules"]]
    assert {r["alert"] for r in rules} >= {"AnjuOutboxMessageDead", "AnjuOutboxDelayed"}
    exported = ""
    for system in ("platform", "housing"):
        client = TestClient(systems.apps[system], base_url="http://testserver", client=LOOPBACK)
        exported += client.get("/internal/metrics").text
    for rule in rules:
        for metric in re.findall(r"\banju_[a-z_]+", rule["expr"]):
            assert f"# TYPE {metric} " in exported, f"{rule['alert']} watches {metric}, which nobody exports"


def test_a_dead_message_is_counted_listed_and_sent_again_by_the_operator(
    systems: Systems, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    housing = systems.runtimes["housing"]
    table = housing.tables.outbox
    with housing.db.transaction() as session:
        mid = outbox_enqueue(
            session,
            table,
            topic="case.status",
            destination="platform",
            path="/v1/bus/status-events",
            payload={"case_no": "GZF-350100-20261206-000009", "reason": "x"},
            case_no="GZF-350100-20261206-000009",
        )
        session.execute(
            table.update()
            .where(table.c.message_id == mid)
            .values(status=DEAD, attempts=1, last_status=422, last_error="reason: at most 2000 characters")
        )
    client = TestClient(systems.apps["housing"], base_url="http://testserver", client=LOOPBACK)
    assert sample(client.get("/internal/metrics").text, "anju_outbox_messages", state="dead") == 1

    for key, value in cli_env(systems.settings).items():
        monkeypatch.setenv(key, value)
    runner = CliRunner()
    listed = runner.invoke(cli, ["outbox", "stuck", "housing"])
    assert listed.exit_code == 1  # something is stuck: a cron job or a probe notices
    assert mid in listed.output and "422" in listed.output and "at most 2000 characters" in listed.output
    assert runner.invoke(cli, ["outbox", "resend", "housing"]).exit_code != 0  # says what to send
    resent = runner.invoke(cli, ["outbox", "resend", "housing", "--all-dead"])
    assert resent.exit_code == 0 and "1 message(s) queued again" in resent.output
    with housing.db.transaction() as session:
        row = session.execute(select(table).where(table.c.message_id == mid)).mappings().one()
    assert (row["status"], row["attempts"]) == (PENDING, 0)
    assert runner.invoke(cli, ["outbox", "stuck", "housing"]).exit_code == 0


def test_a_delivered_message_keeps_no_copy_of_what_it_carried(live: Systems) -> None:
    from tests.support.factories import submit_application

    platform = live.runtimes["platform"]
    submit_application(platform, subject="pii-1", id_number="350102199203150519", phone="13805910001")
    assert platform.outbox_worker().run_once() >= 1
    table = platform.tables.outbox
    with platform.db.transaction() as session:
        rows = session.execute(select(table)).mappings().all()
    delivered = [r for r in rows if r["status"] == DELIVERED]
    assert delivered and all(r["payload"] == DELIVERED_PAYLOAD for r in delivered)
    assert all(
        "350102199203150519" not in r["payload"] and "13805910001" not in r["payload"]
        for r in rows
        if r["status"] == DELIVERED
    )
    assert json.loads(DELIVERED_PAYLOAD) == {}


def test_the_citys_administrator_sees_its_stuck_status_messages(systems: Systems) -> None:
    from tests.housing.staff.test_staff_console import CASE_NO, signed_in_client, submit_case

    submit_case(systems)
    housing = systems.runtimes["housing"]
    table = housing.tables.outbox
    with housing.db.transaction() as session:
        session.execute(
            table.update()
            .where(table.c.case_no == CASE_NO)
            .values(status=DEAD, last_status=422, last_error="too long")
        )
    page = signed_in_client(systems, "guanli.350100").get("/staff/deliveries")
    assert (
        page.status_code == 200
        and CASE_NO in page.text
        and "已停止重试" in page.text
        and "too long" in page.text
    )
    assert (
        CASE_NO not in signed_in_client(systems, "guanli.350200").get("/staff/deliveries").text
    )  # other city
    assert signed_in_client(systems, "shouli.350100").get("/staff/deliveries").status_code == 403


def test_a_citys_stuck_messages_are_not_hidden_behind_another_citys(systems: Systems) -> None:
    """More stuck messages elsewhere in the province than a page holds, all older: the city's own is still
    listed (the region is chosen before the page is cut), and the other city's are paged, none lost."""
    from datetime import timedelta

    from anju.core.outbox import outbox_enqueue
    from anju.core.timeutil import utcnow
    from tests.housing.staff.test_staff_console import CASE_NO, signed_in_client, submit_case

    submit_case(systems)  # 福州's case: its receipt for the platform is queued
    xiamen = [f"GZF-350200-20261127-{n:06d}" for n in range(1, 206)]
    for number in xiamen:
        submit_case(systems, case_no=number, city_code="350200", district_code="350203")
    housing = systems.runtimes["housing"]
    table = housing.tables.outbox
    with housing.db.transaction() as session:
        outbox_enqueue(
            session, table, topic="x", destination="platform", path="/v1/x", payload={}, case_no=CASE_NO
        )
        session.execute(table.update().values(status=DEAD, last_error="refused"))
        long_ago = utcnow() - timedelta(days=2)
        session.execute(table.update().where(table.c.case_no != CASE_NO).values(created_at=long_ago))
    fuzhou = signed_in_client(systems, "guanli.350100").get("/staff/deliveries")
    assert CASE_NO in fuzhou.text and "本辖区共 2 条" in fuzhou.text  # its receipt and the message added
    admin = signed_in_client(systems, "guanli.350200")
    first = admin.get("/staff/deliveries")
    assert "本辖区共 205 条" in first.text and "第 1 页，共 3 页" in first.text and CASE_NO not in first.text
    seen = set()
    for page in (1, 2, 3):
        seen |= set(
            re.findall(r"GZF-350200-20261127-\d{6}", admin.get(f"/staff/deliveries?page={page}").text)
        )
    assert seen == set(xiamen)
