"""年审 at scale: `anju housing reverify` over N tenancies against the sandbox's registers over signed HTTP.

Usage: PYTHONPATH=. python bench/reverify.py [--tenancies 100000] [--changed-percent 1] [--batch 50] [--shards 2]
                                            [--postgres postgresql+psycopg://postgres@127.0.0.1:5432 [--reuse]]

Set-up (not timed): a synthetic population in the sandbox (`population_generate`, about three people per
tenancy); one tenancy per hukou book, its case holding the registers' answers at approval (computed in
this process from the same register code the sandbox serves) and the applicant's authorisation; then
``--changed-percent`` of the households get a car registered since approval. Timed: `anju housing reverify`
as its own process, against `anju serve sandbox` in another, as in production (the batch is a CronJob,
the registers another organisation's servers).

Prints a table, then `reverify_households`, `reverify_seconds` (target: 100,000 in ≤ 600 s),
`reverify_flagged`, `reverify_changed` (the households the bench changed: each must be among the flagged)
and `reverify_register_calls`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.apart import wait_ready
from bench.cpu import machine_busy_seconds
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, select, text

from anju.core.settings import Settings
from anju.embedded import runtime_for
from anju.housing.allocation.models import HousingOffer, HousingProject, HousingUnit, Tenancy
from anju.housing.intake.service import (
    EVIDENCE_CONTEXT,
    HOUSEHOLD_CONTEXT,
    ID_CONTEXT,
    PHONE_CONTEXT,
    SIGNED_CONTEXT,
)
from anju.housing.models import Case
from anju.housing.reverify.models import TenancyReview
from anju.housing.reverify.service import registers, review_findings
from anju.sandbox.app import sandbox_prepare
from anju.sandbox.population.generator import population_generate
from anju.sandbox.population.models import HukouBook, Person, VehicleRecord
from anju.sandbox.sources import service as sources
from tests.support.env import free_port

CHUNK = 2000
APPROVED = datetime(2025, 10, 1, 2, tzinfo=UTC)
STARTED = date(2025, 12, 1)


def postgres_databases(base: str, *, fresh: bool = True) -> dict[str, str]:
    """The bench's databases on the server: dropped and created, or (``fresh`` false) kept if there."""
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    urls = {}
    with admin.connect() as conn:
        for system in ("platform", "housing", "sandbox"):
            name = f"anju_bench_reverify_{system}"
            there = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar()
            if fresh or not there:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                conn.execute(text(f"CREATE DATABASE {name}"))
            urls[f"ANJU_{system.upper()}_DB_URL"] = f"{base}/{name}"
    admin.dispose()
    return urls


def households(sandbox: Any, count: int) -> list[list[Person]]:
    """``count`` hukou books of the random population, each with its members (at most 20)."""
    with sandbox.db.transaction() as session:
        books = (
            select(HukouBook.id)
            .where(HukouBook.book_no.not_like("DEMO%"))
            .order_by(HukouBook.id)
            .limit(count)
            .subquery()
        )
        members: dict[int, list[Person]] = {}
        for person in session.scalars(
            select(Person).where(Person.book_id.in_(select(books.c.id))).order_by(Person.id)
        ):
            members.setdefault(person.book_id, []).append(person)
            session.expunge(person)
    return [people[:20] for _, people in sorted(members.items())][:count]


def approval_evidence(sandbox: Any, chunk: list[list[Person]]) -> dict[str, list[dict[str, Any]]]:
    """What each register said about each person of these households at approval, by ID number."""
    numbers = [p.id_number for h in chunk for p in h]
    by_person: dict[str, list[dict[str, Any]]] = {n: [] for n in numbers}
    with sandbox.db.transaction() as session:
        for register in registers():
            for r in sources.source_answer(
                session=session,
                source=register.source,
                id_numbers=numbers,
                fields=register.fields,
                today=STARTED,
            ):
                by_person[r["id_number"]].append(
                    {
                        "id_number": r["id_number"],
                        "source": register.source,
                        "status": "found" if r["found"] else "no_record",
                        "fields": r["fields"],
                        "fetched_at": APPROVED.isoformat(),
                    }
                )
    return by_person


