"""The published seal examples (docs/interfaces/seal-examples) verify without our code: the DER is taken
apart with asn1crypto's generic parser, digests come from gmssl's pure-Python SM3, and every SM2 signature
— the certificates', the seal maker's and the signer's — is checked by gmssl's pure-Python SM2, by
tests/core/sm2_reference.py, and by OpenSSL's command line, as docs/interfaces/seals.md tells a partner to.
`anju seal verify` agrees, and says no to a copy with one byte changed."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from asn1crypto import core
from gmssl import func as gm_func
from gmssl import sm2 as gm_sm2
from gmssl import sm3 as gm_sm3
from pypdf import PdfReader
from typer.testing import CliRunner, Result

from anju.cli import app as cli

from . import sm2_reference as ref

EXAMPLES = Path(__file__).parents[2] / "docs" / "interfaces" / "seal-examples"
ROOT = EXAMPLES / "seal-sm2-ca.pem"


def gm_sm3_digest(data: bytes) -> bytes:
    return bytes.fromhex(gm_sm3.sm3_hash(gm_func.bytes_to_list(data)))


@dataclass(frozen=True)
class Signed:
    """A message, the DER SM2 signature over it and the 65-byte public key that should verify it."""

    message: bytes
    signature: bytes
    public_point: bytes


def gmssl_verifies(item: Signed) -> bool:
    decoded = ref.der_decode(item.signature)
    r, s = decoded.r, decoded.s
    verifier = gm_sm2.CryptSM2(private_key="", public_key="")
    verifier.public_key = item.public_point[1:].hex()  # set directly: the constructor strips "04" greedily
    return bool(verifier.verify_with_sm3(f"{r:064x}{s:064x}", item.message))


def reference_verifies(item: Signed) -> bool:
    public = (int.from_bytes(item.public_point[1:33], "big"), int.from_bytes(item.public_point[33:], "big"))
    return ref.verify(public=public, message=item.message, signature=ref.der_decode(item.signature))


def certificate_parts(der: bytes) -> tuple[bytes, bytes, bytes]:
    """tbsCertificate DER, signature DER, subject public key point — by position, as RFC 5280 lays them."""
    certificate = core.load(der)
    tbs = certificate[0]
    spki = tbs[6]  # version, serial, signature, issuer, validity, subject, subjectPublicKeyInfo
    point = spki[1].contents[1:]  # BIT STRING: drop the unused-bits byte
    return tbs.dump(), certificate[2].contents[1:], point


def pem_der(path: Path) -> bytes:
    import base64

    body = re.sub(r"-----[A-Z ]+-----|\s", "", path.read_text(encoding="ascii"))
    return base64.b64decode(body)


@dataclass(frozen=True)
class Ses:
    """An SES_Signature taken apart by position (GB/T 38540-2020, version 4)."""

    signed: Signed  # TBS_Sign signed by the signer
    sealed: Signed  # SES_SealInfo signed by the seal maker
    maker_certificate: bytes
    signer_certificate: bytes
    data_hash: bytes
    version: int
    header: tuple[str, int]


def ses_parts(der: bytes) -> Ses:
    signature = core.load(der)
    to_sign, signer_cert, _alg, value = signature[0], signature[1].contents, signature[2], signature[3]
    seal = to_sign[1]
    seal_info, maker_cert, seal_value = seal[0], seal[1].contents, seal[3]
    header = seal_info[0]
    return Ses(
        signed=Signed(to_sign.dump(), value.contents[1:], certificate_parts(signer_cert)[2]),
        sealed=Signed(seal_info.dump(), seal_value.contents[1:], certificate_parts(maker_cert)[2]),
        maker_certificate=maker_cert,
        signer_certificate=signer_cert,
        data_hash=to_sign[3].contents[1:],
        version=int(to_sign[0].native),
        header=(str(header[0].native), int(header[1].native)),
    )


def pdf_protected(path: Path) -> tuple[bytes, bytes]:
    """The bytes a PDF's last signature protects and its /Contents, read with pypdf."""
    data = path.read_bytes()
    fields = PdfReader(path).get_fields() or {}
    value = next(f["/V"] for f in fields.values() if f.get("/FT") == "/Sig")
    start, length_a, end, length_b = (int(n) for n in value["/ByteRange"])
    assert start == 0 and end + length_b == len(data)
    return data[:length_a] + data[end : end + length_b], bytes(value["/Contents"])


