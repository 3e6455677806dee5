"""PDF documents in Chinese with no system font: fpdf2 with Noto Sans SC / Serif SC from a pip package
(pylopdf-fonts-zh-cn, SIL OFL), embedded and subset (docs/decisions/0008-e-signature-and-receipt.md).

Characters neither font has (CJK Extensions B–F, e.g. 𠈌) come from the slice of HanaMinB that draws them
(core/fonts.py, decision 0024), embedded as a fallback only when a document uses one. A character no font
draws is written as its code point and listed in a closing note, never dropped silently.

Tagged for screen readers (issue 22, decision 0028): each paragraph is marked content under a structure
element (H1, H2 or P) in the order it is drawn, so the reading order is the document's order; the
document says its language (zh-CN) and shows its title. fpdf2 builds a structure tree but offers no public
call to tag text, so ``_tagged`` uses its marked-content plumbing (pinned in the lock; a test reads the
tree back and fails if an upgrade changes it).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache

from fontTools.ttLib import TTFont
from fpdf import FPDF, ViewerPreferences
from fpdf.enums import XPos, YPos
from pylopdf_fonts_zh_cn import sans_path, serif_path

from anju.core import fonts

FONT, FALLBACK = "NotoSansSC", "NotoSerifSC"
ROLES = frozenset({"H1", "H2", "P"})  # the structure types a document's lines take


@lru_cache(maxsize=2)
def _cmap(path: str) -> frozenset[int]:
    font = TTFont(path, lazy=True)
    return frozenset(font.getBestCmap())


def missing_glyphs(text: str) -> set[str]:
    """Characters neither embedded font can draw (should be empty for ordinary Chinese text)."""
    have = _cmap(str(sans_path())) | _cmap(str(serif_path()))
    return {c for c in text if not c.isspace() and ord(c) not in have}


class ChineseDocument:
    """An A4 document written line by line; ``finish`` adds the rare-character note and returns bytes."""

    def __init__(self, *, title: str, author: str, created: datetime) -> None:
        self.pdf = FPDF(format="A4")
        self.pdf.set_title(title)
        self.pdf.set_lang("zh-CN")
        self.pdf.viewer_preferences = ViewerPreferences(display_doc_title=True)
        self.pdf.set_author(author)
        self.pdf.set_creation_date(created)
        self.pdf.add_font(FONT, fname=str(sans_path()))
        self.pdf.add_font(FALLBACK, fname=str(serif_path()))
        self.pdf.set_fallback_fonts([FALLBACK])
        self.pdf.set_auto_page_break(auto=True, margin=18)
        self.pdf.add_page()
        self.unrenderable: set[str] = set()
        self.extension_families: list[str] = []

    def _extension_font(self, c: str) -> bool:
        """Make the slice that draws ``c`` a fallback font of this document; False when no slice does."""
        piece = fonts.slice_for(ord(c))
        if piece is None:
            return False
        family = "HanaMinB" + piece.path.stem.rsplit("-", 1)[-1]
        if family not in self.extension_families:
            self.pdf.add_font(family, fname=str(piece.path))
            self.extension_families.append(family)
            self.pdf.set_fallback_fonts([FALLBACK, *self.extension_families])
        return True

    def line(
        self, text: str, *, size: float = 11, height: float = 7, align: str = "L", role: str = "P"
    ) -> None:
        """A paragraph (wrapped to the page width), tagged as ``role``: H1 the title, H2 a section, P text."""
        if role not in ROLES:
            raise ValueError(f"unknown structure type {role!r}")
        missing = {c for c in missing_glyphs(text) if not self._extension_font(c)}
        self.unrenderable.update(missing)
        for c in missing:
            text = text.replace(c, f"〔U+{ord(c):04X}〕")
        self.pdf.set_font(FONT, size=size)
        lines = self.pdf.multi_cell(self.pdf.epw, height, text, align=align, dry_run=True, output="LINES")
        assert isinstance(lines, list)
        needed = len(lines) * height
        if self.pdf.get_y() + needed > self.pdf.page_break_trigger and needed <= self.pdf.eph:
            self.pdf.add_page()  # a paragraph is not split across pages: its tag stays on one page
        with self._tagged(role if needed <= self.pdf.eph else None):
            self.pdf.multi_cell(self.pdf.epw, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align=align)

    @contextmanager
    def _tagged(self, role: str | None) -> Iterator[None]:
        """Marked content for one paragraph under a structure element of type ``role`` (None: untagged, for a
        paragraph longer than a page, which no document here has)."""
        if role is None:
            yield
            return
        pdf = self.pdf
        mcid = pdf.struct_builder.next_mcid_for_page(pdf.page)
        pdf._add_marked_content(struct_type=f"/{role}", mcid=mcid)
        pdf._out(f"/{role} <</MCID {mcid}>> BDC")
        yield
        pdf._out("EMC")

    def stamp(self, png: bytes, *, size_mm: float, overlap_mm: float) -> None:
        """A seal's picture at the right margin, over the last ``overlap_mm`` of text (as a seal is pressed
        over the office's name and date), marked as an artifact: the text says it is sealed."""
        pdf = self.pdf
        x = pdf.w - pdf.r_margin - size_mm - 4
        y = max(pdf.t_margin, pdf.get_y() - overlap_mm - size_mm / 2 + 4)
        pdf._out("/Artifact BMC")
        pdf.image(io.BytesIO(png), x=x, y=y, w=size_mm, h=size_mm)
        pdf._out("EMC")

    def space(self, mm: float = 3) -> None:
        """Vertical space."""
        self.pdf.ln(mm)

    def finish(self) -> bytes:
        """The PDF bytes."""
        if self.unrenderable:
            self.space(2)
            codes = "、".join(f"U+{ord(c):04X}" for c in sorted(self.unrenderable))
            self.line(f"说明：{codes} 为生僻字，本文件的字体无法显示，以〔U+编码〕标出。", size=9, height=5)
        return bytes(self.pdf.output())
