"""How a case reads on the reviewer's page: the household and the registers' answers masked, what needs
checking, the 补正 rounds, the actions open to the reviewer's role, and the eligibility report."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from anju.core import crypto, masking, regions, workdays
from anju.core.timeutil import shanghai_date, utcnow
from anju.core.vocab import (
    APPLICANT_GROUP_LABELS,
    CHANNEL_LABELS,
    EVIDENCE_STATUS_LABELS,
    FINAL_STATUSES,
    SOURCE_LABELS,
)
from anju.housing.allocation import exits, offers, units, waitlist
from anju.housing.allocation.models import HousingOffer, HousingProject, HousingUnit, Tenancy
from anju.housing.allocation.tenancy import tenancy_of
from anju.housing.eligibility.admin import parameters_in_force
from anju.housing.eligibility.report import eligibility_report
from anju.housing.households.service import case_conflicts
from anju.housing.intake.deferrals import DEFERRAL_ROLES, deferrals_received
from anju.housing.intake.service import (
    APPLICANT_FILES,
    ID_CONTEXT,
    PHONE_CONTEXT,
    attachment_state,
    attachments_of,
    case_agent,
    case_deferred,
    case_evidence,
    case_household,
)
from anju.housing.models import Case, StaffUser
from anju.housing.reverify import service as reverify
from anju.housing.review import corrections, deadlines
from anju.housing.review import service as review
from anju.housing.staff import service


def _evidence_view(case: Case, cipher: crypto.FieldCipher, names: dict[str, str]) -> list[dict[str, Any]]:
    evidence = []
    proof_no = 0
    for e in case_evidence(case=case, cipher=cipher):
        proofs = []
        for p in e.get("proofs", []):
            proofs.append(
                {"no": proof_no, "name": p["filename"], "kb": max(1, int(p["size"]) // 1024), "sm3": p["sm3"]}
            )
            proof_no += 1
        if e["status"] == "no_consent" and not proofs:
            continue
        evidence.append(
            {
                "source": SOURCE_LABELS.get(e["source"], e["source"]),
                "member": masking.mask_name(names.get(e["id_number"], "")),
                "status": EVIDENCE_STATUS_LABELS.get(e["status"], e["status"]),
                "needs_check": e["status"] in ("failed", "no_record", "circuit_open")
                or e["review"] == "disputed",
                "review": e["review"],
                "reason": e["review_reason"],
                "request_id": e["request_id"],
                "fetched_at": e["fetched_at"],
                "proofs": proofs,
            }
        )
    return evidence


def _deferred_view(case: Case, cipher: crypto.FieldCipher, names: dict[str, str]) -> list[dict[str, Any]]:
    """Each promised proof with its due date, counted from the day the case was received (a year whose
    holidays are not entered yet counts Monday to Friday, and says so)."""
    received = shanghai_date(case.received_at)
    today = shanghai_date(utcnow())
    rows = []
    for item, d in enumerate(case_deferred(case=case, cipher=cipher)):
        due_on = deadlines.due_after(received, limit=int(d["limit"]), unit=str(d["unit"]), provisional=True)
        state = deadlines.due_state(
            due_on=due_on,
            today=today,
            note=deadlines.provisional_note(received, due_on)
            if workdays.years_unknown(received, due_on)
            else "",
        )
        rows.append(
            {
                "material": d["material"],
                "member": masking.mask_name(names.get(d["id_number"], "")),
                "item": item,
                "due": state,
                "open": case.status not in FINAL_STATUSES,
            }
        )
    return rows


def _agent_in_hukou(relation: str | None) -> str:
    """Whether the 户籍 register's hukou book of the applicant lists the agent: corroboration for a
    guardian's claim (it does not itself prove guardianship), as the reviewer reads it."""
    if relation is None:
        return "申请人的户籍信息未查询到，无法对照"
    if not relation:
        return "代办人不在申请人的户口簿上"
    return f"代办人在申请人的户口簿上（与户主关系：{relation}）"


