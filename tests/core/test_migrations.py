"""Each system's migrations build exactly the schema its models describe: a model change without its
migration would pass every test (they run on migrated databases) and then fail on the first deployment."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, create_engine

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
