"""The PDF of a submitted application: what the applicant signed, numbered, with its signatures.

Laid out by core/pdf.py (embedded CJK fonts from pip; rare characters named, never dropped). Numbers a
third party could misuse (ID, phone, bank card) are masked as on screen.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from anju.core import masking, regions, seal
from anju.core.pdf import ChineseDocument
from anju.core.timeutil import format_shanghai, to_shanghai
from anju.core.vocab import APPLICANT_GROUP_LABELS
from anju.platform.applications.signed import SignedDocument
from anju.platform.backfill.deferrals import period_words
from anju.platform.catalog.service import answer_display, form_catalog, is_blank


@dataclass(frozen=True)
class ReceiptFacts:
    """What the receipt states besides the signed documents."""

    application_no: str
    submitted_at: datetime
    city_code: str
    district_code: str
    applicant_group: str
    office: str


def receipt_facts(*, application: Any, office: str) -> ReceiptFacts:
    """The facts of a submitted application (platform.models.Application) the receipt states."""
    return ReceiptFacts(
        application_no=application.application_no,
        submitted_at=application.submitted_at,
        city_code=application.city_code,
        district_code=application.district_code,
        applicant_group=application.applicant_group,
        office=office,
    )


def _rows(document: dict[str, Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Sections of label → value, as on the check page (members' values per member)."""
    catalog = form_catalog()
    application = document["answers"]["application"]
    members = {m["id_number"]: m for m in document["household"]}
    sections = []
    for code, label in catalog.sections.items():
        rows = []
        for f in (f for f in catalog.fields.values() if f.section == code and f.widget != "file"):
            if f.scope == "application":
                value = application.get(f.code)
                if not is_blank(value):
                    rows.append((f.label, answer_display(f, value, application)))
                continue
            for number, answers in document["answers"]["members"].items():
                value = answers.get(f.code)
                if not is_blank(value):
                    who = masking.mask_name(members[number]["name"]) if number in members else ""
                    rows.append((f"{f.label}（{who}）", answer_display(f, value, application)))
        sections.append((label, rows))
    return sections


def _content(doc: ChineseDocument, body: dict[str, Any]) -> None:
    """The household, every answer, and any 容缺 promise, as the signed application states them."""
    line = doc.line
    doc.space(3)
    line("家庭成员", size=13, height=8, role="H2")
    for m in body["household"]:
        line(f"· {masking.mask_name(m['name'])}　{m['relation']}　{masking.mask_id_number(m['id_number'])}")
    for label, rows in _rows(body):
        if not rows:
            continue
        doc.space(2)
        line(label, size=13, height=8, role="H2")
        for name, value in rows:
            line(f"{name}：{value}")
    if body.get("deferred_proofs"):
        names = {m["id_number"]: m["name"] for m in body["household"]}
        doc.space(2)
        line("容缺受理承诺（须补交的证明材料）", size=13, height=8, role="H2")
        for d in body["deferred_proofs"]:
            line(
                f"{masking.mask_name(names.get(d['id_number'], ''))}的{d['material']}："
                f"自住房保障部门收到申请之日起 {period_words(int(d['limit']), str(d['unit']))}内补交"
            )


PLATFORM_SEAL = {  # provisional: which seal a platform receipt carries is the province's decision
    "office_code": "platform",
    "office": "福建省公租房申请集成化办理平台",
}


