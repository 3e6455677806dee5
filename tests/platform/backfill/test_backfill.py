"""Consented, parallel backfill over real HTTP: nothing is asked without consent; failures never block."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from sqlalchemy import func, select

from anju.platform.applications import household
from anju.platform.backfill import service as backfill
from anju.platform.backfill.breaker import CircuitBreakers
from anju.platform.consent import service as consent
from anju.platform.identity.oidc import VerifiedIdentity
from anju.platform.identity.service import applicant_sign_in
from anju.platform.models import Application, BackfillResult, CircuitState, DataAccessLog
from anju.sandbox.sources.models import SourceQueryLog
from tests.conftest import Systems
from tests.support.factories import CHILD, HUSBAND, WIFE, seed_family

TODAY = __import__("anju.core.timeutil", fromlist=["today_shanghai"]).today_shanghai()


class Family:
    """The couple's draft on the platform, with helpers to consent and run the backfill."""

    def __init__(self, systems: Systems) -> None:
        self.systems = systems
        self.platform = systems.runtimes["platform"]
        self.breakers = CircuitBreakers(threshold=3, cooldown_seconds=60)
        with self.platform.db.transaction() as session:
            self.husband = applicant_sign_in(
                session=session,
                identity=VerifiedIdentity(
                    subject="fj-husband",
                    name="林晓峰",
                    id_number=HUSBAND,
                    phone="13805910001",
                    real_name_level=3,
                ),
                cipher=self.platform.cipher,
                index=self.platform.blind_index,
            )
            self.wife = applicant_sign_in(
                session=session,
                identity=VerifiedIdentity(
                    subject="fj-wife", name="欧阳娜娜", id_number=WIFE, phone="13605910004", real_name_level=3
                ),
                cipher=self.platform.cipher,
                index=self.platform.blind_index,
            )
            draft = household.draft_start(
                session=session,
                applicant=self.husband,
                cipher=self.platform.cipher,
                index=self.platform.blind_index,
            )
            self.draft_id = draft.id

    def members(self) -> dict[str, Any]:
        with self.platform.db.transaction() as session:
            return {m.name: m for m in household.members_of(session=session, application_id=self.draft_id)}

    def grant(
        self, who: str, sources: list[str], *, actor: Any = None, separate: set[str] | None = None
    ) -> None:
        actor = actor or self.husband
        with self.platform.db.transaction() as session:
            member = {m.name: m for m in household.members_of(session=session, application_id=self.draft_id)}[
                who
            ]
            consent.consents_grant(
                session=session,
                member=member,
                sources=sources,
                separately_agreed=separate or set(),
                granted_by=actor.subject,
                actor_bidx=actor.id_number_bidx,
                actor_is_applicant=actor is self.husband,
                channel="web",
                today=TODAY,
            )

    def run(self, **kw: Any) -> backfill.BackfillSummary:
        return backfill.backfill_run(
            db=self.platform.db,
            client=self.platform.client,
            cipher=self.platform.cipher,
            breakers=self.breakers,
            audit=self.platform.audit,
            application_id=self.draft_id,
            actor="fj-husband",
            timeout_seconds=kw.pop("timeout", 2.0),
            **kw,
        )

    def choose_household(self, chosen: list[str]) -> None:
        with self.platform.db.transaction() as session:
            draft = session.get(Application, self.draft_id)
            assert draft is not None
            household.household_set(
                session=session,
                draft=draft,
                chosen=chosen,
                actor="fj-husband",
                cipher=self.platform.cipher,
                index=self.platform.blind_index,
            )

    def preview(self) -> dict[str, backfill.PreviewItem]:
        """The applicant's own items, by source."""
        with self.platform.db.transaction() as session:
            items = backfill.backfill_preview(
                session=session, application_id=self.draft_id, cipher=self.platform.cipher
            )
        return {i.source: i for i in items if i.member_name == "林晓峰"}

    def review(self, source: str, decision: str, reason: str = "") -> None:
        with self.platform.db.transaction() as session:
            backfill.backfill_review(
                session=session,
                application_id=self.draft_id,
                result_id=self.preview()[source].result_id,
                decision=decision,
                reason=reason,
            )

    def submit_and_deliver(self) -> str:
        """Submit the draft as a 3-person household and let the platform's worker deliver it."""
        from anju.platform.applications import service as applications

        with self.platform.db.transaction() as session:
            number = applications.application_submit(
                session=session,
                applicant=self.husband,
                draft=session.get(Application, self.draft_id),
                cipher=self.platform.cipher,
                outbox=self.platform.tables.outbox,
                min_real_name_level=3,
                form=applications.ApplicationForm(
                    city_code="350100",
                    district_code="350102",
                    applicant_group="lower_middle_income",
                    household_size="3",
                    phone="13805910001",
                    address="鼓楼区东街 12 号",
                    pledge=True,
                ),
            ).application_no
        self.platform.outbox_worker().run_once()
        assert number is not None
        return number

    def sandbox_log(self) -> list[tuple[str, str]]:
        with self.systems.runtimes["sandbox"].db.transaction() as session:
            return [
                (r.source, r.outcome)
                for r in session.scalars(select(SourceQueryLog).order_by(SourceQueryLog.id))
            ]

    def statuses(self) -> dict[tuple[str, str], str]:
        with self.platform.db.transaction() as session:
            items = backfill.backfill_preview(
                session=session, application_id=self.draft_id, cipher=self.platform.cipher
            )
        return {(i.member_name, i.source): i.status for i in items}


