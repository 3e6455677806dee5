"""What a file really is, from its content rather than from what the browser or the caller claims: the
first bytes say which kind it claims to be, and an image must then decode (Pillow) and a PDF must end as a
PDF does, so eight magic bytes followed by anything are refused."""

from __future__ import annotations

import io
import warnings

from PIL import Image, UnidentifiedImageError

SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"BM": "image/bmp",
}
PIL_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/bmp": "BMP"}
PDF_TAIL_BYTES = 1024  # where %%EOF must appear (PDF 32000-1 §7.5.5; trailing junk is common)


def sniffed_type(data: bytes, *, allowed: frozenset[str]) -> str | None:
    """The content type of ``data`` if it is one of ``allowed`` and really is one, else None."""
    for magic, content_type in SIGNATURES.items():
        if data.startswith(magic):
            if content_type not in allowed or not _is_whole(data, content_type):
                return None
            return content_type
    return None


def _is_whole(data: bytes, content_type: str) -> bool:
    if content_type == "application/pdf":
        return b"%%EOF" in data[-PDF_TAIL_BYTES:]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format != PIL_FORMATS[content_type]:
                    return False
                image.verify()  # reads the whole stream: a truncated or forged image fails here
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        return False
    return True
