"""Official seals (电子印章) on documents: SM2 seals in the GB/T 38540-2020 v4 structure (core/ses.py),
embedded in the PDF or kept beside any other file (docs/decisions/0031-sm2-seals.md).

The joint-test seal authority is three SM2 certificates under ``ANJU_KEYS_DIR/seals`` (kept apart from the
request-signing keys, so a seal key is never taken for a peer system's key): a root
(``seal-sm2-ca.pem``), the seal maker it certifies (``seal-sm2-maker.pem``), and one signing certificate
per office (``seal-sm2-<office code>.pem``) with the seal the maker made for it (``.ses``). In production
the province's unified seal platform issues all three; only ``seal_material`` changes then.

A sealed PDF carries its SES_Signature in an ordinary PDF signature dictionary: ``/Contents`` holds the DER,
``/ByteRange`` names the protected bytes (the whole file but ``/Contents``), and ``dataHash`` is the SM3 of
those bytes. The dictionary's ``/Filter`` and ``/SubFilter`` names are ours, since no standard names one
(``PROVISIONAL``). Documents sealed before this (PAdES with ECDSA, decision 0009) still verify.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509
from PIL import Image, ImageDraw, ImageFont
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import SigFieldSpec, enumerate_sig_fields
from pyhanko.sign.signers.cms_embedder import PdfCMSEmbedder, SigIOSetup, SigObjSetup
from pyhanko.sign.signers.pdf_byterange import PdfSignedData
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pylopdf_fonts_zh_cn import sans_path

from anju.core import ses, signing
from anju.core.crypto import sm3

CA_NAME = "福建省电子印章（联调测试）根证书"
MAKER_NAME = "福建省电子印章制作（联调测试）"
VALIDITY_DAYS = 3650
FIELD_NAME = "OfficialSeal"
SEALS = "seals"  # the sub-directory of ANJU_KEYS_DIR that holds the seal authority
PROVISIONAL: dict[str, Any] = {  # UNCONFIRMED (standards.md §3.4): one place to correct
    "pdf_filter": "/GB.ESeal",  # no standard names the handler of an SES_Signature inside a PDF
    "pdf_subfilter": "/GBT38540.SES_Signature.v4",
    "vendor_id": "ANJU",  # SES_Header.Vid: the province's seal platform assigns the real one
    "seal_type": 1,  # SES_ESPropertyInfo.type: business-defined; 1 = 单位公章 here
    "picture_mm": 40,  # a round official seal is 40 mm across
}


@dataclass(frozen=True)
class SealMaterial:
    """An office's seal: its signing certificate and key, the seal made for it, and the trusted root."""

    office: str
    certificate: asn1_x509.Certificate
    key: signing.Sm2PrivateKey = field(repr=False)
    seal: ses.SeSeal
    ca_pem: bytes

    @property
    def picture(self) -> tuple[bytes, int]:
        """The seal's picture (PNG) and its printed width in millimetres, as the seal carries them."""
        picture = self.seal["e_seal_info"]["picture"]
        return bytes(picture["data"].native), int(picture["width"].native)


def seal_directory(key_directory: Path) -> Path:
    """Where the seal authority's certificates and keys live."""
    return key_directory / SEALS


def trusted_roots(key_directory: Path, configured: Path | None) -> bytes | None:
    """The seal roots a verifier trusts, as one PEM bundle: the configured file, else the joint-test SM2 root
    and, where documents were sealed before decision 0031, the older ECDSA root (None if there are none)."""
    paths = (
        [configured]
        if configured
        else [seal_directory(key_directory) / "seal-sm2-ca.pem", key_directory / "seal-ca.pem"]
    )
    found = b"".join(path.read_bytes() for path in paths if path.exists())
    return found or None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _certificate(
    directory: Path,
    name: str,
    subject: str,
    issuer: tuple[asn1_x509.Certificate, signing.Sm2PrivateKey] | None,
) -> tuple[asn1_x509.Certificate, signing.Sm2PrivateKey]:
    """``<name>.pem`` and its key, issued on first use (a concurrent first use keeps the first written)."""
    key = signing.load_or_create_keypair(directory=directory, system=name)
    path = directory / f"{name}.pem"
    if not path.exists():
        now = _now()
        certificate = ses.certificate_issue(
            subject=subject,
            public_key=key.public_key,
            issuer=issuer[0] if issuer else None,
            issuer_key=issuer[1] if issuer else key,
            ca=issuer is None,
            valid_from=now - dt.timedelta(days=1),
            valid_until=now + dt.timedelta(days=VALIDITY_DAYS - (0 if issuer is None else 1)),
        )
        signing.write_new_file(path, ses.certificate_pem(certificate).decode("ascii"), 0o644)
    return ses.certificates_from_pem(path.read_bytes())[0], key