def tenancies_load(housing: Any, sandbox: Any, homes: list[list[Person]], console: Console) -> None:
    """One case, flat, accepted offer and tenancy per household, due for its 年审 today."""
    cipher, index = housing.cipher, housing.blind_index
    consent = cipher.encrypt(
        json.dumps(
            [
                {
                    "kind": "application",
                    "content": json.dumps({"answers": {"application": {"verification_authorisation": True}}}),
                }
            ]
        ),
        context=SIGNED_CONTEXT,
    )
    with housing.db.transaction() as session:
        project = HousingProject(
            city_code="350100", district_code="350102", name="年审测算小区", address="鼓楼区测算路 1 号"
        )
        session.add(project)
        session.flush()
        project_id = project.id
    for start in range(0, len(homes), CHUNK):
        chunk = homes[start : start + CHUNK]
        evidence = approval_evidence(sandbox, chunk)
        with housing.db.transaction() as session:
            built: list[tuple[Case, HousingUnit]] = []
            for i, members in enumerate(chunk, start=start):
                applicant = members[0]
                household = [
                    {
                        "role": "applicant" if j == 0 else "co_applicant",
                        "relation": "本人" if j == 0 else "其他",
                        "name": p.name,
                        "id_number": p.id_number,
                        "birth_date": p.birth_date.isoformat(),
                    }
                    for j, p in enumerate(members)
                ]
                case = Case(
                    case_no=f"GZF-350100-20250901-{i + 1:06d}",
                    city_code="350100",
                    district_code="350102",
                    channel="web",
                    applicant_name=applicant.name,
                    applicant_id_enc=cipher.encrypt(applicant.id_number, context=ID_CONTEXT),
                    applicant_id_bidx=index.digest(applicant.id_number, kind="id_number"),
                    phone_enc=cipher.encrypt("13800000000", context=PHONE_CONTEXT),
                    applicant_group="low_income",
                    household_size=len(members),
                    address="鼓楼区",
                    household_enc=cipher.encrypt(
                        json.dumps(household, ensure_ascii=False), context=HOUSEHOLD_CONTEXT
                    ),
                    evidence_enc=cipher.encrypt(
                        json.dumps([e for p in members for e in evidence[p.id_number]], ensure_ascii=False),
                        context=EVIDENCE_CONTEXT,
                    ),
                    signed_documents_enc=consent,
                    status="closed",
                    submitted_at=APPROVED - timedelta(days=30),
                    decided_at=APPROVED,
                    closed_at=APPROVED + timedelta(days=61),
                )
                unit = HousingUnit(
                    project_id=project_id,
                    building="1",
                    unit_no=str(i + 1),
                    area_centi_m2=4500,
                    rooms=2,
                    floor=1 + i % 30,
                    rent_fen_per_m2=1200,
                    state="let",
                    imported_by="bench",
                )
                built.append((case, unit))
            session.add_all([row for pair in built for row in pair])
            session.flush()  # one INSERT … RETURNING per table for the chunk, not one per household
            offers = [
                HousingOffer(
                    unit_id=unit.id,
                    case_id=case.id,
                    state="accepted",
                    offered_by="bench",
                    reply_due_on=STARTED,
                    answered_by="bench",
                    answered_via="web",
                )
                for case, unit in built
            ]
            session.add_all(offers)
            session.flush()
            session.add_all(
                Tenancy(
                    case_id=case.id,
                    unit_id=unit.id,
                    offer_id=offer.id,
                    starts_on=STARTED,
                    ends_on=date(2028, 11, 30),
                    rent_fen=54000,
                    subsidy_fen=27000,
                    payable_fen=27000,
                    next_review_on=date(2026, 12, 1),
                    rule_source="bench",
                    rule_provisional=True,
                    signed_via="web",
                )
                for (case, unit), offer in zip(built, offers, strict=True)
            )
        console.print(f"  {min(start + CHUNK, len(homes)):,} tenancies loaded")


