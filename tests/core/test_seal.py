"""Office seals on decision documents (core/seal): a sealed PDF verifies as intact and trusted against
the seal CA; one byte changed, another CA, or no seal at all each reads as what it is."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from anju.core import seal
from anju.core.pdf import ChineseDocument


def document() -> bytes:
    doc = ChineseDocument(title="受理通知书", author="测试", created=datetime(2026, 12, 6, 10, 0))
    doc.line("受理通知书")
    doc.line("申请编号 FJ-GZF-TEST：您的公租房申请已受理。")
    return doc.finish()


def test_a_sealed_document_is_intact_and_trusted_and_names_its_office(tmp_path: Path) -> None:
    material = seal.seal_material(tmp_path, office_code="350100", office="福州市住房保障部门")
    sealed = seal.seal_pdf(document(), seal=material, reason="受理通知书")
    check = seal.seal_verify(sealed, trusted_ca_pem=material.ca_pem)
    assert (check.sealed, check.intact, check.trusted) == (True, True, True)
    assert "福州市住房保障部门" in check.signer and check.summary.startswith("印章有效")


def test_a_changed_document_another_ca_or_no_seal_are_told_apart(tmp_path: Path) -> None:
    material = seal.seal_material(tmp_path / "a", office_code="350100", office="福州市住房保障部门")
    sealed = seal.seal_pdf(document(), seal=material, reason="受理通知书")
    at = sealed.index(b"FJ-GZF") if b"FJ-GZF" in sealed else len(sealed) // 3
    changed = sealed[:at] + bytes([sealed[at] ^ 0x01]) + sealed[at + 1 :]
    assert not seal.seal_verify(changed, trusted_ca_pem=material.ca_pem).intact
    other_ca, _key = seal.seal_ca(tmp_path / "b")
    foreign = seal.seal_verify(sealed, trusted_ca_pem=other_ca)
    assert (
        foreign.intact and not foreign.trusted and foreign.summary == "印章不是由认可的电子印章机构签发的。"
    )
    assert seal.seal_verify(document(), trusted_ca_pem=material.ca_pem).summary == "文件没有电子印章。"
    assert seal.seal_verify(b"not a pdf", trusted_ca_pem=material.ca_pem).summary == "不是有效的 PDF 文件。"
