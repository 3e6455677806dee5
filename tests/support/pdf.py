"""Reading a PDF's text as a reader copies it out."""

from __future__ import annotations

import io
from typing import Any

from pypdf import PageObject, PdfReader


def pdf_text(content: bytes) -> str:
    """The text without whitespace (pypdf reads fpdf2's two-byte CIDs with NUL padding: dropped)."""
    pages = PdfReader(io.BytesIO(content)).pages
    return "".join("".join(page.extract_text().replace("\x00", "").split()) for page in pages)


def _marked_texts(page: PageObject) -> dict[int, str]:
    """The text inside each marked-content sequence of a page, by its MCID."""
    texts: dict[int, str] = {}
    current: list[int | None] = [None]

    def before(op: bytes, args: list[Any], cm: object, tm: object) -> None:
        if op == b"BDC" and len(args) > 1 and hasattr(args[1], "get"):
            current[0] = int(args[1].get("/MCID"))
        elif op == b"EMC":
            current[0] = None

    def text(t: str, cm: object, tm: object, font: object, size: object) -> None:
        if current[0] is not None:
            texts[current[0]] = texts.get(current[0], "") + t.replace("\x00", "")

    page.extract_text(visitor_operand_before=before, visitor_text=text)
    return texts


def _kids(node: Any) -> list[Any]:
    kids = node.get_object()["/K"]
    return [k.get_object() for k in (kids if isinstance(kids, list) else [kids])]


def pdf_tags(content: bytes) -> dict[str, Any]:
    """What a screen reader is given: the language, whether the file says it is tagged and shows its title,
    and each structure element in reading order as (type, page number, its text)."""
    reader = PdfReader(io.BytesIO(content))
    root = reader.trailer["/Root"]
    texts = {n: _marked_texts(page) for n, page in enumerate(reader.pages, start=1)}
    page_numbers = {page.indirect_reference.idnum: n for n, page in enumerate(reader.pages, start=1)}  # type: ignore[union-attr]
    elements = []
    tree = root.get("/StructTreeRoot")
    if tree is not None:
        (document,) = _kids(tree)
        for elem in _kids(document):
            page = page_numbers[elem.raw_get("/Pg").idnum]
            mcid = elem["/K"][0] if isinstance(elem["/K"], list) else elem["/K"]
            elements.append(
                (str(elem["/S"]).lstrip("/"), page, "".join(texts[page].get(int(mcid), "").split()))
            )
    mark_info = root.get("/MarkInfo")
    preferences = root.get("/ViewerPreferences")
    return {
        "lang": str(root.get("/Lang", "")),
        "marked": bool(mark_info and mark_info.get_object().get("/Marked")),
        "shows_title": bool(preferences and preferences.get_object().get("/DisplayDocTitle")),
        "elements": elements,
    }