def cars_bought(sandbox: Any, homes: list[list[Person]], percent: float, *, add: bool = True) -> set[str]:
    """Every household whose position is a multiple of 100/percent gets a car (``add`` false: it has one
    from an earlier run); their case numbers."""
    step = max(1, round(100 / percent)) if percent > 0 else 0
    changed = set()
    with sandbox.db.transaction() as session:
        for i, members in enumerate(homes):
            if step and i % step == 0 and add:
                session.add(
                    VehicleRecord(
                        person_id=members[0].id,
                        plate=f"闽A{i % 100000:05d}",
                        purchase_value_fen=12_000_000,
                        purchased_on=date(2026, 6, 1),
                    )
                )
            if step and i % step == 0:
                changed.add(f"GZF-350100-20250901-{i + 1:06d}")
    return changed


def reverify_undo(housing: Any) -> int:
    """Put the kept tenancies back as they were before any 年审; how many there are."""
    with housing.db.transaction() as session:
        count = int(session.scalar(text("SELECT count(*) FROM tenancy")) or 0)
        for statement in (  # emptied, not deleted from: no dead rows left for autovacuum in the timed run
            "TRUNCATE review_answer, tenancy_review, reverify_round",
            "UPDATE tenancy SET next_review_on = DATE '2026-12-01'",
            "UPDATE case_file SET status = 'closed' WHERE status = 'reverifying'",
        ):
            session.execute(text(statement))
    return count


