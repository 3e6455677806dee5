"""The national 办件 records (issue 17): a case's history becomes 受理, 过程 and 结果 records, queued once by
the review jobs and delivered through the outbox to the sandbox's 办件库, which checks each against the
element list; a record lost on the other side is found by reconciliation and sent again."""

from __future__ import annotations

import base64
import json
from datetime import date, timedelta

from sqlalchemy import delete, select
from typer.testing import CliRunner

from anju.cli import app as cli
from anju.core.crypto import sm3_hex
from anju.core.timeutil import shanghai_date, utcnow
from anju.housing.banjian.records import banjian_reconcile
from anju.housing.models import Case
from anju.housing.review.jobs import review_jobs_once
from anju.housing.review.service import case_transition
from anju.sandbox.banjian.models import BanjianRecord
from tests.conftest import Systems
from tests.housing.staff.test_staff_console import CASE_NO, ID_NUMBER, submit_case
from tests.support.env import cli_env
from tests.support.factories import scanned_png


def _step(
    live: Systems, event: str, reason: str = "", role: str = "street_reviewer", today: date | None = None
) -> None:
    housing = live.runtimes["housing"]
    with housing.db.transaction() as session:
        case = session.scalars(select(Case).where(Case.case_no == CASE_NO)).one()
        case_transition(
            session=session,
            case=case,
            event=event,
            actor="shouli.350100",
            actor_role=role,
            outbox=housing.tables.outbox,
            audit=housing.audit,
            reason=reason,
            today=today,
        )


def _jobs(live: Systems) -> list[str]:
    housing = live.runtimes["housing"]
    run = review_jobs_once(
        db=housing.db,
        outbox=housing.tables.outbox,
        audit=housing.audit,
        cipher=housing.cipher,
        key_directory=live.settings.key_directory,
    )
    _deliver(live)
    return run.banjian


def _deliver(live: Systems) -> None:
    """Run housing's outbox until nothing is due (a worker claims a few messages at a time)."""
    worker = live.runtimes["housing"].outbox_worker()
    while worker.run_once():
        pass


def _received(live: Systems) -> dict[str, dict[str, object]]:
    with live.runtimes["sandbox"].db.transaction() as session:
        return {
            r.record_id: json.loads(r.payload)
            for r in session.scalars(select(BanjianRecord).where(BanjianRecord.project_no == CASE_NO))
        }


def test_a_case_becomes_accept_process_and_result_records_each_kept_once(live: Systems) -> None:
    scan = scanned_png()
    proof = {
        "filename": "大病诊断证明.png",
        "content_type": "image/png",
        "size": len(scan),
        "sm3": sm3_hex(scan),
        "content_b64": base64.b64encode(scan).decode(),
    }
    registers = [
        {
            "id_number": ID_NUMBER,
            "source": source,
            "status": status,
            "fetched_at": "2026-11-27T01:50:00+00:00",
        }
        for source, status in (("hukou", "found"), ("property", "found"), ("marriage", "no_record"))
    ]
    submit_case(live, other_proofs=[proof], evidence=registers)
    assert _jobs(live) == []  # received, not yet accepted: no 办件 record
    _step(live, "accept")  # and at once 转入初审, by the system
    _step(live, "first_review_fail", reason="家庭人均住房面积超过当地标准")
    queued = _jobs(live)
    assert queued == [
        f"{CASE_NO}-002-accept",
        f"{CASE_NO}-002-material-01",
        f"{CASE_NO}-002-material-02",
        f"{CASE_NO}-002-material-03",
        f"{CASE_NO}-002-process",
        f"{CASE_NO}-003-process",
        f"{CASE_NO}-004-process",
        f"{CASE_NO}-004-result",
    ]
    got = _received(live)
    assert sorted(got) == sorted(queued)
    accept = got[f"{CASE_NO}-002-accept"]
    assert accept["applyer_page_code"] == ID_NUMBER and accept["catalog_code"] is None
    assert accept["org_name"] == "福州市住房保障部门" and accept["handle_user_name"] == "shouli.350100"
    result = got[f"{CASE_NO}-004-result"]
    assert result["result_type"] == "02" and result["result_explain"] == "家庭人均住房面积超过当地标准"
    steps = [got[f"{CASE_NO}-00{n}-process"]["process_name"] for n in (2, 3, 4)]
    assert steps == ["受理", "转入初审", "初审不通过"]  # each step as staff named it
    materials = [got[f"{CASE_NO}-002-material-0{n}"] for n in (1, 2, 3)]
    assert [(m["material_name"], m["get_type"], m["material_attach_name"]) for m in materials] == [
        ("户籍信息", "03", ""),  # shared by the register, nothing handed in
        ("不动产登记信息", "03", ""),
        ("其他证明材料", "01", "大病诊断证明.png"),
    ]  # a register that had no record is no material
    assert _jobs(live) == []  # queued once: the next round has nothing to add

    # The 办件库 lost one: reconciliation finds it and sends it again; then all is acknowledged.
    with live.runtimes["sandbox"].db.transaction() as session:
        session.execute(delete(BanjianRecord).where(BanjianRecord.record_id == f"{CASE_NO}-003-process"))
    housing = live.runtimes["housing"]
    found = banjian_reconcile(
        db=housing.db, outbox=housing.tables.outbox, client=housing.client, cipher=housing.cipher
    )
    assert found.requeued == [f"{CASE_NO}-003-process"] and found.acknowledged == 7
    _deliver(live)
    assert f"{CASE_NO}-003-process" in _received(live)
    checked = CliRunner().invoke(cli, ["banjian", "reconcile"], env=cli_env(live.settings))
    assert checked.exit_code == 0, checked.output
    assert "1 件已对账：已确认 8 条记录" in checked.output and "重新发送 0 条" in checked.output


def test_a_public_notice_and_an_objections_recheck_become_special_procedure_records(live: Systems) -> None:
    submit_case(live)
    _step(live, "accept")
    _step(live, "first_review_pass")
    _step(live, "review_pass", role="district_reviewer")
    _step(live, "object", reason="邻居反映申请人另有住房", role="district_reviewer")
    _step(live, "recheck_dismissed", reason="经入户核查，申请人名下无其他住房", role="district_reviewer")
    later = shanghai_date(utcnow()) + timedelta(days=30)  # the 公示 period has run
    _step(live, "approve", role="city_approver", today=later)
    queued = _jobs(live)
    specials = sorted(rid for rid in queued if rid.endswith("-special"))
    assert len(specials) == 2
    got = _received(live)
    recheck, notice = (got[rid] for rid in specials)
    assert (recheck["special_type"], recheck["special_name"]) == ("02", "异议复核")
    assert recheck["special_reason"] == "邻居反映申请人另有住房"
    assert recheck["result"] == "异议不成立：经入户核查，申请人名下无其他住房"
    assert (notice["special_type"], notice["special_name"], notice["result"]) == (
        "01",
        "公示",
        "公示期满无异议",
    )
    assert notice["special_time"] <= recheck["special_time"] <= recheck["end_time"] <= notice["end_time"]
    assert _jobs(live) == []
