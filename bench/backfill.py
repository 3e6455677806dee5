"""Backfill fan-out: every source at 200 ms latency, a 4-person household, real signed HTTP on loopback.

Usage: python bench/backfill.py [--latency-ms 200] [--runs 5]
Target (issue "Registers and backfill"): backfill_wall_over_slowest ≤ 1.2 — the sources are asked in
parallel, so the wall time is the slowest source, not the sum. Prints a table, then `metric: value` lines.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import warnings
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.table import Table

from anju.core.timeutil import today_shanghai
from anju.platform.applications import household
from anju.platform.backfill import service as backfill
from anju.platform.backfill.breaker import CircuitBreakers
from anju.platform.backfill.sources import source_list
from anju.platform.consent import service as consent
from anju.platform.identity.oidc import VerifiedIdentity
from anju.platform.identity.service import applicant_sign_in
from anju.sandbox.population.models import HukouBook, Person
from tests.support.env import serving_stack
from tests.support.factories import CHILD, HUSBAND, WIFE, seed_family

GRANDMOTHER = "350102196001010020"


def main() -> None:
    warnings.filterwarnings("ignore", message=".*httpx module is deprecated.*")
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency-ms", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, serving_stack(Path(tmp)) as (_settings, runtimes, servers):
        sandbox_app = servers["sandbox"].server.config.app
        for code in source_list().sources:
            sandbox_app.state.faults.set(code, latency_ms=args.latency_ms)
        seed_family(runtimes["sandbox"])
        with runtimes["sandbox"].db.transaction() as session:
            book = session.query(HukouBook).one()
            session.add(
                Person(
                    id_number=GRANDMOTHER,
                    name="陈秀英",
                    sex="F",
                    birth_date=date(1960, 1, 1),
                    book_id=book.id,
                    relation="父母",
                    hukou_moved_in=date(1985, 1, 1),
                )
            )
        platform = runtimes["platform"]
        with platform.db.transaction() as session:
            applicant = applicant_sign_in(
                session=session,
                identity=VerifiedIdentity(
                    subject="bench", name="林晓峰", id_number=HUSBAND, phone="13805910001", real_name_level=3
                ),
                cipher=platform.cipher,
                index=platform.blind_index,
            )
            draft = household.draft_start(
                session=session, applicant=applicant, cipher=platform.cipher, index=platform.blind_index
            )
            for relation, name, number in (
                ("配偶", "欧阳娜娜", WIFE),
                ("子女", "林小满", CHILD),
                ("父母", "陈秀英", GRANDMOTHER),
            ):
                household.member_add(
                    session=session,
                    draft=draft,
                    role="co_applicant",
                    relation=relation,
                    name=name,
                    id_number=number,
                    cipher=platform.cipher,
                    index=platform.blind_index,
                )
            codes = list(source_list().sources)
            for member in household.members_of(session=session, application_id=draft.id):
                consent.consents_grant(
                    session=session,
                    member=member,
                    sources=codes,
                    separately_agreed=set(codes),
                    granted_by="bench",
                    actor_bidx=member.id_number_bidx,
                    actor_is_applicant=False,
                    channel="web",
                    today=today_shanghai(),
                )
            draft_id = draft.id
        runs = [
            backfill.backfill_run(
                db=platform.db,
                client=platform.client,
                cipher=platform.cipher,
                breakers=CircuitBreakers(),
                audit=platform.audit,
                application_id=draft_id,
                actor="bench",
                timeout_seconds=5.0,
            )
            for _ in range(args.runs)
        ]
    wall = statistics.median(r.wall_ms for r in runs)
    slowest = statistics.median(r.slowest_ms for r in runs)
    total = statistics.median(r.sum_ms for r in runs)
    answered = sum(1 for v in runs[-1].by_source.values() if v == "answered")
    table = Table(
        title=f"Backfill: {len(runs[-1].by_source)} sources, 4 persons, sandbox latency {args.latency_ms} ms, median of {args.runs}"
    )
    for column in (
        "sources answered",
        "wall ms",
        "slowest source ms",
        "sum of sources ms",
        "wall / slowest",
        "sum / wall",
    ):
        table.add_column(column)
    table.add_row(
        str(answered),
        f"{wall:.0f}",
        f"{slowest:.0f}",
        f"{total:.0f}",
        f"{wall / slowest:.2f}",
        f"{total / wall:.2f}",
    )
    Console().print(table)
    print(f"backfill_sources_answered: {answered}")
    print(f"backfill_wall_ms: {wall:.0f}")
    print(f"backfill_slowest_source_ms: {slowest:.0f}")
    print(f"backfill_wall_over_slowest: {wall / slowest:.2f}")
    print(f"backfill_sum_over_wall: {total / wall:.2f}")


if __name__ == "__main__":
    main()
