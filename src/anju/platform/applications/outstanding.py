"""The 一次性告知书 a counter window prints when a draft cannot be submitted yet: everything still needed,
at once (《中华人民共和国行政许可法》第三十二条's 一次性告知), from the same facts the check page shows —
the answers and proofs not given yet and the co-applicants who have not authorised — with where and how to
carry on. Laid out by core/pdf.py (A4, tagged, CJK fonts from pip)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from anju.core import crypto, masking
from anju.core.pdf import ChineseDocument
from anju.core.timeutil import to_shanghai
from anju.platform.applications import draft_form, household, invitations
from anju.platform.applications.invitations import Waiting
from anju.platform.models import Application


@dataclass(frozen=True)
class OutstandingNotice:
    """What the notice states: who, where, when, and the items."""

    applicant_name: str
    draft_id: int
    items: list[str]
    centre: str
    window: str
    clerk_name: str
    issued_at: datetime
    draft_idle_days: int


def outstanding_items(*, missing: list[tuple[str, str, str]], waiting: list[Waiting]) -> list[str]:
    """Each thing still needed, in form order, then the co-applicants' own authorisations."""
    items = [message.removeprefix("请填写") + "：尚未提供" for _section, _key, message in missing]
    items += [
        f"家庭成员 {w.label} 本人授权查询其登记信息：可用其手机登录本平台授权，或本人到窗口当面授权"
        for w in waiting
    ]
    return items


def draft_outstanding(
    *, session: Session, draft: Application, cipher: crypto.FieldCipher, today: date
) -> list[str]:
    """Everything the draft still needs before it can be signed, as the notice lists it."""
    summary = draft_form.draft_summary(session=session, draft=draft, cipher=cipher, today=today)
    members = household.members_of(session=session, application_id=draft.id)
    waiting = invitations.members_waiting(session=session, members=members, today=today)
    return outstanding_items(missing=summary.missing, waiting=waiting)


def outstanding_pdf(notice: OutstandingNotice) -> bytes:
    """The notice as PDF bytes (the name masked: the paper leaves the window with the person)."""
    doc = ChineseDocument(
        title="一次性告知书", author="福建省公租房申请集成化办理平台", created=notice.issued_at
    )
    line = doc.line
    line("一次性告知书", size=18, height=10, align="C", role="H1")
    line("申请事项：申请公共租赁住房")
    line(f"申请人：{masking.mask_name(notice.applicant_name)}　草稿编号：{notice.draft_id}")
    line(f"告知时间：{to_shanghai(notice.issued_at):%Y年%m月%d日 %H:%M}（北京时间）")
    line(f"受理窗口：{notice.centre} {notice.window}　经办人：{notice.clerk_name}")
    doc.space(3)
    line("尚需补充的材料和事项", size=13, height=8, role="H2")
    for number, item in enumerate(notice.items, start=1):
        line(f"{number}. {item}")
    doc.space(3)
    line("怎样继续办理", size=13, height=8, role="H2")
    line(
        "您已填写的内容和已授权的查询都已保存，无需重新填写。补齐以上内容后，可到本中心或福建省任一政务服务中心"
        "窗口、自助终端，或登录“申请公租房一件事”网上继续办理并提交。"
    )
    line(f"草稿连续 {notice.draft_idle_days} 天没有改动将被删除，请尽早办理。")
    line("以上为本次申请目前需要补充的全部内容。")
    doc.space(3)
    line("本告知书由福建省公租房申请集成化办理平台生成。", size=9, height=5)
    return doc.finish()
