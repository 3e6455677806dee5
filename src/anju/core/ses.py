"""Electronic seals and signatures in the GB/T 38540-2020 structure, version 4, over SM2 and SM3
(docs/decisions/0031-sm2-seals.md, docs/interfaces/seals.md).

Three things live here, each in the shape the standard gives it:

- SM2 certificates (X.509 v3, key ``id-ecPublicKey`` on the curve 1.2.156.10197.1.301, signed SM3withSM2
  1.2.156.10197.1.501). ``cryptography`` cannot build them, so they are put together with asn1crypto and
  signed with the project's one SM2 (core/signing.py, GmSSL).
- The seal, ``SESeal``: what the seal maker (制章者) vouches for — the office's name, the certificates
  allowed to use the seal, its validity and its picture — signed once, when the seal is made.
- The signature, ``SES_Signature``: the seal, the time, the SM3 of what is signed and a description of
  what was protected (``propertyInfo``), signed by the office's certificate.

``ses_verify`` checks a signature against trusted roots and the bytes it claims to protect, and says
which check failed: a structure that does not parse, a certificate the roots do not vouch for, a seal
or signature that does not verify, a digest that does not match. It never raises on bad input.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from asn1crypto import core, keys, pem, x509

from anju.core import signing
from anju.core.crypto import sm3

SM2_CURVE = "1.2.156.10197.1.301"
SM3_WITH_SM2 = "1.2.156.10197.1.501"
EC_PUBLIC_KEY = "1.2.840.10045.2.1"
SES_VERSION = 4
CERT_LIST_CERTS = 1  # SES_ESPropertyInfo.certListType: 1 = the certificates themselves, 2 = their digests
CERT_LIST_DIGESTS = 2

keys.NamedCurve.register("sm2p256v1", SM2_CURVE, 32)


# --------------------------------------------------------------------------------------------------
# The structures of GB/T 38540-2020, version 4


class SesHeader(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    """SES_Header: ID "ES", the structure version, the vendor's id."""

    _fields: ClassVar = [("id", core.IA5String), ("version", core.Integer), ("vid", core.IA5String)]


class CertInfoList(core.SequenceOf):  # type: ignore[misc]  # asn1crypto is untyped
    """The certificates allowed to sign with a seal (certListType 1), each DER."""

    _child_spec: ClassVar = core.OctetString


