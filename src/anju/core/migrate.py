"""Running a system's Alembic history against its database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

REPO_ROOT = Path(__file__).resolve().parents[3]


def alembic_config(*, system: str, url: str) -> Config:
    """An Alembic configuration for one system's history (migrations/<system>)."""
    config = Config()
    config.set_main_option("script_location", str(REPO_ROOT / "migrations" / system))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.set_main_option("version_path_separator", "os")
    return config


def migrate_upgrade(*, system: str, url: str, revision: str = "head") -> None:
    """Bring a system's database up to the given revision."""
    command.upgrade(alembic_config(system=system, url=url), revision)
