"""The GB/T 38540-2020 v4 structures (core/ses): what a seal carries, and the checks a signature goes
through when the seal has expired, the signer's certificate has, or the seal names its signers by digest."""

from __future__ import annotations

import datetime as dt

import pytest
from asn1crypto import core

from anju.core import ses, signing
from anju.core.crypto import sm3

NOW = dt.datetime(2026, 12, 6, 10, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
PICTURE = ses.SealPicture(kind="PNG", data=b"\x89PNG\r\n\x1a\n", width_mm=40, height_mm=40)


class Authority:
    """A root, a seal maker and a signer, made for one test."""

    def __init__(self, *, signer_until: dt.datetime = NOW + 365 * DAY) -> None:
        self.root_key, self.maker_key, self.signer_key = (signing.generate_keypair() for _ in range(3))
        self.root = ses.certificate_issue(
            subject="测试根证书", public_key=self.root_key.public_key, issuer=None, issuer_key=self.root_key,
            ca=True, valid_from=NOW - DAY, valid_until=NOW + 3650 * DAY,
        )  # fmt: skip
        self.maker = self.issue("测试制章者", self.maker_key, NOW + 3650 * DAY)
        self.signer = self.issue("测试办公室（电子印章）", self.signer_key, signer_until)

    def issue(self, subject: str, key: signing.Sm2PrivateKey, until: dt.datetime) -> ses.x509.Certificate:
        return ses.certificate_issue(
            subject=subject, public_key=key.public_key, issuer=self.root, issuer_key=self.root_key,
            ca=False, valid_from=NOW - DAY, valid_until=until,
        )  # fmt: skip

    def seal(self, *, valid_until: dt.datetime = NOW + 365 * DAY) -> ses.SeSeal:
        return ses.seal_make(
            es_id="35010000000000001", vendor_id="TEST", seal_type=1, name="测试办公室",
            signer_certificates=[self.signer], picture=PICTURE, maker_certificate=self.maker,
            maker_key=self.maker_key, created=NOW - DAY, valid_until=valid_until,
        )  # fmt: skip

    def sign(self, made: ses.SeSeal, content: bytes, at: dt.datetime = NOW) -> bytes:
        return ses.ses_sign(
            seal=made, data_hash=sm3(content), property_info="file;bytes=7", signer_certificate=self.signer,
            signer_key=self.signer_key, signed_at=at,
        ).dump()  # fmt: skip


@pytest.fixture(scope="module")
def authority() -> Authority:
    return Authority()


def failed(report: ses.SesReport) -> list[str]:
    return [c.detail for c in report.failed()]


def test_a_seal_carries_the_v4_header_its_office_its_signers_and_its_picture(authority: Authority) -> None:
    made = ses.SeSeal.load(authority.seal().dump())
    info = made["e_seal_info"]
    assert info["header"].native == {"id": "ES", "version": 4, "vid": "TEST"}
    assert info["property"]["name"].native == "测试办公室"
    assert info["property"]["cert_list_type"].native == ses.CERT_LIST_CERTS
    assert ses.CertInfoList.load(info["property"]["cert_list"].dump()).native == [authority.signer.dump()]
    assert info["picture"].native == {"type": "PNG", "data": PICTURE.data, "width": 40, "height": 40}
    assert made["sign_alg_id"].dotted == ses.SM3_WITH_SM2 == "1.2.156.10197.1.501"


def test_a_signature_verifies_and_reports_what_it_protects(authority: Authority) -> None:
    report = ses.ses_verify(
        authority.sign(authority.seal(), b"figures"), content_hash=sm3(b"figures"), roots=[authority.root]
    )
    assert report.ok and report.seal_name == "测试办公室" and report.signed_at == NOW
    assert report.property_info == "file;bytes=7" and report.office == "测试办公室（电子印章）"


def test_a_seal_used_after_it_expired_fails_its_validity(authority: Authority) -> None:
    expired = authority.seal(valid_until=NOW - DAY / 2)
    report = ses.ses_verify(
        authority.sign(expired, b"figures"), content_hash=sm3(b"figures"), roots=[authority.root]
    )
    assert failed(report) == ["签章时印章不在有效期内。"]


def test_a_signer_whose_certificate_had_expired_is_not_trusted() -> None:
    lapsed = Authority(signer_until=NOW - DAY / 2)
    report = ses.ses_verify(
        lapsed.sign(lapsed.seal(), b"figures"), content_hash=sm3(b"figures"), roots=[lapsed.root]
    )
    assert failed(report) == [
        "签章者证书“测试办公室（电子印章）”不是由认可的电子印章机构签发的，或签章时已失效。"
    ]


def test_a_seal_that_names_its_signers_by_digest_is_read_too(authority: Authority) -> None:
    made = authority.seal()
    info = made["e_seal_info"]
    info["property"]["cert_list_type"] = ses.CERT_LIST_DIGESTS
    digests = ses.CertDigestList([{"type": "SM3", "value": sm3(authority.signer.dump())}])
    info["property"]["cert_list"] = core.Any.load(digests.dump())
    remade = ses.SeSeal(
        {
            "e_seal_info": ses.SesSealInfo.load(info.dump()),
            "cert": authority.maker.dump(),
            "sign_alg_id": ses.SM3_WITH_SM2,
            "signed_value": signing.sm2_sign(private_key=authority.maker_key, message=info.dump()),
        }
    )
    report = ses.ses_verify(
        authority.sign(remade, b"figures"), content_hash=sm3(b"figures"), roots=[authority.root]
    )
    assert report.ok


def test_a_seal_changed_after_the_maker_signed_it_fails_the_makers_signature(authority: Authority) -> None:
    made = authority.seal()
    made["e_seal_info"]["property"]["name"] = "另一个办公室"
    tampered = ses.SeSeal.load(made.dump())
    report = ses.ses_verify(
        authority.sign(tampered, b"figures"), content_hash=sm3(b"figures"), roots=[authority.root]
    )
    assert failed(report) == ["印章数据的制章签名无效。"]


def test_a_certificate_is_signed_sm3_with_sm2_by_its_issuer_only(authority: Authority) -> None:
    assert ses.certificate_signed_by(authority.signer, authority.root)
    assert not ses.certificate_signed_by(authority.signer, authority.maker)
    assert ses.is_sm2_certificate(authority.root)
    pem = ses.certificate_pem(authority.root) + ses.certificate_pem(authority.maker)
    assert [ses.certificate_name(c) for c in ses.certificates_from_pem(pem)] == ["测试根证书", "测试制章者"]
