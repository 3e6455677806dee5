"""One case from submission to 办结 over real HTTP, every role in its turn, with the bus to the platform
failing, losing answers and delivering twice: the applicant's timeline matches housing's history one for one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from anju.core.timeutil import utcnow
from anju.embedded import migrate_all
from anju.housing.models import Case, CaseEvent
from anju.platform.models import Application, ApplicationEvent
from tests.conftest import Systems, build_systems
from tests.support import env
from tests.support.flaky import FlakyProxy
from tests.support.journey import applicant_sign_in, application_fill_and_submit, csrf_of, staff_sign_in


@pytest.fixture
def bus_through_flaky_network(tmp_path: Path, keys_dir: Path) -> Iterator[tuple[Systems, FlakyProxy, str]]:
    """Housing → flaky proxy → platform; people reach the platform directly."""
    if env.BACKEND == "postgres":
        env.reset_postgres()
    ports = env.Ports(platform=env.free_port(), housing=env.free_port(), sandbox=env.free_port())
    proxy_port = env.free_port()
    urls = ports.urls()
    real_platform = urls["platform_url"]
    s = env.make_settings(tmp_path, keys_dir, **urls)
    migrate_all(s)
    built = build_systems(s)
    proxy = FlakyProxy(real_platform)
    built.runtimes["housing"].client.base_urls["platform"] = f"http://127.0.0.1:{proxy_port}"
    with env.live_systems(s, built.apps, ports):
        server = env.LiveServer(proxy, proxy_port).start()
        try:
            yield built, proxy, real_platform
        finally:
            server.stop()
    for runtime in built.runtimes.values():
        runtime.stop()


def drain(systems: Systems, name: str, rounds: int = 6) -> None:
    worker = systems.runtimes[name].outbox_worker()
    for n in range(rounds):
        worker.run_once(now=utcnow() + timedelta(hours=n + 1))  # every retry is due


def act(clerk: httpx.Client, housing: str, number: str, event: str, reason: str = "") -> httpx.Response:
    page = clerk.get(f"{housing}/staff/cases/{number}")
    assert f'value="{event}"' in page.text, f"{event} not offered"
    response = clerk.post(
        f"{housing}/staff/cases/{number}/events",
        data={"csrf_token": csrf_of(page.text), "event": event, "reason": reason, "confirm": "yes"},
        follow_redirects=True,
    )
    assert response.status_code == 200, response.text[-400:]
    return response


def test_a_case_from_submission_to_closed_with_an_unreliable_bus(bus_through_flaky_network) -> None:  # type: ignore[no-untyped-def]
    systems, proxy, platform = bus_through_flaky_network
    housing = systems.settings.base_url("housing")
    with httpx.Client(timeout=10) as applicant:
        form = applicant_sign_in(applicant, platform, id_number="350104199011200641")
        done = application_fill_and_submit(applicant, platform, form.text)
        number = re.search(r'id="application-no">([^<]+)<', done.text).group(1).strip()  # type: ignore[union-attr]
    drain(systems, "platform")

    def as_staff(username: str) -> httpx.Client:
        client = httpx.Client(timeout=10)
        staff_sign_in(client, housing, username=username)
        return client

    street, district, approver, admin = (
        as_staff(u) for u in ("shouli.350100", "shenhe.350100", "shenpi.350100", "guanli.350100")
    )
    act(street, housing, number, "accept")
    proxy.then(
        "unavailable", "lose_answer"
    )  # the first status fails; the second arrives but its answer is lost
    drain(systems, "housing")
    act(street, housing, number, "first_review_pass")
    act(district, housing, number, "review_pass")
    drain(systems, "housing")

    # 公示: on the platform's public page, masked; a resident objects, the district rechecks.
    notice = httpx.get(f"{platform}/public-notices?city=350100")
    assert number in notice.text and "欧**" in notice.text and "350104199011200641" not in notice.text
    with httpx.Client(timeout=10) as resident:
        applicant_sign_in(resident, platform, id_number="350102199203150519")
        objection_url = f"{platform}/public-notices/350100/{number}/objection"
        page = resident.get(objection_url)
        sent = resident.post(
            objection_url, data={"csrf_token": csrf_of(page.text), "text": "申请人名下在仓山区另有一套住房。"}
        )
        assert sent.status_code == 200 and "异议已提交" in sent.text
    refused = approver.get(f"{housing}/staff/cases/{number}")
    assert 'value="approve"' not in refused.text  # not while the objection stands
    act(
        district, housing, number, "recheck_dismissed", "经不动产登记查询，该住房已于2019年转让，异议不成立。"
    )

    with systems.runtimes["housing"].db.transaction() as session:  # the notice period passes
        session.scalars(select(Case).where(Case.case_no == number)).one().notice_ends_on = (
            date.today() - timedelta(days=1)
        )
    approved = act(approver, housing, number, "approve")
    assert "轮候中" in approved.text and 'id="waitlist-no">第 1 号' in approved.text
    act(admin, housing, number, "allocate")
    proxy.then("ok", "lose_answer", "unavailable", "lose_answer")
    act(admin, housing, number, "close")
    drain(systems, "housing", rounds=10)
    assert "unavailable" in proxy.seen and "lose_answer" in proxy.seen

    with systems.runtimes["housing"].db.transaction() as session:
        case = session.scalars(select(Case).where(Case.case_no == number)).one()
        housing_events = [
            (e.seq, e.to_status)
            for e in session.scalars(
                select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
            )
        ]
    with systems.runtimes["platform"].db.transaction() as session:
        app = session.scalars(select(Application).where(Application.application_no == number)).one()
        told = [
            (e.seq, e.status)
            for e in session.scalars(
                select(ApplicationEvent)
                .where(ApplicationEvent.application_id == app.id, ApplicationEvent.source == "housing")
                .order_by(ApplicationEvent.seq)
            )
        ]
        assert app.status == "closed"
    assert told == housing_events
    assert [s for _, s in told] == [
        "submitted",  # received, with the acceptance deadline
        "accepted",
        "first_review",
        "review",
        "public_notice",
        "rechecking",
        "public_notice",
        "approved",
        "waitlisted",
        "allocated",
        "closed",
    ]
    with httpx.Client(timeout=10) as applicant:
        applicant_sign_in(applicant, platform, id_number="350104199011200641")
        page = applicant.get(f"{platform}/applications/{number}")
    assert 'id="current-status">已办结<' in page.text and "轮候编号：福州市住房保障部门第 1 号" in page.text
    for client in (street, district, approver, admin):
        client.close()
