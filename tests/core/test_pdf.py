"""Chinese PDFs (core/pdf): the text is embedded as text (searchable, copyable), a name in CJK
Extension B is drawn by the rare-character font, and a character no font has is marked, not dropped."""

from __future__ import annotations

from datetime import datetime

from anju.core.pdf import ChineseDocument, missing_glyphs
from tests.support.pdf import pdf_text as text_of


def test_chinese_text_is_embedded_as_text() -> None:
    doc = ChineseDocument(title="申请表", author="测试", created=datetime(2026, 12, 6))
    doc.line("申请人：林晓峰 身份证号码：350102********0519")
    text = text_of(doc.finish())
    assert "申请人：林晓峰身份证号码：350102********0519" in text


def test_a_rare_character_is_drawn_and_one_no_font_has_is_marked() -> None:
    assert missing_glyphs("林晓峰") == set()
    doc = ChineseDocument(title="申请表", author="测试", created=datetime(2026, 12, 6))
    doc.line("申请人：王𠈌")  # CJK Extension B, drawn by the HanaMinB slice
    assert doc.unrenderable == set() and doc.extension_families
    doc.line("私用区字符：\ue000")
    text = text_of(doc.finish())
    assert "〔U+E000〕" in text and "U+E000为生僻字" in text
