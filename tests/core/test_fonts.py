"""The HanaMinB slices the pages and PDFs use for CJK Extensions B–F (decision 0024)."""

from __future__ import annotations

import json
from functools import cache

from fontTools.ttLib import TTFont

from anju.core import fonts


@cache
def cmap_of(file: str) -> frozenset[int]:
    return frozenset(TTFont(fonts.FONT_DIR / file, lazy=True).getBestCmap())


def test_each_slice_draws_exactly_what_the_index_and_the_stylesheet_say() -> None:
    slices = fonts.slices()
    css = fonts.CSS_FILE.read_text(encoding="utf-8")
    assert len(slices) > 100 and css == fonts.stylesheet(slices)  # the stylesheet is the index's
    previous_last = 0
    for s in slices:
        assert s.first > previous_last  # in order, no overlap: one slice per character
        previous_last = s.last
        drawn = cmap_of(s.file)
        for first, last in s.runs:
            assert all(cp in drawn for cp in range(first, last + 1)), s.file
    assert sum(last - first + 1 for s in slices for first, last in s.runs) == 60317  # B–F in HanaMinB 2017


def test_names_with_rare_characters_find_their_slice_and_others_do_not() -> None:
    for name in ("王𠈌", "𡈼", "𪚥", "𫝀", "𬺰"):  # Extensions B, B, C, D, E
        for c in name:
            if fonts.is_extension(ord(c)):
                found = fonts.slice_for(ord(c))
                assert found is not None and ord(c) in cmap_of(found.file), c
    assert fonts.slice_for(ord("王")) is None  # ordinary Chinese: the device's and Noto's fonts
    assert fonts.slice_for(0x31350) is None  # Extension G: not covered (decision 0024)


def test_the_index_names_the_source_and_its_licence() -> None:
    index = json.loads(fonts.INDEX_FILE.read_text(encoding="utf-8"))
    assert "fonts-hanazono" in index["source"] and len(index["source_sha256"]) == 64
    assert "Hanazono Font License" in index["licence"]
    assert "Unlimited permission is granted" in (fonts.FONT_DIR / "README.md").read_text(encoding="utf-8")
