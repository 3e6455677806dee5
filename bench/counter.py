"""The counter channel, measured: the typical 3-person household at a window, every register answering,
driven end to end over HTTP as a clerk (issue 16).

A clerk signs in, the window's devices are enabled, 林晓峰's ID card is read and his face checked by the
window camera; the clerk then works the web's own pages in the counter frame — his consents confirmed in
person before the clerk, the registers queried, the household chosen, the form answered, checked and
signed on the window's signature pad — while his wife 欧阳娜娜, who came along, authorises in person with her own
card on the window's reader (an adult co-applicant consents herself, before the clerk).
The figures are the ones the platform recorded on the application.

Usage: PYTHONPATH=. python bench/counter.py
Targets: 0 proofs collected on paper when the registers answer; 1 application submitted. Prints a table,
then `metric: value` lines.
"""

from __future__ import annotations

import json
import tempfile
import time
import warnings
from pathlib import Path

import httpx
from bench.burden import EVERY_SOURCE, household_authorised, queried_answered_and_submitted, wife_works
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from anju.platform.models import Application, ProofUpload
from tests.support.env import serving_stack
from tests.support.factories import HUSBAND, WIFE, seed_family
from tests.support.journey import (
    csrf_of,
    kiosk_card_place,
    kiosk_card_read,
    kiosk_terminal_start,
    member_authorises_at_window,
)

CLERK = "chuangkou.350100"
IN_PERSON = {"witnessed": "yes"}  # the clerk's confirmation that the applicant agreed before them


def window_serves_husband(window: httpx.Client, platform: str, sandbox: str) -> None:
    """Sign the clerk in, enable the window's devices, identify 林晓峰 by card and face."""
    login = window.get(f"{platform}/counter/login")
    window.post(
        f"{platform}/counter/login",
        data={"csrf_token": csrf_of(login.text), "username": CLERK, "password": "anju-staff-demo"},
    )
    kiosk_terminal_start(window, sandbox, "window")
    kiosk_card_place(sandbox, HUSBAND, kind="window")
    home = window.get(f"{platform}/counter/")
    photo = httpx.post(f"{sandbox}/devices/window/local/camera/capture").content
    reading = kiosk_card_read(window, platform, sandbox, "window")
    served = window.post(
        f"{platform}/counter/walk-in",
        data={
            "csrf_token": csrf_of(home.text),
            "card": json.dumps(reading),
            "method": "face",
            "agree": "yes",
        },
        files={"photo": ("camera.jpg", photo, "image/jpeg")},
        follow_redirects=True,
    )
    assert "正在办理" in served.text, served.text[-600:]


def main() -> None:
    warnings.filterwarnings("ignore", message=".*httpx module is deprecated.*")
    with tempfile.TemporaryDirectory() as tmp, serving_stack(Path(tmp)) as (settings, runtimes, _servers):
        platform, sandbox = settings.base_url("platform"), settings.base_url("sandbox")
        seed_family(runtimes["sandbox"])
        wife_works(runtimes["sandbox"])
        started = time.perf_counter()
        with httpx.Client(timeout=15) as window:
            window_serves_husband(window, platform, sandbox)
            household_authorised(window, platform, **IN_PERSON)
            member_authorises_at_window(window, platform, sandbox, id_number=WIFE, sources=EVERY_SOURCE)
            queried_answered_and_submitted(window, platform)
        elapsed = time.perf_counter() - started
        p = runtimes["platform"]
        with p.db.transaction() as session:
            application = session.scalars(
                select(Application).where(Application.application_no.is_not(None))
            ).one()
            paper = session.scalar(
                select(func.count())
                .select_from(ProofUpload)
                .where(
                    ProofUpload.application_id == application.id,
                    ProofUpload.on_paper.is_(True),
                    ProofUpload.purpose != "signature",  # the pad's signature is no proof
                )
            )
            figures = (
                application.channel,
                application.page_views,
                application.typed_fields,
                application.backfilled_fields,
                int(paper or 0),
            )
    channel, views, typed, backfilled, paper_n = figures
    table = Table(title="The counter: 3-person household at a window, every register answering")
    for column in (
        "channel",
        "form page views",
        "typed by the clerk",
        "backfilled",
        "paper proofs",
        "seconds",
    ):
        table.add_column(column)
    table.add_row(channel, str(views), str(typed), str(backfilled), str(paper_n), f"{elapsed:.1f}")
    Console().print(table)
    print(f"counter_page_views: {views}")
    print(f"counter_clerk_typed_fields: {typed}")
    print(f"counter_paper_proofs: {paper_n}")
    print(f"counter_submitted: {1 if channel == 'counter' else 0}")
    print(f"counter_seconds_over_http: {elapsed:.1f}")


if __name__ == "__main__":
    main()
