"""The layout of decision 0025, as tests: routes are module-level functions of their domain (no
``build_router`` closure, none longer than about 40 lines of body), and the tests mirror the code — each
domain package has a folder of tests, each core module a test file of its own or a stated reason."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "anju"
TESTS = ROOT / "tests"
ROUTE_METHODS = {"get", "post", "put", "delete", "patch"}
MAX_ROUTE_BODY_LINES = 40

# Core modules tested through what uses them, and where (a reason, not a silence).
CORE_TESTED_ELSEWHERE = {
    "anchors": "tests/core/test_audit.py (the heads kept by the peer over signed HTTP)",
    "db": "tests/core/test_migrations.py, test_outbox.py and every test that writes (SQLite and PostgreSQL)",
    "faceauth": "tests/platform/identity/test_faceauth.py and tests/sandbox/faceauth (the photo contract)",
    "filetypes": "tests/core/test_web_hardening.py (uploads refused by what they are, not their name)",
    "messages": "tests/core/test_messages_contract.py",
    "migrate": "tests/core/test_migrations.py",
    "registers": "tests/sandbox/sources and tests/housing/records (the register contract both answer)",
    "refusals": "every refusal a page shows (consent, agency, 容缺, signature pad, limits …): one base class",
    "runtime": "every test: the conftest builds each system's runtime from settings",
    "settings": "tests/test_health.py and tests/support/env.py",
    "vocab": "tests/test_vocab.py (one label for one thing across systems)",
    "web": "tests/core/test_web_hardening.py (limits, headers, error pages)",
}
# Routes every system gets from core's installers (health, metrics): the same for all, owned by no domain.
CORE_INSTALLED_ROUTES = {"core/observability.py:scrape", "core/web.py:healthz", "core/web.py:readyz"}
# Domain packages whose tests sit elsewhere, and why.
DOMAINS_TESTED_ELSEWHERE: dict[str, str] = {}


def routed_functions() -> list[tuple[Path, ast.FunctionDef | ast.AsyncFunctionDef]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) and d.func.attr in ROUTE_METHODS
                for d in node.decorator_list
            ):
                found.append((path, node))
    return found


def test_no_router_is_built_in_a_closure() -> None:
    closures = [
        f"{path.relative_to(PACKAGE)}:{node.lineno}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef) and node.name == "build_router"
    ]
    assert closures == []


def test_every_route_is_module_level_and_short() -> None:
    routes = routed_functions()
    assert len(routes) > 100  # the walk found the routes
    nested = [
        f"{p.relative_to(PACKAGE)}:{n.name}"
        for p, n in routes
        if n.col_offset != 0 and f"{p.relative_to(PACKAGE)}:{n.name}" not in CORE_INSTALLED_ROUTES
    ]
    assert nested == []
    long = {
        f"{p.relative_to(PACKAGE)}:{n.name}": (n.end_lineno or 0) - n.body[0].lineno + 1
        for p, n in routes
        if (n.end_lineno or 0) - n.body[0].lineno + 1 > MAX_ROUTE_BODY_LINES
    }
    assert long == {}


def domain_packages() -> list[str]:
    """Every package under a system that holds code (channels count per channel)."""
    found = []
    for system in ("platform", "housing", "sandbox"):
        for init in sorted((PACKAGE / system).rglob("__init__.py")):
            folder = init.parent
            if folder == PACKAGE / system or folder.name == "channels":
                continue
            if any(p.name != "__init__.py" for p in folder.glob("*.py")):
                found.append(str(folder.relative_to(PACKAGE)))
    return found


def test_every_domain_has_its_own_tests() -> None:
    domains = domain_packages()
    assert "platform/consent" in domains and "housing/review" in domains
    missing = [
        d for d in domains if d not in DOMAINS_TESTED_ELSEWHERE and not any((TESTS / d).glob("test_*.py"))
    ]
    assert missing == []


def test_every_core_module_has_its_own_tests_or_a_reason() -> None:
    modules = [p.stem for p in sorted((PACKAGE / "core").glob("*.py")) if p.stem != "__init__"]
    missing = [
        m
        for m in modules
        if not (TESTS / "core" / f"test_{m}.py").exists() and m not in CORE_TESTED_ELSEWHERE
    ]
    assert missing == []
    stale = [
        m for m in CORE_TESTED_ELSEWHERE if (TESTS / "core" / f"test_{m}.py").exists() or m not in modules
    ]
    assert stale == []  # a reason no longer needed is removed
