"""The applicant's burden, measured: a 3-person household with every register answering, over HTTP.

Walks the real pages (OIDC sign-in, consents by each adult, backfill, household, the seven form pages,
check answers, submit) for 林晓峰, his wife 欧阳娜娜 (who signs in to consent herself) and their child, then
reads the figures the platform recorded on the application.

Usage: PYTHONPATH=. python bench/burden.py
Target (issue "unified form"): ≤ 10 typed fields and no upload. Prints a table, then `metric: value` lines.
"""

from __future__ import annotations

import re
import tempfile
import warnings
from pathlib import Path

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


def main() -> None:
    warnings.filterwarnings("ignore", message=".*httpx module is deprecated.*")
    with tempfile.TemporaryDirectory() as tmp, serving_stack(Path(tmp)) as (settings, runtimes, _servers):
        platform = settings.base_url("platform")
        seed_family(runtimes["sandbox"])
        with httpx.Client(timeout=15) as husband:
            applicant_sign_in(husband, platform, id_number=HUSBAND)
            tasks = husband.get(f"{platform}/applications/new", follow_redirects=True)
            own = link(tasks, r'href="([^"]*/members/\d+/consent)"', platform)
            page = husband.get(own)
            tasks = husband.post(
                own,
                data={"csrf_token": csrf_of(page.text), "source": EVERY_SOURCE},
                follow_redirects=True,
            )
            husband.post(
                link(tasks, r'action="([^"]*/drafts/\d+/backfill)"', platform),
                data={"csrf_token": csrf_of(tasks.text)},
            )
            household = link(tasks, r'href="([^"]*/drafts/\d+/household)"', platform)
            page = husband.get(household)
            tasks = husband.post(
                household,
                data={"csrf_token": csrf_of(page.text), "member": [WIFE, CHILD]},
                follow_redirects=True,
            )
            child = re.findall(r'href="([^"]*/members/\d+/consent)"', tasks.text)[-1]
            page = husband.get(_absolute(platform, child))
            husband.post(
                _absolute(platform, child),
                data={"csrf_token": csrf_of(page.text), "source": EVERY_SOURCE},
            )
        with httpx.Client(timeout=15) as wife:
            applicant_sign_in(wife, platform, id_number=WIFE)
            invitation = wife.get(f"{platform}/memberships")
            mine = link(invitation, r'href="([^"]*/members/\d+/consent)"', platform)
            page = wife.get(mine)
            wife.post(mine, data={"csrf_token": csrf_of(page.text), "source": EVERY_SOURCE})
        with httpx.Client(timeout=15) as husband:
            applicant_sign_in(husband, platform, id_number=HUSBAND)
            tasks = husband.get(f"{platform}/applications/new", follow_redirects=True)
            husband.post(
                link(tasks, r'action="([^"]*/drafts/\d+/backfill)"', platform),
                data={"csrf_token": csrf_of(tasks.text)},
            )
            form = open_draft_form(husband, platform, tasks)
            done = application_fill_and_submit(
                husband,
                platform,
                form.text,
                skip_optional=True,
                applicant_group="lower_middle_income",
                monthly_income="4500",
                deposits="20000",
                securities="0",
                tenure="renting",
            )
            assert "申请已提交" in done.text, done.text[:400]
        p = runtimes["platform"]
        with p.db.transaction() as session:
            application = session.scalars(
                select(Application).where(Application.application_no.is_not(None))
            ).one()
            typed = [
                code
                for (member, code), a in answers_current(
                    session=session, application_id=application.id, cipher=p.cipher
                ).items()
                if a.origin == "typed" and a.value not in (None, "")
            ]
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
    print(f"burden_typed_fields: {typed_n}")
    print(f"burden_backfilled_fields: {backfilled_n}")
    print(f"burden_backfilled_share: {share:.2f}")
    print(f"burden_uploads: {uploads}")
    print(f"burden_page_views: {views}")


if __name__ == "__main__":
    main()
