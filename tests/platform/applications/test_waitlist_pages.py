"""The waiting list on the platform (issue 19): anyone reads a city's list with its rule, masked; the
applicant whose application waits sees their place today, as housing counts it."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import httpx
from sqlalchemy import select

from anju.core.timeutil import today_shanghai, utcnow
from anju.housing.allocation import exits
from anju.housing.models import Case
from anju.platform.models import Application
from tests.conftest import Systems
from tests.housing.allocation.test_waitlist import waiting
from tests.support.journey import applicant_sign_in, application_fill_and_submit


def submitted_and_delivered(live: Systems, browser: httpx.Client, platform: str) -> str:
    """欧阳娜娜 applies on the web and the platform delivers the case to housing; the application number."""
    form = applicant_sign_in(browser, platform, id_number="350104199011200641")
    done = application_fill_and_submit(browser, platform, form.text)
    number = re.search(r'id="application-no">([^<]+)<', done.text).group(1).strip()  # type: ignore[union-attr]
    live.runtimes["platform"].outbox_worker().run_once(now=utcnow() + timedelta(hours=1))
    return number


def test_anyone_reads_a_citys_list_with_its_rule_and_no_full_name(live: Systems) -> None:
    waiting(live, 1, "林晓峰", approved=date(2026, 10, 1))
    waiting(live, 2, "王𠈌", approved=date(2026, 11, 1), group="dibao")
    platform = live.settings.base_url("platform")
    page = httpx.get(f"{platform}/waitlists?city=350100")
    assert page.status_code == 200
    rows = page.text.split('id="waitlist"')[1]
    assert rows.index("王*") < rows.index("林**") and "城镇低保、特困家庭" in rows
    assert "林晓峰" not in page.text and "350102199203150519" not in page.text
    assert "该规则尚待当地核实" in page.text and "同一顺位的，按审批通过的先后" in page.text
    assert "目前没有轮候中的家庭" in httpx.get(f"{platform}/waitlists?city=350200").text
    assert httpx.get(f"{platform}/waitlists?city=999999").status_code == 400


def test_the_applicant_sees_their_place_while_they_wait(live: Systems) -> None:
    waiting(live, 1, "林晓峰", approved=date(2026, 9, 1))
    platform = live.settings.base_url("platform")
    with httpx.Client(timeout=15) as browser:
        number = submitted_and_delivered(live, browser, platform)
        with live.runtimes["housing"].db.transaction() as session:  # test set-up: approved and waiting
            case = session.scalars(select(Case).where(Case.case_no == number)).one()
            case.status, case.waitlist_no = "waitlisted", 2
            case.decided_at = datetime(2026, 11, 30, 2, tzinfo=UTC)
        with live.runtimes["platform"].db.transaction() as session:
            session.scalars(
                select(Application).where(Application.application_no == number)
            ).one().status = "waitlisted"
        page = browser.get(f"{platform}/applications/{number}")
        standing = page.text.split('id="waitlist-standing"')[1].split("</td>")[0]
        assert "轮候编号第 2 号" in standing and "2 户轮候家庭中排第 <strong>2</strong> 位" in standing
        live.runtimes["platform"].client.base_urls["housing"] = "http://127.0.0.1:9"  # nothing listens there
        down = browser.get(f"{platform}/applications/{number}")
        assert down.status_code == 200 and "暂时无法查询轮候位次，请稍后再试" in down.text


def test_anyone_reads_a_draw_and_downloads_the_exact_list_it_hashed(live: Systems) -> None:
    from anju.core.crypto import sm3_hex
    from anju.core.timeutil import today_shanghai
    from anju.housing.allocation import draws

    waiting(live, 1, "林晓峰", approved=date(2026, 10, 1))
    waiting(live, 2, "王𠈌", approved=date(2026, 11, 1))
    housing = live.runtimes["housing"]
    with housing.db.transaction() as session:
        draw = draws.draw_freeze(
            session=session,
            city_code="350100",
            title="2026年第1批配租摇号",
            actor="guanli.350100",
            cipher=housing.cipher,
            on=today_shanghai(),
        )
        draw_id, digest = draw.id, draw.list_sm3
    platform = live.settings.base_url("platform")
    listed = httpx.get(f"{platform}/lotteries?city=350100")
    assert "2026年第1批配租摇号" in listed.text and "名单已冻结，待公布种子" in listed.text
    page = httpx.get(f"{platform}/lotteries/350100/{draw_id}")
    assert digest in page.text and "尚未公布" in page.text and 'id="lottery-result"' not in page.text
    download = httpx.get(f"{platform}/lotteries/350100/{draw_id}/list.txt")
    assert download.status_code == 200 and sm3_hex(download.content) == digest
    with housing.db.transaction() as session:
        draw = session.get(draws.LotteryDraw, draw_id)
        draws.draw_seed(
            session=session,
            draw=draw,
            seed="418305",
            source="公证员现场抽取",
            actor="guanli.350100",
            cipher=housing.cipher,
        )
        draws.draw_run(session=session, draw=draw, actor="guanli.350100")
    drawn = httpx.get(f"{platform}/lotteries/350100/{draw_id}")
    result = drawn.text.split('id="lottery-result"')[1].split("</table>")[0]
    assert (
        result.count("<tr>") == 3 and "林**" in result and "林晓峰" not in drawn.text
    )  # header + 2 households
    assert httpx.get(f"{platform}/lotteries/350100/999").status_code == 404
    assert "还没有摇号" in httpx.get(f"{platform}/lotteries?city=350200").text


def test_the_applicant_sees_the_flat_offered_and_accepts_it_once(live: Systems) -> None:
    from tests.housing.allocation.test_stock_and_offers import offer, stocked, unit_id

    stocked(live)
    platform = live.settings.base_url("platform")
    with httpx.Client(timeout=15) as browser:
        number = submitted_and_delivered(live, browser, platform)
        housing, flat = live.runtimes["housing"], unit_id(live, "101")
        with housing.db.transaction() as session:  # test set-up: approved and waiting, then a flat offered
            case = session.scalars(select(Case).where(Case.case_no == number)).one()
            case.status, case.waitlist_no, case.household_size = "waitlisted", 1, 1
            case.decided_at = datetime(2026, 11, 30, 2, tzinfo=UTC)
        offer(live, number, flat, date(2026, 12, 7))
        housing.outbox_worker().run_once(now=utcnow() + timedelta(hours=1))  # the bus tells the platform
        page = browser.get(f"{platform}/applications/{number}")
        assert 'id="current-status">待确认配租<' in page.text
        panel = page.text.split('id="offer"')[1].split("</form>")[0]
        assert "福州市鼓楼区示例小区 3栋 101" in panel and "481.25 元" in panel and "逾期视为放弃" in panel
        from tests.support.journey import csrf_of

        nothing = browser.post(
            f"{platform}/applications/{number}/offer", data={"csrf_token": csrf_of(page.text)}
        )
        assert nothing.status_code == 400 and "请选择“接受”或“放弃”" in nothing.text
        accepted = browser.post(
            f"{platform}/applications/{number}/offer",
            data={"csrf_token": csrf_of(page.text), "answer": "accept"},
            follow_redirects=True,
        )
        assert 'id="offer-accepted"' in accepted.text and 'id="current-status">已配租<' in accepted.text
        assert 'id="offer"' not in accepted.text
        tenancy = accepted.text.split('id="tenancy"')[1].split("</div>")[0]
        assert "福州市鼓楼区示例小区 3栋 101" in tenancy and "<td>481.25 元</td>" in tenancy
        assert 'id="tenancy-payable"' in tenancy and "将重新核查家庭情况" in tenancy

        with housing.db.transaction() as session:  # housing's administrator ends the tenancy (退出)
            case = session.scalars(select(Case).where(Case.case_no == number)).one()
            exits.exit_notice(
                session=session,
                case=case,
                reason_code="moved_out",
                details="全家已迁往外省居住",
                actor="guanli.350100",
                outbox=housing.tables.outbox,
                audit=housing.audit,
                today=today_shanghai(),
            )
            vacate_by = case.due_on
        housing.outbox_worker().run_once(now=utcnow() + timedelta(hours=1))
        told = browser.get(f"{platform}/applications/{number}").text
        assert 'id="current-status">退出中<' in told and "全家已迁往外省居住" in told
        assert f"请于 {vacate_by} 前腾退</strong>（已搬离不再居住" in told.split('id="tenancy-exit"')[1]
