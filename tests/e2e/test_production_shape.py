"""The production shape (issue 18, decision 0033), as `anju deploy local --isolated` starts it: platform and
housing each in two replicas behind HAProxy, outbox workers in their own processes, every system in its own
network namespace on its own PostgreSQL database, reached only at its proxy address. A whole application
goes through with its requests landing on both replicas in turn — sign-in, session, CSRF, rate limits and
backfill all hold — and comes back accepted; a replica killed outright costs the applicant nothing and is
started again; housing cut off from everything for a while loses nothing and delivers once.

Runs in the PostgreSQL pass (marker ``production_shape``) as root, as CI does: it needs a PostgreSQL
server, HAProxy and network namespaces."""

from __future__ import annotations

import collections
import re
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import create_engine, text

from anju.deploy import Deployment, Shape, databases_ensure, free_base_port, netns_cut
from tests.support.env import POSTGRES_URL
from tests.support.journey import applicant_sign_in, application_fill_and_submit, csrf_of, staff_sign_in

pytestmark = pytest.mark.production_shape


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    assert POSTGRES_URL, (
        "the production shape runs on PostgreSQL: set ANJU_TEST_POSTGRES_URL "
        "(postgresql+psycopg://postgres@127.0.0.1:5432/anju_test), as `make test`'s PostgreSQL pass does"
    )
    server = POSTGRES_URL.rsplit("/", 1)[0]  # the server, without the test database's name
    shape = Shape(
        run_dir=tmp_path_factory.mktemp("deploy"),
        postgres=server,
        base_port=free_base_port(),
        database_prefix="anju_shape",
        isolated=True,
    )
    databases_ensure(shape, fresh=True)
    started = Deployment(shape)
    try:
        started.start()
        yield started
    finally:
        started.stop()


class Served:
    """Which replica answered each response (HAProxy's X-Anju-Replica)."""

    def __init__(self) -> None:
        self.by = collections.Counter[str]()
        self.errors: list[str] = []

    def __call__(self, response: httpx.Response) -> None:
        self.by[response.headers.get("x-anju-replica", "?")] += 1
        if response.status_code >= 500:
            self.errors.append(f"{response.status_code} {response.request.url}")


def test_an_application_goes_through_both_replicas_and_comes_back_accepted(deployment: Deployment) -> None:
    platform, housing = deployment.shape.url("platform"), deployment.shape.url("housing")
    served = Served()
    hooks = {"response": [served]}
    with (
        httpx.Client(timeout=30, event_hooks=hooks) as browser,
        httpx.Client(timeout=30, event_hooks=hooks) as clerk,
    ):
        form = applicant_sign_in(browser, platform, id_number="350104199011200641")
        done = application_fill_and_submit(browser, platform, form.text)
        number = re.search(r'id="application-no">([^<]+)<', done.text).group(1).strip()  # type: ignore[union-attr]
        assert (
            served.by["platform-1"] >= 5 and served.by["platform-2"] >= 5
        )  # every other request, each replica
        staff_sign_in(clerk, housing, username="shouli.350100")
        case = wait_for(lambda: clerk.get(f"{housing}/staff/cases/{number}"), lambda r: r.status_code == 200)
        clerk.post(
            f"{housing}/staff/cases/{number}/events",
            data={"csrf_token": csrf_of(case.text), "event": "accept", "confirm": "yes"},
        )
        page = wait_for(
            lambda: browser.get(f"{platform}/applications/{number}"), lambda r: "已受理" in r.text
        )
        assert "已受理" in page.text  # housing's receipt came back through a worker process
    assert served.by["housing-1"] >= 1 and served.by["housing-2"] >= 1
    assert served.errors == []


def test_a_replica_killed_outright_costs_nothing_and_is_started_again(deployment: Deployment) -> None:
    platform = deployment.shape.url("platform")
    served = Served()
    with httpx.Client(timeout=30, event_hooks={"response": [served]}) as browser:
        deployment.kill("platform-1")
        answers = [browser.get(f"{platform}/guide").status_code for _ in range(20)]
    assert answers == [200] * 20 and served.errors == []
    wait_for(lambda: deployment.restarts, lambda restarts: "platform-1" in restarts, seconds=30)
    port = deployment.shape.replica_ports("platform")[0]
    host = deployment.shape.host_of("platform")
    ready = wait_for(lambda: _ready(host, port), lambda ok: ok, seconds=60)
    assert ready


def test_housing_cut_off_for_a_while_loses_nothing_and_delivers_once(deployment: Deployment) -> None:
    platform, housing = deployment.shape.url("platform"), deployment.shape.url("housing")
    netns_cut(deployment.shape, "housing", cut=True)
    try:
        gone = wait_for(lambda: _status(f"{housing}/readyz"), lambda code: code == 503, seconds=15)
        assert gone == 503  # the proxy has taken housing's replicas out: a clear refusal, not a hang
        with httpx.Client(timeout=30) as browser:
            form = applicant_sign_in(browser, platform, id_number="350104199011200641")
            done = application_fill_and_submit(browser, platform, form.text)
        number = re.search(r'id="application-no">([^<]+)<', done.text).group(1).strip()  # type: ignore[union-attr]
        time.sleep(5)  # the workers keep trying while housing is away
        assert _cases(deployment, number) == 0
    finally:
        netns_cut(deployment.shape, "housing", cut=False)
    assert wait_for(lambda: _cases(deployment, number), lambda n: n > 0, seconds=120) == 1
    time.sleep(3)
    assert _cases(deployment, number) == 1  # once, however often it was tried


def _status(url: str) -> int:
    try:
        return httpx.get(url, timeout=3).status_code
    except httpx.HTTPError:
        return 0


def _cases(deployment: Deployment, number: str) -> int:
    engine = create_engine(f"{deployment.shape.postgres}/{deployment.shape.database_prefix}_housing")
    try:
        with engine.connect() as connection:
            found = connection.scalar(
                text("SELECT count(*) FROM case_file WHERE case_no = :n"), {"n": number}
            )
    finally:
        engine.dispose()
    return int(found or 0)


def _ready(host: str, port: int) -> bool:
    try:
        return httpx.get(f"http://{host}:{port}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def wait_for(fetch, done, seconds: float = 60):  # type: ignore[no-untyped-def]
    """``fetch()`` until ``done`` holds for its result, or the last result after ``seconds``."""
    deadline = time.monotonic() + seconds
    result = fetch()
    while not done(result) and time.monotonic() < deadline:
        time.sleep(0.5)
        result = fetch()
    return result