@pytest.fixture
def family(live: Systems) -> Family:
    seed_family(live.runtimes["sandbox"])
    return Family(live)


def test_without_consent_nothing_reaches_any_department(family: Family) -> None:
    summary = family.run()
    assert set(summary.by_source.values()) == {"no_consent"}
    assert family.sandbox_log() == []  # the sandbox's own log: no request at all
    assert set(family.statuses().values()) == {"no_consent"}


def test_consented_sources_are_asked_in_parallel_and_results_kept_with_provenance(family: Family) -> None:
    family.grant("林晓峰", ["hukou", "marriage", "education", "social_insurance", "assistance"])
    summary = family.run()
    assert summary.by_source["hukou"] == "answered" and summary.by_source["assistance"] == "answered"
    assert summary.by_source["property"] == "no_consent"
    assert sorted(family.sandbox_log()) == sorted(
        [(s, "answered") for s in ("hukou", "marriage", "education", "social_insurance")]
    )
    statuses = family.statuses()
    assert statuses[("林晓峰", "education")] == "found"
    assert statuses[("林晓峰", "assistance")] == "no_record"  # housing holds no tenancy for him
    with family.platform.db.transaction() as session:
        row = session.scalar(select(BackfillResult).where(BackfillResult.source == "hukou"))
        assert row is not None and row.request_id.startswith("hukou-") and row.response_signature
        assert "林晓峰" not in row.payload_enc  # encrypted at rest
        logged = session.scalar(
            select(func.count()).select_from(DataAccessLog).where(DataAccessLog.source == "hukou")
        )
        assert logged == 1


def test_household_comes_from_the_hukou_book_and_the_spouse_is_required(family: Family) -> None:
    family.grant("林晓峰", ["hukou", "marriage"])
    family.run()
    with family.platform.db.transaction() as session:
        draft = session.get(Application, family.draft_id)
        assert draft is not None
        candidates = household.household_candidates(
            session=session, draft=draft, cipher=family.platform.cipher
        )
        assert candidates is not None
        assert {(c.name, c.relation) for c in candidates} == {("欧阳娜娜", "配偶"), ("林小满", "子女")}
    with pytest.raises(household.HouseholdError) as refused:
        family.choose_household([CHILD])
    assert refused.value.code == "spouse_required"
    with pytest.raises(household.HouseholdError):
        family.choose_household([WIFE, "350203198507080422"])  # not in the book
    family.choose_household([WIFE, CHILD])
    assert set(family.members()) == {"林晓峰", "欧阳娜娜", "林小满"}


