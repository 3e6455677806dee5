"""A province's worth of cases: the staff queue and the 办件成效 dashboard with a million cases on PostgreSQL.

Usage: PYTHONPATH=. python bench/scale.py [--cases 1000000] --postgres postgresql+psycopg://postgres@127.0.0.1:5432
                                         [--repeat 20] [--full-rollup]

It runs the production shape (`anju deploy local`'s processes, decision 0033) on databases of its own
(``anju_scale_*``), kept between runs: cases are added only up to ``--cases`` (synthetic, see ``generate``:
36 months of them across Fujian's cities, each with its status events on both sides, a fifth rated), then
the dashboard's figures are rolled up in full. It then times, over HTTP through the proxy and signed in as
real staff accounts, each kind of queue page (a role's whole queue, a deep page, each filter, each search)
and the dashboard of two cities, ``--repeat`` times each, and one incremental rollup after a burst of
status events. Prints a table, then `scale_cases`, `queue_p95_ms`, `dashboard_p95_ms`, `rollup_full_s` and
`rollup_incremental_s`.

The generated cases carry no personal data (dummy ciphertexts, names from a short list) and their audit
chain is not linked: this database is for timing pages, not for `anju audit verify`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import Table as SqlTable
from sqlalchemy import create_engine, func, select, text

from anju.core import regions
from anju.core.settings import Settings
from anju.core.timeutil import shanghai_date, utcnow
from anju.deploy import Deployment, Shape, databases_ensure, free_base_port
from anju.embedded import runtime_for
from anju.housing import models as housing_models
from anju.platform import models as platform_models
from anju.platform.applications import service as applications
from anju.platform.applications.schemas import StatusEvent
from anju.platform.metrics.rollup import metrics_rollup
from tests.support.journey import staff_sign_in

MONTHS = 36
BURST = 200  # status events before the incremental rollup is timed
# Share of the province's cases by city (provisional: roughly by population, 2020 census).
CITY_WEIGHTS = {
    "350100": 20,
    "350200": 13,
    "350300": 8,
    "350400": 6,
    "350500": 21,
    "350600": 12,
    "350700": 6,
    "350800": 7,
    "350900": 7,
}
ACTIVE = ("submitted", "corrections_requested", "first_review", "review", "public_notice", "rechecking")
SETTLED = (
    ("allocated", 30),
    ("waitlisted", 25),
    ("rejected", 10),
    ("not_accepted", 5),
    ("withdrawn", 5),
    ("closed", 25),
)
CHANNELS = (("web", 50), ("h5", 30), ("counter", 15), ("kiosk", 5))
GROUPS = ("dibao", "low_income", "lower_middle_income", "new_graduate", "migrant_worker")
SURNAMES = "林陈黄张吴王李刘郑杨许蔡谢周徐曾罗洪"
GIVEN = ("晓峰", "美华", "建国", "志强", "娜娜", "雨涵", "思远", "小红", "志明", "丽娟", "海燕", "文斌")
SEARCHED_NAME = "林晓峰"


def _defaults(table: SqlTable, row: dict[str, Any], now: datetime) -> list[Any]:
    """Every column of the table, in order: the value given, else the column's default, else NULL."""
    values = []
    for column in _copied(table):
        if column.name in row:
            values.append(row[column.name])
        elif column.default is not None and getattr(column.default, "is_scalar", False):
            values.append(column.default.arg)  # type: ignore[attr-defined]
        elif column.default is not None:
            values.append(now)  # the callable defaults of these tables are all utcnow
        else:
            values.append(None)
    return values


def _copied(table: SqlTable) -> list[Any]:
    """The columns COPY fills: all but an integer key the database numbers."""
    return [c for c in table.columns if not (c.primary_key and c.name == "id")]


def copy_rows(raw: Any, table: SqlTable, rows: Iterator[dict[str, Any]], now: datetime) -> int:
    """COPY rows into a table (psycopg 3), filling what they leave out as the model would."""
    count = 0
    names = ", ".join(f'"{c.name}"' for c in _copied(table))
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(_defaults(table, row, now))
            count += 1
    return count


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([w for w, _ in weighted], weights=[n for _, n in weighted])[0]