def cpu_seconds(pid: int) -> float:
    """User and system CPU a running process has used so far (/proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tenancies", type=int, default=2000)
    parser.add_argument("--changed-percent", type=float, default=1.0)
    parser.add_argument("--batch", type=int, default=None, help="households per register call")
    parser.add_argument(
        "--shards", type=int, default=2, help="`anju housing reverify --shard I/N` run side by side"
    )
    parser.add_argument(
        "--postgres", default=None, help="a PostgreSQL server URL (databases anju_bench_reverify_*)"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="PostgreSQL: keep the tenancies an earlier run loaded (keys in var/bench-reverify) and only undo its 年审",
    )
    args = parser.parse_args()
    console = Console()
    if args.reuse and not args.postgres:
        raise SystemExit("--reuse keeps PostgreSQL databases: give --postgres too")
    with tempfile.TemporaryDirectory(prefix="anju-reverify-") as tmp:
        port = free_port()
        keys = Path("var/bench-reverify/keys").resolve() if args.postgres else Path(tmp) / "keys"
        env = {
            **os.environ,
            "ANJU_VAR_DIR": tmp,
            "ANJU_KEYS_DIR": str(keys),
            "ANJU_SANDBOX_URL": f"http://127.0.0.1:{port}",
            **(postgres_databases(args.postgres, fresh=not args.reuse) if args.postgres else {}),
        }
        anju = [str(Path(sys.executable).parent / "anju")]
        subprocess.run([*anju, "migrate"], env=env, check=True, capture_output=True)
        os.environ.update({k: v for k, v in env.items() if k.startswith("ANJU_")})
        housing, sandbox = runtime_for("housing", Settings()), runtime_for("sandbox", Settings())
        started = time.monotonic()
        loaded = reverify_undo(housing) if args.reuse else 0
        if loaded and loaded != args.tenancies:
            raise SystemExit(f"the kept databases hold {loaded:,} tenancies, not {args.tenancies:,}")
        if not loaded:
            console.print(f"set-up: a population of {args.tenancies * 3:,} …")
            sandbox_prepare(sandbox)  # the sandbox's tables (it has no migrations) and its sign-in personas
            population_generate(db=sandbox.db, people=args.tenancies * 3, seed=20261207)
        homes = households(sandbox, args.tenancies)
        if len(homes) < args.tenancies:
            raise SystemExit(f"only {len(homes)} hukou books were generated")
        if not loaded:
            tenancies_load(housing, sandbox, homes, console)
        changed = cars_bought(sandbox, homes, args.changed_percent, add=not loaded)
        console.print(f"set-up took {time.monotonic() - started:.0f} s")
        logs = open(Path(tmp) / "sandbox.log", "w")  # noqa: SIM115 - closed below
        server = subprocess.Popen(
            [*anju, "serve", "sandbox", "--port", str(port), "--no-workers"],
            env=env,
            stdout=logs,
            stderr=logs,
        )
        try:
            wait_ready(f"http://127.0.0.1:{port}/readyz")
            command = [*anju, "housing", "reverify"] + (["--batch", str(args.batch)] if args.batch else [])
            registers_before, machine_before = cpu_seconds(server.pid), machine_busy_seconds()
            children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
            began = time.monotonic()
            parts = [
                subprocess.Popen(
                    [*command, "--shard", f"{k}/{args.shards}"],
                    env={**env, "COLUMNS": "200"},
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for k in range(1, args.shards + 1)
            ]
            outputs = [part.communicate() for part in parts]
            seconds = time.monotonic() - began
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            batch_cpu = (children.ru_utime + children.ru_stime) - (
                children_before.ru_utime + children_before.ru_stime
            )
            registers_cpu = cpu_seconds(server.pid) - registers_before
            rest_cpu = machine_busy_seconds() - machine_before - batch_cpu - registers_cpu
        finally:
            server.terminate()
            server.wait(timeout=10)
            logs.close()
        checked = flagged = calls = 0
        for part, (out, err) in zip(parts, outputs, strict=True):
            printed = out.strip().splitlines()[-1] if out.strip() else err[-500:]
            numbers = re.search(
                r"(\d+) household\(s\) checked, (\d+) flagged for review, (\d+) register call", printed
            )
            if part.returncode not in (0, 1) or numbers is None:
                raise SystemExit(f"anju housing reverify failed ({part.returncode}): {printed}")
            checked, flagged, calls = (
                a + int(n) for a, n in zip((checked, flagged, calls), numbers.groups(), strict=True)
            )
        by_source: Counter[str] = Counter()
        flagged_cases = set()
        with housing.db.transaction() as session:
            for case_no, review in session.execute(
                select(Case.case_no, TenancyReview)
                .join(TenancyReview, TenancyReview.case_id == Case.id)
                .where(TenancyReview.state == "flagged")
            ):
                flagged_cases.add(case_no)
                by_source.update({f["source"] for f in review_findings(review, housing.cipher)})
        housing.stop()
        sandbox.stop()
    backend = "PostgreSQL" if args.postgres else "SQLite"
    table = Table(title=f"年审 of {args.tenancies:,} tenancies ({backend}, {args.shards} batch process(es))")
    for column in (
        "households",
        "seconds",
        "per second",
        "flagged",
        "changed (all flagged)",
        "register calls",
        "CPU ms/household: batch",
        "registers",
        "database, rest",
    ):
        table.add_column(column, justify="right")
    table.add_row(
        f"{checked:,}",
        f"{seconds:.1f}",
        f"{checked / seconds:.0f}",
        f"{flagged:,}",
        f"{len(changed):,} ({'yes' if changed <= flagged_cases else 'NO'})",
        f"{calls:,}",
        f"{1000 * batch_cpu / max(checked, 1):.1f}",
        f"{1000 * registers_cpu / max(checked, 1):.1f}",
        f"{1000 * rest_cpu / max(checked, 1):.1f}",
    )
    console.print(table)
    console.print(
        "flagged households by what was found: " + "，".join(f"{k} {v}" for k, v in by_source.most_common())
    )
    print(f"reverify_households: {checked}")
    print(f"reverify_seconds: {seconds:.1f}")
    print(f"reverify_flagged: {flagged}")
    print(f"reverify_changed: {len(changed)}")
    print(f"reverify_register_calls: {calls}")
    print(f"reverify_cpu_ms_per_household: {1000 * (batch_cpu + registers_cpu) / max(checked, 1):.1f}")
    print(
        f"reverify_machine_cpu_ms_per_household: {1000 * (batch_cpu + registers_cpu + rest_cpu) / max(checked, 1):.1f}"
    )
    if not changed <= flagged_cases:
        raise SystemExit("a household the bench changed was not flagged")


if __name__ == "__main__":
    main()
