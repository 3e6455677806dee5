"""年审 (issue 19, slice 6): the batch asks the registers again about every tenancy due, over signed HTTP to
the sandbox's 批量核查, flags exactly the households whose registers changed (a home bought, a car), tells
them, and leaves the others as they were with their next 年审 set. Stopped half-way, it goes on with the
same round and asks no register twice about the same household."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select

from anju.core.timeutil import today_shanghai
from anju.housing.allocation import stock
from anju.housing.allocation.models import Tenancy
from anju.housing.intake.service import SIGNED_CONTEXT
from anju.housing.models import Case
from anju.housing.reverify.models import ReverifyRound, TenancyReview
from anju.housing.reverify.service import (
    ANSWERS_CONTEXT,
    Shard,
    opened_answer,
    registers,
    reverify_run,
    reviews_of,
    sealed_answer,
)
from anju.sandbox.population.models import HukouBook, Person, PropertyRecord, VehicleRecord
from anju.sandbox.sources.models import SourceQueryLog
from tests.conftest import Systems
from tests.housing.allocation.test_stock_and_offers import GOOD, csv_file, offer_and_answer
from tests.housing.households.test_conflicts import member
from tests.support.factories import CHILD, HUSBAND, WIFE, case_submission, seed_family
from tests.support.signed import signed_post

STARTED = date(2025, 12, 1)  # the tenancies began a year ago: their 年审 is due
SINGLES = {"黄丽": "35030219930217068X", "刘志明": "350121199111300574"}


def single(systems: Systems, name: str, number: str) -> None:
    """A person alone in a hukou book in 台江区, in the sandbox's registers."""
    with systems.runtimes["sandbox"].db.transaction() as session:
        if session.scalar(select(Person).where(Person.id_number == number)) is not None:
            return
        book = HukouBook(
            book_no=f"3501030{number[-5:]}", county_code="350103", address="福州市台江区示例路 9 号"
        )
        session.add(book)
        session.flush()
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        session.add(
            Person(
                id_number=number,
                name=name,
                sex="F" if int(number[16]) % 2 == 0 else "M",
                birth_date=born,
                book_id=book.id,
                relation="户主",
                hukou_moved_in=date(2015, 3, 1),
            )
        )


def evidence_now(systems: Systems, numbers: list[str]) -> list[dict[str, Any]]:
    """What the registers said about the household when it applied (as the platform's backfill asks)."""
    housing = systems.runtimes["housing"]
    items = []
    for register in registers():
        answer = housing.client.request(
            method="POST",
            destination="sandbox",
            path=f"/v1/sources/{register.source}/query",
            payload={"persons": numbers, "fields": register.fields},
            purpose="测试：申请时的数据回填",
        ).json()
        for r in answer["records"]:
            items.append(
                {
                    "id_number": r["id_number"],
                    "source": register.source,
                    "status": "found" if r["found"] else "no_record",
                    "fields": r["fields"],
                    "request_id": answer["request_id"],
                    "fetched_at": "2025-09-01T02:00:00+00:00",
                }
            )
    return items


def tenant(
    systems: Systems, n: int, people: list[tuple[str, str]], unit_no: str, *, consent: bool = True
) -> str:
    """A household that applied with its registers' answers, was approved and took a flat on STARTED."""
    housing = systems.runtimes["housing"]
    case_no = f"GZF-350100-20250901-{n:06d}"
    household = [
        member("applicant" if i == 0 else "co_applicant", "本人" if i == 0 else "其他", name, number)
        for i, (name, number) in enumerate(people)
    ]
    body = case_submission(
        case_no=case_no,
        applicant={
            "name": people[0][0],
            "id_number": people[0][1],
            "phone": "13805910001",
            "real_name_level": 3,
        },
        household=household,
        household_size=len(household),
        evidence=evidence_now(systems, [number for _, number in people]),
    )
    received = signed_post(
        systems.client("housing"), as_system=systems.runtimes["platform"], path="/v1/cases", payload=body
    )
    assert received.status_code == 201, received.text
    with housing.db.transaction() as session:  # test set-up: signed with the authorisation, approved, waiting
        case = session.scalars(select(Case).where(Case.case_no == case_no)).one()
        answers = {"application": {"verification_authorisation": True}} if consent else {"application": {}}
        document = {"kind": "application", "title": "申请表", "content": json.dumps({"answers": answers})}
        case.signed_documents_enc = housing.cipher.encrypt(json.dumps([document]), context=SIGNED_CONTEXT)
        case.status, case.waitlist_no, case.applicant_group = "waitlisted", n, "low_income"
        case.decided_at = datetime(2025, 10, 1, 2, tzinfo=UTC)
    offer_and_answer(systems, case_no, unit_no, accept=True, today=STARTED)
    return case_no


