"""Each system's migrations build exactly the schema its models describe: a model change without its
migration would pass every test (they run on migrated databases) and then fail on the first deployment."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, create_engine, inspect
from typer.testing import CliRunner

from anju.cli import app
from anju.core.settings import Settings
from anju.housing.models import metadata as housing_metadata
from anju.platform.models import metadata as platform_metadata

MODELS = {"platform": platform_metadata, "housing": housing_metadata}


@pytest.mark.parametrize("system", sorted(MODELS))
def test_migrated_schema_matches_the_models(settings: Settings, system: str) -> None:
    metadata: MetaData = MODELS[system]
    engine = create_engine(settings.db_url(system))  # type: ignore[arg-type]
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "target_metadata": metadata}
            )
            differences = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    assert differences == [], f"{system}: models and migrations differ: {differences}"


def test_one_system_migrates_alone_without_touching_keys(tmp_path: Path) -> None:
    """Production runs a migration Job per system with its keys mounted read-only: `anju migrate housing`
    migrates housing's database only and makes no key."""
    keys = tmp_path / "keys"
    env = {
        "ANJU_KEYS_DIR": str(keys),
        "ANJU_VAR_DIR": str(tmp_path),
        "ANJU_HOUSING_DB_URL": f"sqlite:///{tmp_path / 'housing.db'}",
        "ANJU_PLATFORM_DB_URL": f"sqlite:///{tmp_path / 'platform.db'}",
    }
    done = CliRunner().invoke(app, ["migrate", "housing"], env=env)
    assert done.exit_code == 0, done.output
    assert "case_file" in inspect(create_engine(env["ANJU_HOUSING_DB_URL"])).get_table_names()
    assert not (tmp_path / "platform.db").exists() and not keys.exists()
    assert CliRunner().invoke(app, ["migrate", "sandbox"], env=env).exit_code == 2


def test_the_histories_can_live_apart_from_the_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The container image installs the package without the checkout: ANJU_MIGRATIONS_DIR names where the
    histories are, and a database is built from there (a wrong directory fails, not silently the default)."""
    import shutil

    from anju.core.migrate import REPO_ROOT, alembic_config, migrate_upgrade

    apart = tmp_path / "histories"
    shutil.copytree(REPO_ROOT / "migrations", apart)
    monkeypatch.setenv("ANJU_MIGRATIONS_DIR", str(apart))
    url = f"sqlite:///{tmp_path / 'housing.db'}"
    assert alembic_config(system="housing", url=url).get_main_option("script_location") == str(
        apart / "housing"
    )
    migrate_upgrade(system="housing", url=url)
    assert "case_attachment" in inspect(create_engine(url)).get_table_names()
    monkeypatch.setenv("ANJU_MIGRATIONS_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(Exception, match="nowhere"):
        migrate_upgrade(system="housing", url=f"sqlite:///{tmp_path / 'other.db'}")
