"""The one-port server exactly as `make run` starts it (`anju seed`, then `anju serve`), crawled like a
newcomer would use it: every page and asset reachable from each system's home page, signed out, signed in
as a resident along a whole application, and signed in as a clerk, answers without 404 or 5xx, and every
stylesheet and script loads. The other tests serve each system on its own port, where a prefix that is
doubled or missing under the shared port goes unnoticed."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import httpx
import pytest

from tests.support.env import free_port, wait_until
from tests.support.journey import applicant_sign_in, application_fill_and_submit, csrf_of, staff_sign_in

ANJU = Path(sys.executable).with_name("anju")
CRAWL_LIMIT = 400  # pages and assets per crawl: the site has fewer; a runaway link would stop here


class Links(HTMLParser):
    """The URLs a page links to or loads: anchors, stylesheets, scripts, images, GET forms."""

    def __init__(self) -> None:
        super().__init__()
        self.pages: list[str] = []
        self.assets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.pages.append(a["href"])
        elif tag == "link" and a.get("rel") == "stylesheet":
            self.assets.append(a["href"])
        elif tag in ("script", "img") and a.get("src"):
            self.assets.append(a["src"])
        elif tag == "form" and a.get("method", "get").lower() == "get" and a.get("action"):
            self.pages.append(a["action"])


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The server's var directory (its SQLite databases and keys)."""
    return tmp_path_factory.mktemp("var")


@pytest.fixture(scope="module")
def make_run(var_dir: Path) -> Iterator[str]:
    """`anju seed` then `anju serve` on a free port, with a fresh var directory; yields the site's URL."""
    var = var_dir
    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ANJU_")}, "ANJU_VAR_DIR": str(var)}
    seed = subprocess.run([ANJU, "seed"], env=env, capture_output=True, text=True, timeout=300, check=False)
    assert seed.returncode == 0, seed.stderr
    assert "Warning" not in seed.stderr + seed.stdout, "`make run` must print only what a user can act on"
    log = (var / "serve.log").open("w+")
    server = subprocess.Popen(
        [ANJU, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    site = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _answers(f"{site}/platform/healthz"), timeout=60, interval=0.2)
        log.seek(0)
        started = log.read()
        assert "Warning" not in started, started
        assert "Context impl" not in started, started
        yield site
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def crawl(client: httpx.Client, site: str, *starts: str) -> dict[str, int]:
    """GET every same-site URL reachable from ``starts``; returns each URL's final status. Stylesheets and
    scripts must come back as CSS and JavaScript."""
    seen: dict[str, int] = {}
    queue = [urljoin(site, s) for s in starts]
    while queue and len(seen) < CRAWL_LIMIT:
        url = queue.pop(0)
        if url in seen:
            continue
        response = client.get(url, follow_redirects=True)
        seen[url] = response.status_code
        path = urlsplit(url).path
        if path.endswith(".css"):
            assert response.headers["content-type"].startswith("text/css"), url
        if path.endswith(".js"):
            assert "javascript" in response.headers["content-type"], url
        if not response.headers.get("content-type", "").startswith("text/html"):
            continue
        links = Links()
        links.feed(response.text)
        for href in links.pages + links.assets:
            target, _ = urldefrag(urljoin(str(response.url), href))
            if target.startswith(site) and target not in seen:
                queue.append(target)
    return seen


def broken(seen: dict[str, int]) -> dict[str, int]:
    return {url: status for url, status in seen.items() if status == 404 or status >= 500}


def test_every_link_and_asset_works_on_the_one_port_server(make_run: str) -> None:
    site = make_run
    platform, housing = f"{site}/platform", f"{site}/housing"
    with httpx.Client(timeout=20) as visitor:
        seen = crawl(visitor, site, "/", "/platform/", "/housing/", "/sandbox/", "/platform/kiosk")
        assert f"{site}/platform/static/anju.css" in seen
        assert f"{site}/housing/static/anju.css" in seen
        assert broken(seen) == {}
        assert len(seen) > 20

    with httpx.Client(timeout=20) as resident:
        form = applicant_sign_in(resident, platform, id_number="350102199203150519")
        assert form.status_code == 200
        seen = crawl(resident, site, str(form.url), "/platform/")
        assert broken(seen) == {}
        done = application_fill_and_submit(resident, platform, form.text)
        assert "申请已提交" in done.text, done.text[-2000:]
        seen = crawl(resident, site, str(done.url))
        assert any("/receipt.pdf" in url for url in seen)
        assert broken(seen) == {}

    with httpx.Client(timeout=20) as clerk:
        queue = staff_sign_in(clerk, housing, username="shouli.350100")
        assert "工作台" in queue.text or queue.status_code == 200
        seen = crawl(clerk, site, str(queue.url))
        assert broken(seen) == {}
        assert any("/staff/cases/" in url for url in seen)


def test_a_client_cannot_choose_the_address_its_limits_count_against(make_run: str) -> None:
    """uvicorn believes X-Forwarded-For from loopback unless told otherwise: 20 anonymous progress queries
    an hour per address must stay 20 whatever address a request claims to come from."""
    with httpx.Client(timeout=20) as visitor:
        page = visitor.get(f"{make_run}/platform/progress")
        token = csrf_of(page.text)
        answers = [
            visitor.post(
                f"{make_run}/platform/progress/code",
                data={
                    "csrf_token": token,
                    "application_no": f"GZF-350100-20261201-{i:06d}",
                    "id_number": "350102199203150519",
                },
                headers={"X-Forwarded-For": f"10.9.9.{i}"},
            ).status_code
            for i in range(1, 23)
        ]
    assert answers[:20] == [200] * 20
    assert answers[20:] == [429, 429]


def test_after_a_whole_application_no_database_holds_a_plain_id_or_phone_number(
    make_run: str, var_dir: Path
) -> None:
    """ID and phone numbers are encrypted at rest, and a delivered message keeps no copy (issue 20). The
    sandbox's database is the other organisations' registers and is not ours to scan."""
    with httpx.Client(timeout=20) as resident:
        form = applicant_sign_in(resident, f"{make_run}/platform", id_number="350102199203150519")
        done = application_fill_and_submit(resident, f"{make_run}/platform", form.text)
        assert "申请已提交" in done.text
        number = done.text.split('id="application-no">')[1].split("<")[0]

        def received() -> bool:  # the case reached housing and housing's receipt came back
            return "已接收，待受理" in resident.get(f"{make_run}/platform/applications/{number}").text

        wait_until(received, timeout=30, interval=0.3)
    wait_until(lambda: not _undelivered(var_dir), timeout=30, interval=0.3)
    secrets_ = [b"350102199203150519", b"13805910001"]
    found = {
        path.name: [s.decode() for s in secrets_ if s in path.read_bytes()]
        for path in var_dir.iterdir()
        if path.is_file() and path.name.split(".")[0] in ("platform", "housing")
    }
    assert {name: hits for name, hits in found.items() if hits} == {}
    assert any(name.startswith("platform.db") for name in found)


def _undelivered(var: Path) -> int:
    import sqlite3

    count = 0
    for system in ("platform", "housing"):
        with sqlite3.connect(var / f"{system}.db") as db:
            count += db.execute("SELECT count(*) FROM outbox_message WHERE status != 'delivered'").fetchone()[
                0
            ]
    return int(count)
