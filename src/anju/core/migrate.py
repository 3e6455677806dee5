"""Running a system's Alembic history against its database."""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config

REPO_ROOT = Path(__file__).resolve().parents[3]


def migrations_dir() -> Path:
    """Where the Alembic histories are: the checkout's migrations/, or ANJU_MIGRATIONS_DIR where the package
    is installed apart from the checkout (the container image, deploy/image/Dockerfile)."""
    return Path(os.environ.get("ANJU_MIGRATIONS_DIR") or REPO_ROOT / "migrations")


def alembic_config(*, system: str, url: str) -> Config:
    """An Alembic configuration for one system's history (migrations/<system>)."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir() / system))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.set_main_option("version_path_separator", "os")
    return config


def migrate_upgrade(*, system: str, url: str, revision: str = "head") -> None:
    """Bring a system's database up to the given revision."""
    command.upgrade(alembic_config(system=system, url=url), revision)
