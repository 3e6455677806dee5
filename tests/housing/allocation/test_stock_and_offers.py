"""Housing stock and offers (issue 19): the stock imported from a CSV or Excel file with every bad row named
and nothing saved until all are right; a flat offered only to a household it fits, never to two households
at once (even when two clerks click together), answered once; refusing twice sends a household back."""

from __future__ import annotations

import io
import threading
from datetime import date, timedelta

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from anju.housing.allocation import offers, stock, units
from anju.housing.allocation.models import HousingOffer, HousingUnit
from anju.housing.allocation.waitlist import waitlist_page
from anju.housing.models import Case
from tests.conftest import Systems
from tests.housing.allocation.test_waitlist import waiting
from tests.housing.staff.test_permissions_staff_scope import sign_in
from tests.support.journey import csrf_of
from tests.support.signed import signed_get, signed_post

HEADER = ",".join(stock.COLUMNS)
GOOD = [
    "福州市鼓楼区示例小区,350102,鼓楼区示例路 1 号,3,101,38.50,1,1,12.50,是",
    "福州市鼓楼区示例小区,350102,鼓楼区示例路 1 号,3,502,45.60,2,5,12.50,否",
    "福州市台江区示例小区,350103,台江区示例路 9 号,1,201,58.05,2,2,11.00,否",
]


def csv_file(*rows: str, encoding: str = "utf-8") -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode(encoding)


def unit_count(systems: Systems) -> int:
    with systems.runtimes["housing"].db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(HousingUnit)) or 0)


def upload(client, name: str, content: bytes):  # type: ignore[no-untyped-def]
    page = client.get("/staff/stock")
    return client.post(
        "/staff/stock",
        data={"csrf_token": csrf_of(page.text)},
        files={"file": (name, content)},
        follow_redirects=True,
    )


def test_every_bad_row_is_named_and_nothing_is_saved_until_all_are_right(systems: Systems) -> None:
    admin = sign_in(systems, "guanli.350100")
    bad = upload(
        admin,
        "stock.csv",
        csv_file(
            GOOD[0],
            "福州市鼓楼区示例小区,350203,鼓楼区示例路 1 号,3,502,abc,2,5,12.50,可能",
            GOOD[0],
            "福州市鼓楼区示例小区,350102,鼓楼区示例路 1 号,3,503,45.6,9,5,0,否",
        ),
    )
    assert bad.status_code == 400
    summary = bad.text.split('id="error-summary"')[1].split("</div>")[0]
    assert (
        "第 3 行：县（市、区）代码应为本市的县级代码（现在是“350203”）；建筑面积应为数字（现在是“abc”）"
        in summary
    )
    assert "无障碍应填“是”或“否”（现在是“可能”）" in summary
    assert "第 4 行：与第 2 行是同一套房源" in summary
    assert "第 5 行：室应为 1–6 的整数（现在是“9”）；租金应在 0.01–200 之间" in summary
    assert unit_count(systems) == 0
    headerless = upload(admin, "stock.csv", "\n".join(GOOD).encode())
    assert "第 1 行应为模板的表头" in headerless.text
    assert "请上传 .csv 或 .xlsx 文件" in upload(admin, "stock.pdf", b"%PDF-1.7").text
    done = upload(admin, "stock.csv", csv_file(*GOOD, encoding="gb18030"))  # Excel's Chinese CSV
    assert "已导入 3 套房源" in done.text and unit_count(systems) == 3
    again = upload(admin, "again.csv", csv_file(GOOD[1]))
    assert again.status_code == 400 and "第 2 行：福州市鼓楼区示例小区 3栋 502 已在房源中" in again.text
    assert unit_count(systems) == 3


