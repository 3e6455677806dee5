"""办件成效: figures on a seeded set of cases equal the figures counted by hand; the staff dashboard shows
its own city with a chart, a table and CSV."""

from __future__ import annotations

import io
import sqlite3
import threading
import zipfile
from datetime import UTC, date, datetime
from typing import Any

import httpx
from sqlalchemy import event, insert, select

from anju.core import seal
from anju.core.db import is_sqlite
from anju.platform.applications import service as applications
from anju.platform.applications.schemas import StatusEvent
from anju.platform.metrics.rollup import metrics_rollup
from anju.platform.metrics.service import metrics
from anju.platform.models import Applicant, Application
from tests.conftest import Systems
from tests.support.factories import submit_application
from tests.support.journey import staff_sign_in


def at(day: int, hour: int = 2) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=UTC)  # 10:00 in Shanghai


def seed(systems: Systems) -> list[str]:
    """Three 福州 web cases submitted Monday 16 November 2026; one 厦门 case."""
    platform = systems.runtimes["platform"]
    numbers = [submit_application(platform, subject=f"m-{i}") for i in range(3)]
    numbers.append(submit_application(platform, subject="m-x", city_code="350200", district_code="350203"))
    with platform.db.transaction() as session:
        for number in numbers:
            application = session.scalars(
                select(Application).where(Application.application_no == number)
            ).one()
            application.submitted_at = at(16)
            application.typed_fields, application.backfilled_fields, application.uploads = 9, 27, 1
        due = date(2026, 11, 23)  # housing's acceptance deadline: 5 working days after receipt
        events = [
            (numbers[0], 1, "submitted", at(16), due),
            (numbers[0], 2, "accepted", at(19), None),  # 3 working days
            (numbers[0], 3, "first_review", at(19), None),
            (numbers[0], 4, "rejected", at(26), None),  # decided after 8 working days
            (numbers[1], 1, "submitted", at(16), due),
            (numbers[1], 2, "accepted", at(27), None),  # 9 working days: past the deadline
            # Received without a deadline (as before housing sent one), not accepted yet.
            (numbers[2], 1, "submitted", at(16), None),
            (numbers[3], 1, "accepted", at(17), None),
        ]
        for number, seq, status, when, due_on in events:
            applications.status_event_apply(
                session=session,
                event=StatusEvent(
                    case_no=number, seq=seq, status=status, event="x", occurred_at=when, due_on=due_on
                ),
                message_id=f"seed-{number}-{seq}",
                cipher=platform.cipher,
                outbox=platform.tables.outbox,
            )
    return numbers


def test_figures_equal_a_hand_count(systems: Systems) -> None:
    seed(systems)
    metrics_rollup(systems.runtimes["platform"].db)
    with systems.runtimes["platform"].db.transaction() as session:
        data = metrics(session=session, city_code="350100")
    (row,) = data["rows"]
    assert (row["city_code"], row["channel"], row["month"]) == ("350100", "web", "2026-11")
    assert (row["submitted"], row["accepted"], row["decided"], row["closed"]) == (3, 2, 1, 1)
    assert (row["accepted_days_median"], row["accepted_days_p90"]) == (3, 9)
    assert row["accepted_within_limit"] == 1
    assert (row["decided_days_median"], row["closed_days_p90"]) == (8, 8)
    assert (row["fields_typed"], row["fields_backfilled"], row["files_collected"]) == (27, 81, 3)
    with systems.runtimes["platform"].db.transaction() as session:
        everywhere = metrics(session=session)
    assert {r["city_code"] for r in everywhere["rows"]} == {"350100", "350200"}


def test_the_dashboard_shows_the_staff_members_city_with_csv(live: Systems) -> None:
    seed(live)
    metrics_rollup(live.runtimes["platform"].db)  # cron's job, every minute in production
    housing = live.settings.base_url("housing")
    with httpx.Client(timeout=10) as clerk:
        staff_sign_in(clerk, housing, username="guanli.350100")
        page = clerk.get(f"{housing}/staff/dashboard")
        assert page.status_code == 200 and "福州市办件成效" in page.text and "<svg" in page.text
        assert "统计截至" in page.text.split('id="as-of"')[1].split("</p>")[0]
        table = page.text.split('id="metrics"')[1].split("</table>")[0]
        assert "<td>2026-11</td>" in table and "<td>3</td>" in table
        csv = clerk.get(f"{housing}/staff/dashboard.csv")
        assert csv.headers["content-type"].startswith("text/csv")
        lines = csv.content.decode("utf-8-sig").splitlines()
        assert lines[0].startswith("月份,渠道,提交,受理") and lines[1].startswith("2026-11,网上办理,3,2,1,1")
        sealed = zipfile.ZipFile(io.BytesIO(clerk.get(f"{housing}/staff/dashboard-sealed.zip").content))
        assert sorted(sealed.namelist()) == ["metrics.csv", "metrics.csv.ses", "说明.txt"]
        table_bytes, signature = sealed.read("metrics.csv"), sealed.read("metrics.csv.ses")
        assert table_bytes == csv.content  # the same figures, byte for byte, under the Fuzhou office's seal
        roots = seal.trusted_roots(live.settings.key_directory, None)
        assert roots is not None
        check = seal.seal_verify_detached(table_bytes, signature, trusted_ca_pem=roots)
        assert check.intact and check.trusted and check.signer == "福州市住房保障部门（电子印章）"
        assert not seal.seal_verify_detached(table_bytes + b"\n", signature, trusted_ca_pem=roots).intact
        xiamen = httpx.Client(timeout=10)
        staff_sign_in(xiamen, housing, username="guanli.350200")
        assert (
            "<td>3</td>"
            not in xiamen.get(f"{housing}/staff/dashboard").text.split('id="metrics"')[1].split("</table>")[0]
        )
        xiamen.close()


