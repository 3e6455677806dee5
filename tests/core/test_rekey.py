"""Re-encrypting under a new data key (issue 23, docs/operations.md): after a rotation, every field is
re-encrypted by a job that can be stopped and run again and loses nothing; the old key leaves the key file
only when nothing uses it; every encrypted column of both systems is on the job's list."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import select
from typer.testing import CliRunner

from anju.cli import app
from anju.core import crypto, rekey
from anju.embedded import runtime_for
from anju.housing import models as housing_models
from anju.housing.rekey import encrypted_columns as housing_columns
from anju.platform import models as platform_models
from anju.platform.rekey import encrypted_columns as platform_columns
from tests.conftest import Systems
from tests.housing.staff.test_staff_console import submit_case
from tests.support.env import cli_env
from tests.support.factories import submit_application


def plaintexts(runtime: Any, columns: tuple[rekey.EncryptedColumn, ...]) -> dict[tuple[str, int], str]:
    """Every encrypted field, decrypted: what must read the same after re-encryption."""
    found = {}
    with runtime.db.transaction() as session:
        for column in columns:
            key = column.table.primary_key.columns.values()[0]
            for row_id, token in session.execute(select(key, column.table.c[column.column])):
                if token and token.startswith(rekey.PREFIX):
                    found[(column.name, row_id)] = runtime.cipher.decrypt(token, context=column.context)
    return found


def test_every_encrypted_column_is_on_the_list(systems: Systems) -> None:
    for metadata, columns in (
        (platform_models.Base.metadata, platform_columns(systems.runtimes["platform"].tables.outbox)),
        (housing_models.Base.metadata, housing_columns(systems.runtimes["housing"].tables.outbox)),
    ):
        listed = {(c.table.name, c.column) for c in columns}
        named = {
            (t.name, c.name) for t in metadata.sorted_tables for c in t.columns if c.name.endswith("_enc")
        }
        assert named <= listed, named - listed
        assert {name for name, _ in listed} >= {"outbox_message"}


def test_rotate_reencrypt_stop_go_on_and_retire(systems: Systems) -> None:
    for i in range(3):
        submit_case(systems, case_no=f"GZF-350100-20261127-00000{i + 1}")
    submit_application(systems.runtimes["platform"], subject="rekey")
    settings = systems.settings
    columns = housing_columns(systems.runtimes["housing"].tables.outbox)
    before = plaintexts(systems.runtimes["housing"], columns)
    assert len(before) >= 3 * 5  # five encrypted fields a case at least
    old_key = systems.runtimes["housing"].cipher.current_key_id

    new_key = crypto.rotate_data_key(directory=settings.key_directory, system="housing")
    housing = runtime_for("housing", settings)  # a process started after the rotation
    try:
        assert housing.cipher.current_key_id == new_key
        stop = threading.Event()
        batches: list[int] = []

        def stop_after_two(_column: str, rows: int) -> None:
            batches.append(rows)
            if len(batches) == 2:
                stop.set()  # as Ctrl+C or a deploy would, half-way

        first = rekey.rekey(housing.db, housing.cipher, columns, batch=2, stop=stop, progress=stop_after_two)
        assert first.stopped and sum(first.done.values()) == sum(batches) == 3  # 2, then the last 1
        left = rekey.remaining(housing.db, columns, key_id=old_key, current_key_id=new_key)
        assert sum(left.values()) == len(before) - 3
        assert plaintexts(housing, columns) == before  # half done: every field still reads the same
        with housing.db.transaction() as session:  # the service keeps working meanwhile
            assert len(list(session.scalars(select(housing_models.Case)))) == 3
        refused = CliRunner().invoke(app, ["keys", "retire-data", "housing", old_key], env=cli_env(settings))
        assert refused.exit_code == 1 and "仍在使用" in refused.output
        second = CliRunner().invoke(
            app, ["keys", "reencrypt", "housing", "--batch", "3"], env=cli_env(settings)
        )
        assert second.exit_code == 0, second.output
        assert "全部字段都已使用当前数据密钥" in second.output
        assert plaintexts(housing, columns) == before
        assert sum(rekey.remaining(housing.db, columns, key_id=old_key, current_key_id=new_key).values()) == 0
    finally:
        housing.stop()
    retired = CliRunner().invoke(app, ["keys", "retire-data", "housing", old_key], env=cli_env(settings))
    assert retired.exit_code == 0, retired.output
    keys = crypto.load_or_create_data_keys(directory=settings.key_directory, system="housing")
    assert old_key not in keys.keys and keys.current_key_id == new_key
    after = runtime_for("housing", settings)
    try:
        assert plaintexts(after, columns) == before  # read with the new key alone
    finally:
        after.stop()
    current = CliRunner().invoke(app, ["keys", "retire-data", "housing", new_key], env=cli_env(settings))
    assert current.exit_code == 1 and "current" in current.output
