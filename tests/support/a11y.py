"""Accessibility measured in a real browser (issue 22): axe-core's WCAG 2.1 A/AA rules on a page, in each
display the service offers — standard and 大字版, desktop (1280 px) and phone (375 px)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = frozenset({"serious", "critical"})
VARIANTS = (("standard", 1280), ("standard", 375), ("elder", 1280), ("elder", 375))
_axe = Axe()


# 大字版 (the 适老化 mode) promises more: text at 7:1 contrast (WCAG 1.4.6, AAA), issue 22's choice.
ELDER_RULES = ["color-contrast-enhanced"]


def axe_violations(page: Page, *, elder: bool = False) -> list[dict[str, Any]]:
    """The WCAG 2.1 A/AA rules the page as shown breaks (and in 大字版, 7:1 contrast), each with its impact
    and where."""
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    found = list(_axe.run(page, options=options).response["violations"])
    if elder:
        rules = {"runOnly": {"type": "rule", "values": ELDER_RULES}, "resultTypes": ["violations"]}
        found += _axe.run(page, options=rules).response["violations"]
    return found


# 适老化 (issue 22's choices): body text at least 18 pt (24 px, WCAG's "large text"), lines at least 1.3.
ELDER_BODY_PX = 24
MIN_LINE_HEIGHT = 1.3
MIN_TARGET_PX = 44


def display_problems(page: Page, *, elder: bool) -> list[dict[str, Any]]:
    """What axe does not check, in axe's shape: a page wider than the screen (a phone user scrolls
    sideways), and in 大字版 text smaller than promised or lines packed tighter than 1.3."""
    found: list[dict[str, Any]] = []
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 0:
        found.append(
            _problem("page-overflow", "serious", "body", f"the page scrolls sideways by {overflow}px")
        )
    # A header item broken across lines ("查 / 询记录" on a phone) reads as two words.
    broken = page.evaluate(
        "[...document.querySelectorAll('.site-nav a, .site-nav button')].filter(el => el.offsetParent !== null"
        " && el.getClientRects().length > 1).map(el => el.innerText)"
    )
    if broken:
        found.append(_problem("nav-item-broken", "serious", ".site-nav", f"broken across lines: {broken[0]}"))
    if elder:
        size, line = page.evaluate(
            "(() => { const s = getComputedStyle(document.querySelector('main') || document.body);"
            " return [parseFloat(s.fontSize), parseFloat(s.lineHeight) / parseFloat(s.fontSize)]; })()"
        )
        if size < ELDER_BODY_PX:
            found.append(
                _problem("elder-text-size", "serious", "main", f"body text {size}px < {ELDER_BODY_PX}px")
            )
        if line < MIN_LINE_HEIGHT:
            found.append(_problem("elder-line-height", "serious", "main", f"line height {line:.2f} < 1.3"))
        # Nothing a person reads or touches smaller than the body text: headings, buttons, boxes, labels
        # (a chart's labels scale with the chart; its figures are in the table beside it).
        small = page.evaluate(
            "[...document.querySelectorAll('header *, main *')].filter(el => el.offsetParent !== null && !el.closest('svg')"
            " && ([...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())"
            " || ['INPUT', 'SELECT', 'TEXTAREA', 'BUTTON'].includes(el.tagName))"
            f" && parseFloat(getComputedStyle(el).fontSize) < {ELDER_BODY_PX})"
            ".map(el => el.tagName + ' ' + (el.innerText || el.value || '').slice(0, 12) + ' '"
            " + getComputedStyle(el).fontSize)"
        )
        if small:
            found.append(
                _problem(
                    "elder-small-text",
                    "serious",
                    "main",
                    f"{len(small)} smaller than {ELDER_BODY_PX}px: {small[0]}",
                )
            )
        # Large touch targets: every button, list and text box at least 44 px high (WCAG 2.5.5's size).
        cramped = page.evaluate(
            "[...document.querySelectorAll('main button, main .button, main select, main input:not([type=checkbox])"
            ":not([type=radio]):not([type=hidden]):not([type=file])')].filter(el => el.offsetParent !== null"
            f" && el.getBoundingClientRect().height < {MIN_TARGET_PX})"
            ".map(el => el.tagName + ' ' + (el.innerText || el.name || '').slice(0, 12) + ' '"
            " + Math.round(el.getBoundingClientRect().height) + 'px')"
        )
        if cramped:
            found.append(
                _problem(
                    "elder-target-size",
                    "serious",
                    "main",
                    f"{len(cramped)} under {MIN_TARGET_PX}px: {cramped[0]}",
                )
            )
        # Paragraphs further apart than lines: the gap after a paragraph is at least half a line more.
        tight = page.evaluate(
            "[...document.querySelectorAll('main p')].filter(p => p.offsetParent !== null && p.nextElementSibling)"
            ".map(p => { const s = getComputedStyle(p); return [parseFloat(s.marginBottom), parseFloat(s.lineHeight),"
            " p.innerText.slice(0, 20)]; }).filter(([gap, line]) => gap < 0.5 * line)"
        )
        if tight:
            gap, line, text = tight[0]
            found.append(
                _problem(
                    "elder-paragraph-spacing",
                    "serious",
                    "main p",
                    f"{text}: gap {gap}px < half a line ({line}px)",
                )
            )
    return found


def _problem(rule: str, impact: str, target: str, why: str) -> dict[str, Any]:
    return {"id": rule, "impact": impact, "help": why, "nodes": [{"target": [target]}]}


@dataclass
class Auditor:
    """Checks each page it is shown in every display, and keeps what it found."""

    found: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)

    def audit(self, page: Page, name: str) -> None:
        """Check the page now on screen (reached by GET) in each display, then leave it as it was."""
        context, width = page.context, (page.viewport_size or {"width": 1280})["width"]
        cookies = [c for c in context.cookies() if c["name"] == "anju_display"]
        for mode, size in VARIANTS:
            context.clear_cookies(name="anju_display")
            if mode == "elder":
                context.add_cookies([{"name": "anju_display", "value": "elder", "url": page.url}])
            page.set_viewport_size({"width": size, "height": 900})
            page.reload()
            self.found += [(name, f"{mode}-{size}", v) for v in axe_violations(page, elder=mode == "elder")]
            self.found += [(name, f"{mode}-{size}", v) for v in display_problems(page, elder=mode == "elder")]
        context.clear_cookies(name="anju_display")
        if cookies:
            context.add_cookies(cookies)  # type: ignore[arg-type]
        page.set_viewport_size({"width": width, "height": 900})
        page.reload()
        self.pages.append(name)

    def audit_each(self, page: Page, name: str, reach: Callable[[Page], None]) -> None:
        """Check a page that only doing something shows (a form sent with mistakes, a refusal): ``reach``
        brings it on screen anew in each display, since reloading would send the form again."""
        context = page.context
        for mode, size in VARIANTS:
            context.clear_cookies(name="anju_display")
            if mode == "elder":
                context.add_cookies([{"name": "anju_display", "value": "elder", "url": page.url}])
            page.set_viewport_size({"width": size, "height": 900})
            reach(page)
            self.found += [(name, f"{mode}-{size}", v) for v in axe_violations(page, elder=mode == "elder")]
            self.found += [(name, f"{mode}-{size}", v) for v in display_problems(page, elder=mode == "elder")]
        context.clear_cookies(name="anju_display")
        page.set_viewport_size({"width": 1280, "height": 900})
        self.pages.append(name)

    def by_impact(self) -> Counter[str]:
        """How many rule breaches of each impact (one per rule, page and display)."""
        return Counter(str(v["impact"]) for _name, _variant, v in self.found)

    def blocking(self) -> list[str]:
        """The serious and critical breaches, readably: page, display, rule, the first element, why."""
        return [
            f"{name} [{variant}] {v['id']} ({v['impact']}): {v['nodes'][0]['target']} — {v['help']}"
            for name, variant, v in self.found
            if v["impact"] in BLOCKING
        ]
