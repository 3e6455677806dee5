"""Chinese PDFs (core/pdf): the text is embedded as text (searchable, copyable), a name in CJK
Extension B is drawn by the rare-character font, and a character no font has is marked, not dropped."""

from __future__ import annotations

from datetime import datetime

import pytest

from anju.core.pdf import ChineseDocument, missing_glyphs
from tests.support.pdf import pdf_tags
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


def test_a_document_is_tagged_in_reading_order_with_its_language_and_no_paragraph_split_across_pages() -> (
    None
):
    doc = ChineseDocument(title="公租房申请回执", author="测试", created=datetime(2026, 12, 6))
    doc.line("公租房申请回执", size=18, height=10, role="H1")
    doc.line("家庭成员", size=13, height=8, role="H2")
    for n in range(1, 61):  # enough to run onto a second page
        doc.line(f"第{n}段：申请人承诺所填信息真实、准确、完整，如有虚假，愿意承担相应责任。" * 2)
    tags = pdf_tags(doc.finish())
    assert tags["lang"] == "zh-CN" and tags["marked"] and tags["shows_title"]
    elements = tags["elements"]
    assert isinstance(elements, list)
    assert elements[0] == ("H1", 1, "公租房申请回执") and elements[1] == ("H2", 1, "家庭成员")
    paragraphs = [e for e in elements if e[0] == "P"]
    assert len(paragraphs) == 60 and {page for _, page, _ in paragraphs} >= {1, 2}
    for n, (_, _, text) in enumerate(paragraphs, start=1):  # each whole, in the order it was written
        assert text.startswith(f"第{n}段：") and text.endswith("愿意承担相应责任。"), text


def test_an_unknown_structure_type_is_refused() -> None:
    doc = ChineseDocument(title="申请表", author="测试", created=datetime(2026, 12, 6))
    with pytest.raises(ValueError, match="unknown structure type"):
        doc.line("标题", role="Title")
