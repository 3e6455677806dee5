"""Shared vocabulary stays in step with the data files that name the same things."""

from __future__ import annotations

from anju.core.vocab import SOURCE_LABELS
from anju.platform.backfill.sources import source_list
from anju.sandbox.sources.service import source_list as sandbox_sources


def test_source_names_agree_between_vocabulary_and_the_platform_catalogue() -> None:
    catalog = source_list()
    assert {code: s.name for code, s in catalog.sources.items()} == SOURCE_LABELS


def test_every_field_the_platform_asks_for_is_one_the_sandbox_provides() -> None:
    provided = sandbox_sources()
    for code, notice in source_list().sources.items():
        if notice.system == "sandbox":
            assert set(notice.fields) <= set(provided[code].fields), code
