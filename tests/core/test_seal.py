"""Office seals on documents (core/seal): an SM2 seal in the GB/T 38540 v4 structure, embedded in a PDF or
kept beside any file, verifies as intact and trusted against the seal root; one byte changed, a later
change appended, another root, a signer the seal does not list, no seal at all, and a document sealed the
old way (PAdES, ECDSA) each read as what they are."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pytest
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from anju.core import seal, ses
from anju.core.pdf import ChineseDocument
from anju.core.timeutil import utcnow

LEGACY = Path(__file__).parent / "data" / "legacy-pades"
FUZHOU = {"office_code": "350100", "office": "福州市住房保障部门"}


def document() -> bytes:
    doc = ChineseDocument(title="受理通知书", author="测试", created=datetime(2026, 12, 6, 10, 0))
    doc.line("受理通知书")
    doc.line("申请编号 FJ-GZF-TEST：您的公租房申请已受理。")
    return doc.finish()


@pytest.fixture(scope="module")
def material(tmp_path_factory: pytest.TempPathFactory) -> seal.SealMaterial:
    return seal.seal_material(tmp_path_factory.mktemp("seals"), **FUZHOU)


@pytest.fixture(scope="module")
def sealed(material: seal.SealMaterial) -> bytes:
    return seal.seal_pdf(document(), seal=material, reason="受理通知书")


def flipped(data: bytes, marker: bytes) -> bytes:
    at = data.index(marker)
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def test_a_sealed_pdf_is_intact_and_trusted_names_its_office_and_lists_each_check(
    sealed: bytes, material: seal.SealMaterial
) -> None:
    check = seal.seal_verify(sealed, trusted_ca_pem=material.ca_pem)
    assert (check.sealed, check.intact, check.trusted, check.kind) == (True, True, True, "SM2")
    assert check.summary == "印章有效：福州市住房保障部门（电子印章）"
    assert [c.label for c in check.checks] == [
        "签章结构",
        "制章者证书",
        "印章签名",
        "印章有效期",
        "签章者证书",
        "印章授权",
        "签章签名",
        "原文完整",
    ]
    assert all(c.ok for c in check.checks)
    assert check.signed_at is not None and abs((utcnow() - check.signed_at).total_seconds()) < 120


def test_the_pdf_names_the_seal_format_in_its_signature_dictionary(sealed: bytes) -> None:
    assert b"/SubFilter /GBT38540.SES_Signature.v4" in sealed
    assert b"/Filter /GB.ESeal" in sealed


def test_a_changed_byte_or_a_change_appended_after_sealing_is_caught(
    sealed: bytes, material: seal.SealMaterial
) -> None:
    changed = seal.seal_verify(flipped(sealed, b"/Title"), trusted_ca_pem=material.ca_pem)
    assert not changed.intact and changed.summary == "文件在盖章后被改动过，或印章无效。"
    assert [c.label for c in changed.checks if not c.ok] == ["原文完整"]
    writer = IncrementalPdfFileWriter(io.BytesIO(sealed))
    writer.root["/Lang"] = writer.root["/Lang"]  # an update that changes nothing a reader sees still counts
    writer.update_root()
    appended = io.BytesIO()
    writer.write(appended)
    later = seal.seal_verify(appended.getvalue(), trusted_ca_pem=material.ca_pem)
    assert later.sealed and not later.intact


def test_another_root_is_not_trusted_though_the_document_is_intact(sealed: bytes, tmp_path: Path) -> None:
    other_root, _key = seal.seal_ca(tmp_path)
    check = seal.seal_verify(sealed, trusted_ca_pem=ses.certificate_pem(other_root))
    assert check.intact and not check.trusted
    assert check.summary == "印章不是由认可的电子印章机构签发的。"
    assert {c.label for c in check.checks if not c.ok} == {"制章者证书", "签章者证书"}


def test_an_office_cannot_sign_with_a_seal_made_for_another(tmp_path: Path) -> None:
    fuzhou = seal.seal_material(tmp_path, **FUZHOU)
    xiamen = seal.seal_material(tmp_path, office_code="350200", office="厦门市住房保障部门")
    borrowed = seal.SealMaterial(
        office=xiamen.office,
        certificate=xiamen.certificate,
        key=xiamen.key,
        seal=fuzhou.seal,
        ca_pem=xiamen.ca_pem,
    )
    check = seal.seal_verify(
        seal.seal_pdf(document(), seal=borrowed, reason="受理通知书"), trusted_ca_pem=fuzhou.ca_pem
    )
    assert not check.trusted
    assert [c.detail for c in check.checks if not c.ok] == ["签章者无权使用此印章。"]


def test_no_seal_not_a_pdf_and_a_foreign_signature_are_told_apart(material: seal.SealMaterial) -> None:
    assert seal.seal_verify(document(), trusted_ca_pem=material.ca_pem).summary == "文件没有电子印章。"
    assert seal.seal_verify(b"not a pdf", trusted_ca_pem=material.ca_pem).summary == "不是有效的 PDF 文件。"
    garbage = seal.seal_verify_detached(b"figures", b"\x30\x03\x02\x01\x04", trusted_ca_pem=material.ca_pem)
    assert not garbage.intact and garbage.summary.startswith("不是 GB/T 38540 电子签章数据")


def test_a_document_sealed_before_sm2_still_verifies_against_the_older_root(
    material: seal.SealMaterial,
) -> None:
    legacy = (LEGACY / "sealed.pdf").read_bytes()
    bundle = material.ca_pem + (LEGACY / "seal-ca.pem").read_bytes()
    check = seal.seal_verify(legacy, trusted_ca_pem=bundle)
    assert (check.intact, check.trusted, check.kind) == (True, True, "PAdES")
    assert check.summary == "印章有效：福州市住房保障部门（电子印章）"
    assert not seal.seal_verify(legacy, trusted_ca_pem=material.ca_pem).trusted


def test_a_detached_seal_protects_any_file_byte_for_byte(material: seal.SealMaterial) -> None:
    figures = "指标,数值\n受理量,12\n".encode()
    signature = seal.seal_detached(figures, seal=material, description="dashboard figures")
    assert seal.seal_verify_detached(figures, signature, trusted_ca_pem=material.ca_pem).summary.startswith(
        "印章有效"
    )
    changed = seal.seal_verify_detached(
        figures.replace(b"12", b"13"), signature, trusted_ca_pem=material.ca_pem
    )
    assert not changed.intact and changed.summary == "文件在盖章后被改动过，或印章无效。"


def test_the_seal_authority_is_made_once_and_kept_apart_from_request_signing_keys(tmp_path: Path) -> None:
    directory = seal.seal_directory(tmp_path)
    first = seal.seal_material(directory, **FUZHOU)
    again = seal.seal_material(directory, **FUZHOU)
    assert first.seal.dump() == again.seal.dump() and first.certificate.dump() == again.certificate.dump()
    assert list(tmp_path.glob("*.sm2.pub")) == []  # the peer registry reads only the top level
    assert (directory / "seal-sm2-350100.ses").is_file()
    assert seal.trusted_roots(tmp_path, None) == first.ca_pem


def test_every_seal_is_issued_ahead_so_the_keys_can_be_mounted_read_only(tmp_path: Path) -> None:
    """`anju seal issue housing` makes each jurisdiction's office seal once; pressing one afterwards writes
    nothing more (on Kubernetes the key directory is a read-only Secret)."""
    from typer.testing import CliRunner

    from anju.cli import app
    from anju.core import regions
    from anju.core.vocab import housing_office_name

    env = {"ANJU_KEYS_DIR": str(tmp_path), "ANJU_VAR_DIR": str(tmp_path)}
    issued = CliRunner().invoke(app, ["seal", "issue", "housing"], env=env)
    assert issued.exit_code == 0, issued.output
    cities = regions.jurisdictions()
    assert f"共 {len(cities)} 枚电子印章" in issued.output
    directory = seal.seal_directory(tmp_path)
    assert all((directory / f"seal-sm2-{city.code}.ses").exists() for city in cities)
    before = {p: p.stat().st_mtime_ns for p in directory.iterdir()}
    again = CliRunner().invoke(app, ["seal", "issue", "housing"], env=env)
    assert again.exit_code == 0
    material = seal.seal_material(directory, office_code="350200", office=housing_office_name("350200"))
    assert material.office == "厦门市住房保障部门"
    assert {p: p.stat().st_mtime_ns for p in directory.iterdir()} == before  # nothing new, nothing rewritten
    assert CliRunner().invoke(app, ["seal", "issue", "sandbox"], env=env).exit_code == 2
