"""Fujian's 好差评 wire format (core/hcpwire): the published example (docs/interfaces/hcp-examples) checked
with implementations the service does not use — gmssl's pure-Python SM4, OpenSSL's `enc -sm4-ecb`,
hashlib's MD5 — and what the format does with a rare name, a wrong key, a broken envelope and a fault."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
from gmssl.sm4 import SM4_DECRYPT, CryptSM4

from anju.core import hcpwire

EXAMPLES = Path(__file__).parents[2] / "docs" / "interfaces" / "hcp-examples"
SECRET = "0123456789abcdeffedcba9876543210"


def test_the_published_sign_is_md5_of_secret_and_timestamp() -> None:
    expected = hashlib.md5(
        b"0123456789abcdeffedcba98765432101796551200000", usedforsecurity=False
    ).hexdigest()
    assert (
        hcpwire.token_sign(SECRET, "1796551200000") == expected.upper() == "CABC9F7F4D023A5A039D4B24F0DC9EB5"
    )


def test_the_published_xmlstr_decrypts_with_gmssl_and_openssl_to_the_gb2312_case() -> None:
    cipher_hex = (EXAMPLES / "case.xmlStr.txt").read_text().strip()
    case = (EXAMPLES / "case.xml").read_bytes()
    gm = CryptSM4()
    gm.set_key(bytes.fromhex(SECRET), SM4_DECRYPT)
    assert gm.crypt_ecb(bytes.fromhex(cipher_hex)) == case  # gmssl strips the PKCS#7 padding
    openssl = shutil.which("openssl")
    assert openssl, "OpenSSL's command line is part of every Debian system the service runs on"
    plain = subprocess.run(
        [openssl, "enc", "-d", "-sm4-ecb", "-K", SECRET],
        input=bytes.fromhex(cipher_hex),
        capture_output=True,
        check=True,
    ).stdout
    assert plain == case and case.startswith(b"<?xml version='1.0' encoding='GB2312'?>")
    fields = hcpwire.case_fields(case)
    assert (
        fields["userName"] == "欧阳娜娜" and fields["satisfaction"] == "2" and fields["assessNumber"] == "1"
    )
    assert "欧阳娜娜".encode("gb2312") in case  # GB2312 on the wire, as declared


def test_the_published_request_and_answer_read_back() -> None:
    method, token, app_key, xml_str = hcpwire.envelope_read((EXAMPLES / "request.xml").read_bytes())
    assert (method, token, app_key) == (
        "getSaveEvaluation",
        "5f0c3d8e2b7a49c1a6e4d2f08b1c7e93",
        "anju0platform0hcp0app0key0000001",
    )
    assert xml_str == (EXAMPLES / "case.xmlStr.txt").read_text().strip()
    assert b"<soapenv:Header><Authorization>Basic " in (EXAMPLES / "request.xml").read_bytes()
    assert hcpwire.answer_read((EXAMPLES / "response.xml").read_bytes()) == (
        "200",
        "成功",
        {"evaluateUnid": "HCP-1"},
    )


def test_a_name_gb2312_lacks_travels_as_a_character_reference() -> None:
    document = hcpwire.case_xml({"userName": "王𠈌"})
    assert b"&#131596;" in document
    assert hcpwire.case_fields(hcpwire.sm4_decrypt(hcpwire.sm4_encrypt(document, SECRET), SECRET)) == {
        "userName": "王𠈌"
    }


def test_the_wrong_key_a_broken_envelope_and_a_fault_are_each_told_apart() -> None:
    sealed = hcpwire.sm4_encrypt(hcpwire.case_xml({"a": "1"}), SECRET)
    with pytest.raises(hcpwire.WireError) as wrong:
        hcpwire.case_fields(hcpwire.sm4_decrypt(sealed, "f" * 32))
    assert wrong.value.code == "unreadable"
    with pytest.raises(hcpwire.WireError):
        hcpwire.sm4_decrypt("not hex", SECRET)
    with pytest.raises(hcpwire.WireError):
        hcpwire.envelope_read(b"<not-soap/>")
    with pytest.raises(hcpwire.WireError):
        hcpwire.sm4_encrypt(b"x", "short")
    assert hcpwire.answer_read(hcpwire.fault(hcpwire.TOKEN_INVALID)) == ("fault", "access_token_invalid", {})
    listed = hcpwire.answer("getRectifyTaskList", "200", data={"tasks": [{"taskId": "ZG-1"}], "count": "1"})
    assert hcpwire.answer_read(listed)[2] == {"tasks": [{"taskId": "ZG-1"}], "count": "1"}
