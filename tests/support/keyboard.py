"""Driving a page by keyboard alone, as someone who cannot use a mouse does (WCAG 2.1.1, 2.4.3, 2.4.7).

Every move is a real key press through the browser (Tab, Shift+Tab, Enter, Space, arrows, typing); nothing
is clicked. At each stop of Tab the focused element must show it has focus. A page script counts any
pointer event, so a journey can prove at its end that no mouse was used."""

from __future__ import annotations

from playwright.sync_api import BrowserContext, Locator, Page

# Counted in sessionStorage so the count survives every page of a journey in one tab.
POINTER_SPY = """
(() => {
  for (const name of ["mousedown", "pointerdown", "touchstart"]) {
    document.addEventListener(name, () => {
      const seen = Number(sessionStorage.getItem("anju-pointer-events") || "0");
      sessionStorage.setItem("anju-pointer-events", String(seen + 1));
    }, true);
  }
})();
"""

# What makes focus visible here: an outline, or the focus ring drawn with box-shadow (core/static/anju.css).
FOCUS_VISIBLE = r"""
(el) => {
  const s = getComputedStyle(el);
  const transparent = /rgba\(.*,\s*0\)$/.test(s.outlineColor) || s.outlineColor === "transparent";
  const outline = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2 && !transparent;
  const ring = s.boxShadow && s.boxShadow !== "none";
  const r = el.getBoundingClientRect();
  return { visible: outline || ring, onScreen: r.width > 0 && r.height > 0,
           what: el.tagName + (el.id ? "#" + el.id : "") + " " + (el.innerText || el.value || "").slice(0, 30) };
}
"""


def keyboard_only(context: BrowserContext) -> None:
    """Count every pointer event on every page of this context (see ``pointer_events``)."""
    context.add_init_script(POINTER_SPY)


def pointer_events(page: Page) -> int:
    """How many mouse, pointer or touch presses the pages of this tab have seen."""
    return int(page.evaluate("Number(sessionStorage.getItem('anju-pointer-events') || '0')"))


def tab_to(page: Page, target: Locator, *, most: int = 60, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until ``target`` has focus; every element passed on the way must show focus."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(most):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press(key)
        focused = page.locator(":focus")
        if focused.count() == 1:
            state = focused.evaluate(FOCUS_VISIBLE)
            assert state["visible"], f"focus is not visible on {state['what']} ({page.url})"
            assert state["onScreen"], f"focus went to something not on screen: {state['what']} ({page.url})"
    raise AssertionError(f"{target} cannot be reached with {key} within {most} presses on {page.url}")


def press(page: Page, target: Locator, key: str = "Enter") -> None:
    """Reach ``target`` by Tab and press a key on it (Enter for links and buttons, Space for boxes)."""
    tab_to(page, target)
    page.keyboard.press(key)


def type_into(page: Page, target: Locator, text: str) -> None:
    """Reach a text box by Tab and type into it (what was there is replaced)."""
    tab_to(page, target)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def choose(page: Page, target: Locator, value: str, *, most: int = 120) -> None:
    """Reach a list box by Tab and move through it with the arrow keys until ``value`` is chosen."""
    tab_to(page, target)
    page.keyboard.press("Home")
    for _ in range(most):
        if target.input_value() == value:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{value!r} could not be chosen with the arrow keys in {target}")


def pick_radio(page: Page, name: str, value: str, *, most: int = 12) -> None:
    """Reach the radio group ``name`` by Tab, then move with the arrow keys to the option ``value``."""
    radios = page.locator(f'input[type="radio"][name="{name}"]')
    target = page.locator(f'input[type="radio"][name="{name}"][value="{value}"]')
    for _ in range(60):
        if radios.evaluate_all("els => els.includes(document.activeElement)"):
            break
        page.keyboard.press("Tab")
    else:
        raise AssertionError(f"the radio group {name} cannot be reached with Tab on {page.url}")
    page.keyboard.press("Space")
    for _ in range(most):
        if target.is_checked():
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{value!r} of {name} could not be chosen with the arrow keys")