def seal_ca(directory: Path) -> tuple[asn1_x509.Certificate, signing.Sm2PrivateKey]:
    """The joint-test seal root: its certificate and key, created on first use."""
    return _certificate(directory, "seal-sm2-ca", CA_NAME, None)


def seal_picture(office: str) -> ses.SealPicture:
    """A round red seal: a ring, a star and the office's name along the upper arc, as a PNG whose ink lets
    the text under it show through (it is pressed over the office's name and date)."""
    size, ink = 360, (210, 20, 20, 185)
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, size - 8, size - 8), outline=ink, width=12)
    centre, outer, inner = size / 2, 48, 48 * 0.38
    star = [
        (
            centre + (outer if i % 2 == 0 else inner) * math.sin(i * math.pi / 5),
            centre - (outer if i % 2 == 0 else inner) * math.cos(i * math.pi / 5),
        )
        for i in range(10)
    ]
    draw.polygon(star, fill=ink)
    font = ImageFont.truetype(sans_path(), 46 if len(office) <= 10 else 36)
    sweep = min(250.0, 26.0 * len(office))
    for i, character in enumerate(office):
        angle = -sweep / 2 + sweep * (i + 0.5) / len(office)
        glyph = Image.new("RGBA", (72, 72), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text(
            (36, 36), character, fill=ink, font=font, anchor="mm", stroke_width=1, stroke_fill=ink
        )
        glyph = glyph.rotate(-angle, resample=Image.Resampling.BICUBIC)
        radius = size / 2 - 50
        x = centre + radius * math.sin(math.radians(angle)) - 36
        y = centre - radius * math.cos(math.radians(angle)) - 36
        image.alpha_composite(glyph, (round(x), round(y)))
    out = io.BytesIO()
    image.quantize(colors=16, method=Image.Quantize.FASTOCTREE).save(out, format="PNG", optimize=True)
    mm = int(PROVISIONAL["picture_mm"])
    return ses.SealPicture(kind="PNG", data=out.getvalue(), width_mm=mm, height_mm=mm)


def seal_material(directory: Path, *, office_code: str, office: str) -> SealMaterial:
    """An office's signing certificate and seal, issued and made on first use."""
    root = seal_ca(directory)
    maker = _certificate(directory, "seal-sm2-maker", MAKER_NAME, root)
    certificate, key = _certificate(directory, f"seal-sm2-{office_code}", f"{office}（电子印章）", root)
    seal_path = directory / f"seal-sm2-{office_code}.ses"
    if not seal_path.exists():
        made = ses.seal_make(
            es_id=f"{office_code}{sm3(certificate.dump()).hex()[:14]}",
            vendor_id=str(PROVISIONAL["vendor_id"]),
            seal_type=int(PROVISIONAL["seal_type"]),
            name=office,
            signer_certificates=[certificate],
            picture=seal_picture(office),
            maker_certificate=maker[0],
            maker_key=maker[1],
            created=_now(),
            valid_until=certificate["tbs_certificate"]["validity"]["not_after"].native,
        )
        seal_path.with_suffix(".tmp").write_bytes(made.dump())
        if not seal_path.exists():
            seal_path.with_suffix(".tmp").replace(seal_path)
    made_seal = ses.SeSeal.load(seal_path.read_bytes())
    return SealMaterial(
        office=office, certificate=certificate, key=key, seal=made_seal, ca_pem=ses.certificate_pem(root[0])
    )


# --------------------------------------------------------------------------------------------------
# Sealing


def _byte_range_text(start: int, end: int, eof: int) -> str:
    return f"0 {start} {end} {eof - end}"


def seal_pdf(pdf: bytes, *, seal: SealMaterial, reason: str) -> bytes:
    """The PDF with the office's SES_Signature over the SM3 of every byte but the signature itself."""
    signed_at = _now()

    def signature_der(data_hash: bytes, byte_range: str) -> bytes:
        return ses.ses_sign(  # type: ignore[no-any-return]  # asn1crypto's dump() is untyped
            seal=seal.seal,
            data_hash=data_hash,
            property_info=f"pdf;ByteRange={byte_range};reason={reason.encode('unicode_escape').decode('ascii')}",
            signer_certificate=seal.certificate,
            signer_key=seal.key,
            signed_at=signed_at,
        ).dump()

    estimate = len(signature_der(bytes(32), _byte_range_text(10**9, 10**9, 10**10)))
    placeholder = PdfSignedData(obj_type=pdf_name("/Sig"), bytes_reserved=2 * (estimate + 64))
    placeholder[pdf_name("/Filter")] = pdf_name(PROVISIONAL["pdf_filter"])
    placeholder[pdf_name("/SubFilter")] = pdf_name(PROVISIONAL["pdf_subfilter"])
    placeholder[pdf_name("/Name")] = generic.TextStringObject(seal.office)
    placeholder[pdf_name("/Reason")] = generic.TextStringObject(reason)
    placeholder[pdf_name("/M")] = generic.pdf_date(signed_at)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    embedding = PdfCMSEmbedder(new_field_spec=SigFieldSpec(sig_field_name=FIELD_NAME)).write_cms(
        field_name=FIELD_NAME, writer=writer
    )
    next(embedding)
    embedding.send(SigObjSetup(sig_placeholder=placeholder))
    prepared, output = embedding.send(SigIOSetup(md_algorithm="sm3"))
    eof = len(output.getbuffer())
    byte_range = _byte_range_text(prepared.reserved_region_start, prepared.reserved_region_end, eof)
    embedding.send(signature_der(prepared.document_digest, byte_range))
    return bytes(output.getvalue())


def seal_detached(data: bytes, *, seal: SealMaterial, description: str) -> bytes:
    """A detached SES_Signature (DER) over the SM3 of a whole file, kept beside it as ``<file>.ses``."""
    return ses.ses_sign(  # type: ignore[no-any-return]  # asn1crypto's dump() is untyped
        seal=seal.seal,
        data_hash=sm3(data),
        property_info=f"file;bytes={len(data)};{description.encode('unicode_escape').decode('ascii')}",
        signer_certificate=seal.certificate,
        signer_key=seal.key,
        signed_at=_now(),
    ).dump()


# --------------------------------------------------------------------------------------------------
# Verifying


@dataclass(frozen=True)
class SealCheck:
    """What a seal on a document proves."""

    sealed: bool  # there is a seal at all
    intact: bool  # the document is exactly what was sealed
    trusted: bool  # the seal chains to a trusted seal root
    signer: str
    signed_at: dt.datetime | None
    summary: str
    kind: str = ""  # "SM2" (GB/T 38540) or "PAdES" (sealed before decision 0031)
    checks: tuple[ses.Check, ...] = ()  # each check an SM2 seal went through


def _unsealed(summary: str) -> SealCheck:
    return SealCheck(False, False, False, "", None, summary)


def _from_report(report: ses.SesReport, *, covered: bool) -> SealCheck:
    trust_checks = {"seal maker", "signer", "signer listed", "seal", "seal validity"}
    intact = covered and all(c.ok for c in report.checks if c.name in {"structure", "signature", "content"})
    trusted = all(c.ok for c in report.checks if c.name in trust_checks) and bool(report.checks)
    if report.failed() and report.failed()[0].name == "structure":
        summary = report.failed()[0].detail
    elif not intact:
        summary = "文件在盖章后被改动过，或印章无效。"
    elif not trusted:
        summary = "印章不是由认可的电子印章机构签发的。"
    else:
        summary = f"印章有效：{report.office}"
    return SealCheck(
        True, intact, trusted, report.office, report.signed_at, summary, "SM2", tuple(report.checks)
    )


def _pdf_signature(pdf: bytes) -> tuple[generic.DictionaryObject | None, bool]:
    """The last signature dictionary of a PDF and whether it is ours (SES); raises on a broken PDF."""
    reader = PdfFileReader(io.BytesIO(pdf))
    values = [value for _name, value, _ref in enumerate_sig_fields(reader, filled_status=True)]
    if not values:
        return None, False
    last = values[-1].get_object()
    return last, last.get("/SubFilter") == PROVISIONAL["pdf_subfilter"]


def _covers_whole_file(byte_range: list[int], pdf: bytes) -> bool:
    if len(byte_range) != 4 or byte_range[0] != 0:
        return False
    start, end = byte_range[1], byte_range[2]
    return (
        0 < start < end <= len(pdf)
        and end + byte_range[3] == len(pdf)
        and pdf[start : start + 1] == b"<"
        and pdf[end - 1 : end] == b">"
    )


def _verify_ses_pdf(
    pdf: bytes, signature: generic.DictionaryObject, roots: list[asn1_x509.Certificate]
) -> SealCheck:
    byte_range = [int(n) for n in signature.get("/ByteRange", [])]
    contents = bytes(signature.get("/Contents", b""))
    covered = _covers_whole_file(byte_range, pdf)
    content_hash = sm3(pdf[: byte_range[1]] + pdf[byte_range[2] :]) if covered else b""
    report = ses.ses_verify(_der_prefix(contents), content_hash=content_hash, roots=roots)
    if (
        covered
        and f"ByteRange={_byte_range_text(byte_range[1], byte_range[2], len(pdf))};"
        not in report.property_info
    ):
        report.add("range", False, "签章保护范围与文件不符。")
    return _from_report(report, covered=covered)


def _der_prefix(contents: bytes) -> bytes:
    """The DER value at the start of a zero-padded ``/Contents``."""
    if len(contents) < 2 or contents[0] != 0x30:
        return contents
    length, offset = contents[1], 2
    if length & 0x80:
        count = length & 0x7F
        length, offset = int.from_bytes(contents[2 : 2 + count], "big"), 2 + count
    return contents[: offset + length]


def _verify_pades(pdf: bytes, roots: list[asn1_x509.Certificate]) -> SealCheck:
    """A seal made before decision 0031: PAdES with an ECDSA certificate, checked by pyHanko."""
    reader = PdfFileReader(io.BytesIO(pdf))
    sigs = reader.embedded_signatures
    context = ValidationContext(trust_roots=roots)
    status: Any = validate_pdf_signature(sigs[-1], context)
    signer = str(status.signing_cert.subject.native.get("common_name", "")) if status.signing_cert else ""
    intact = (
        bool(status.intact and status.valid)
        and status.coverage is not None
        and "ENTIRE" in str(status.coverage)
    )
    trusted = bool(status.trusted)
    if intact and trusted:
        summary = f"印章有效：{signer}"
    elif not intact:
        summary = "文件在盖章后被改动过，或印章无效。"
    else:
        summary = "印章不是由认可的电子印章机构签发的。"
    return SealCheck(True, intact, trusted, signer, status.signer_reported_dt, summary, "PAdES")


def _roots(trusted_ca_pem: bytes) -> tuple[list[asn1_x509.Certificate], list[asn1_x509.Certificate]]:
    """The trusted roots split into SM2 ones and the older ECDSA one(s)."""
    certificates = ses.certificates_from_pem(trusted_ca_pem)
    sm2 = [c for c in certificates if ses.is_sm2_certificate(c)]
    return sm2, [c for c in certificates if not ses.is_sm2_certificate(c)]


def seal_verify(pdf: bytes, *, trusted_ca_pem: bytes) -> SealCheck:
    """Check the seal of a PDF against the trusted seal roots (never raises on a bad document)."""
    try:
        signature, is_ses = _pdf_signature(pdf)
    except Exception:  # not a PDF, or a broken one: it proves nothing
        return _unsealed("不是有效的 PDF 文件。")
    if signature is None:
        return _unsealed("文件没有电子印章。")
    sm2_roots, older_roots = _roots(trusted_ca_pem)
    if is_ses:
        return _verify_ses_pdf(pdf, signature, sm2_roots)
    try:
        return _verify_pades(pdf, older_roots)
    except Exception:  # a signature neither kind understands
        return SealCheck(True, False, False, "", None, "无法识别的签名格式。")


def seal_verify_detached(data: bytes, signature_der: bytes, *, trusted_ca_pem: bytes) -> SealCheck:
    """Check a detached SES_Signature against the file it is kept beside."""
    sm2_roots, _older = _roots(trusted_ca_pem)
    report = ses.ses_verify(signature_der, content_hash=sm3(data), roots=sm2_roots)
    return _from_report(report, covered=True)


def seal_verify_file(path: Path, *, signature: Path | None, trusted_ca_pem: bytes) -> SealCheck:
    """Check a file on disk: a PDF by its embedded seal, anything else (or a PDF given ``signature``) by the
    detached SES_Signature beside it (``<file>.ses`` unless named)."""
    data = path.read_bytes()
    beside = signature or path.with_name(path.name + ".ses")
    if signature is None and data.startswith(b"%PDF-"):
        return seal_verify(data, trusted_ca_pem=trusted_ca_pem)
    if not beside.is_file():
        return _unsealed(f"没有找到签章文件 {beside.name}。")
    return seal_verify_detached(data, beside.read_bytes(), trusted_ca_pem=trusted_ca_pem)