class CertDigestObj(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    """One certificate named by its digest (certListType 2)."""

    _fields: ClassVar = [("type", core.PrintableString), ("value", core.OctetString)]


class CertDigestList(core.SequenceOf):  # type: ignore[misc]  # asn1crypto is untyped
    """The certificates allowed to sign with a seal, by digest (certListType 2)."""

    _child_spec: ClassVar = CertDigestObj


class SesEsPropertyInfo(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    """SES_ESPropertyInfo. certList is a CHOICE of two SEQUENCE OFs that DER cannot tell apart, so it is
    read as it stands and interpreted by certListType."""

    _fields: ClassVar = [
        ("type", core.Integer),
        ("name", core.UTF8String),
        ("cert_list_type", core.Integer),
        ("cert_list", core.Any),
        ("create_date", core.GeneralizedTime),
        ("valid_start", core.GeneralizedTime),
        ("valid_end", core.GeneralizedTime),
    ]


class SesEsPictureInfo(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    """SES_ESPictureInfo: the picture's type and bytes, its size in millimetres."""

    _fields: ClassVar = [
        ("type", core.IA5String),
        ("data", core.OctetString),
        ("width", core.Integer),
        ("height", core.Integer),
    ]


class ExtData(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    """One vendor extension."""

    _fields: ClassVar = [
        ("extn_id", core.ObjectIdentifier),
        ("critical", core.Boolean, {"default": False}),
        ("extn_value", core.OctetString),
    ]


class ExtensionDatas(core.SequenceOf):  # type: ignore[misc]  # asn1crypto is untyped
    """Vendor extensions (none are written)."""

    _child_spec: ClassVar = ExtData


class SesSealInfo(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    """SES_SealInfo: what the seal maker signs."""

    _fields: ClassVar = [
        ("header", SesHeader),
        ("es_id", core.IA5String),
        ("property", SesEsPropertyInfo),
        ("picture", SesEsPictureInfo),
        ("ext_datas", ExtensionDatas, {"optional": True}),
    ]


class SeSeal(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    """SESeal: the seal information, the maker's certificate, algorithm and signature."""

    _fields: ClassVar = [
        ("e_seal_info", SesSealInfo),
        ("cert", core.OctetString),
        ("sign_alg_id", core.ObjectIdentifier),
        ("signed_value", core.OctetBitString),
    ]


class TbsSign(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    """TBS_Sign: what the signer signs."""

    _fields: ClassVar = [
        ("version", core.Integer),
        ("eseal", SeSeal),
        ("time_info", core.GeneralizedTime),
        ("data_hash", core.OctetBitString),
        ("property_info", core.IA5String),
        ("ext_datas", ExtensionDatas, {"explicit": 0, "optional": True}),
    ]


class SesSignature(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    """SES_Signature: the signed information, the signer's certificate, algorithm and signature."""

    _fields: ClassVar = [
        ("to_sign", TbsSign),
        ("cert", core.OctetString),
        ("signature_alg_id", core.ObjectIdentifier),
        ("signature", core.OctetBitString),
        ("time_stamp", core.OctetBitString, {"explicit": 0, "optional": True}),
    ]


# --------------------------------------------------------------------------------------------------
# SM2 certificates


def _name(common_name: str) -> x509.Name:
    return x509.Name.build(
        {"country_name": "CN", "state_or_province_name": "福建省", "common_name": common_name},
        use_printable=False,
    )


def _sm2_public_key_info(public_key: signing.Sm2PublicKey) -> keys.PublicKeyInfo:
    return keys.PublicKeyInfo(
        {
            "algorithm": {
                "algorithm": EC_PUBLIC_KEY,
                "parameters": keys.ECDomainParameters(("named", SM2_CURVE)),
            },
            "public_key": public_key.point,
        }
    )


def certificate_public_key(certificate: x509.Certificate) -> signing.Sm2PublicKey:
    """The SM2 public key of a certificate (ValueError if it holds another kind of key)."""
    info = certificate["tbs_certificate"]["subject_public_key_info"]
    parameters = info["algorithm"]["parameters"]
    if info["algorithm"]["algorithm"].dotted != EC_PUBLIC_KEY or parameters.chosen.dotted != SM2_CURVE:
        raise ValueError("not an SM2 key")
    return signing.Sm2PublicKey(point=bytes(info["public_key"]))


def is_sm2_certificate(certificate: x509.Certificate) -> bool:
    """Whether the certificate holds an SM2 key."""
    try:
        certificate_public_key(certificate)
    except (ValueError, KeyError):
        return False
    return True


def certificate_issue(
    *,
    subject: str,
    public_key: signing.Sm2PublicKey,
    issuer: x509.Certificate | None,
    issuer_key: signing.Sm2PrivateKey,
    ca: bool,
    valid_from: dt.datetime,
    valid_until: dt.datetime,
) -> x509.Certificate:
    """An SM2 certificate for ``subject`` signed SM3withSM2 by ``issuer_key`` (self-signed if no issuer)."""
    usage = (
        {"digital_signature", "key_cert_sign", "crl_sign"} if ca else {"digital_signature", "non_repudiation"}
    )
    tbs = x509.TbsCertificate(
        {
            "version": "v3",
            "serial_number": int.from_bytes(secrets.token_bytes(16), "big") >> 1,
            "signature": {"algorithm": SM3_WITH_SM2},
            "issuer": issuer.subject if issuer is not None else _name(subject),
            "validity": {
                "not_before": x509.Time({"general_time": valid_from}),
                "not_after": x509.Time({"general_time": valid_until}),
            },
            "subject": _name(subject),
            "subject_public_key_info": _sm2_public_key_info(public_key),
            "extensions": [
                {"extn_id": "basic_constraints", "critical": True, "extn_value": {"ca": ca}},
                {"extn_id": "key_usage", "critical": True, "extn_value": usage},
                {"extn_id": "key_identifier", "extn_value": sm3(public_key.point)[:20]},
            ],
        }
    )
    signature = signing.sm2_sign(private_key=issuer_key, message=tbs.dump())
    return x509.Certificate(
        {
            "tbs_certificate": tbs,
            "signature_algorithm": {"algorithm": SM3_WITH_SM2},
            "signature_value": signature,
        }
    )


def certificate_signed_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Whether ``issuer`` names and signed ``certificate`` with SM3withSM2."""
    if certificate["tbs_certificate"]["issuer"] != issuer["tbs_certificate"]["subject"]:
        return False
    if certificate["signature_algorithm"]["algorithm"].dotted != SM3_WITH_SM2:
        return False
    try:
        issuer_key = certificate_public_key(issuer)
    except (ValueError, KeyError):
        return False
    return signing.sm2_verify(
        public_key=issuer_key,
        message=certificate["tbs_certificate"].dump(),
        signature=bytes(certificate["signature_value"]),
    )


def certificate_valid_at(certificate: x509.Certificate, moment: dt.datetime) -> bool:
    """Whether ``moment`` falls inside the certificate's validity."""
    validity = certificate["tbs_certificate"]["validity"]
    return bool(validity["not_before"].native <= moment <= validity["not_after"].native)


def certificate_name(certificate: x509.Certificate) -> str:
    """The certificate subject's common name."""
    return str(certificate.subject.native.get("common_name", ""))


def certificates_from_pem(data: bytes) -> list[x509.Certificate]:
    """Every certificate in a PEM bundle (or one DER certificate)."""
    if not pem.detect(data):
        return [x509.Certificate.load(data)]
    return [
        x509.Certificate.load(der)
        for kind, _h, der in pem.unarmor(data, multiple=True)
        if kind == "CERTIFICATE"
    ]


def certificate_pem(certificate: x509.Certificate) -> bytes:
    """One certificate as PEM."""
    return bytes(pem.armor("CERTIFICATE", certificate.dump()))


# --------------------------------------------------------------------------------------------------
# Making a seal and signing with it


@dataclass(frozen=True)
class SealPicture:
    """The seal's picture: its type (PNG), bytes and printed size in millimetres."""

    kind: str
    data: bytes
    width_mm: int
    height_mm: int


def seal_make(
    *,
    es_id: str,
    vendor_id: str,
    seal_type: int,
    name: str,
    signer_certificates: list[x509.Certificate],
    picture: SealPicture,
    maker_certificate: x509.Certificate,
    maker_key: signing.Sm2PrivateKey,
    created: dt.datetime,
    valid_until: dt.datetime,
) -> SeSeal:
    """A seal made and signed by the seal maker, usable by the listed signer certificates."""
    info = SesSealInfo(
        {
            "header": {"id": "ES", "version": SES_VERSION, "vid": vendor_id},
            "es_id": es_id,
            "property": {
                "type": seal_type,
                "name": name,
                "cert_list_type": CERT_LIST_CERTS,
                "cert_list": core.Any.load(CertInfoList([c.dump() for c in signer_certificates]).dump()),
                "create_date": created,
                "valid_start": created,
                "valid_end": valid_until,
            },
            "picture": {
                "type": picture.kind,
                "data": picture.data,
                "width": picture.width_mm,
                "height": picture.height_mm,
            },
        }
    )
    return SeSeal(
        {
            "e_seal_info": info,
            "cert": maker_certificate.dump(),
            "sign_alg_id": SM3_WITH_SM2,
            "signed_value": signing.sm2_sign(private_key=maker_key, message=info.dump()),
        }
    )


def ses_sign(
    *,
    seal: SeSeal,
    data_hash: bytes,
    property_info: str,
    signer_certificate: x509.Certificate,
    signer_key: signing.Sm2PrivateKey,
    signed_at: dt.datetime,
) -> SesSignature:
    """An SES_Signature over ``data_hash`` (the SM3 of what is protected, as ``property_info`` says)."""
    to_sign = TbsSign(
        {
            "version": SES_VERSION,
            "eseal": seal,
            "time_info": signed_at.astimezone(dt.UTC).replace(microsecond=0),
            "data_hash": data_hash,
            "property_info": property_info,
        }
    )
    return SesSignature(
        {
            "to_sign": to_sign,
            "cert": signer_certificate.dump(),
            "signature_alg_id": SM3_WITH_SM2,
            "signature": signing.sm2_sign(private_key=signer_key, message=to_sign.dump()),
        }
    )


# --------------------------------------------------------------------------------------------------
# Verifying


CHECK_LABELS = {
    "structure": "签章结构",
    "certificates": "证书",
    "seal maker": "制章者证书",
    "seal": "印章签名",
    "seal validity": "印章有效期",
    "signer": "签章者证书",
    "signer listed": "印章授权",
    "signature": "签章签名",
    "content": "原文完整",
    "range": "保护范围",
}


@dataclass(frozen=True)
class Check:
    """One thing a verifier checked, in the words it prints."""

    name: str
    ok: bool
    detail: str

    @property
    def label(self) -> str:
        """The check's name as a reader sees it."""
        return CHECK_LABELS.get(self.name, self.name)


@dataclass
class SesReport:
    """What a signature proves, check by check (``ok`` only when every check holds)."""

    checks: list[Check] = field(default_factory=list)
    office: str = ""
    seal_name: str = ""
    es_id: str = ""
    signed_at: dt.datetime | None = None
    property_info: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def failed(self) -> list[Check]:
        """The checks that did not hold."""
        return [c for c in self.checks if not c.ok]

    def add(self, name: str, ok: bool, detail: str) -> bool:
        self.checks.append(Check(name, ok, detail))
        return ok


def _signer_listed(seal_property: SesEsPropertyInfo, signer_der: bytes) -> bool:
    kind = seal_property["cert_list_type"].native
    raw = seal_property["cert_list"].dump()
    if kind == CERT_LIST_CERTS:
        return signer_der in [bytes(c) for c in CertInfoList.load(raw).native]
    if kind == CERT_LIST_DIGESTS:
        return any(bytes(d["value"]) == sm3(signer_der) for d in CertDigestList.load(raw).native)
    return False


def _chains(certificate: x509.Certificate, roots: list[x509.Certificate]) -> x509.Certificate | None:
    return next((root for root in roots if certificate_signed_by(certificate, root)), None)


def _parse(der: bytes, report: SesReport) -> SesSignature | None:
    try:
        signature = SesSignature.load(der, strict=True)
        signature.native  # noqa: B018 - parses every part now, so a broken structure is caught here
    except (ValueError, TypeError, KeyError) as exc:
        report.add("structure", False, f"不是 GB/T 38540 电子签章数据：{exc}")
        return None
    version = signature["to_sign"]["version"].native
    header = signature["to_sign"]["eseal"]["e_seal_info"]["header"]
    if version != SES_VERSION or header["version"].native != SES_VERSION or header["id"].native != "ES":
        report.add("structure", False, f"签章版本为 {version}，本系统核验第 4 版（GB/T 38540-2020）。")
        return None
    report.add("structure", True, "GB/T 38540-2020 第 4 版 SES_Signature")
    parsed: SesSignature = signature
    return parsed


def ses_verify(der: bytes, *, content_hash: bytes, roots: list[x509.Certificate]) -> SesReport:
    """Check an SES_Signature: its structure, the seal maker's and the signer's certificates against
    ``roots``, both SM2 signatures, the seal's validity at signing, and that it protects ``content_hash``."""
    report = SesReport()
    signature = _parse(der, report)
    if signature is None:
        return report
    to_sign, seal = signature["to_sign"], signature["to_sign"]["eseal"]
    info = seal["e_seal_info"]
    report.seal_name, report.es_id = info["property"]["name"].native, info["es_id"].native
    report.signed_at = to_sign["time_info"].native
    report.property_info = to_sign["property_info"].native
    try:
        maker = x509.Certificate.load(bytes(seal["cert"]))
        signer = x509.Certificate.load(bytes(signature["cert"]))
        report.office = certificate_name(signer)
        maker.native  # noqa: B018 - parse now
        signer.native  # noqa: B018
    except (ValueError, TypeError) as exc:
        report.add("certificates", False, f"证书无法解析：{exc}")
        return report
    _verify_seal(report, seal, maker, roots)
    _verify_signature(report, signature, signer, roots)
    report.add(
        "content",
        bytes(to_sign["data_hash"]) == content_hash,
        "原文 SM3 杂凑值一致" if bytes(to_sign["data_hash"]) == content_hash else "文件在签章后被改动过。",
    )
    return report


def _verify_seal(
    report: SesReport, seal: SeSeal, maker: x509.Certificate, roots: list[x509.Certificate]
) -> None:
    root = _chains(maker, roots)
    report.add(
        "seal maker",
        root is not None,
        f"制章者证书“{certificate_name(maker)}”由“{certificate_name(root)}”签发"
        if root is not None
        else f"制章者证书“{certificate_name(maker)}”不是由认可的电子印章机构签发的。",
    )
    made = seal["sign_alg_id"].dotted == SM3_WITH_SM2 and _sm2_ok(
        maker, seal["e_seal_info"].dump(), bytes(seal["signed_value"])
    )
    report.add("seal", made, "印章数据的 SM2 签名有效" if made else "印章数据的制章签名无效。")
    prop, moment = seal["e_seal_info"]["property"], report.signed_at
    within = moment is not None and prop["valid_start"].native <= moment <= prop["valid_end"].native
    report.add(
        "seal validity",
        within,
        f"签章时印章在有效期内（至 {prop['valid_end'].native:%Y-%m-%d}）"
        if within
        else "签章时印章不在有效期内。",
    )


def _verify_signature(
    report: SesReport, signature: SesSignature, signer: x509.Certificate, roots: list[x509.Certificate]
) -> None:
    root = _chains(signer, roots)
    moment = report.signed_at
    trusted = root is not None and moment is not None and certificate_valid_at(signer, moment)
    report.add(
        "signer",
        trusted,
        f"签章者证书“{report.office}”由“{certificate_name(root)}”签发，签章时有效"
        if trusted and root is not None
        else f"签章者证书“{report.office}”不是由认可的电子印章机构签发的，或签章时已失效。",
    )
    listed = _signer_listed(
        signature["to_sign"]["eseal"]["e_seal_info"]["property"], bytes(signature["cert"])
    )
    report.add(
        "signer listed", listed, "签章者证书在印章的授权证书列表中" if listed else "签章者无权使用此印章。"
    )
    signed = signature["signature_alg_id"].dotted == SM3_WITH_SM2 and _sm2_ok(
        signer, signature["to_sign"].dump(), bytes(signature["signature"])
    )
    report.add(
        "signature", signed, "签章的 SM2 签名有效（SM3withSM2）" if signed else "签章的 SM2 签名无效。"
    )


def _sm2_ok(certificate: x509.Certificate, message: bytes, signature: bytes) -> bool:
    try:
        public_key = certificate_public_key(certificate)
    except (ValueError, KeyError):
        return False
    return signing.sm2_verify(public_key=public_key, message=message, signature=signature)


def read_certificates(path: Path) -> list[x509.Certificate]:
    """The certificates in a PEM file ([] when the file does not exist)."""
    return certificates_from_pem(path.read_bytes()) if path.exists() else []