def receipt_pdf(*, facts: ReceiptFacts, documents: list[SignedDocument], key_directory: Path) -> bytes:
    """The receipt as PDF bytes, under the platform's SM2 seal (decision 0031): checkable on 文书验证."""
    application = next(d for d in documents if d.kind == "application")
    body = json.loads(application.content)
    doc = ChineseDocument(
        title=f"公租房申请 {facts.application_no}",
        author="福建省公租房申请集成化办理平台",
        created=facts.submitted_at,
    )
    line = doc.line
    line("福建省公共租赁住房申请", size=18, height=10, role="H1")
    line(f"申请编号：{facts.application_no}", size=13, height=8)
    line(
        f"申请人：{body['applicant']['name']}（身份证 {masking.mask_id_number(body['applicant']['id_number'])}）"
    )
    line(f"提交时间：{to_shanghai(facts.submitted_at):%Y年%m月%d日 %H:%M}（北京时间）")
    place = f"{regions.get(facts.city_code).name} {regions.get(facts.district_code).name}"
    line(f"申请地区：{place}　申请人类别：{APPLICANT_GROUP_LABELS.get(facts.applicant_group, '')}")
    line(f"受理部门：{facts.office}")
    _content(doc, body)
    doc.space(3)
    line("电子签名", size=13, height=8, role="H2")
    for d in documents:
        s = d.signature
        signed = format_shanghai(datetime.fromisoformat(s.signed_at), with_seconds=True)
        line(f"{d.title}：由{s.signer_name}于 {signed}（北京时间）签署，签名编号 {s.serial}")
    if body.get("handwritten"):
        line(f"另有手写签名（{body['handwritten']['how']}），已随申请提交，其摘要写入电子签名的申请表。")
    doc.space(2)
    line("以下摘要供有关部门核验电子签名使用，申请人无需处理：", size=8, height=5)
    for d in documents:
        line(f"{d.title}：{d.signature.document_sm3}", size=8, height=5)
    doc.space(3)
    line(
        "本文件由福建省公租房申请集成化办理平台生成并加盖电子印章，内容与申请人电子签名的申请表一致；"
        "可在平台“文书验证”中核验。办理进度可登录平台查询。",
        size=9,
        height=5,
    )
    material = seal.seal_material(seal.seal_directory(key_directory), **PLATFORM_SEAL)
    return seal.seal_pdf(doc.finish(), seal=material, reason=f"申请回执 {facts.application_no}")


PROGRESS_PATH = "/progress"  # where anyone follows an application by its number, ID number and an SMS code


def receipt_slip(*, facts: ReceiptFacts, applicant_name: str, platform_url: str) -> dict[str, Any]:
    """The paper slip a kiosk prints (no PDF is left on a shared machine): the number, when, where it went,
    what happens next and where to follow it; the name masked, as the slip may be left behind."""
    place = regions.place_name(facts.district_code) or regions.get(facts.city_code).name
    return {
        "title": "公租房申请回执",
        "lines": [
            f"申请编号：{facts.application_no}",
            f"申请人：{masking.mask_name(applicant_name)}",
            f"提交时间：{to_shanghai(facts.submitted_at):%Y年%m月%d日 %H:%M}（北京时间）",
            f"申请地区：{place}",
            f"受理部门：{facts.office}",
            "住房保障部门将在 5 个工作日内决定是否受理，每一步结果以短信通知。",
            f"查询进度：{platform_url.rstrip('/')}{PROGRESS_PATH}（凭申请编号、身份证号码和短信验证码）",
        ],
    }


def signing_form_pdf(
    *, draft_id: int, body: dict[str, Any], application_sm3: str, printed_at: datetime
) -> bytes:
    """The application as it stands, printed at a counter window to be signed by hand and scanned back
    (settings ``counter_handwriting`` = "paper"): the same content the e-signature will bind, with the SM3
    of that content so a reviewer can tell which version the paper was signed on."""
    doc = ChineseDocument(
        title=f"公租房申请表（草稿 {draft_id}）", author="福建省公租房申请集成化办理平台", created=printed_at
    )
    line = doc.line
    line("福建省公共租赁住房申请表", size=18, height=10, align="C", role="H1")
    line(f"草稿编号：{draft_id}　打印时间：{format_shanghai(printed_at)}（北京时间）")
    line(
        f"申请人：{body['applicant']['name']}（身份证 {masking.mask_id_number(body['applicant']['id_number'])}）"
    )
    if body.get("agent"):
        line(f"代办人：{body['agent']['name']}（{body['agent']['basis']}）")
    _content(doc, body)
    doc.space(6)
    line("本人确认以上内容真实、完整，并同意《诚信承诺及授权书》。", size=12, height=8)
    doc.space(4)
    line("申请人（代办人）签名：＿＿＿＿＿＿＿＿＿＿　　日期：＿＿＿＿年＿＿月＿＿日", size=12, height=10)
    doc.space(4)
    line(f"申请表内容摘要（SM3）：{application_sm3}", size=8, height=5)
    line(
        "签字后交窗口人员用高拍仪扫描，与电子签名的申请表一并提交；内容有改动的，须重新打印签字。",
        size=9,
        height=5,
    )
    return doc.finish()