def test_an_excel_workbook_is_read_like_its_csv(systems: Systems) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(list(stock.COLUMNS))
    sheet.append(
        ["福州市晋安区示例小区", "350111", "晋安区示例路 5 号", "2", "1203", 49.5, 2, 12, 10.8, "否"]
    )
    content = io.BytesIO()
    book.save(content)
    done = upload(sign_in(systems, "guanli.350100"), "stock.xlsx", content.getvalue())
    assert "已导入 1 套房源" in done.text
    with systems.runtimes["housing"].db.transaction() as session:
        unit = session.scalars(select(HousingUnit)).one()
        assert (unit.area_centi_m2, unit.rent_fen_per_m2, unit.rooms, unit.floor) == (4950, 1080, 2, 12)
        assert units.monthly_rent_fen(unit) == 53460  # 49.50 m² × 10.80 元 = 534.60 元
    refused = upload(sign_in(systems, "shenhe.350100"), "stock.xlsx", content.getvalue())
    assert refused.status_code == 403


def stocked(systems: Systems) -> None:
    with systems.runtimes["housing"].db.transaction() as session:
        read = stock.stock_read(filename="s.csv", content=csv_file(*GOOD), city_code="350100")
        stock.stock_save(session=session, read=read, city_code="350100", actor="guanli.350100")


def unit_id(systems: Systems, unit_no: str) -> int:
    with systems.runtimes["housing"].db.transaction() as session:
        return int(session.scalars(select(HousingUnit.id).where(HousingUnit.unit_no == unit_no)).one())


def test_a_flat_that_fits_is_offered_and_the_applicant_accepts_it_online(systems: Systems) -> None:
    stocked(systems)
    case_no = waiting(systems, 1, "林晓峰", approved=date(2026, 10, 1))  # one person: one room
    admin = sign_in(systems, "guanli.350100")
    page = admin.get(f"/staff/cases/{case_no}")
    form = page.text.split('id="case-offer"')[1].split("</div>")[0]
    assert "1 人家庭可配 1–1 室的房源" in form and "3栋 101" in form and "502" not in form
    too_big = admin.post(
        f"/staff/cases/{case_no}/offers/make",
        data={"csrf_token": csrf_of(page.text), "unit_id": unit_id(systems, "502")},
    )
    assert too_big.status_code == 409 and "1 人家庭可配 1–1 室的房源，这套是 2 室" in too_big.text
    made = admin.post(
        f"/staff/cases/{case_no}/offers/make",
        data={"csrf_token": csrf_of(page.text), "unit_id": unit_id(systems, "101")},
        follow_redirects=True,
    )
    assert 'id="case-status">待确认配租<' in made.text and "月租金 481.25 元" in made.text
    generic = admin.post(
        f"/staff/cases/{case_no}/events",
        data={"csrf_token": csrf_of(page.text), "event": "accept_offer", "reason": ""},
    )
    assert generic.status_code in (400, 409) and "请在办件页的配租栏目中办理" in generic.text

    platform = systems.runtimes["platform"]
    shown = signed_get(
        systems.client("housing"), as_system=platform, path=f"/v1/offers/350100/{case_no}"
    ).json()
    assert shown["unit"]["label"] == "福州市鼓楼区示例小区 3栋 101" and shown["unit"]["accessible"] is True
    assert shown["reply_due_on"] > date.today().isoformat()  # 7 working days, provisional
    answered = signed_post(
        systems.client("housing"),
        as_system=platform,
        path=f"/v1/offers/350100/{case_no}/answer",
        payload={"accept": True},
    )
    assert answered.status_code == 200 and answered.json()["status"] == "allocated"
    twice = signed_post(
        systems.client("housing"),
        as_system=platform,
        path=f"/v1/offers/350100/{case_no}/answer",
        payload={"accept": False},
    )
    assert twice.status_code == 404  # answered once
    flat = unit_id(systems, "101")
    with systems.runtimes["housing"].db.transaction() as session:
        assert session.get(HousingUnit, flat).state == "let"  # type: ignore[union-attr]


def offer(systems: Systems, case_no: str, flat: int, today: date) -> Case:
    """The city administrator offers a flat (by id) to a waiting case; the case as it then stands."""
    housing = systems.runtimes["housing"]
    with housing.db.transaction() as session:
        case = session.scalars(select(Case).where(Case.case_no == case_no)).one()
        offers.offer_make(
            session=session,
            case=case,
            unit_id=flat,
            actor="guanli.350100",
            outbox=housing.tables.outbox,
            audit=housing.audit,
            today=today,
        )
        return case