def case_view(case: Case, cipher: crypto.FieldCipher) -> dict[str, Any]:
    """The case's facts for the page (the full numbers only for a reveal, which the page logs first)."""
    members = case_household(case=case, cipher=cipher)
    evidence = _evidence_view(case, cipher, {m["id_number"]: m["name"] for m in members})
    agent = case_agent(case=case, cipher=cipher)
    return {
        "agent": {
            "name": masking.mask_name(agent["name"]),
            "basis": agent["basis"],
            "hukou": _agent_in_hukou(agent.get("hukou_book_relation")),
        }
        if agent
        else None,
        "household": [
            {
                "name": masking.mask_name(m["name"]),
                "relation": m["relation"],
                "id": masking.mask_id_number(m["id_number"]),
            }
            for m in members
        ],
        "evidence": evidence,
        "deferred": _deferred_view(case, cipher, {m["id_number"]: m["name"] for m in members}),
        "to_verify": sum(1 for e in evidence if e["needs_check"]),
        "case_no": case.case_no,
        "name": case.applicant_name,
        "id_number": cipher.decrypt(case.applicant_id_enc, context=ID_CONTEXT),
        "phone": cipher.decrypt(case.phone_enc, context=PHONE_CONTEXT),
        "city": regions.get(case.city_code).name,
        "district": regions.get(case.district_code).name,
        "group": APPLICANT_GROUP_LABELS.get(case.applicant_group, case.applicant_group),
        "household_size": case.household_size,
        "address": case.address,
        "channel": CHANNEL_LABELS.get(case.channel, case.channel),
        "status": case.status,
        "submitted_at": case.submitted_at,
        "received_at": case.received_at,
        "due": service.case_due(case=case),
        "notice_ends_on": case.notice_ends_on,
        "waitlist_no": case.waitlist_no,
    }


def _conflicts_view(
    session: Session, staff: StaffUser, case: Case, cipher: crypto.FieldCipher, index: crypto.BlindIndex
) -> list[dict[str, Any]]:
    """One household, one application, checked again as the reviewer reads the case (issue 19): each rule a
    member meets, the other case linked where the reviewer's region covers it. Nothing once decided."""
    if case.status in FINAL_STATUSES:
        return []
    members = case_household(case=case, cipher=cipher)
    names = {m["id_number"]: m["name"] for m in members}
    today = shanghai_date(utcnow())
    return [
        {
            "member": masking.mask_name(names.get(c.id_number, "")),
            "label": c.label,
            "explanation": c.explanation,
            "case_no": c.case.case_no if c.case else "",
            "linked": c.case is not None and service.case_in_region(staff, c.case),
            "source": c.parameter.source if c.parameter else "",
        }
        for c in case_conflicts(session=session, case=case, household=members, index=index, on=today)
    ]


def _priorities_view(session: Session, staff: StaffUser, case: Case, today: Any) -> dict[str, Any]:
    """The waiting list's side of the case: the checked facts that place the household in a priority group,
    who may record them, and — once it waits — its place today."""
    standing = waitlist.waitlist_standing(session=session, case=case, on=today)
    return {
        "facts": [
            {
                "id": p.id,
                "fact": waitlist.RECORDED_FACTS[p.fact],
                "proof": p.proof,
                "recorded_by": p.recorded_by,
                "recorded_at": p.recorded_at,
                "withdrawn_at": p.withdrawn_at,
                "withdrawn_by": p.withdrawn_by,
            }
            for p in waitlist.priority_facts(session=session, case=case)
        ],
        "may_record": staff.role in waitlist.PRIORITY_ROLES and case.status not in FINAL_STATUSES,
        "choices": waitlist.RECORDED_FACTS,
        "standing": {"position": standing.position, "total": standing.total, "group": standing.group}
        if standing
        else None,
    }


def _exit_view(lease: Tenancy, case: Case, may_act: bool) -> dict[str, Any]:
    """退出 on the case page: the notice given and its 腾退 date, or the end; what the administrator may do."""
    return {
        "reason": exits.exit_reason_label(lease.exit_reason),
        "noticed_on": lease.exit_noticed_on,
        "vacate_by": lease.vacate_by,
        "transition_rent": units.yuan(lease.transition_rent_fen) if lease.transition_rent_fen else "",
        "ended_on": lease.ended_on,
        "may_notice": may_act and case.status in exits.NOTICE_FROM and lease.ended_on is None,
        "may_finish": may_act and case.status == "exiting",
        "reasons": list(exits.exit_reasons().values()),
        "source": exits.exit_reasons_source(),
    }


