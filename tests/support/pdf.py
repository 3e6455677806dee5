"""Reading a PDF's text as a reader copies it out."""

from __future__ import annotations

import io

from pypdf import PdfReader


def pdf_text(content: bytes) -> str:
    """The text without whitespace (pypdf reads fpdf2's two-byte CIDs with NUL padding: dropped)."""
    pages = PdfReader(io.BytesIO(content)).pages
    return "".join("".join(page.extract_text().replace("\x00", "").split()) for page in pages)
