"""The wire format of Fujian's provincial 好差评 system, as both sides speak it (standards.md §5.3,
decision 0032, docs/interfaces/hcp-fujian.md): the platform's adapter (platform/evaluation/hcp.py) writes
it, the sandbox's stand-in (sandbox/hcp/gateway.py) reads it.

1. A token from the API gateway: ``GET get-token?app_key=…&timestamp=<ms>&sign=MD5(appSecret + timestamp)``
   answers ``{access_token, expires_in, refresh_token, re_expires_in}``.
2. A SOAP 1.1 call per method, ``…/webservice/{method}``: the header carries
   ``<Authorization>Basic {access_token}</Authorization>``, the body the method's element with ``appKey``
   and ``xmlStr``. ``xmlStr`` is a ``<Case>`` document declared GB2312, encrypted with SM4 under the app
   secret. A token the gateway no longer knows comes back as a SOAP fault ``access_token_invalid``.
3. The answer is a ``<return>`` string holding ``<Case><code/><msg/><data>…</data></Case>`` in clear.

What was observed is written as such; every detail standards.md calls UNCONFIRMED is in ``PROVISIONAL``.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

TOKEN_PATH = "/api-gateway/gateway/get-token"  # noqa: S105 - a path, observed
SERVICE_PATH = "/api-gateway/gateway/96hyvzxl/wailian/webservice/{method}"  # observed
NAMESPACE = "http://webServiceInterface.cms.linewell.com"  # observed: the service's namespace
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
TOKEN_INVALID = "access_token_invalid"  # noqa: S105 - observed: the fault a stale token gets
OK = "200"
METHODS = {  # observed: report a rating, report one late (补报)
    "report": "getSaveEvaluation",
    "supplement": "getEvaluationSupplement",
}
PROVISIONAL: dict[str, Any] = {  # UNCONFIRMED (standards.md §5.3): one place to correct
    # SM4 under the app secret: the observed clients pass a 32-hex secret; ECB with PKCS#7 and hex output
    # is the commonest reading of their "Sm4.Encrypt(xml, secret)".
    "sm4_mode": "ECB",
    "sm4_output": "hex-upper",
    "sign_case": "upper",  # one client upper-cases the MD5, one does not; the gateway takes either here
    "codes": {
        "ok": OK,
        "bad_request": "400",
        "unknown_app": "401",
        "unreadable": "402",
        "unknown_rating": "404",
    },
    # 差评整改: no field list was found; these method names and fields are ours until the province's arrive
    "methods": {"tasks": "getRectifyTaskList", "rectify": "saveRectifyResult"},
    "user_page_types": {"111": "居民身份证", "001": "统一社会信用代码"},  # observed codes
    "token_window_seconds": 300,  # how far a timestamp may be from the gateway's clock
}


ET.register_namespace("soapenv", SOAP)  # the prefixes the observed clients write
ET.register_namespace("web", NAMESPACE)


class WireError(ValueError):
    """A message that does not follow the wire format (``code`` says which rule)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def token_sign(app_secret: str, timestamp: str) -> str:
    """The token request's sign: MD5(appSecret + timestamp), 32 hex (observed)."""
    digest = hashlib.md5((app_secret + timestamp).encode("utf-8"), usedforsecurity=False).hexdigest()
    return digest.upper() if PROVISIONAL["sign_case"] == "upper" else digest


def _sm4_key(app_secret: str) -> bytes:
    try:
        key = bytes.fromhex(app_secret)
    except ValueError as exc:
        raise WireError("secret", "应用密钥应为 32 位十六进制") from exc
    if len(key) != 16:
        raise WireError("secret", "应用密钥应为 32 位十六进制")
    return key


def sm4_encrypt(plain: bytes, app_secret: str) -> str:
    """``xmlStr``: SM4-ECB with PKCS#7 under the app secret, upper-case hex (provisional)."""
    padder = padding.PKCS7(128).padder()
    data = padder.update(plain) + padder.finalize()
    encryptor = Cipher(algorithms.SM4(_sm4_key(app_secret)), modes.ECB()).encryptor()  # noqa: S305 - the province's choice
    return (encryptor.update(data) + encryptor.finalize()).hex().upper()


def sm4_decrypt(text: str, app_secret: str) -> bytes:
    """The plain ``<Case>`` bytes of an ``xmlStr`` (WireError when it is not one)."""
    try:
        data = bytes.fromhex(text.strip())
        if not data or len(data) % 16:
            raise ValueError("length")
        decryptor = Cipher(algorithms.SM4(_sm4_key(app_secret)), modes.ECB()).decryptor()  # noqa: S305
        padded = decryptor.update(data) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError as exc:
        raise WireError("unreadable", "xmlStr 无法解密：不是用本应用密钥加密的内容") from exc


def case_xml(fields: Mapping[str, str]) -> bytes:
    """A ``<Case>`` document in GB2312, one element per field in the order given (observed shape).
    A character GB2312 lacks (a rare name) is written as a character reference, never dropped."""
    root = ET.Element("Case")
    for name, value in fields.items():
        ET.SubElement(root, name).text = value
    return bytes(ET.tostring(root, encoding="GB2312", xml_declaration=True))


