#!/usr/bin/env python3
"""Two architecture rules that import-linter cannot see, checked on the source text (AST).

1. No module-level import cycle among the modules of picker/, db/ and printers/. "Module-level"
   is what runs when the module is imported: the body, class bodies, `if`/`try`/`with` blocks;
   not function bodies and not `if TYPE_CHECKING:` blocks. (import-linter counts every import,
   deferred ones included, and reports cycles between packages; this reports the modules.)
2. No SQL outside db/: a string constant in picker/ or printers/ that reads like a statement
   (`SELECT … FROM`, `INSERT INTO`, `UPDATE … SET`, `DELETE FROM`, `CREATE TABLE`, `SAVEPOINT x`,
   `RELEASE x`, `ROLLBACK TO`, `BEGIN IMMEDIATE`, `PRAGMA x` …). Docstrings do not count.

Each problem is printed as `path:line: message`; the exit status is 1 when there is any.

    scripts/check_arch.py              check this checkout
    scripts/check_arch.py --root DIR   check the picker/, db/, printers/ under DIR
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PACKAGES = ("picker", "db", "printers")
SQL_HOME = "db"

# A statement's opening words, upper case as the project writes SQL; prose ("Select a printer",
# "update the app") does not match.
SQL = re.compile(
    r"""^\s*(
        SELECT\b[\s\S]*\bFROM\b
      | SELECT\s+(\d|COUNT|MAX|MIN|SUM|EXISTS|CHANGES|last_insert_rowid)
      | INSERT\s+(OR\s+\w+\s+)?INTO\b
      | REPLACE\s+INTO\b
      | UPDATE\s+\w+\s+SET\b
      | DELETE\s+FROM\b
      | (CREATE|DROP)\s+(TEMP\s+|UNIQUE\s+)?(TABLE|INDEX|VIEW|TRIGGER)\b
      | ALTER\s+TABLE\b
      | WITH\s+(RECURSIVE\s+)?\w+(\s*\([^)]*\))?\s+AS\s*\(
      | SAVEPOINT\s+\S
      | RELEASE\s+(SAVEPOINT\s+)?\S
      | ROLLBACK(\s+TO\b|\s*$)
      | BEGIN(\s+(IMMEDIATE|DEFERRED|EXCLUSIVE|TRANSACTION)\b|\s*$)
      | COMMIT\s*$
      | PRAGMA\s+\w
      | VACUUM\b
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class Problem:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class Module:
    name: str
    path: Path
    is_package: bool


def find_modules(root: Path) -> dict[str, Module]:
    """Every module of the checked packages, by dotted name."""
    modules: dict[str, Module] = {}
    for package in PACKAGES:
        base = root / package
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            if is_package:
                parts.pop()
            modules[".".join(parts)] = Module(".".join(parts), path, is_package)
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def _module_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements run on import: into blocks and class bodies, not into functions."""
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        yield node
        if isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                yield from _module_level(node.body)
            yield from _module_level(node.orelse)
        elif isinstance(node, ast.Try | ast.TryStar):
            for block in (node.body, node.orelse, node.finalbody):
                yield from _module_level(block)
            for handler in node.handlers:
                yield from _module_level(handler.body)
        elif isinstance(node, ast.With | ast.AsyncWith | ast.For | ast.While | ast.ClassDef):
            yield from _module_level(node.body)
            if isinstance(node, ast.For | ast.While):
                yield from _module_level(node.orelse)


def _resolve(module: Module, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module.name.split(".")
    if not module.is_package:
        package.pop()
    if node.level > 1:
        package = package[: len(package) - (node.level - 1)]
    return ".".join([*package, *([node.module] if node.module else [])])


def module_imports(module: Module, tree: ast.Module, known: set[str]) -> list[tuple[str, int]]:
    """(imported module, line) for each module-level import of a checked module."""
    found: list[tuple[str, int]] = []
    for node in _module_level(tree.body):
        if isinstance(node, ast.Import):
            for alias in node.names:
                name = alias.name
                while name and name not in known:
                    name = name.rpartition(".")[0]
                if name:
                    found.append((name, node.lineno))
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, node)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                if candidate in known:
                    found.append((candidate, node.lineno))
                elif base in known:
                    found.append((base, node.lineno))
    return [(name, line) for name, line in found if name != module.name]


def _cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, {})))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def import_cycles(modules: dict[str, Module], trees: dict[str, ast.Module]) -> list[Problem]:
    """One problem per import inside a cycle, naming the cycle it belongs to."""
    known = set(modules)
    graph: dict[str, dict[str, int]] = {}
    for name, module in modules.items():
        edges = graph.setdefault(name, {})
        for imported, line in module_imports(module, trees[name], known):
            edges.setdefault(imported, line)
    problems = []
    for component in _cycles(graph):
        members = set(component)
        cycle = ", ".join(component)
        for name in component:
            for imported, line in sorted(graph[name].items()):
                if imported in members:
                    message = f"import cycle: {name} imports {imported} (cycle: {cycle})"
                    problems.append(Problem(modules[name].path, line, message))
    return problems


def _docstrings(tree: ast.Module) -> set[int]:
    """ids of the string constants that stand alone as statements (docstrings and the like)."""
    return {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant | ast.JoinedStr)
    }


def _text(node: ast.JoinedStr) -> str:
    return "".join(
        part.value if isinstance(part, ast.Constant) else "{}"
        for part in node.values
        if isinstance(part, ast.Constant | ast.FormattedValue)
    )


def sql_strings(module: Module, tree: ast.Module) -> list[Problem]:
    """String constants (f-strings read whole) that look like SQL statements."""
    skip = _docstrings(tree)
    problems = []
    for node in ast.walk(tree):
        if id(node) in skip:
            if isinstance(node, ast.JoinedStr):
                skip.update(id(part) for part in node.values)
            continue
        if isinstance(node, ast.JoinedStr):
            skip.update(id(part) for part in node.values)
            text = _text(node)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        else:
            continue
        if SQL.match(text):
            first = " ".join(text.split())[:60]
            problems.append(Problem(module.path, node.lineno, f"SQL outside db/: {first!r}"))
    return problems


def check(root: Path) -> list[Problem]:
    """Every problem under root, cycles first, each list in file order."""
    modules = find_modules(root)
    trees = {
        name: ast.parse(module.path.read_text(encoding="utf-8"), filename=str(module.path))
        for name, module in modules.items()
    }
    problems = import_cycles(modules, trees)
    found = []
    for name, module in modules.items():
        if name.split(".")[0] != SQL_HOME:
            found.extend(sql_strings(module, trees[name]))
    return problems + sorted(found, key=lambda p: (str(p.path), p.line))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    args = parser.parse_args(argv)
    root: Path = args.root
    problems = check(root)
    for problem in problems:
        try:
            shown = Problem(problem.path.relative_to(root), problem.line, problem.message)
        except ValueError:
            shown = problem
        print(shown)
    if problems:
        print(f"check_arch: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