def generate(base: str, *, start: int, count: int, clerks: list[str], console: Console) -> None:
    """Add cases start+1 … start+count to housing and the platform (the same numbers on both sides)."""
    now = utcnow()
    today = shanghai_date(now)
    rng = random.Random(start)
    cities = list(CITY_WEIGHTS)
    counties = {code: [c.code for c in regions.counties_of(code)] for code in cities}
    plan = []
    for n in range(start + 1, start + count + 1):
        city = rng.choices(cities, weights=list(CITY_WEIGHTS.values()))[0]
        age = rng.random() ** 1.3 * MONTHS * 30.4  # more recent than old: the service grows
        submitted = now - timedelta(days=age, seconds=rng.randrange(86_400))
        active = age < 60
        status = rng.choice(ACTIVE) if active else _pick(rng, SETTLED)
        channel = _pick(rng, CHANNELS)
        plan.append(
            {
                "n": n,
                "case_no": f"GZF-{city}-{shanghai_date(submitted):%Y%m%d}-{n:07d}",
                "city": city,
                "district": rng.choice(counties[city]),
                "status": status,
                "submitted": submitted,
                "accepted": submitted + timedelta(days=rng.uniform(0.5, 6))
                if status not in ("submitted", "not_accepted")
                else None,
                "decided": submitted + timedelta(days=rng.uniform(15, 50)) if not active else None,
                "due_on": today + timedelta(days=rng.randint(-6, 18)) if active else None,
                "channel": channel,
                "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
                "group": rng.choice(GROUPS),
                "clerk": rng.choice(clerks) if channel == "counter" and clerks else None,
                "rated": rng.random() < 0.2,
                "overall": rng.choice((5, 5, 5, 4, 4, 3, 2, 1)),
            }
        )
    started = time.perf_counter()
    case_table: SqlTable = housing_models.Case.__table__  # type: ignore[assignment]
    with create_engine(f"{base}/anju_scale_housing").connect() as conn:
        raw = conn.connection.dbapi_connection
        before = _max_id(conn, case_table)
        copy_rows(raw, case_table, (_case(p) for p in plan), now)
        raw.commit()
        ids = _ids_after(conn, case_table, case_table.c.case_no, before)
        events = (e for p in plan for e in _case_events(p, ids[p["case_no"]]))
        copy_rows(raw, housing_models.CaseEvent.__table__, events, now)  # type: ignore[arg-type]
        raw.commit()
    _vacuum(f"{base}/anju_scale_housing")
    console.print(f"housing: {count:,} cases and their events in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    application_table: SqlTable = platform_models.Application.__table__  # type: ignore[assignment]
    with create_engine(f"{base}/anju_scale_platform").connect() as conn:
        raw = conn.connection.dbapi_connection
        applicants = _applicants(conn, raw, now)
        before = _max_id(conn, application_table)
        copy_rows(raw, application_table, (_application(p, applicants) for p in plan), now)
        raw.commit()
        ids = _ids_after(conn, application_table, application_table.c.application_no, before)
        events = (e for p in plan for e in _application_events(p, ids[p["case_no"]]))
        copy_rows(raw, platform_models.ApplicationEvent.__table__, events, now)  # type: ignore[arg-type]
        rated = (_evaluation(p, ids[p["case_no"]]) for p in plan if p["rated"])
        copy_rows(raw, platform_models.Evaluation.__table__, rated, now)  # type: ignore[arg-type]
        raw.commit()
    _vacuum(f"{base}/anju_scale_platform")
    console.print(
        f"platform: {count:,} applications, their events and ratings in {time.perf_counter() - started:.0f} s"
    )


def _vacuum(url: str) -> None:
    """What autovacuum does in service after a load: statistics, and the visibility map that lets the
    queue's counts and pages come from the index alone."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def _max_id(conn: Any, table: SqlTable) -> int:
    return int(conn.scalar(select(func.coalesce(func.max(table.c.id), 0))))


def _ids_after(conn: Any, table: SqlTable, number: Any, before: int) -> dict[str, int]:
    """Number → id of the rows added after id ``before``."""
    return {str(n): int(i) for n, i in conn.execute(select(number, table.c.id).where(table.c.id > before))}


def _case(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "case_no": p["case_no"],
        "city_code": p["city"],
        "district_code": p["district"],
        "channel": p["channel"],
        "applicant_name": p["name"],
        "applicant_id_enc": "bench",
        "applicant_id_bidx": f"bench-{p['n'] % 100_000}",
        "phone_enc": "bench",
        "applicant_group": p["group"],
        "household_size": 1 + p["n"] % 4,
        "address": "福建省（合成数据）",
        "status": p["status"],
        "event_seq": 3,
        "submitted_at": p["submitted"],
        "received_at": p["submitted"],
        "accepted_at": p["accepted"],
        "status_since": p["decided"] or p["accepted"] or p["submitted"],
        "decided_at": p["decided"],
        "due_on": p["due_on"],
    }


def _steps(p: dict[str, Any]) -> list[tuple[str, datetime]]:
    steps = [("submitted", p["submitted"])]
    if p["accepted"]:
        steps.append(("accepted", p["accepted"]))
    if p["status"] not in ("submitted", "accepted"):
        steps.append((p["status"], p["decided"] or p["accepted"] or p["submitted"]))
    return steps


def _case_events(p: dict[str, Any], case_id: int) -> Iterator[dict[str, Any]]:
    previous = ""
    for seq, (status, at) in enumerate(_steps(p), start=1):
        yield {
            "case_id": case_id,
            "seq": seq,
            "event": status,
            "from_status": previous,
            "to_status": status,
            "actor": "bench",
            "actor_role": "system",
            "reason": "",
            "channel": p["channel"],
            "occurred_at": at,
        }
        previous = status


def _application(p: dict[str, Any], applicants: list[int]) -> dict[str, Any]:
    return {
        "application_no": p["case_no"],
        "applicant_id": applicants[p["n"] % len(applicants)],
        "city_code": p["city"],
        "district_code": p["district"],
        "applicant_group": p["group"],
        "channel": p["channel"],
        "status": p["status"],
        "status_seq": len(_steps(p)),
        "submitted_at": p["submitted"],
        "typed_fields": 5 + p["n"] % 5,
        "backfilled_fields": 25 + p["n"] % 10,
        "uploads": p["n"] % 3,
        "served_by": p["clerk"],
        "served_seconds": 300 + p["n"] % 1500 if p["clerk"] else None,
    }


def _application_events(p: dict[str, Any], application_id: int) -> Iterator[dict[str, Any]]:
    yield {
        "application_id": application_id,
        "source": "platform",
        "seq": 1,
        "status": "submitted",
        "occurred_at": p["submitted"],
    }
    for seq, (status, at) in enumerate(_steps(p), start=1):
        yield {
            "application_id": application_id,
            "source": "housing",
            "seq": seq,
            "status": status,
            "occurred_at": at,
            "due_on": shanghai_date(at) + timedelta(days=7) if status == "submitted" else None,
        }


def _evaluation(p: dict[str, Any], application_id: int) -> dict[str, Any]:
    return {
        "application_id": application_id,
        "city_code": p["city"],
        "channel": p["channel"],
        "stage": p["status"],
        "overall": p["overall"],
        "indicators_json": json.dumps({"efficiency": p["overall"]}),
        "rated_at": p["decided"] or p["submitted"],
        "clerk": p["clerk"],
    }


def _applicants(conn: Any, raw: Any, now: datetime) -> list[int]:
    """A pool of synthetic applicants the applications belong to (what the figures read is the application)."""
    table = platform_models.Applicant.__table__
    existing = list(conn.scalars(select(table.c.id).where(table.c.subject.like("bench-%"))))
    if existing:
        return existing
    rows = (
        {"subject": f"bench-{i}", "name": "合成", "id_number_enc": "bench", "id_number_bidx": f"bench-{i}"}
        for i in range(10_000)
    )
    copy_rows(raw, table, rows, now)  # type: ignore[arg-type]
    raw.commit()
    return list(conn.scalars(select(table.c.id).where(table.c.subject.like("bench-%"))))


def timed(client: httpx.Client, url: str, repeat: int, expect: str) -> list[float]:
    """Milliseconds of ``repeat`` GETs (after one to warm up); each must answer 200 with ``expect``."""
    warm = client.get(url)
    assert warm.status_code == 200 and expect in warm.text, (url, warm.status_code)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return times


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.95 + 0.5) - 1)]


def main() -> None:
    warnings.filterwarnings("ignore", message=".*httpx module is deprecated.*")
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--postgres", required=True, help="server URL without database name")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument(
        "--full-rollup", action="store_true", help="time a full rollup even if the data is reused"
    )
    args = parser.parse_args()
    base = args.postgres.rstrip("/")
    console = Console()
    with tempfile.TemporaryDirectory() as tmp:
        shape = Shape(
            run_dir=Path(tmp), postgres=base, base_port=free_base_port(), database_prefix="anju_scale"
        )
        databases_ensure(shape)
        deployment = Deployment(shape)
        console.print("starting the production shape (migrations, demo accounts) …")
        deployment.start(seed=True)
        os.environ.update(shape.env())
        platform = runtime_for("platform", Settings())
        try:
            rows, figures = measure(args, base=base, shape=shape, platform=platform, console=console)
        finally:
            deployment.stop()
            platform.stop()
    table = Table(
        title=f"Scale: {figures['scale_cases']:,} cases on PostgreSQL, production shape, {args.repeat} requests each"
    )
    for column in ("page", "rows", "p50 ms", "p95 ms", "max ms"):
        table.add_column(column, justify="left" if column == "page" else "right")
    for name, note, times in rows:
        table.add_row(name, note, f"{statistics.median(times):.0f}", f"{p95(times):.0f}", f"{max(times):.0f}")
    console.print(table)
    for key, value in figures.items():
        print(f"{key}: {value}")


def measure(
    args: argparse.Namespace, *, base: str, shape: Shape, platform: Any, console: Console
) -> tuple[list[Any], dict[str, Any]]:
    with platform.db.transaction() as session:
        clerks = [f"clerk:{c}" for c in session.scalars(select(platform_models.Clerk.id))]
    housing = create_engine(f"{base}/anju_scale_housing")
    with housing.connect() as conn:
        have = int(conn.scalar(select(func.count()).select_from(housing_models.Case.__table__)) or 0)
    housing.dispose()
    rollup_full: float | None = None
    if have < args.cases:
        console.print(f"adding {args.cases - have:,} cases to the {have:,} there are …")
        generate(base, start=have, count=args.cases - have, clerks=clerks, console=console)
    if have < args.cases or args.full_rollup:
        started = time.perf_counter()
        metrics_rollup(platform.db, full=True)
        rollup_full = time.perf_counter() - started
        console.print(f"dashboard rolled up in full in {rollup_full:.0f} s")
    with platform.db.transaction() as session:
        cases = int(session.scalar(select(func.count()).select_from(platform_models.Application)) or 0)
    incremental = burst(platform)
    housing_url = shape.url("housing")
    rows: list[Any] = []
    with housing.connect() as conn:
        some_case = conn.scalar(
            text("SELECT case_no FROM case_file WHERE city_code = '350100' ORDER BY id DESC LIMIT 1")
        )
    housing.dispose()
    queue_pages = [
        ("shouli.350100", "", "受理：福州全部待办，第 1 页"),
        ("shouli.350100", "?page=20", "受理：第 20 页"),
        ("shouli.350100", "?due=overdue", "受理：已超期"),
        ("shouli.350100", "?district=350102&due=near", "受理：鼓楼区、临近期限"),
        ("shenhe.350100", "", "审核：第 1 页"),
        ("guanli.350100", "", "市管理员：公示、批准、轮候、配租（最大的队列）"),
        ("guanli.350100", "?page=500", "市管理员：第 500 页"),
        ("guanli.350100", "?status=waitlisted&district=350104", "市管理员：仓山区轮候"),
        ("shenji.350100", "", "审计：福州所有状态"),
        ("shouli.350100", f"?q={some_case}", "查找申请编号"),
        ("shouli.350100", "?q=350102199203150519", "查找身份证号码"),
        ("shouli.350100", f"?q={SEARCHED_NAME}", f"查找姓名（{SEARCHED_NAME}）"),
    ]
    queue_times: list[float] = []
    for username, query, name in queue_pages:
        with httpx.Client(timeout=30) as client:
            staff_sign_in(client, housing_url, username=username)
            page = client.get(f"{housing_url}/staff/{query}")
            total = page.text.split('id="queue-counts"')[1].split("件")[0].split("共")[-1].strip()
            times = timed(client, f"{housing_url}/staff/{query}", args.repeat, 'id="queue-counts"')
        queue_times += times
        rows.append((name, f"共 {total} 件", times))
    dashboard_times: list[float] = []
    for username in ("guanli.350100", "guanli.350200"):
        with httpx.Client(timeout=30) as client:
            staff_sign_in(client, housing_url, username=username)
            times = timed(client, f"{housing_url}/staff/dashboard", args.repeat, 'id="metrics"')
        dashboard_times += times
        rows.append((f"办件成效：{regions.get(username[-6:]).name}", "", times))
    figures: dict[str, Any] = {
        "scale_cases": cases,
        "queue_p95_ms": round(p95(queue_times)),
        "dashboard_p95_ms": round(p95(dashboard_times)),
        "rollup_full_s": round(rollup_full, 1) if rollup_full is not None else "(not rerun: data reused)",
        "rollup_incremental_s": round(incremental, 2),
    }
    return rows, figures


def burst(platform: Any) -> float:
    """BURST status events on recent cases (marking their city-months), then one rollup: its seconds."""
    with platform.db.transaction() as session:
        recent = session.execute(
            select(platform_models.Application.application_no, platform_models.Application.status_seq)
            .where(platform_models.Application.status.in_(ACTIVE))
            .order_by(platform_models.Application.id.desc())
            .limit(BURST)
        ).all()
    for number, seq in recent:
        with platform.db.transaction() as session:
            applications.status_event_apply(
                session=session,
                event=StatusEvent(
                    case_no=number, seq=seq + 1, status="review", event="x", occurred_at=datetime.now(UTC)
                ),
                message_id=f"bench-burst-{number}-{seq + 1}",
                cipher=platform.cipher,
                outbox=platform.tables.outbox,
            )
    started = time.perf_counter()
    metrics_rollup(platform.db)
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