def test_adults_authorise_for_themselves_and_guardians_for_minors(family: Family) -> None:
    family.grant("林晓峰", ["hukou", "marriage"])
    family.run()
    family.choose_household([WIFE, CHILD])
    with pytest.raises(consent.ConsentRefused) as refused:
        family.grant("欧阳娜娜", ["property"])  # the husband may not consent for his adult wife
    assert refused.value.code == "not_your_consent"
    family.grant("林小满", ["hukou"])  # a parent may for a 8-year-old
    family.grant("欧阳娜娜", ["property"], actor=family.wife)
    family.run()
    statuses = family.statuses()
    assert statuses[("欧阳娜娜", "property")] == "found"
    assert statuses[("欧阳娜娜", "hukou")] == "no_consent"
    assert statuses[("林小满", "hukou")] == "found"


def test_sensitive_source_needs_its_own_separate_agreement(family: Family) -> None:
    with pytest.raises(consent.ConsentRefused) as refused:
        family.grant("林晓峰", ["hukou", "dibao"])
    assert refused.value.code == "separate_consent_required"
    assert family.sandbox_log() == []
    family.grant("林晓峰", ["dibao"], separate={"dibao"})
    family.run()
    assert family.statuses()[("林晓峰", "dibao")] == "no_record"


def test_revoked_consent_stops_the_next_query(family: Family) -> None:
    family.grant("林晓峰", ["education"])
    family.run()
    with family.platform.db.transaction() as session:
        [given] = consent.consents_active_for_member(session=session, member_id=family.members()["林晓峰"].id)
        consent.consent_revoke(
            session=session,
            consent_id=given.id,
            subject_bidx=family.husband.id_number_bidx,
            actor="fj-husband",
            channel="web",
        )
    family.run()
    assert family.sandbox_log() == [("education", "answered")]  # only the first run asked
    assert family.statuses()[("林晓峰", "education")] == "no_consent"


def test_every_failure_mode_falls_back_without_blocking_the_others(family: Family) -> None:
    sandbox = family.systems.client("sandbox")
    sandbox.put("/admin/faults/education", json={"error_rate": 1.0})
    sandbox.put("/admin/faults/social_insurance", json={"hang": True, "hang_seconds": 4})
    sandbox.put("/admin/faults/marriage", json={"malformed": True})
    sandbox.put("/admin/faults/property", json={"no_record": True})
    family.grant("林晓峰", ["hukou", "education", "social_insurance", "marriage", "property"])
    started = time.monotonic()
    summary = family.run(timeout=1.0)
    elapsed = time.monotonic() - started
    assert elapsed < 3.0  # the hanging source cost one timeout, not the whole wait
    assert summary.by_source == {
        **{s: "no_consent" for s in ("residence_permit", "dibao", "vehicle", "elicence", "assistance")},
        "hukou": "answered",
        "education": "failed:http_503",
        "social_insurance": "failed:timeout",
        "marriage": "failed:malformed",
        "property": "answered",
    }
    statuses = family.statuses()
    assert statuses[("林晓峰", "hukou")] == "found"
    assert statuses[("林晓峰", "property")] == "no_record"
    assert statuses[("林晓峰", "education")] == "failed"
    with family.platform.db.transaction() as session:
        failed = session.scalars(
            select(DataAccessLog.outcome).where(DataAccessLog.source == "social_insurance")
        ).all()
    assert failed == ["failed:timeout"]  # the attempt is on the person's log too


def test_a_source_failing_again_and_again_is_left_alone_for_a_while(family: Family) -> None:
    family.systems.client("sandbox").put("/admin/faults/vehicle", json={"error_rate": 1.0})
    family.grant("林晓峰", ["vehicle"])
    for _ in range(3):
        family.run()
    asked = len(family.sandbox_log())
    assert asked == 3
    summary = family.run()
    assert summary.by_source["vehicle"] == "circuit_open"
    assert len(family.sandbox_log()) == asked  # no fourth request went out
    assert family.statuses()[("林晓峰", "vehicle")] == "circuit_open"


