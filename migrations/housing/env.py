"""Alembic environment of the housing system (its own history, its own database)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

from anju.housing.models import metadata
from anju.housing.households import models as _households  # noqa: F401 - register the tables
from anju.housing.allocation import models as _allocation  # noqa: F401 - register the tables
from anju.housing.reverify import models as _reverify  # noqa: F401 - register the tables
from anju.housing.records import models as _records  # noqa: F401 - register the tables

config = context.config
url = config.get_main_option("sqlalchemy.url")


def run_offline() -> None:
    context.configure(url=url, target_metadata=metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        connectable = engine_from_config(
            config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool
        )
        with connectable.connect() as connection:
            _run(connection)
    else:
        _run(connectable)


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    is_sqlite = connection.dialect.name == "sqlite"
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=is_sqlite)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
