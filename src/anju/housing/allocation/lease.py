"""The 公共租赁住房租赁合同 (issue 19, slice 5): its text made from the tenancy as recorded (the same bytes
every time, so what the tenant signs is what housing checks), signed by the tenant with the e-signature
service on the platform, checked here, and then issued under housing's seal as the `lease_signed` step's
written document (review/documents.yaml), which carries the whole text and the signature's number.

The wording is the project's, provisional: each city's own contract form is to be confirmed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from anju.core import crypto, esign, signing
from anju.core.audit import AuditChain
from anju.core.refusals import Refused
from anju.core.timeutil import format_shanghai
from anju.core.vocab import housing_office_name
from anju.housing.allocation import exits
from anju.housing.allocation.models import Tenancy
from anju.housing.allocation.tenancy import tenancy_of, tenancy_rule
from anju.housing.allocation.units import unit_label, unit_with_project, yuan
from anju.housing.intake.service import ESIGN_SERVICES, ID_CONTEXT
from anju.housing.models import Case
from anju.housing.review.service import case_transition

LEASE_KIND = "lease"
LEASE_TITLE = "公共租赁住房租赁合同"
SIGNABLE_STATUSES = frozenset({"allocated", "closed"})


class LeaseRefused(Refused):
    """The lease cannot be signed now, or the signature does not prove it; ``message`` says why."""


def lease_text(*, session: Session, case: Case, tenancy: Tenancy) -> str:
    """The contract as the tenant reads and signs it (no date of today in it: the same text every time)."""
    project, unit = unit_with_project(session, tenancy.unit_id)
    rule = tenancy_rule(case.city_code, tenancy.starts_on)
    grounds = "、".join(r.label for r in exits.exit_reasons().values())
    pending = "（本合同文本及租金补贴标准待当地核实）" if tenancy.rule_provisional or rule.provisional else ""
    clauses = [
        f"出租人：{housing_office_name(case.city_code)}（公共租赁住房所有权人或其委托的运营单位）",
        f"承租人：{case.applicant_name}（申请编号 {case.case_no}）",
        f"第一条 房屋：{unit_label(project, unit)}，坐落于{project.address}，建筑面积 {yuan(unit.area_centi_m2)} 平方米，"
        f"{unit.rooms} 室，第 {unit.floor} 层。",
        f"第二条 租期：自 {tenancy.starts_on} 起至 {tenancy.ends_on} 止。期满需要续租的，承租人应在期满 3 个月前提出申请。",
        f"第三条 租金：每月 {yuan(tenancy.rent_fen)} 元；按承租人家庭保障类别享受租金补贴每月 {yuan(tenancy.subsidy_fen)} 元，"
        f"承租人每月实际缴纳 {yuan(tenancy.payable_fen)} 元。",
        "第四条 承租人应按合同约定用途自住，不得转借、转租、擅自调换或改变用途，不得无正当理由连续闲置，并按时缴纳租金。",
        f"第五条 年审：租赁期间每年核查承租人家庭情况，首次年审于 {tenancy.next_review_on} 前后进行；家庭情况变化的，承租人应如实告知。",
        f"第六条 退出：有{grounds}等情形的，出租人书面通知承租人退出并给予搬迁期，承租人应在通知的期限内腾退。",
        f"第七条 本合同由承租人以电子签名签署，出租人加盖电子印章后生效，双方各执一份电子文本。{pending}",
    ]
    return "\n".join(clauses)


def _tenant_id_number(case: Case, cipher: crypto.FieldCipher) -> str:
    return cipher.decrypt(case.applicant_id_enc, context=ID_CONTEXT)


def lease_of(*, session: Session, case: Case) -> tuple[Tenancy, str] | None:
    """The running tenancy and its contract text, or None."""
    tenancy = tenancy_of(session=session, case=case)
    if tenancy is None or tenancy.ended_on is not None:
        return None
    return tenancy, lease_text(session=session, case=case, tenancy=tenancy)


def lease_sign(
    *,
    session: Session,
    case: Case,
    signature: dict[str, object],
    actor: str,
    registry: signing.KeyRegistry,
    cipher: crypto.FieldCipher,
    outbox: Table,
    audit: AuditChain,
) -> Tenancy:
    """Check the tenant's e-signature over the contract's exact text, record it, and take the step whose
    written document is the sealed contract. Raises LeaseRefused."""
    found = lease_of(session=session, case=case)
    if found is None or case.status not in SIGNABLE_STATUSES:
        raise LeaseRefused("这件申请没有待签署的租赁合同。")
    tenancy, text = found
    if tenancy.lease_serial:
        raise LeaseRefused("租赁合同已经签署。")
    try:
        signed = esign.ESignature.from_dict(dict(signature))
        esign.esign_verify(
            signed,
            registry=registry,
            document=text.encode(),
            signer_id_number=_tenant_id_number(case, cipher),
            kind=LEASE_KIND,
            trusted_services=ESIGN_SERVICES,
        )
    except esign.EsignInvalid as exc:
        raise LeaseRefused(f"承租人电子签名验证不通过：{exc.message}") from exc
    tenancy.lease_serial = signed.serial[:64]
    tenancy.lease_signed_at = datetime.fromisoformat(signed.signed_at)
    case_transition(
        session=session,
        case=case,
        event="lease_signed",
        actor=actor,
        actor_role="applicant",
        outbox=outbox,
        audit=audit,
        reason=(
            f"{text}\n承租人 {case.applicant_name} 已于 {format_shanghai(tenancy.lease_signed_at)} 以电子签名签署"
            f"（签名编号 {signed.serial}）。"
        ),
        channel="web",
    )
    return tenancy


def lease_view(*, session: Session, case: Case) -> dict[str, Any] | None:
    """What the tenant and the platform see of the contract: its title and text, and whether it is signed."""
    found = lease_of(session=session, case=case)
    if found is None:
        return None
    tenancy, text = found
    return {
        "title": LEASE_TITLE,
        "kind": LEASE_KIND,
        "content": text,
        "sm3": crypto.sm3_hex(text.encode()),
        "signed": bool(tenancy.lease_serial),
        "serial": tenancy.lease_serial,
        "signed_at": tenancy.lease_signed_at.isoformat() if tenancy.lease_signed_at else None,
    }
