"""Accessibility on every page (issue 22): axe-core's WCAG 2.1 A/AA rules in a real browser, on every
page a resident, a co-applicant's invitation and a clerk reach, in standard and 大字版, on a desktop and
on a phone: no serious or critical breach."""

from __future__ import annotations

from playwright.sync_api import Browser

from anju.sandbox.population.generator import population_generate
from tests.conftest import Systems
from tests.support.a11y import Auditor
from tests.support.a11y_walk import walk_everything


def test_every_page_meets_wcag_21_aa_in_every_display(live: Systems, browser: Browser) -> None:
    population_generate(db=live.runtimes["sandbox"].db, people=0, seed=1)  # the demo households only
    auditor = Auditor()
    walk_everything(live.settings, browser, auditor)
    assert len(auditor.pages) >= 45  # the walk reached the pages it names
    assert auditor.blocking() == []


def test_focus_is_seen_by_keyboard_on_links_and_controls(live: Systems, browser: Browser) -> None:
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    page.goto(live.settings.base_url("platform") + "/progress")
    page.keyboard.press("Tab")  # the skip link first
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Tab")
    link = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [document.activeElement.tagName, s.color, s.backgroundColor]; })()"
    )
    assert link == ["A", "rgb(11, 12, 12)", "rgb(255, 221, 0)"]  # black on yellow
    page.get_by_label("申请编号").focus()
    ring = page.evaluate("getComputedStyle(document.activeElement).outlineColor")
    assert ring == "rgb(11, 12, 12)"  # black on white: 19:1, where the old yellow ring was 1.4:1
