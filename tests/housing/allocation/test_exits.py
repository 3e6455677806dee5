"""退出 (issue 19, slice 7): a tenancy ends for a named reason after the city's 搬迁期, told to the tenant in a
sealed notice with their rights; the day the flat is handed back the household's 保障性住房记录 end (which
starts the city's waiting period after an exit) and the flat returns to the stock."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from anju.core.timeutil import today_shanghai
from anju.housing.allocation.models import HousingUnit, Tenancy
from anju.housing.households.service import household_conflicts
from anju.housing.models import Case
from anju.housing.records.models import AssistanceRecord
from anju.housing.review.documents import document_pdf
from tests.conftest import Systems
from tests.housing.allocation.test_stock_and_offers import offer_and_answer, stocked
from tests.housing.allocation.test_waitlist import PEOPLE, waiting
from tests.housing.households.test_conflicts import waiting_period
from tests.housing.staff.test_permissions_staff_scope import sign_in
from tests.support.journey import csrf_of
from tests.support.pdf import pdf_text
from tests.support.signed import signed_get


def housed(systems: Systems) -> str:
    """林晓峰 waited, was offered 3栋 101 and accepted it today: a running tenancy."""
    stocked(systems)
    case_no = waiting(systems, 1, "林晓峰", approved=date(2026, 10, 1))
    offer_and_answer(systems, case_no, "101", accept=True, today=today_shanghai())
    return case_no


def exit_step(admin: object, case_no: str, step: str, **data: str) -> object:
    page = admin.get(f"/staff/cases/{case_no}")  # type: ignore[attr-defined]
    return admin.post(  # type: ignore[attr-defined]
        f"/staff/cases/{case_no}/exit/{step}",
        data={"csrf_token": csrf_of(page.text), **data},
        follow_redirects=True,
    )


def conflicts_of(systems: Systems, on: date) -> list[str]:
    housing = systems.runtimes["housing"]
    with housing.db.transaction() as session:
        found = household_conflicts(
            session=session,
            id_numbers=[PEOPLE["林晓峰"]],
            city_code="350100",
            on=on,
            index=housing.blind_index,
        )
    return [c.rule for c in found]


def test_an_exit_is_told_with_its_date_and_ends_everything_the_day_the_flat_is_handed_back(
    systems: Systems,
) -> None:
    case_no, today = housed(systems), today_shanghai()
    admin = sign_in(systems, "guanli.350100")
    panel = admin.get(f"/staff/cases/{case_no}").text.split('id="case-exit"')[1]
    assert "不再符合保障条件" in panel and "承租人申请退出" in panel and "第二十七条至第三十一条" in panel

    no_reason = exit_step(admin, case_no, "notice", details="购买商品住房一套")
    assert no_reason.status_code == 409 and "请选择退出原因" in no_reason.text
    no_facts = exit_step(admin, case_no, "notice", reason="no_longer_qualifies", details=" ")
    assert no_facts.status_code == 409 and "请写明退出的具体情况" in no_facts.text
    told = exit_step(
        admin, case_no, "notice", reason="no_longer_qualifies", details="2026年11月购买鼓楼区商品住房一套"
    )
    assert told.status_code == 200 and 'id="case-status">退出中<' in told.text

    housing, platform = systems.runtimes["housing"], systems.runtimes["platform"]
    with housing.db.transaction() as session:
        case = session.scalars(select(Case).where(Case.case_no == case_no)).one()
        lease = session.scalars(select(Tenancy).where(Tenancy.case_id == case.id)).one()
        vacate_by = lease.vacate_by
        assert vacate_by is not None and vacate_by == case.due_on
        assert vacate_by - today >= timedelta(weeks=12)  # 60 working days: twelve weeks at the least
        assert lease.transition_rent_fen is None  # no city sets one: the lease's rent until then
        pdf = document_pdf(
            session=session,
            case=case,
            event_seq=case.event_seq,
            key_directory=systems.settings.key_directory,
            cipher=housing.cipher,
        )
    assert f"腾退期限 <strong>{vacate_by}</strong>" in told.text
    assert pdf is not None and pdf[0].title == "公共租赁住房退出通知书"
    text = pdf_text(pdf[1]).replace(" ", "")
    for words in (
        "不再符合保障条件：2026年11月购买鼓楼区商品住房一套",
        f"请于{vacate_by:%Y年%m月%d日}前腾退",
        "行政复议",
    ):
        assert words in text, words
    tenant_view = signed_get(
        systems.client("housing"), as_system=platform, path=f"/v1/tenancies/350100/{case_no}"
    ).json()
    assert tenant_view["vacate_by"] == vacate_by.isoformat()
    assert tenant_view["exit_reason"] == "不再符合保障条件" and tenant_view["ended_on"] is None
    assert conflicts_of(systems, today) == ["current_tenancy", "current_tenancy"]  # housed until handed back

    future = exit_step(admin, case_no, "vacated", vacated_on=(today + timedelta(days=1)).isoformat())
    assert future.status_code == 409 and "腾退日期应在" in future.text
    garbled = exit_step(admin, case_no, "vacated", vacated_on="下周一")
    assert garbled.status_code == 409 and "请填写实际腾退日期" in garbled.text
    done = exit_step(admin, case_no, "vacated", vacated_on=today.isoformat())
    assert 'id="case-status">已退出<' in done.text and f"已于 {today} 腾退" in done.text

    with housing.db.transaction() as session:
        case = session.scalars(select(Case).where(Case.case_no == case_no)).one()
        lease = session.scalars(select(Tenancy).where(Tenancy.case_id == case.id)).one()
        mine = AssistanceRecord.person_bidx == housing.blind_index.digest(PEOPLE["林晓峰"], kind="id_number")
        records = session.scalars(select(AssistanceRecord).where(mine)).all()
        assert lease.ended_on == today and [r.valid_to for r in records] == [today]
        assert session.get(HousingUnit, lease.unit_id).state == "available"  # type: ignore[union-attr]
    tomorrow = today + timedelta(days=1)
    assert conflicts_of(systems, tomorrow) == []  # no waiting period set: free to apply again
    waiting_period(systems, "reapply_after_exit_months", "12")
    assert conflicts_of(systems, tomorrow) == ["waiting_period"]


def test_a_notice_taken_back_leaves_the_tenancy_as_it_was_and_only_the_administrator_exits(
    systems: Systems,
) -> None:
    case_no = housed(systems)
    reviewer = sign_in(systems, "shenhe.350100")
    page = reviewer.get(f"/staff/cases/{case_no}")
    refused = reviewer.post(
        f"/staff/cases/{case_no}/exit/notice",
        data={"csrf_token": csrf_of(page.text), "reason": "breach", "details": "转租他人"},
    )
    assert refused.status_code == 403 and "只有市级管理员可以办理退出" in refused.text

    admin = sign_in(systems, "guanli.350100")
    page = admin.get(f"/staff/cases/{case_no}")
    generic = admin.post(
        f"/staff/cases/{case_no}/events",
        data={"csrf_token": csrf_of(page.text), "event": "exit_notice", "reason": "转租他人"},
    )
    assert generic.status_code in (400, 409) and "请在办件页的租赁与退出栏目中办理" in generic.text
    exit_step(admin, case_no, "notice", reason="breach", details="经核查已将住房转租他人")
    short = exit_step(admin, case_no, "withdraw", details="误")
    assert short.status_code == 409 and "撤销退出须写明理由" in short.text
    back = exit_step(admin, case_no, "withdraw", details="经复核，转租情况不属实")
    assert 'id="case-status">已办结<' in back.text and "办理退出" in back.text
    with systems.runtimes["housing"].db.transaction() as session:
        case = session.scalars(select(Case).where(Case.case_no == case_no)).one()
        lease = session.scalars(select(Tenancy).where(Tenancy.case_id == case.id)).one()
        assert (lease.exit_reason, lease.vacate_by, lease.ended_on) == ("", None, None)
        assert case.due_on is None
    assert conflicts_of(systems, today_shanghai()) == ["current_tenancy", "current_tenancy"]
