"""The restore drill (issue 23, docs/operations.md): back up each system's database, destroy it, restore
it, and the audit chains, the cases and their encrypted personal data come back whole — on SQLite in the
default pass and on PostgreSQL (pg_dump / pg_restore) in the PostgreSQL pass."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from anju.backup import BackupFailed, backup, restore
from anju.cli import app
from anju.core.db import Database
from anju.embedded import runtime_for
from anju.housing.intake.service import ID_CONTEXT
from anju.housing.models import AUDITED as HOUSING_AUDITED
from anju.housing.models import Case
from anju.platform.models import Applicant
from tests.conftest import Systems
from tests.housing.staff.test_staff_console import CASE_NO, ID_NUMBER, signed_in_client, submit_case
from tests.support.env import cli_env
from tests.support.journey import csrf_of


def destroy(url: str) -> None:
    """What a lost disk or a mistaken DROP does."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        Path(str(parsed.database)).unlink()
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


def counts(url: str) -> dict[str, int]:
    db = Database(url)
    with db.transaction() as session:
        found = {
            model.__tablename__: int(session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (Case, *HOUSING_AUDITED)
        }
    db.dispose()
    return found


def test_back_up_destroy_restore_and_the_chains_hold(systems: Systems, tmp_path: Path) -> None:
    submit_case(systems)  # a case received: its first step on the hash chain
    clerk = signed_in_client(systems, "shouli.350100")
    page = clerk.get(f"/staff/cases/{CASE_NO}")
    shown = clerk.post(
        f"/staff/cases/{CASE_NO}/reveal",
        data={"csrf_token": csrf_of(page.text), "field": "phone", "reason": "电话核实补正材料"},
    )
    assert shown.status_code == 200  # a full number seen, and logged on the chain
    url = systems.settings.db_url("housing")
    before = counts(url)
    assert before == {"case_file": 1, "reveal_log": 1, "case_event": 1}

    saved = backup(url, tmp_path / "housing.backup")
    assert saved.size_bytes > 0 and saved.tables >= 20
    systems.runtimes["housing"].stop()  # the service is down while its database is gone
    destroy(url)
    assert restore(url, saved.path) == saved.tables
    assert counts(url) == before

    runtime = runtime_for("housing", systems.settings)
    try:
        with runtime.db.transaction() as session:
            for model in HOUSING_AUDITED:
                report = runtime.audit.verify(session, model)
                assert report.intact and report.checked == 1, report
            case = session.scalars(select(Case)).one()
            assert runtime.cipher.decrypt(case.applicant_id_enc, context=ID_CONTEXT) == ID_NUMBER
    finally:
        runtime.stop()
    verified = CliRunner().invoke(app, ["audit", "verify", "housing"], env=cli_env(systems.settings))
    assert verified.exit_code == 0, verified.output
    assert "housing.case_event 完整" in verified.output and "housing.reveal_log 完整" in verified.output


def test_the_commands_refuse_to_overwrite_and_say_what_went_wrong(systems: Systems, tmp_path: Path) -> None:
    submit_case(systems)
    runner, env = CliRunner(), cli_env(systems.settings)
    target = tmp_path / "platform.backup"
    made = runner.invoke(app, ["backup", "platform", str(target)], env=env)
    assert made.exit_code == 0, made.output
    assert "platform：" in made.output and "张表" in made.output
    refused = runner.invoke(app, ["restore", "platform", str(target)], env=env)
    assert refused.exit_code == 1 and "不是空的" in refused.output and "--replace" in refused.output
    systems.runtimes["platform"].stop()
    replaced = runner.invoke(app, ["restore", "platform", str(target), "--replace"], env=env)
    assert replaced.exit_code == 0, replaced.output
    assert "anju audit verify platform" in replaced.output
    broken = tmp_path / "broken.backup"
    broken.write_bytes(b"not a backup" * 100)
    with pytest.raises(BackupFailed):
        restore(systems.settings.db_url("platform"), broken, replace=True)
    kept = Database(systems.settings.db_url("platform"))  # a bad backup never costs the database there
    with kept.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Applicant)) == 0
        assert session.scalar(text("SELECT count(*) FROM alembic_version")) == 1
    kept.dispose()
    empty = runner.invoke(app, ["restore", "platform", str(tmp_path / "missing.backup")], env=env)
    assert empty.exit_code == 1 and "不存在" in empty.output
    wrong = runner.invoke(app, ["backup", "elsewhere", str(target)], env=env)
    assert wrong.exit_code == 2