def test_confirm_and_dispute_are_recorded_with_a_reason(family: Family) -> None:
    family.grant("林晓峰", ["hukou", "education"])
    family.run()
    with family.platform.db.transaction() as session:
        items = {
            i.source: i
            for i in backfill.backfill_preview(
                session=session, application_id=family.draft_id, cipher=family.platform.cipher
            )
        }
        backfill.backfill_review(
            session=session,
            application_id=family.draft_id,
            result_id=items["hukou"].result_id,
            decision="confirmed",
        )
        with pytest.raises(backfill.ReviewRefused):
            backfill.backfill_review(
                session=session,
                application_id=family.draft_id,
                result_id=items["education"].result_id,
                decision="disputed",
                reason="",
            )
        backfill.backfill_review(
            session=session,
            application_id=family.draft_id,
            result_id=items["education"].result_id,
            decision="disputed",
            reason="我 2016 年还取得了硕士学位",
        )
    with family.platform.db.transaction() as session:
        reviewed = {
            i.source: (i.review, i.review_reason)
            for i in backfill.backfill_preview(
                session=session, application_id=family.draft_id, cipher=family.platform.cipher
            )
        }
    assert reviewed["hukou"] == ("confirmed", "")
    assert reviewed["education"] == ("disputed", "我 2016 年还取得了硕士学位")


def test_the_case_carries_household_and_evidence_to_housing(family: Family) -> None:
    from anju.housing.intake.service import EVIDENCE_CONTEXT, HOUSEHOLD_CONTEXT
    from anju.housing.models import Case

    family.grant("林晓峰", ["hukou", "marriage", "education"])
    family.run()
    family.choose_household([WIFE, CHILD])
    family.grant("欧阳娜娜", ["hukou"], actor=family.wife)  # an adult co-applicant authorises for herself
    family.review("education", "disputed", "还有硕士学位未显示")
    family.submit_and_deliver()
    housing = family.systems.runtimes["housing"]
    with housing.db.transaction() as session:
        case = session.scalar(select(Case))
        assert case is not None
        members = json.loads(housing.cipher.decrypt(case.household_enc, context=HOUSEHOLD_CONTEXT))
        evidence = json.loads(housing.cipher.decrypt(case.evidence_enc, context=EVIDENCE_CONTEXT))
    assert [(m["name"], m["relation"]) for m in members] == [
        ("林晓峰", "本人"),
        ("欧阳娜娜", "配偶"),
        ("林小满", "子女"),
    ]
    disputed = [e for e in evidence if e["review"] == "disputed"]
    assert [(e["source"], e["review_reason"]) for e in disputed] == [("education", "还有硕士学位未显示")]
    assert any(e["source"] == "hukou" and e["request_id"].startswith("hukou-") for e in evidence)


def education(items: list[backfill.PreviewItem]) -> backfill.PreviewItem:
    [item] = [i for i in items if i.source == "education"]
    return item


def test_a_failed_re_query_loses_neither_results_nor_the_applicants_review(family: Family) -> None:
    family.grant("林晓峰", ["education"])
    family.run()
    with family.platform.db.transaction() as session:
        item = education(
            backfill.backfill_preview(
                session=session, application_id=family.draft_id, cipher=family.platform.cipher
            )
        )
        backfill.backfill_review(
            session=session, application_id=family.draft_id, result_id=item.result_id, decision="confirmed"
        )
    family.run()  # the same answer again: the confirmation carries over
    with family.platform.db.transaction() as session:
        again = education(
            backfill.backfill_preview(
                session=session, application_id=family.draft_id, cipher=family.platform.cipher
            )
        )
    assert again.result_id != item.result_id and again.review == "confirmed"
    family.systems.client("sandbox").put("/admin/faults/education", json={"error_rate": 1.0})
    family.run()  # now the department is down
    with family.platform.db.transaction() as session:
        shown = education(
            backfill.backfill_preview(
                session=session, application_id=family.draft_id, cipher=family.platform.cipher
            )
        )
    assert shown.retry_failed and shown.status == "found" and shown.review == "confirmed"
    assert shown.fields["degrees"][0]["school"] == "福州大学"