def housed_three(systems: Systems) -> dict[str, str]:
    seed_family(systems.runtimes["sandbox"])
    for name, number in SINGLES.items():
        single(systems, name, number)
    with systems.runtimes["housing"].db.transaction() as session:
        extra = "福州市台江区示例小区,350103,台江区示例路 9 号,1,102,36.00,1,1,11.00,否"
        read = stock.stock_read(filename="s.csv", content=csv_file(*GOOD, extra), city_code="350100")
        stock.stock_save(session=session, read=read, city_code="350100", actor="guanli.350100")
    family = [("林晓峰", HUSBAND), ("欧阳娜娜", WIFE), ("林小满", CHILD)]
    return {
        "family": tenant(systems, 1, family, "502"),
        "huang": tenant(systems, 2, [("黄丽", SINGLES["黄丽"])], "101"),
        "liu": tenant(systems, 3, [("刘志明", SINGLES["刘志明"])], "102"),
    }


def person_id(session: Any, number: str) -> int:
    return int(session.scalar(select(Person.id).where(Person.id_number == number)))


def run(systems: Systems, **options: Any) -> Any:
    housing = systems.runtimes["housing"]
    return reverify_run(
        db=housing.db,
        client=housing.client,
        cipher=housing.cipher,
        outbox=housing.tables.outbox,
        audit=housing.audit,
        as_of=today_shanghai(),
        today=today_shanghai(),
        actor="system:reverify",
        **options,
    )


def asked(systems: Systems, case_no: str) -> dict[str, int]:
    """How many times each register answered about this household (the register's own log)."""
    with systems.runtimes["sandbox"].db.transaction() as session:
        rows = session.execute(
            select(SourceQueryLog.source, func.count())
            .where(SourceQueryLog.case_no == case_no, SourceQueryLog.outcome == "answered")
            .where(SourceQueryLog.purpose.like("公租房年审%"))
            .group_by(SourceQueryLog.source)
        )
        return {source: int(count) for source, count in rows}


def test_the_batch_flags_exactly_the_households_whose_registers_changed(live: Systems) -> None:
    cases = housed_three(live)
    with live.runtimes[
        "sandbox"
    ].db.transaction() as session:  # a year on: the wife bought a flat, 刘志明 a car
        session.add(
            PropertyRecord(
                person_id=person_id(session, WIFE),
                city_code="350100",
                address="福州市鼓楼区五四路 88 号 1203 室",
                area_centi_m2=8950,
                acquired_on=date(2026, 8, 15),
            )
        )
        session.add(
            VehicleRecord(
                person_id=person_id(session, SINGLES["刘志明"]),
                plate="闽A12345",
                purchase_value_fen=15_800_000,
                purchased_on=date(2026, 9, 1),
            )
        )
    done = run(live)
    assert (done.households, done.flagged, done.waiting, done.finished) == (3, 2, 0, True)
    assert done.register_calls == len(registers())  # one 批量核查 per register for the three households

    housing = live.runtimes["housing"]
    with housing.db.transaction() as session:
        status = {k: session.scalars(select(Case).where(Case.case_no == v)).one() for k, v in cases.items()}
        assert {k: c.status for k, c in status.items()} == {
            "family": "reverifying",
            "huang": "allocated",
            "liu": "reverifying",
        }
        next_reviews = {t.case_id: t.next_review_on for t in session.scalars(select(Tenancy))}
        assert set(next_reviews.values()) == {date(2027, 12, 1)}  # every one re-scheduled, flagged or not
        family = reviews_of(session=session, case=status["family"], cipher=housing.cipher)[0]
        liu = reviews_of(session=session, case=status["liu"], cipher=housing.cipher)[0]
        huang = reviews_of(session=session, case=status["huang"], cipher=housing.cipher)[0]
    assert huang["state"] == "clear" and huang["findings"] == []
    homes = next(f for f in family["findings"] if f["source"] == "property")
    assert homes["member"] == "欧***" and homes["before"] == "无" and "89.50 平方米" in homes["now"]
    assert "五四路" not in homes["now"]  # the address is masked even in the reviewer's comparison
    (car,) = [f for f in liu["findings"] if f["source"] == "vehicle"]
    assert car["member"] == "刘**" and "158000.00 元" in car["now"] and "12345" not in car["now"]
    for case_no in cases.values():
        assert asked(live, case_no) == {r.source: 1 for r in registers()}

    # The tenant is told on the timeline (and by SMS) what was found; the reviewer has it in the queue.
    with housing.db.transaction() as session:
        from anju.housing.models import CaseEvent

        told = session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == status["liu"].id, CaseEvent.event == "reverify_flag")
        ).one()
    assert "刘**：名下机动车由“无”变为“闽A" in told.reason and "核实前租赁照常履行" in told.reason

    again = run(live)  # nothing is due any more: a second run asks nobody
    assert (again.households, again.register_calls) == (0, 0)