def offer_and_answer(systems: Systems, case_no: str, unit_no: str, *, accept: bool, today: date) -> None:
    housing = systems.runtimes["housing"]
    offer(systems, case_no, unit_id(systems, unit_no), today)
    with housing.db.transaction() as session:
        case = session.scalars(select(Case).where(Case.case_no == case_no)).one()
        offers.offer_answer(
            session=session,
            case=case,
            accept=accept,
            reason="离工作单位太远",
            actor="guanli.350100",
            role="city_admin",
            via="counter",
            outbox=housing.tables.outbox,
            audit=housing.audit,
            today=today,
            cipher=housing.cipher,
            index=housing.blind_index,
        )


def names_in_order(systems: Systems, on: date) -> list[str]:
    with systems.runtimes["housing"].db.transaction() as session:
        return [
            s.case.applicant_name
            for s in waitlist_page(session=session, city_code="350100", on=on, offset=0, limit=10)[0]
        ]


def test_refusing_twice_sends_a_household_to_the_back_and_a_lapse_counts_as_one(systems: Systems) -> None:
    stocked(systems)
    first = waiting(systems, 1, "林晓峰", approved=date(2026, 9, 1))
    waiting(systems, 2, "陈美华", approved=date(2026, 10, 1))
    today = date(2026, 12, 7)
    offer_and_answer(systems, first, "101", accept=False, today=today)
    assert names_in_order(systems, today) == ["林晓峰", "陈美华"]  # once: still first
    housing, flat = systems.runtimes["housing"], unit_id(systems, "101")
    due = offer(systems, first, flat, today).due_on  # the second offer lapses: its reply date passes
    assert due is not None
    with housing.db.transaction() as session:
        assert (
            offers.offers_lapse(session=session, outbox=housing.tables.outbox, audit=housing.audit, today=due)
            == []
        )
    with housing.db.transaction() as session:
        lapsed = offers.offers_lapse(
            session=session, outbox=housing.tables.outbox, audit=housing.audit, today=due + timedelta(days=1)
        )
    assert lapsed == [first]
    assert names_in_order(systems, today) == ["陈美华", "林晓峰"]
    with housing.db.transaction() as session:
        states = sorted(session.scalars(select(HousingOffer.state)))
        assert states == ["lapsed", "refused"]
        assert session.get(HousingUnit, flat).state == "available"  # type: ignore[union-attr]


def test_two_clerks_offering_one_flat_at_once_make_one_offer(systems: Systems) -> None:
    stocked(systems)
    cases = [
        waiting(systems, n, name, approved=date(2026, 9, n)) for n, name in ((1, "林晓峰"), (2, "陈美华"))
    ]
    housing = systems.runtimes["housing"]
    flat = unit_id(systems, "101")
    start, outcomes = threading.Barrier(2), []

    def clerk(case_no: str) -> None:
        start.wait()
        try:
            offer(systems, case_no, flat, date(2026, 12, 7))
            outcomes.append("offered")
        except offers.OfferRefused as exc:
            outcomes.append(exc.message)
        except Exception as exc:  # SQLite's lock wait: one writer at a time
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=clerk, args=(c,)) for c in cases]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("offered") == 1, outcomes
    with housing.db.transaction() as session:
        assert (
            session.scalar(select(func.count()).select_from(HousingOffer).where(HousingOffer.unit_id == flat))
            == 1
        )
        statuses = sorted(session.scalars(select(Case.status).where(Case.case_no.in_(cases))))
    assert statuses == ["offered", "waitlisted"]


def test_the_rooms_rule_is_provisional_data_for_every_size() -> None:
    rule = offers.offer_rule("350100", date(2026, 12, 7))
    assert rule.provisional and [rule.rooms_for(n) for n in (1, 2, 3, 4, 5, 9)] == [
        (1, 1),
        (1, 2),
        (2, 2),
        (2, 3),
        (3, 4),
        (3, 4),
    ]
    with pytest.raises(ValueError):
        offers.offer_rule("350100", date(2024, 9, 30))
