"""The personal-data logs are hash-chained: a changed, deleted or cut-off row is found, a chain rebuilt
without the system's key is found, concurrent writers do not fork a chain, and `anju audit verify` says
so with its exit status."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import delete, select, update
from typer.testing import CliRunner

from anju.cli import app
from anju.core import crypto
from anju.core.audit import AuditChain
from anju.core.runtime import Runtime
from anju.core.settings import Settings
from anju.housing.models import CaseEvent, RevealLog
from anju.platform.models import DataAccessLog
from tests.conftest import Systems
from tests.housing.staff.test_staff_console import CASE_NO, signed_in_client, submit_case
from tests.support.env import cli_env
from tests.support.journey import csrf_of


def read(n: int, purpose: str = "申请公租房：核验户籍") -> DataAccessLog:
    return DataAccessLog(
        subject_bidx=f"subject-{n}",
        source="hukou",
        fields="name,address",
        purpose=purpose,
        actor="fj-applicant",
        outcome="found",
        occurred_at=datetime(2026, 12, 1, 1, n, tzinfo=UTC),
    )


def log_reads(platform: Runtime, count: int) -> None:
    with platform.db.transaction() as session:
        platform.audit.append(session, *(read(n) for n in range(count)))


def verify(platform: Runtime) -> tuple[int, str]:
    with platform.db.transaction() as session:
        report = platform.audit.verify(session, DataAccessLog)
    return report.checked, report.problem


def test_an_intact_chain_verifies_and_each_kind_of_tampering_is_found(systems: Systems) -> None:
    platform = systems.runtimes["platform"]
    log_reads(platform, 3)
    log_reads(platform, 2)  # a second transaction continues the same chain
    assert verify(platform) == (5, "")

    with platform.db.transaction() as session:  # somebody rewrites why a register was read
        session.execute(update(DataAccessLog).where(DataAccessLog.chain_seq == 3).values(purpose="其他"))
    assert verify(platform) == (2, "第 3 条记录与链不符（已被修改）。")
    with platform.db.transaction() as session:  # put back as it was: the chain holds again
        session.execute(
            update(DataAccessLog).where(DataAccessLog.chain_seq == 3).values(purpose="申请公租房：核验户籍")
        )
    assert verify(platform) == (5, "")

    with platform.db.transaction() as session:  # the newest read is deleted
        session.execute(delete(DataAccessLog).where(DataAccessLog.chain_seq == 5))
    checked, problem = verify(platform)
    assert checked == 4 and "链头记录为第 5 条，实有 4 条" in problem

    with platform.db.transaction() as session:  # a read in the middle is deleted
        session.execute(delete(DataAccessLog).where(DataAccessLog.chain_seq == 2))
    assert verify(platform) == (1, "第 2 条记录缺失（已被删除）。")


def test_a_chain_rebuilt_without_the_systems_key_is_found(systems: Systems) -> None:
    platform = systems.runtimes["platform"]
    log_reads(platform, 3)
    forger = AuditChain(table=platform.tables.audit_chain, index=crypto.BlindIndex(key=b"f" * 32))
    with platform.db.transaction() as session:
        # Change a row, then recompute every hash and the head as if the key did not matter.
        session.execute(update(DataAccessLog).where(DataAccessLog.chain_seq == 2).values(actor="nobody"))
        previous = "0" * 64
        for row in session.scalars(select(DataAccessLog).order_by(DataAccessLog.chain_seq)):
            assert row.chain_seq is not None
            row.chain_hash = previous = forger._hash("data_access_log", row.chain_seq, previous, row)
        session.execute(update(platform.tables.audit_chain).values(head=previous))
    assert verify(platform) == (0, "第 1 条记录与链不符（已被修改）。")


def test_concurrent_writers_take_places_one_after_another(systems: Systems) -> None:
    platform = systems.runtimes["platform"]
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for _ in range(5):
                log_reads(platform, 2)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert verify(platform) == (40, "")


def test_the_command_says_whether_the_reveal_log_holds(systems: Systems) -> None:
    submit_case(systems)
    clerk = signed_in_client(systems, "shouli.350100")
    page = clerk.get(f"/staff/cases/{CASE_NO}")
    for reason in ("电话核实补正材料", "联系申请人补充材料"):
        shown = clerk.post(
            f"/staff/cases/{CASE_NO}/reveal",
            data={"csrf_token": csrf_of(page.text), "field": "phone", "reason": reason},
        )
        assert shown.status_code == 200
    s: Settings = systems.settings
    env = cli_env(s)
    runner = CliRunner()
    ok = runner.invoke(app, ["audit", "verify", "housing"], env=env)
    assert ok.exit_code == 0, ok.output
    assert "housing.reveal_log 完整" in ok.output and "共 2 条" in ok.output

    with systems.runtimes["housing"].db.transaction() as session:  # somebody hides why they looked
        session.execute(update(RevealLog).where(RevealLog.chain_seq == 1).values(reason="工作需要"))
    tampered = runner.invoke(app, ["audit", "verify"], env=env)
    assert tampered.exit_code == 1
    assert "housing.reveal_log 已被篡改" in tampered.output and "第 1 条记录与链不符" in tampered.output
    assert "platform.data_access_log 完整" in tampered.output and "housing.case_event 完整" in tampered.output


def test_a_rewritten_step_of_a_review_is_found(systems: Systems) -> None:
    submit_case(systems)  # received: the first step
    clerk = signed_in_client(systems, "shouli.350100")
    page = clerk.get(f"/staff/cases/{CASE_NO}")
    accepted = clerk.post(
        f"/staff/cases/{CASE_NO}/events",
        data={"csrf_token": csrf_of(page.text), "event": "accept", "confirm": "yes"},
    )
    assert accepted.status_code in (200, 303)
    housing = systems.runtimes["housing"]
    with housing.db.transaction() as session:
        report = housing.audit.verify(session, CaseEvent)
        assert (report.checked, report.problem) == (3, "")  # receive, accept, begin first review
        # Somebody makes it look as if another clerk accepted the case.
        session.execute(update(CaseEvent).where(CaseEvent.chain_seq == 2).values(actor="shouli.350200"))
    with housing.db.transaction() as session:
        assert housing.audit.verify(session, CaseEvent).problem == "第 2 条记录与链不符（已被修改）。"


def test_a_cut_off_tail_with_its_head_rewound_is_found_against_the_other_systems_anchor(
    live: Systems,
) -> None:
    submit_case(live)
    clerk = signed_in_client(live, "shouli.350100")
    page = clerk.get(f"/staff/cases/{CASE_NO}")
    for reason in ("电话核实补正材料", "联系申请人补充材料"):
        clerk.post(
            f"/staff/cases/{CASE_NO}/reveal",
            data={"csrf_token": csrf_of(page.text), "field": "phone", "reason": reason},
        )
    s: Settings = live.settings
    env = cli_env(s)
    runner = CliRunner()
    anchored = runner.invoke(app, ["audit", "anchor"], env=env)
    assert anchored.exit_code == 0, anchored.output
    assert "housing:" in anchored.output and "platform:" in anchored.output

    housing = live.runtimes["housing"]
    chains = housing.tables.audit_chain
    with housing.db.transaction() as session:  # the second look is deleted and the head rewound to the first
        first = session.scalar(select(RevealLog.chain_hash).where(RevealLog.chain_seq == 1))
        session.execute(delete(RevealLog).where(RevealLog.chain_seq == 2))
        session.execute(update(chains).where(chains.c.name == "reveal_log").values(seq=1, head=first))
    with housing.db.transaction() as session:  # by itself, the shortened chain checks out
        assert housing.audit.verify(session, RevealLog).intact
    found = runner.invoke(app, ["audit", "verify", "housing"], env=env)
    assert found.exit_code == 1, found.output
    assert "housing.reveal_log 已被篡改" in found.output and "本库已没有这一条" in found.output
    assert "housing.case_event 已被篡改" not in found.output and "housing.reveal_log 完整" not in found.output
