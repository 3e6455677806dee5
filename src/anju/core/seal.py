"""Official seals (电子印章) on PDF documents: a seal CA, one seal certificate per office, PAdES signing and
verification with pyHanko (docs/decisions/0009-review-and-decision-documents.md).

pyHanko signs with RSA, ECDSA or EdDSA, not SM2; the sandbox therefore issues ECDSA P-256 seal
certificates. A production seal (GB/T 38540 SES_Signature over SM2) comes from the province's unified seal
platform; only this module changes then.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

CA_NAME = "福建省电子印章（联调测试）根证书"
VALIDITY_DAYS = 3650


@dataclass(frozen=True)
class SealMaterial:
    """An office's seal: its certificate and key, and the CA certificate that vouches for it."""

    office: str
    certificate_pem: bytes
    key_pem: bytes
    ca_pem: bytes


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "福建省"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _write_private(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    path.chmod(0o600)


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def seal_ca(directory: Path) -> tuple[bytes, bytes]:
    """The seal CA's certificate and key (PEM), created on first use (joint-test environment only)."""
    cert_path, key_path = directory / "seal-ca.pem", directory / "seal-ca.key"
    if cert_path.exists() and key_path.exists():
        return cert_path.read_bytes(), key_path.read_bytes()
    directory.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(CA_NAME))
        .issuer_name(_name(CA_NAME))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=VALIDITY_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(issuer=True), critical=True)
        .sign(key, hashes.SHA256())
    )
    _write_private(key_path, _pem_key(key))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path.read_bytes(), key_path.read_bytes()


def _key_usage(*, issuer: bool) -> x509.KeyUsage:
    """The seal CA signs certificates; an office's seal signs decisions (non-repudiation)."""
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=not issuer,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=issuer,
        crl_sign=issuer,
        encipher_only=False,
        decipher_only=False,
    )


def seal_material(directory: Path, *, office_code: str, office: str) -> SealMaterial:
    """An office's seal certificate and key, issued by the seal CA on first use."""
    ca_pem, ca_key_pem = seal_ca(directory)
    cert_path, key_path = directory / f"seal-{office_code}.pem", directory / f"seal-{office_code}.key"
    if not (cert_path.exists() and key_path.exists()):
        ca_cert = x509.load_pem_x509_certificate(ca_pem)
        ca_key = serialization.load_pem_private_key(ca_key_pem, password=None)
        assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(f"{office}（电子印章）"))
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=VALIDITY_DAYS - 1))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(issuer=False), critical=True)
            .sign(ca_key, hashes.SHA256())
        )
        _write_private(key_path, _pem_key(key))
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return SealMaterial(
        office=office, certificate_pem=cert_path.read_bytes(), key_pem=key_path.read_bytes(), ca_pem=ca_pem
    )


def _asn1_cert(pem: bytes) -> asn1_x509.Certificate:
    der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
    return asn1_x509.Certificate.load(der)


def seal_pdf(pdf: bytes, *, seal: SealMaterial, reason: str) -> bytes:
    """The PDF with the office's seal as a PAdES signature over the whole file."""
    key = serialization.load_pem_private_key(seal.key_pem, password=None)
    key_der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    signer = signers.SimpleSigner(
        signing_cert=_asn1_cert(seal.certificate_pem),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs([_asn1_cert(seal.ca_pem)]),  # type: ignore[no-untyped-call]
    )
    meta = signers.PdfSignatureMetadata(
        field_name="OfficialSeal", reason=reason, location="福建省", name=seal.office, subfilter=None
    )
    out = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer)
    return bytes(out.getvalue())


@dataclass(frozen=True)
class SealCheck:
    """What a seal on a PDF proves."""

    sealed: bool  # there is a seal at all
    intact: bool  # the document is exactly what was sealed
    trusted: bool  # the seal chains to the trusted seal CA
    signer: str
    signed_at: dt.datetime | None
    summary: str


def seal_verify(pdf: bytes, *, trusted_ca_pem: bytes) -> SealCheck:
    """Check the seal of a PDF against the trusted seal CA (never raises on a bad document)."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf))
        sigs = reader.embedded_signatures
    except Exception:  # not a PDF, or a broken one: it proves nothing
        return SealCheck(False, False, False, "", None, "不是有效的 PDF 文件。")
    if not sigs:
        return SealCheck(False, False, False, "", None, "文件没有电子印章。")
    context = ValidationContext(trust_roots=[_asn1_cert(trusted_ca_pem)])
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
    return SealCheck(True, intact, trusted, signer, status.signer_reported_dt, summary)