def all_signatures(ses: Ses) -> list[Signed]:
    root_point = certificate_parts(pem_der(ROOT))[2]
    certificates = [
        Signed(*certificate_parts(c)[:2], root_point) for c in (ses.maker_certificate, ses.signer_certificate)
    ]
    return [*certificates, ses.sealed, ses.signed]


@pytest.fixture(scope="module")
def detached() -> Ses:
    return ses_parts((EXAMPLES / "figures.csv.ses").read_bytes())


@pytest.fixture(scope="module")
def embedded() -> tuple[Ses, bytes]:
    protected, contents = pdf_protected(EXAMPLES / "decision.pdf")
    parsed = core.load(contents.rstrip(b"\x00"))
    return ses_parts(parsed.dump()), protected


def test_the_detached_example_is_a_v4_seal_over_the_sm3_of_the_file(detached: Ses) -> None:
    assert detached.version == 4 and detached.header == ("ES", 4)
    assert detached.data_hash == gm_sm3_digest((EXAMPLES / "figures.csv").read_bytes())


def test_every_signature_in_the_detached_example_verifies_with_two_independent_sm2s(detached: Ses) -> None:
    for item in all_signatures(detached):
        assert gmssl_verifies(item) and reference_verifies(item)
    tampered = Signed(
        detached.signed.message[:-1] + b"X", detached.signed.signature, detached.signed.public_point
    )
    assert not gmssl_verifies(tampered) and not reference_verifies(tampered)


def test_the_embedded_example_protects_every_byte_but_its_own_signature(embedded: tuple[Ses, bytes]) -> None:
    ses, protected = embedded
    assert ses.data_hash == gm_sm3_digest(protected)
    for item in all_signatures(ses):
        assert gmssl_verifies(item) and reference_verifies(item)


def test_openssl_verifies_the_chain_and_the_signature_as_the_contract_shows(
    detached: Ses, tmp_path: Path
) -> None:
    openssl = shutil.which("openssl")
    assert openssl, "OpenSSL's command line is part of every Debian system the service runs on"
    distid = "distid:1234567812345678"
    (tmp_path / "signer.der").write_bytes(detached.signer_certificate)
    subprocess.run([openssl, "x509", "-inform", "DER", "-in", tmp_path / "signer.der", "-out", tmp_path / "signer.pem"], check=True)  # fmt: skip
    chain = subprocess.run(
        [openssl, "verify", "-vfyopt", distid, "-CAfile", ROOT, tmp_path / "signer.pem"],
        capture_output=True,
        text=True,
    )
    assert chain.returncode == 0 and chain.stdout.strip().endswith(": OK")
    public = subprocess.run(
        [openssl, "x509", "-in", tmp_path / "signer.pem", "-pubkey", "-noout"],
        capture_output=True,
        check=True,
    ).stdout
    (tmp_path / "pub.pem").write_bytes(public)
    (tmp_path / "tbs.der").write_bytes(detached.signed.message)
    (tmp_path / "sig.der").write_bytes(detached.signed.signature)
    verified = subprocess.run(
        [openssl, "dgst", "-sm3", "-verify", tmp_path / "pub.pem", "-sigopt", distid, "-signature", tmp_path / "sig.der", tmp_path / "tbs.der"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert verified.returncode == 0 and verified.stdout.strip() == "Verified OK"


def anju(*args: str | Path, keys: Path) -> Result:
    return CliRunner().invoke(cli, ["seal", "verify", *map(str, args)], env={"ANJU_KEYS_DIR": str(keys)})


def test_anju_seal_verify_passes_both_examples_and_refuses_a_changed_copy(tmp_path: Path) -> None:
    keys = tmp_path / "keys"  # no roots of its own: only what --roots names is trusted
    for example in ("decision.pdf", "figures.csv"):
        result = anju(EXAMPLES / example, "--roots", ROOT, keys=keys)
        assert result.exit_code == 0, result.stdout
        assert "印章有效：福州市住房保障部门（电子印章）" in result.stdout
        assert result.stdout.count("通过") == 8 and "未通过" not in result.stdout
    copy = tmp_path / "figures.csv"
    copy.write_bytes((EXAMPLES / "figures.csv").read_bytes().replace(b"12", b"21"))
    shutil.copy(EXAMPLES / "figures.csv.ses", tmp_path / "figures.csv.ses")
    changed = anju(copy, "--roots", ROOT, keys=keys)
    assert changed.exit_code == 1 and "未通过 原文完整" in changed.stdout
    nothing = anju(copy, "--roots", tmp_path / "missing.pem", keys=keys)
    assert nothing.exit_code == 2 and "没有可信的印章根证书" in nothing.stdout
