"""Accessibility, measured: every page of the walk in tests/support/a11y_walk.py (public pages, an
application from sign-in to submission with its mistakes shown, the person's own data pages, a
co-applicant invited and authorising, a kiosk visit, the staff console), each in standard
and 大字版 at 1280 and 375 px, checked with axe-core's WCAG 2.1 A/AA rules in Debian's Chromium.

Usage: PYTHONPATH=. python bench/a11y.py
Target (issue 22): 0 serious or critical. Prints a table of what was found, then `metric: value` lines.
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

from playwright.sync_api import sync_playwright
from rich.console import Console
from rich.table import Table

from anju.sandbox.population.generator import population_generate
from tests.support.a11y import VARIANTS, Auditor
from tests.support.a11y_walk import walk_everything
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS
from tests.support.env import serving_stack


def main() -> None:
    warnings.filterwarnings("ignore", message=".*httpx module is deprecated.*")
    auditor = Auditor()
    with tempfile.TemporaryDirectory() as tmp, serving_stack(Path(tmp)) as (settings, runtimes, _servers):
        population_generate(db=runtimes["sandbox"].db, people=0, seed=1)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            walk_everything(settings, browser, auditor)
            browser.close()
    table = Table(title="WCAG 2.1 A/AA (axe-core): what was found, by page and display")
    for column in ("page", "display", "rule", "impact", "elements"):
        table.add_column(column)
    for name, variant, v in auditor.found:
        table.add_row(name, variant, v["id"], v["impact"], str(len(v["nodes"])))
    console = Console()
    console.print(table)
    impacts = auditor.by_impact()
    print(f"a11y_pages_checked: {len(auditor.pages)}")
    print(f"a11y_page_views_checked: {len(auditor.pages) * len(VARIANTS)}")
    for impact in ("critical", "serious", "moderate", "minor"):
        print(f"a11y_violations_{impact}: {impacts.get(impact, 0)}")


if __name__ == "__main__":
    main()
