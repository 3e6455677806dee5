"""The applicant's burden, measured: a 3-person household with every register answering, over HTTP.

Walks the real pages (OIDC sign-in, consents by each adult, backfill, household, the seven form pages,
check answers, submit) for 林晓峰, his wife 欧阳娜娜 (who signs in to consent herself) and their child, then
reads the figures the platform recorded on the application.

Usage: PYTHONPATH=. python bench/burden.py
Targets: ≤ 10 typed fields and no upload (issue "unified form"); ≤ 6 typed and ≥ 85 % backfilled, suggestions
the applicant kept counted as backfilled (issue 24). Prints a table, then `metric: value` lines.
"""

from __future__ import annotations

import re
import tempfile
import warnings
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from anju.platform.catalog.answers import answers_current
from anju.platform.models import Application
from tests.support.env import serving_stack
from tests.support.factories import CHILD, HUSBAND, WIFE, seed_family
from tests.support.journey import (
    _absolute,
    applicant_sign_in,
    application_fill_and_submit,
    csrf_of,
    open_draft_form,
)

EVERY_SOURCE = [
    "hukou",
    "residence_permit",
    "marriage",
    "education",
    "social_insurance",
    "property",
    "vehicle",
    "elicence",
    "assistance",
]


def link(page: httpx.Response, pattern: str, base: str) -> str:
    match = re.search(pattern, page.text)
    assert match, pattern
    return _absolute(base, match.group(1))


def wife_works(sandbox: Any) -> None:
    """The typical household applying as 中等偏下收入: both adults earn (the wife's contributions too), and
    the home she sold was sold more than five years ago (in the tests' family it was 2024, which rules out
    every group, so the pre-check would have no group to suggest)."""
    from anju.sandbox.population.models import InsuranceSpan, Person, PropertyRecord

    with sandbox.db.transaction() as session:
        wife = session.scalars(select(Person).where(Person.id_number == WIFE)).one()
        for home in session.scalars(select(PropertyRecord).where(PropertyRecord.person_id == wife.id)):
            home.disposed_on = date(2020, 9, 1)
        session.add(
            InsuranceSpan(
                person_id=wife.id,
                city_code="350100",
                employer="福州鼓楼区社区卫生服务中心",
                base_fen=420000,
                first_month=date(2023, 3, 1),
                last_month=date(2026, 12, 1),
            )
        )


def household_authorised(client: httpx.Client, platform: str, **extra: str) -> None:
    """The husband's part, signed in on ``client``: his own consents, the registers queried, his wife
    and child added to the household, the child's consents (``extra``: more consent form fields, as a
    window's in-person confirmation)."""
    tasks = client.get(f"{platform}/applications/new", follow_redirects=True)
    if ">开始申请</button>" in tasks.text:
        tasks = client.post(
            f"{platform}/drafts", data={"csrf_token": csrf_of(tasks.text)}, follow_redirects=True
        )
    own = link(tasks, r'href="([^"]*/members/\d+/consent)"', platform)
    page = client.get(own)
    tasks = client.post(
        own, data={"csrf_token": csrf_of(page.text), "source": EVERY_SOURCE, **extra}, follow_redirects=True
    )
    client.post(
        link(tasks, r'action="([^"]*/drafts/\d+/backfill)"', platform),
        data={"csrf_token": csrf_of(tasks.text)},
    )
    household = link(tasks, r'href="([^"]*/drafts/\d+/household)"', platform)
    page = client.get(household)
    tasks = client.post(
        household, data={"csrf_token": csrf_of(page.text), "member": [WIFE, CHILD]}, follow_redirects=True
    )
    child = re.findall(r'href="([^"]*/members/\d+/consent)"', tasks.text)[-1]
    page = client.get(_absolute(platform, child))
    client.post(
        _absolute(platform, child), data={"csrf_token": csrf_of(page.text), "source": EVERY_SOURCE, **extra}
    )


def wife_authorises(platform: str) -> None:
    """欧阳娜娜 signs in on her own phone and authorises her registers (an adult consents herself)."""
    with httpx.Client(timeout=15) as wife:
        applicant_sign_in(wife, platform, id_number=WIFE)
        invitation = wife.get(f"{platform}/memberships")
        mine = link(invitation, r'href="([^"]*/members/\d+/consent)"', platform)
        page = wife.get(mine)
        wife.post(mine, data={"csrf_token": csrf_of(page.text), "source": EVERY_SOURCE})


def queried_answered_and_submitted(client: httpx.Client, platform: str) -> None:
    """The registers queried again (her answers now too), the form answered and the application submitted:
    only what no register holds is typed; every suggestion on the pages (the address from the hukou book,
    each earner's contribution base as the income, the group the pre-check found fitting) is read and kept,
    as a household whose registers are right would."""
    tasks = client.get(f"{platform}/applications/new", follow_redirects=True)
    client.post(
        link(tasks, r'action="([^"]*/drafts/\d+/backfill)"', platform),
        data={"csrf_token": csrf_of(tasks.text)},
    )
    form = open_draft_form(client, platform, tasks)
    done = application_fill_and_submit(
        client, platform, form.text, skip_optional=True, deposits="20000", securities="0", tenure="renting"
    )
    assert "申请已提交" in done.text, done.text[:400]


def main() -> None:
    warnings.filterwarnings("ignore", message=".*httpx module is deprecated.*")
    with tempfile.TemporaryDirectory() as tmp, serving_stack(Path(tmp)) as (settings, runtimes, _servers):
        platform = settings.base_url("platform")
        seed_family(runtimes["sandbox"])
        wife_works(runtimes["sandbox"])
        with httpx.Client(timeout=15) as husband:
            applicant_sign_in(husband, platform, id_number=HUSBAND)
            household_authorised(husband, platform)
        wife_authorises(platform)
        with httpx.Client(timeout=15) as husband:
            applicant_sign_in(husband, platform, id_number=HUSBAND)
            queried_answered_and_submitted(husband, platform)
        p = runtimes["platform"]
        with p.db.transaction() as session:
            application = session.scalars(
                select(Application).where(Application.application_no.is_not(None))
            ).one()
            current = answers_current(session=session, application_id=application.id, cipher=p.cipher)
            typed = [
                code for (_m, code), a in current.items() if a.origin == "typed" and a.value not in (None, "")
            ]
            kept = [code for (_m, code), a in current.items() if a.origin == "suggested"]
            figures = (
                application.typed_fields,
                application.backfilled_fields,
                application.overridden_fields,
                application.uploads,
                application.page_views,
            )
    typed_n, backfilled_n, overridden_n, uploads, views = figures
    share = backfilled_n / max(typed_n + backfilled_n, 1)
    table = Table(title="Applicant burden: 3-person household, every register answering")
    for column in ("typed", "backfilled", "overridden", "backfilled share", "uploads", "form page views"):
        table.add_column(column)
    table.add_row(
        str(typed_n), str(backfilled_n), str(overridden_n), f"{share:.0%}", str(uploads), str(views)
    )
    Console().print(table)
    Console().print("typed fields: " + "、".join(sorted(typed)))
    Console().print("suggestions kept (counted as backfilled): " + "、".join(sorted(kept)))
    print(f"burden_typed_fields: {typed_n}")
    print(f"burden_backfilled_fields: {backfilled_n}")
    print(f"burden_backfilled_share: {share:.2f}")
    print(f"burden_suggestions_kept: {len(kept)}")
    print(f"burden_uploads: {uploads}")
    print(f"burden_page_views: {views}")


if __name__ == "__main__":
    main()