def case_fields(document: bytes) -> dict[str, str]:
    """The fields of a ``<Case>`` document (WireError when it is not one). Expat reads no multi-byte
    encoding, so the declared one (GB2312, read as its superset GB18030) is decoded here first."""
    declared = re.match(rb"<\?xml[^>]*encoding=[\"']([A-Za-z0-9_-]+)[\"'][^>]*\?>", document)
    codec = (
        "gb18030" if declared and declared.group(1).lower() in {b"gb2312", b"gbk", b"gb18030"} else "utf-8"
    )
    try:
        text = document[declared.end() if declared else 0 :].decode(codec)
        root = ET.fromstring(text)  # noqa: S314 - decrypted from a known partner; no DTDs in ElementTree
    except (ET.ParseError, UnicodeDecodeError) as exc:
        raise WireError("unreadable", f"Case 不是合法的 XML：{exc}") from exc
    if root.tag != "Case":
        raise WireError("unreadable", "根元素应为 Case")
    return {child.tag: (child.text or "").strip() for child in root if len(child) == 0}


def envelope(method: str, *, token: str, app_key: str, xml_str: str) -> bytes:
    """The SOAP 1.1 request of one call (observed shape)."""
    root = ET.Element(f"{{{SOAP}}}Envelope")
    header = ET.SubElement(root, f"{{{SOAP}}}Header")
    ET.SubElement(header, "Authorization").text = f"Basic {token}"
    body = ET.SubElement(ET.SubElement(root, f"{{{SOAP}}}Body"), f"{{{NAMESPACE}}}{method}")
    ET.SubElement(body, "appKey").text = app_key
    ET.SubElement(body, "xmlStr").text = xml_str
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def envelope_read(data: bytes) -> tuple[str, str, str, str]:
    """(method, token, appKey, xmlStr) of a SOAP request (WireError when it is not one)."""
    try:
        root = ET.fromstring(data)  # noqa: S314
    except ET.ParseError as exc:
        raise WireError("unreadable", "不是合法的 SOAP 请求") from exc
    body = root.find(f"{{{SOAP}}}Body")
    call = next(iter(body), None) if body is not None else None
    if call is None or not call.tag.startswith(f"{{{NAMESPACE}}}"):
        raise WireError("unreadable", "SOAP 请求缺少方法")
    authorization = root.findtext(f"{{{SOAP}}}Header/Authorization", default="").strip()
    token = authorization.removeprefix("Basic ").strip()
    method = call.tag.removeprefix(f"{{{NAMESPACE}}}")
    return method, token, call.findtext("appKey", default="").strip(), call.findtext("xmlStr", default="")


Data = Mapping[str, "str | list[Mapping[str, str]]"]


def answer(method: str, code: str, message: str = "", data: Data | None = None) -> bytes:
    """The SOAP response: ``<return>`` holding the ``<Case>`` answer as text (observed). A list value is
    written as one ``<item>`` per entry (provisional: only the 整改 task list has one)."""
    case = ET.Element("Case")
    ET.SubElement(case, "code").text = code
    ET.SubElement(case, "msg").text = message
    holder = ET.SubElement(case, "data")
    for name, value in (data or {}).items():
        element = ET.SubElement(holder, name)
        if isinstance(value, str):
            element.text = value
            continue
        for entry in value:
            item = ET.SubElement(element, "item")
            for key, text in entry.items():
                ET.SubElement(item, key).text = text
    root = ET.Element(f"{{{SOAP}}}Envelope")
    response = ET.SubElement(ET.SubElement(root, f"{{{SOAP}}}Body"), f"{{{NAMESPACE}}}{method}Response")
    ET.SubElement(response, "return").text = ET.tostring(case, encoding="unicode")
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def fault(message: str) -> bytes:
    """A SOAP fault (a stale token gets ``access_token_invalid``)."""
    root = ET.Element(f"{{{SOAP}}}Envelope")
    item = ET.SubElement(ET.SubElement(root, f"{{{SOAP}}}Body"), f"{{{SOAP}}}Fault")
    ET.SubElement(item, "faultcode").text = "soap:Server"
    ET.SubElement(item, "faultstring").text = message
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def answer_read(data: bytes) -> tuple[str, str, dict[str, Any]]:
    """(code, msg, data) of a SOAP response; a fault reads as code "fault" with its string."""
    try:
        root = ET.fromstring(data)  # noqa: S314
        fault_text = root.findtext(f"{{{SOAP}}}Body/{{{SOAP}}}Fault/faultstring")
        if fault_text is not None:
            return "fault", fault_text, {}
        returned = next(root.iter("return")).text or ""
        case = ET.fromstring(returned)  # noqa: S314
    except (ET.ParseError, StopIteration) as exc:
        raise WireError("unreadable", "好差评系统的应答无法解析") from exc
    holder = case.find("data")
    items: dict[str, Any] = {}
    for child in holder if holder is not None else []:
        items[child.tag] = (
            [dict((g.tag, g.text or "") for g in c) for c in child] if len(child) else (child.text or "")
        )
    return case.findtext("code", default=""), case.findtext("msg", default=""), items