def _offer_view(session: Session, staff: StaffUser, case: Case, today: Any) -> dict[str, Any] | None:
    """配租 on the case: the open offer and every earlier one; for the city administrator of a waiting
    household, the free flats that fit it."""
    if case.status not in (
        "waitlisted",
        "offered",
        "allocated",
        "closed",
        "reverifying",
        "exiting",
        "exited",
    ):
        return None
    history: list[dict[str, Any]] = [
        {"offer": o, "unit": units.unit_facts(p, u)}
        for o, u, p in session.execute(
            select(HousingOffer, HousingUnit, HousingProject)
            .join(HousingUnit, HousingUnit.id == HousingOffer.unit_id)
            .join(HousingProject, HousingProject.id == HousingUnit.project_id)
            .where(HousingOffer.case_id == case.id)
            .order_by(HousingOffer.offered_at)
        )
    ]
    may_offer = staff.role in offers.OFFER_ROLES
    rule = offers.offer_rule(case.city_code, today)
    lease = tenancy_of(session=session, case=case)
    return {
        "tenancy": {
            "starts_on": lease.starts_on,
            "ends_on": lease.ends_on,
            "rent": units.yuan(lease.rent_fen),
            "subsidy": units.yuan(lease.subsidy_fen),
            "payable": units.yuan(lease.payable_fen),
            "next_review_on": lease.next_review_on,
            "provisional": lease.rule_provisional,
            "via": "网上确认" if lease.signed_via == "web" else "窗口确认",
            "exit": _exit_view(lease, case, may_offer),
        }
        if lease
        else None,
        "open": next((h for h in history if h["offer"].state == "open"), None),
        "history": [h for h in history if h["offer"].state != "open"],
        "may_offer": may_offer,
        "rooms": rule.rooms_for(case.household_size),
        "rule": rule,
        "matching": [
            units.unit_facts(p, u) for p, u in offers.units_matching(session=session, case=case, on=today)
        ]
        if may_offer and case.status == "waitlisted"
        else [],
    }


def case_context(
    session: Session, staff: StaffUser, case: Case, cipher: crypto.FieldCipher, index: crypto.BlindIndex
) -> dict[str, Any]:
    """Everything the case page shows to this staff member."""
    view = case_view(case, cipher)
    view["conflicts"] = _conflicts_view(session, staff, case, cipher, index)
    files = attachments_of(session=session, case=case)
    view["attachments"] = [
        {
            "id": a.id,
            "name": a.filename,
            "kb": max(1, a.size_bytes // 1024),
            "purpose": "补正材料" if a.purpose == "correction" else "其他证明材料",
            "round": a.correction_round,
            "state": attachment_state(a),
        }
        for a in files
        if a.purpose in APPLICANT_FILES
    ]
    register_states = {a.digest: attachment_state(a) for a in files if a.purpose == "register"}
    for e in view["evidence"]:
        for p in e["proofs"]:
            p["state"] = register_states.get(p["sm3"], "fetched")  # older cases carry the file inline
    failed = sum(1 for a in files if attachment_state(a) == "failed")
    view["proofs_wait"] = review.proofs_wait(case) + (
        f"其中 {failed} 份多次获取失败，已告知运维处理，处理后将自动重新获取。" if failed else ""
    )
    received = deferrals_received(session=session, case=case)
    for d in view["deferred"]:
        brought = received.get(d["item"])
        d["received"] = {"at": brought.received_at, "by": brought.received_by} if brought else None
    view["may_record_deferral"] = staff.role in DEFERRAL_ROLES
    view["corrections"] = [
        {
            "round": c.round,
            "entries": json.loads(c.items_json),
            "requested_at": c.requested_at,
            "due_on": c.reply_due_on,
            "reply": cipher.decrypt(c.reply_enc, context=corrections.REPLY_CONTEXT) if c.reply_enc else None,
            "replied_at": c.replied_at,
        }
        for c in corrections.corrections_of(session=session, case=case)
    ]
    today = shanghai_date(utcnow())
    actions = [
        {
            "event": a.transition.event,
            "label": a.transition.label,
            "reason_required": a.transition.reason_required,
            "confirm": a.transition.confirm,
            "blocked": a.blocked,
        }
        for a in review.actions_for(case=case, role=staff.role, today=today)
    ]
    parameters = parameters_in_force(session=session, city_code=case.city_code)
    view["priorities"] = _priorities_view(session, staff, case, today)
    view["offer"] = _offer_view(session, staff, case, today)
    view["reverify"] = (
        {
            "reviews": reverify.reviews_of(session=session, case=case, cipher=cipher),
            "states": reverify.STATE_LABELS,
            "may_keep": case.status == "reverifying" and staff.role in reverify.KEEP_ROLES,
            "may_exit": case.status == "reverifying" and staff.role in exits.EXIT_ROLES,
        }
        if view["offer"] and view["offer"]["tenancy"]
        else None
    )
    return {
        "title": f"办件 {case.case_no}",
        "case": view,
        "report": eligibility_report(case=case, cipher=cipher, on=today, parameters=parameters),
        "actions": actions,
        "revealed": {},
        "reveal_error": "",
        "revealable": service.REVEALABLE if staff.role in service.REVEALING_ROLES else {},
        "action_error": {},
        "action_reason": {},
    }
