"""Source checks: every marked string has a zh_CN translation, and imports point one way.

Both read the source with `ast`, so they see every module whether or not a test imports it.
"""

from __future__ import annotations

import ast
import string
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from picker.translations import CORE, SCREENS, ZH_CN

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("picker", "printers", "db")

#: The pure domain: standard library and other pure modules only.
PURE = {
    "picker",
    "picker.domain",
    "picker.domain.model",
    "picker.domain.money",
    "picker.domain.importing",
    "picker.domain.json_items",
    "picker.domain.order_fields",
    "picker.domain.order_checks",
    "picker.domain.auth",
    "picker.app.demo",
    "picker.domain.demo_names",
    "picker.i18n",
    "picker.translations",
    "picker.errors",
    "picker.domain.batching",
    "picker.domain.layout",
    "picker.domain.packing",
    "picker.domain.scanning",
    "picker.domain.scales",
    "picker.domain.gs1",
    "picker.domain.shortage",
    "picker.domain.crating",
    "picker.domain.retry",
}
UI_FORBIDDEN = {"db", "sqlite_utils", "escpos"}


def sources() -> Iterator[tuple[str, Path]]:
    """(module name, path) of every module of the application packages."""
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            yield ".".join(parts), path


def parsed() -> Iterator[tuple[str, Path, ast.Module]]:
    for module, path in sources():
        yield module, path, ast.parse(path.read_text(encoding="utf-8"), str(path))


def where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"


def marked(tree: ast.Module) -> Iterator[tuple[ast.Call, ast.expr]]:
    """Calls `_(...)` and `N_(...)` with their first argument."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("_", "N_")
            and node.args
        ):
            yield node, node.args[0]


def test_every_marked_string_has_a_translation() -> None:
    missing = [
        f"{where(path, call)}: {arg.value!r}"
        for _module, path, tree in parsed()
        for call, arg in marked(tree)
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value not in ZH_CN
    ]
    assert not missing, f"{len(missing)} strings missing from zh_CN:\n" + "\n".join(missing)


def test_the_scan_sees_marked_strings() -> None:
    """Guards the test above: an AST scan that finds nothing would pass vacuously."""
    found = {
        arg.value
        for _module, _path, tree in parsed()
        for _call, arg in marked(tree)
        if isinstance(arg, ast.Constant)
    }
    assert {"Subdistrict", "Pending rejects", "Refresh"} <= found


def test_no_formatted_strings_are_translated() -> None:
    """`_(f"...")` would look up the already-filled text, which is never in the catalog."""
    bad = [
        where(path, call)
        for _module, path, tree in parsed()
        for call, arg in marked(tree)
        if isinstance(arg, ast.JoinedStr)
    ]
    assert not bad, "f-string passed to _() or N_(): " + ", ".join(bad)


def placeholders(text: str) -> Counter[tuple[str, str | None, str]]:
    return Counter(
        (name, conversion, spec or "")
        for _lit, name, spec, conversion in string.Formatter().parse(text)
        if name is not None
    )


@pytest.mark.parametrize("key", sorted(ZH_CN))
def test_translation_keeps_the_placeholders(key: str) -> None:
    assert placeholders(ZH_CN[key]) == placeholders(key)


def test_core_and_screens_agree_where_they_overlap() -> None:
    differ = {
        k: (CORE[k], SCREENS[k]) for k in CORE.keys() & SCREENS.keys() if CORE[k] != SCREENS[k]
    }
    assert not differ, f"translated differently in CORE and SCREENS: {differ}"


def imports(module: str, path: Path, tree: ast.Module) -> Iterator[tuple[str, ast.AST]]:
    """Every module `tree` imports, resolved: `from picker import money` -> picker.domain.money."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if base == "__future__":
                continue
            yield base, node
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                if (ROOT / Path(*candidate.split("."))).with_suffix(".py").exists() or (
                    ROOT / Path(*candidate.split(".")) / "__init__.py"
                ).exists():
                    yield candidate, node


def top(name: str) -> str:
    return name.partition(".")[0]


def test_only_the_ui_imports_textual() -> None:
    bad = [
        f"{where(path, node)}: {name}"
        for module, path, tree in parsed()
        if not (module == "picker.ui" or module.startswith("picker.ui."))
        for name, node in imports(module, path, tree)
        if top(name) == "textual"
    ]
    assert not bad, "Textual imported outside picker/ui:\n" + "\n".join(bad)


def test_the_ui_never_imports_storage_or_printer_drivers() -> None:
    bad = [
        f"{where(path, node)}: {name}"
        for module, path, tree in parsed()
        if module == "picker.ui" or module.startswith("picker.ui.")
        for name, node in imports(module, path, tree)
        if top(name) in UI_FORBIDDEN
    ]
    assert not bad, "picker/ui goes around the Warehouse:\n" + "\n".join(bad)


def test_the_pure_domain_imports_only_stdlib_and_pure_modules() -> None:
    checked = set()
    bad = []
    for module, path, tree in parsed():
        if module not in PURE:
            continue
        checked.add(module)
        for name, node in imports(module, path, tree):
            if top(name) in sys.stdlib_module_names:
                continue
            if top(name) == "picker" and name in PURE:
                continue
            bad.append(f"{where(path, node)}: {name}")
    assert PURE - {"picker", "picker.domain"} <= checked
    assert not bad, "the pure domain imports outside itself:\n" + "\n".join(bad)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from picker.domain import money", {"picker.domain", "picker.domain.money"}),
        ("from picker.ui import app", {"picker.ui", "picker.ui.app"}),
        ("from . import orders", {"picker.ui", "picker.ui.orders"}),
        ("from ..app.warehouse import Warehouse", {"picker.app.warehouse"}),
        ("import textual.widgets", {"textual.widgets"}),
    ],
)
def test_import_resolution(source: str, expected: set[str]) -> None:
    """The rules above are only as good as the resolution of relative and `from` imports."""
    path = ROOT / "picker" / "ui" / "orders.py"
    found = {name for name, _node in imports("picker.ui.orders", path, ast.parse(source))}
    assert found == expected