def test_a_round_stopped_half_way_goes_on_and_asks_no_register_twice(live: Systems) -> None:
    cases = housed_three(live)
    sandbox = live.client("sandbox")
    assert sandbox.put("/admin/faults/vehicle", json={"error_rate": 1.0}).status_code == 200
    first = run(live, limit=2)  # the car register is down, and the run is stopped after two households
    assert (first.households, first.waiting, first.finished) == (0, 2, False)
    second = run(live)  # still down: the third household is taken up, the first two wait on
    assert (second.households, second.waiting, second.finished) == (0, 3, False)
    with live.runtimes["housing"].db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(ReverifyRound)) == 1  # the same round
    sandbox.delete("/admin/faults")
    last = run(live)
    assert (last.households, last.flagged, last.waiting, last.finished) == (3, 0, 0, True)
    assert last.register_calls == 1  # only the register that had not answered
    for case_no in cases.values():
        assert asked(live, case_no) == {r.source: 1 for r in registers()}
    with live.runtimes["housing"].db.transaction() as session:
        states = session.scalars(select(TenancyReview.state)).all()
        assert sorted(states) == ["clear", "clear", "clear"]


def test_a_household_that_did_not_authorise_checks_is_not_asked_but_put_before_a_person(
    live: Systems,
) -> None:
    seed_family(live.runtimes["sandbox"])
    with live.runtimes["housing"].db.transaction() as session:
        read = stock.stock_read(filename="s.csv", content=csv_file(*GOOD), city_code="350100")
        stock.stock_save(session=session, read=read, city_code="350100", actor="guanli.350100")
    family = [("林晓峰", HUSBAND), ("欧阳娜娜", WIFE), ("林小满", CHILD)]
    case_no = tenant(live, 1, family, "502", consent=False)
    done = run(live)
    assert (done.households, done.flagged, done.register_calls) == (1, 1, 0)
    assert asked(live, case_no) == {}
    housing = live.runtimes["housing"]
    with housing.db.transaction() as session:
        case = session.scalars(select(Case).where(Case.case_no == case_no)).one()
        (review,) = reviews_of(session=session, case=case, cipher=housing.cipher)
    assert case.status == "reverifying" and review["findings"][0]["source"] == "consent"


def test_parts_run_side_by_side_share_the_round_and_take_each_household_once(live: Systems) -> None:
    cases = housed_three(live)
    first = run(live, shard=Shard(index=0, of=2))
    second = run(live, shard=Shard(index=1, of=2))
    assert first.round_id == second.round_id
    assert (first.households + second.households, first.finished, second.finished) == (3, False, True)
    for case_no in cases.values():
        assert asked(live, case_no) == {r.source: 1 for r in registers()}


def test_an_answer_is_kept_deflated_and_encrypted_and_one_kept_before_reads_back(live: Systems) -> None:
    cipher = live.runtimes["housing"].cipher
    months = [{"month": f"2025-{m:02d}", "city_code": "350102", "base_fen": 512300} for m in range(1, 13)]
    records = [{"id_number": WIFE, "found": True, "fields": {"contributions": months * 3}}]
    kept = sealed_answer(records, cipher)
    assert WIFE not in kept and len(kept) < len(json.dumps(records)) / 4  # three years of months deflate
    assert opened_answer(kept, cipher) == records
    plain = cipher.encrypt(json.dumps(records), context=ANSWERS_CONTEXT)  # as kept before answers deflated
    assert opened_answer(plain, cipher) == records
