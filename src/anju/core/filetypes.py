"""What a file really is, from its first bytes rather than from what the browser or the caller claims."""

from __future__ import annotations

SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"BM": "image/bmp",
}


def sniffed_type(data: bytes, *, allowed: frozenset[str]) -> str | None:
    """The content type of ``data`` if it is one of ``allowed``, else None."""
    for magic, content_type in SIGNATURES.items():
        if data.startswith(magic):
            return content_type if content_type in allowed else None
    return None