def test_the_reviewer_sees_evidence_with_disputes_and_gaps_flagged(family: Family) -> None:
    from tests.support.journey import csrf_of

    family.systems.client("sandbox").put("/admin/faults/social_insurance", json={"error_rate": 1.0})
    family.grant("林晓峰", ["hukou", "marriage", "education", "social_insurance"])
    family.run()
    family.choose_household([WIFE, CHILD])
    family.grant("欧阳娜娜", ["hukou"], actor=family.wife)
    family.review("education", "disputed", "还有硕士学位未显示")
    number = family.submit_and_deliver()
    clerk = family.systems.client("housing")
    login = clerk.get("/staff/login")
    clerk.post(
        "/staff/login",
        data={"csrf_token": csrf_of(login.text), "username": "shouli.350100", "password": "anju-staff-demo"},
    )
    page = clerk.get(f"/staff/cases/{number}").text
    assert "2 项需人工核实" in page  # the dispute and the failed insurance query
    assert "申请人认为有误</span>：还有硕士学位未显示" in page
    assert "社会保险参保缴费信息" in page and "查询失败" in page
    assert "欧***" in page and WIFE not in page  # household shown masked


def test_register_answers_prefill_the_form_with_their_source(family: Family) -> None:
    from anju.platform.catalog.prefill import form_prefill

    family.grant("林晓峰", ["hukou", "marriage", "education", "social_insurance", "property", "vehicle"])
    family.run()
    family.choose_household([WIFE, CHILD])
    family.grant("欧阳娜娜", ["property", "vehicle"], actor=family.wife)
    family.grant("林小满", ["property", "vehicle"])
    family.run()
    members = family.members()
    with family.platform.db.transaction() as session:
        values = form_prefill(
            session=session,
            application_id=family.draft_id,
            members=list(members.values()),
            cipher=family.platform.cipher,
            today=TODAY,
        )
    husband = members["林晓峰"].id
    assert (
        values[(husband, "name")].value == "林晓峰" and values[(husband, "name")].department == "福建省公安厅"
    )
    assert values[(husband, "marital_status")].value == "已婚"
    assert values[(husband, "education_level")].value == "本科"
    assert values[(husband, "employer")].value == "福州云海信息技术有限公司"
    assert values[(None, "owns_home")].value == "no"  # the wife's home was sold in 2024
    assert values[(None, "sold_home_recently")].value == "yes"
    assert values[(None, "vehicle_value")].value == 0
    assert (
        members["欧阳娜娜"].id,
        "marital_status",
    ) not in values  # she did not consent to the marriage query


def test_pages_save_whole_or_not_at_all_and_record_where_each_value_came_from(family: Family) -> None:
    from anju.platform.catalog.answers import answers_burden, answers_current, form_key, section_save
    from anju.platform.catalog.prefill import form_prefill

    family.grant("林晓峰", ["hukou", "marriage", "education", "social_insurance"])
    family.run()
    members = list(family.members().values())
    husband = members[0].id

    def save(section: str, raw: dict[str, str]) -> Any:
        with family.platform.db.transaction() as session:
            prefill = form_prefill(
                session=session,
                application_id=family.draft_id,
                members=members,
                cipher=family.platform.cipher,
                today=TODAY,
            )
            return section_save(
                session=session,
                application_id=family.draft_id,
                section=section,
                raw=raw,
                members=members,
                prefill=prefill,
                cipher=family.platform.cipher,
                today=TODAY,
            )

    household = {
        form_key(husband, "name"): "篡改的名字",  # not changeable: the register's value is kept
        form_key(husband, "id_number"): HUSBAND,
        form_key(husband, "relation"): "本人",
        form_key(husband, "hukou_county"): "350102",
        form_key(husband, "hukou_moved_in"): "2019-08-01",
        form_key(husband, "marital_status"): "未婚",  # changeable: saved as a dispute of the register
        form_key(husband, "education_level"): "本科",
        form_key(husband, "graduated_on"): "2014-06-30",
    }
    bad = save("household", {**household, form_key(husband, "hukou_moved_in"): "2019-02-30"})
    assert bad.errors == {
        form_key(
            husband, "hukou_moved_in"
        ): "迁入本市户籍日期不是有效日期，请填写完整的年、月、日，例如 2024 年 6 月 30 日"
    }
    assert bad.saved == 0 and bad.shown[form_key(husband, "hukou_moved_in")] == "2019-02-30"
    with family.platform.db.transaction() as session:
        assert (
            answers_current(session=session, application_id=family.draft_id, cipher=family.platform.cipher)
            == {}
        )

    good = save("household", household)
    assert good.errors == {} and good.saved >= 6
    with family.platform.db.transaction() as session:
        answers = answers_current(
            session=session, application_id=family.draft_id, cipher=family.platform.cipher
        )
    assert answers[(husband, "name")].value == "林晓峰" and answers[(husband, "name")].origin == "backfilled"
    assert (
        answers[(husband, "marital_status")].value == "未婚"
        and answers[(husband, "marital_status")].origin == "overridden"
    )
    assert answers[(husband, "relation")].origin == "typed"
    assert answers[(husband, "education_level")].origin == "backfilled"
    burden = answers_burden(answers)
    assert burden.overridden == 1 and burden.backfilled >= 4 and burden.typed >= 2
    assert save("household", household).saved == 0  # saving the same page again changes nothing


