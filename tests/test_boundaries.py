"""The boundaries of DESIGN.md §1, as tests: who may import whom, and no asset from outside.

Imports are read with ``ast`` (every ``import``, ``from … import``, relative imports resolved, imports
inside functions and ``TYPE_CHECKING`` blocks included, and ``importlib.import_module("…")`` with a
literal name), so a comment or a string that merely mentions a module does not count.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "anju"
SYSTEMS = ("platform", "housing", "sandbox")
# The composition roots: the only modules that know several systems.
COMPOSITION_ROOTS = {"anju.cli", "anju.embedded", "anju.interfaces"}
FORBIDDEN: dict[str, set[str]] = {
    "platform": {"housing", "sandbox"},
    "housing": {"platform", "sandbox"},
    "sandbox": {"platform", "housing"},
    "core": {"platform", "housing", "sandbox"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(source: str, *, module: str, is_package: bool) -> set[str]:
    """Every module a source file imports (for ``from m import n``: both m and m.n)."""
    tree = ast.parse(source)
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                if node.level > 1:
                    base_parts = base_parts[: -(node.level - 1)]
                base = ".".join(base_parts)
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names if alias.name != "*")
        elif isinstance(node, ast.Call):
            func = node.func
            name = (
                func.attr
                if isinstance(func, ast.Attribute)
                else func.id
                if isinstance(func, ast.Name)
                else ""
            )
            if (
                name in ("import_module", "__import__")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return found


def system_of(module: str) -> str | None:
    """The top-level room of anju a module belongs to (platform, housing, sandbox, core), if any."""
    parts = module.split(".")
    if len(parts) >= 2 and parts[0] == "anju" and parts[1] in (*SYSTEMS, "core"):
        return parts[1]
    return None


def all_modules() -> list[tuple[str, Path]]:
    files = sorted(PACKAGE.rglob("*.py"))
    return [(module_name(path), path) for path in files]


def imports_of(path: Path) -> set[str]:
    return imported_modules(
        path.read_text(encoding="utf-8"), module=module_name(path), is_package=path.name == "__init__.py"
    )


MODULES = all_modules()


def test_the_source_tree_is_found() -> None:
    names = {name for name, _ in MODULES}
    assert {
        "anju.core.regions",
        "anju.housing.staff.service",
        "anju.platform.app",
        "anju.sandbox.app",
    } <= names


@pytest.mark.parametrize("room", sorted(FORBIDDEN))
def test_a_system_never_imports_another(room: str) -> None:
    violations = [
        f"{name} imports {imported}"
        for name, path in MODULES
        if system_of(name) == room
        for imported in sorted(imports_of(path))
        if system_of(imported) in FORBIDDEN[room]
    ]
    assert violations == []


def test_only_the_composition_roots_know_several_systems() -> None:
    crossing: dict[str, set[str]] = {}
    for name, path in MODULES:
        systems = {s for s in map(system_of, imports_of(path) | {name}) if s in SYSTEMS}
        if len(systems) > 1:
            crossing[name] = systems
    assert set(crossing) <= COMPOSITION_ROOTS, crossing
    assert "anju.embedded" in crossing  # the check does see a module that wires all three


# The checker itself must see every way of writing an import, or the tests above prove nothing.
@pytest.mark.parametrize(
    ("source", "module", "is_package", "expected"),
    [
        ("import anju.housing.models", "anju.platform.x", False, "housing"),
        ("import anju.housing.models as m", "anju.platform.x", False, "housing"),
        ("from anju import housing", "anju.platform.x", False, "housing"),
        ("from anju.housing.staff import service", "anju.platform.x", False, "housing"),
        ("from .. import housing", "anju.platform.x", False, "housing"),
        ("from ..housing.models import Case", "anju.platform.x", False, "housing"),
        ("from ...housing import app", "anju.platform.sub.x", False, "housing"),
        ("from ..sandbox import app", "anju.platform", True, "sandbox"),  # in anju/platform/__init__.py
        (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from anju.sandbox import app",
            "anju.core.x",
            False,
            "sandbox",
        ),
        ("def f():\n    import anju.platform.app", "anju.core.x", False, "platform"),
        ("import importlib\nimportlib.import_module('anju.housing.app')", "anju.core.x", False, "housing"),
    ],
)
def test_the_import_reader_sees_every_form(source: str, module: str, is_package: bool, expected: str) -> None:
    found = {system_of(m) for m in imported_modules(source, module=module, is_package=is_package)}
    assert expected in found


ASSET = re.compile(r"""\b(?:src|href)\s*=\s*["']?\s*(?:https?:|//)""", re.IGNORECASE)
CSS_OUTSIDE = re.compile(
    r"""(?:url\(\s*["']?\s*(?:https?:|//)|@import\s+["']?(?:url\()?\s*["']?(?:https?:|//))""", re.I
)


def templates() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*") if p.suffix in (".html", ".jinja", ".j2"))


def test_templates_exist() -> None:
    assert len(templates()) >= 5


@pytest.mark.parametrize("template", templates(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_template_loads_an_outside_asset(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    assert ASSET.findall(text) == []
    assert CSS_OUTSIDE.findall(text) == []


def test_no_stylesheet_loads_an_outside_asset() -> None:
    sheets = sorted(PACKAGE.rglob("*.css"))
    assert sheets
    for sheet in sheets:
        assert CSS_OUTSIDE.findall(sheet.read_text(encoding="utf-8")) == [], sheet


@pytest.mark.parametrize(
    "html",
    [
        '<script src="https://cdn.example/x.js"></script>',
        "<link rel=stylesheet href=//fonts.example/css>",
        "<img SRC = 'http://example/a.png'>",
    ],
)
def test_the_asset_check_sees_outside_urls(html: str) -> None:
    assert ASSET.search(html)


def test_the_asset_check_allows_our_own_assets() -> None:
    assert not ASSET.search("<link rel=\"stylesheet\" href=\"{{ url_for('static', path='anju.css') }}\">")
    assert not ASSET.search('<a href="#main">跳到主要内容</a>')