def test_a_city_with_more_cases_than_a_statement_can_bind_still_gets_its_figures(systems: Systems) -> None:
    """The figures select a city's cases with a subquery. A list of 70,000 ids would exceed PostgreSQL's
    65,535 parameters per statement and SQLite's default of 32,766 (Debian builds allow 250,000, so the
    test sets SQLite's upstream default on its connections)."""
    platform = systems.runtimes["platform"]
    engine = platform.db.engine
    if is_sqlite(engine):

        def upstream_limit(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 32_766)

        event.listen(engine, "connect", upstream_limit)
        engine.dispose()  # pooled connections reopen with the limit
    many = 70_000
    with platform.db.transaction() as session:
        applicant_id = session.execute(
            insert(Applicant).values(subject="many", name="林晓峰", id_number_enc="x", id_number_bidx="x")
        ).inserted_primary_key[0]
        session.execute(
            insert(Application),
            [
                {
                    "application_no": f"GZF-350100-20261101-{i:06d}",
                    "applicant_id": applicant_id,
                    "city_code": "350100",
                    "status": "submitted",
                    "submitted_at": at(2),
                }
                for i in range(many)
            ],
        )
    metrics_rollup(platform.db, full=True)  # a bulk load bypasses the session's marks: compute everything
    with platform.db.transaction() as session:
        figures = metrics(session=session, city_code="350100")
    assert sum(row["submitted"] for row in figures["rows"]) == many
    assert figures["evaluations"] == []  # none of them has reached a stage where a rating is offered


def test_a_change_marks_only_its_city_and_month_and_the_next_rollup_counts_it(systems: Systems) -> None:
    """After the first rollup, only what changed is computed again: a status event marks its case's
    city-month; a case moved to another month takes its figures out of the old one."""
    numbers = seed(systems)
    platform = systems.runtimes["platform"]
    first = metrics_rollup(platform.db)
    assert first.full and first.cities == 2  # the first run computes everything there is
    assert metrics_rollup(platform.db).groups == 0  # nothing changed: nothing computed
    with platform.db.transaction() as session:
        applications.status_event_apply(
            session=session,
            event=StatusEvent(case_no=numbers[2], seq=2, status="accepted", event="x", occurred_at=at(18)),
            message_id="later-accept",
            cipher=platform.cipher,
            outbox=platform.tables.outbox,
        )
    with platform.db.transaction() as session:  # not yet rolled up: the dashboard says what it last knew
        (row,) = metrics(session=session, city_code="350100")["rows"]
        assert row["accepted"] == 2
    second = metrics_rollup(platform.db)
    assert (second.groups, second.cities) == (1, 1)  # 福州 November only
    with platform.db.transaction() as session:
        (row,) = metrics(session=session, city_code="350100")["rows"]
        assert row["accepted"] == 3
    with platform.db.transaction() as session:  # corrected: the case was submitted in October
        moved = session.scalars(select(Application).where(Application.application_no == numbers[0])).one()
        moved.submitted_at = datetime(2026, 10, 30, 2, 0, tzinfo=UTC)
    assert metrics_rollup(platform.db).groups == 2  # October gains it, November loses it
    with platform.db.transaction() as session:
        rows = {r["month"]: r["submitted"] for r in metrics(session=session, city_code="350100")["rows"]}
    assert rows == {"2026-10": 1, "2026-11": 2}


def test_a_month_in_shanghai_is_counted_by_shanghai_time(systems: Systems) -> None:
    """16:30 UTC on 31 October is 00:30 on 1 November in Fuzhou: a November case."""
    platform = systems.runtimes["platform"]
    number = submit_application(platform, subject="midnight")
    with platform.db.transaction() as session:
        application = session.scalars(select(Application).where(Application.application_no == number)).one()
        application.submitted_at = datetime(2026, 10, 31, 16, 30, tzinfo=UTC)
    metrics_rollup(platform.db)
    with platform.db.transaction() as session:
        assert [r["month"] for r in metrics(session=session, city_code="350100")["rows"]] == ["2026-11"]


def test_two_rollups_at_once_agree(systems: Systems) -> None:
    """Cron's rollup and one started by hand with --all, at the same moment: neither fails, and the
    figures are the same as one alone would leave."""
    seed(systems)
    platform = systems.runtimes["platform"]
    errors: list[BaseException] = []

    def roll() -> None:
        try:
            metrics_rollup(platform.db, full=True)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=roll) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with platform.db.transaction() as session:
        (row,) = metrics(session=session, city_code="350100")["rows"]
    assert (row["submitted"], row["accepted"], row["decided"]) == (3, 2, 1)


def test_operations_see_when_the_rollup_stops(systems: Systems) -> None:
    """The gauges an alert watches: the rollup's age (-1 before the first) and the marks waiting."""
    from fastapi.testclient import TestClient

    scraper = TestClient(systems.apps["platform"], base_url="http://testserver", client=("127.0.0.1", 50000))

    def gauge(name: str) -> float:
        text = scraper.get("/internal/metrics").text
        (line,) = [line for line in text.splitlines() if line.startswith(name + " ")]
        return float(line.split()[1])

    seed(systems)
    assert gauge("anju_metrics_rollup_age_seconds") == -1.0  # never rolled up
    assert gauge("anju_metrics_stale_marks") >= 4  # the seeded cases' changes wait
    metrics_rollup(systems.runtimes["platform"].db)
    assert 0 <= gauge("anju_metrics_rollup_age_seconds") < 60
    assert gauge("anju_metrics_stale_marks") == 0