def test_a_household_figure_half_answered_says_whose_answer_is_missing(family: Family) -> None:
    from anju.platform.catalog.prefill import form_prefill, prefill_gaps

    family.grant("林晓峰", ["hukou", "marriage", "property", "vehicle"])
    family.run()
    family.choose_household([WIFE, CHILD])
    family.grant("林小满", ["property", "vehicle"])  # the child, by his father; the wife has not authorised
    family.run()

    def gaps_and_values() -> tuple[dict[str, str], dict[tuple[int | None, str], Any]]:
        members = list(family.members().values())
        with family.platform.db.transaction() as session:
            gaps = prefill_gaps(
                session=session,
                application_id=family.draft_id,
                members=members,
                cipher=family.platform.cipher,
            )
            values = form_prefill(
                session=session,
                application_id=family.draft_id,
                members=members,
                cipher=family.platform.cipher,
                today=TODAY,
            )
        return gaps, values

    gaps, values = gaps_and_values()
    assert (None, "vehicle_value") not in values  # a household figure needs everyone's answer
    assert "已查到部分家庭成员的" in gaps["vehicle_value"]
    assert "欧***（配偶，未授权查询）" in gaps["vehicle_value"] and "林晓峰" not in gaps["vehicle_value"]
    assert "林**" not in gaps["vehicle_value"]  # those who answered are not listed
    assert "owns_home" in gaps

    family.grant("欧阳娜娜", ["property", "vehicle"], actor=family.wife)
    family.run()
    gaps, values = gaps_and_values()
    assert values[(None, "vehicle_value")].value == 0 and "vehicle_value" not in gaps


def test_two_replicas_share_a_sources_circuit_through_the_database(systems: Systems) -> None:
    """Decision 0033: the breaker is the database's, not a process's — failures counted behind one replica
    open the circuit behind the other, a success behind either closes it for both, and two replicas
    counting at once both count."""
    db = systems.runtimes["platform"].db
    first, second = (CircuitBreakers(threshold=3, cooldown_seconds=60, db=db) for _ in range(2))
    first.record("vehicle", ok=False, now=1000.0)
    second.record("vehicle", ok=False, now=1001.0)
    assert first.allow("vehicle", now=1002.0) and second.allow("vehicle", now=1002.0)
    first.record("vehicle", ok=False, now=1002.0)  # the third failure, whichever replica saw it
    assert second.is_open("vehicle", now=1003.0) and first.is_open("vehicle", now=1061.0)
    assert second.allow("vehicle", now=1062.1)  # cooldown over: a trial call may go out
    second.record("vehicle", ok=True, now=1062.5)
    assert first.allow("vehicle", now=1063.0) and not first.is_open("vehicle", now=1063.0)
    assert CircuitBreakers(threshold=3, cooldown_seconds=60).allow("vehicle", now=1063.0)  # a process's own

    import threading

    racers = [
        threading.Thread(target=b.record, args=("hukou",), kwargs={"ok": False}) for b in (first, second) * 2
    ]
    for t in racers:
        t.start()
    for t in racers:
        t.join()
    with db.transaction() as session:
        assert session.get(CircuitState, "hukou").failures == 4  # type: ignore[union-attr]
