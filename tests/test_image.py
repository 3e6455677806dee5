"""The container image (issue 23): built from Debian's packages with no image registry (deploy/image/build),
it runs as an unprivileged user, needs no network at run time, and carries every asset and font; served with
host networking, a resident's first page and a clerk's sign-in page answer. Needs a Docker engine: `make
engine` installs Debian's docker.io and starts it, and the PostgreSQL pass of `make test` runs this."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import env

pytestmark = pytest.mark.image

ROOT = Path(__file__).resolve().parents[1]
IMAGE = "anju:test"


def docker(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"docker {' '.join(args)}: {done.stderr[-2000:]}"
    return done


@pytest.fixture(scope="module")
def image() -> str:
    built = subprocess.run(
        [str(ROOT / "deploy" / "image" / "build"), IMAGE], capture_output=True, text=True, timeout=1800
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return IMAGE


@pytest.fixture
def container(image: str) -> Iterator[str]:
    name = f"anju-test-{os.getpid()}-{time.monotonic_ns()}"
    yield name
    subprocess.run(["docker", "rm", "-f", name], capture_output=True, timeout=60)


def test_the_image_runs_as_an_unprivileged_user_and_holds_no_tools_or_secrets(image: str) -> None:
    config = json.loads(docker("image", "inspect", image).stdout)[0]["Config"]
    assert config["User"] == "10001:10001"
    assert config["Entrypoint"] == ["anju"] and config["Cmd"][0] == "serve"
    looked = docker(
        "run", "--rm", "--network", "none", "--entrypoint", "sh", image, "-c",
        "id -u; ls /opt/anju; ls -A /var/lib/anju | wc -l; "
        "for t in gcc cc make git curl wget apt-get; do command -v $t; done; echo end",
    ).stdout.split()  # fmt: skip
    assert looked[0] == "10001"  # not root
    assert looked[1:3] == ["migrations", "venv"]  # the environment and the histories, no source tree
    assert looked[3] == "0"  # no keys or database baked in: each deployment makes or mounts its own
    assert looked[4:] == ["/usr/bin/apt-get", "end"]  # Debian's base keeps apt; no compiler, no fetcher


def test_with_no_network_every_system_answers_and_documents_have_their_fonts(container: str) -> None:
    docker("run", "-d", "--name", container, "--network", "none", IMAGE)
    script = (
        "import urllib.request, datetime\n"
        "def get(p):\n"
        "    with urllib.request.urlopen('http://127.0.0.1:8000' + p, timeout=10) as r:\n"
        "        return r.status, r.read()\n"
        "for p in ('/platform/readyz', '/housing/readyz', '/sandbox/readyz', '/platform/',\n"
        "          '/housing/staff/login', '/platform/static/anju.css', '/platform/static/fonts/hanaminb.css'):\n"
        "    status, body = get(p)\n"
        "    print(p, status, len(body))\n"
        "from anju.core.pdf import ChineseDocument\n"
        "doc = ChineseDocument(title='t', author='a', created=datetime.datetime.now(datetime.UTC))\n"
        "doc.line('申请人：王𠈌，申请公租房。')\n"
        "pdf = doc.finish()\n"
        "print('pdf', pdf[:5].decode(), pdf.count(b'/FontFile2'), sorted(doc.unrenderable))\n"
    )
    for _ in range(90):  # migrations and first keys take a few seconds
        probe = subprocess.run(
            ["docker", "exec", container, "python3", "-c", script], capture_output=True, text=True, timeout=60
        )
        if probe.returncode == 0:
            break
        time.sleep(1)
    assert probe.returncode == 0, probe.stderr[-2000:] + docker("logs", container).stderr[-2000:]
    lines = dict(line.split(" ", 1) for line in probe.stdout.splitlines())
    for path in (
        "/platform/readyz",
        "/housing/readyz",
        "/sandbox/readyz",
        "/platform/",
        "/housing/staff/login",
    ):
        assert lines[path].startswith("200 "), (path, lines[path])
    assert lines["/platform/static/anju.css"].startswith("200 ")
    assert lines["/platform/static/fonts/hanaminb.css"].startswith("200 ")  # rare characters on screen
    status, fonts, unrenderable = lines["pdf"].split(" ", 2)
    assert status == "%PDF-" and int(fonts) >= 1 and unrenderable == "[]"  # 𠈌 drawn, from inside the image


def test_with_host_networking_a_resident_and_a_clerk_reach_their_pages(container: str) -> None:
    port = env.free_port()
    docker(
        "run", "-d", "--name", container, "--network", "host", IMAGE,
        "serve", "--host", "127.0.0.1", "--port", str(port),
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(90):
        try:
            if httpx.get(f"{base}/platform/readyz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(1)
    home = httpx.get(f"{base}/platform/", timeout=10)
    assert home.status_code == 200 and "<h1>申请公租房" in home.text
    stylesheet = re.search(r'href="(/platform/static/[^"]+\.css)"', home.text)
    assert stylesheet and httpx.get(base + stylesheet.group(1), timeout=10).status_code == 200
    login = httpx.get(f"{base}/housing/staff/login", timeout=10)
    assert login.status_code == 200 and "登录" in login.text
