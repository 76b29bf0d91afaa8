"""The architecture checks can fail: scripts/check_arch.py on planted cycles and SQL, and the
`allowlist` import-linter contract (scripts/import_contracts.py) on planted imports.

The checkout itself is checked by scripts/test (`lint-imports` with the contracts in
pyproject.toml, then scripts/check_arch.py); these tests show what the checks find and what
they leave alone.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "check_arch.py"


def run(root: Path) -> tuple[int, list[str]]:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--root", str(root)],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, done.stdout.splitlines()


def plant(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        for parent in path.relative_to(root).parents:
            if str(parent) != ".":
                (root / parent / "__init__.py").touch()
        path.write_text(text, encoding="utf-8")


def test_a_clean_tree_passes(tmp_path: Path) -> None:
    plant(
        tmp_path,
        {
            "picker/domain/a.py": '"""SELECT * FROM docstrings is prose."""\nX = 1\n',
            "picker/app/b.py": "from picker.domain import a\n",
            "db/store.py": 'Q = "SELECT * FROM orders"\n',
        },
    )
    assert run(tmp_path) == (0, [])


def test_a_module_level_cycle_is_found_with_file_and_line(tmp_path: Path) -> None:
    plant(
        tmp_path,
        {
            "picker/app/one.py": '"""One."""\n\nfrom picker.app import two\n',
            "picker/app/two.py": "import os\nimport picker.app.three\n",
            "picker/app/three.py": "from .one import thing\n",
        },
    )
    status, lines = run(tmp_path)
    assert status == 1
    cycle = "(cycle: picker.app.one, picker.app.three, picker.app.two)"
    assert lines == [
        f"picker/app/one.py:3: import cycle: picker.app.one imports picker.app.two {cycle}",
        f"picker/app/three.py:1: import cycle: picker.app.three imports picker.app.one {cycle}",
        f"picker/app/two.py:2: import cycle: picker.app.two imports picker.app.three {cycle}",
    ]


@pytest.mark.parametrize(
    "deferred",
    [
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from picker.app import one\n",
        "import typing\nif typing.TYPE_CHECKING:\n    from picker.app.one import X\n",
        "def later():\n    from picker.app import one\n",
        "class C:\n    def m(self):\n        import picker.app.one\n",
    ],
)
def test_deferred_imports_make_no_cycle(tmp_path: Path, deferred: str) -> None:
    plant(tmp_path, {"picker/app/one.py": "from picker.app import two\n"})
    plant(tmp_path, {"picker/app/two.py": deferred})
    assert run(tmp_path) == (0, [])


def test_an_import_in_a_class_body_or_try_block_is_module_level(tmp_path: Path) -> None:
    plant(
        tmp_path,
        {
            "db/a.py": "class A:\n    from db import b\n",
            "db/b.py": "try:\n    import db.a\nexcept ImportError:\n    pass\n",
        },
    )
    status, lines = run(tmp_path)
    assert status == 1
    assert [line.split(": ")[0] for line in lines] == ["db/a.py:2", "db/b.py:2"]


def test_sql_outside_db_is_found_with_file_and_line(tmp_path: Path) -> None:
    plant(
        tmp_path,
        {
            "picker/app/stage.py": (
                "def f(conn, table):\n"
                '    conn.execute("SAVEPOINT s1")\n'
                '    conn.execute(f"SELECT a, b FROM {table} WHERE x = ?", (1,))\n'
                '    return "Select a printer", "update the app", "DELETE the draft?"\n'
            ),
            "printers/queue.py": 'SQL = """\n    INSERT INTO jobs (a) VALUES (?)\n"""\n',
        },
    )
    status, lines = run(tmp_path)
    assert status == 1
    assert lines == [
        "picker/app/stage.py:2: SQL outside db/: 'SAVEPOINT s1'",
        "picker/app/stage.py:3: SQL outside db/: 'SELECT a, b FROM {} WHERE x = ?'",
        "printers/queue.py:1: SQL outside db/: 'INSERT INTO jobs (a) VALUES (?)'",
    ]


def allowlist_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str], **options: object
) -> list[str]:
    """The `allowlist` contract of pyproject.toml run on a planted package `archpkg`."""
    from scripts.import_contracts import AllowlistContract

    plant(tmp_path, files)
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("archpkg", include_external_packages=True, cache_dir=None)
    contract = AllowlistContract(name="planted", session_options={}, contract_options=dict(options))
    check = contract.check(graph, verbose=False)
    rows = check.metadata["refused"]
    refused = [f"{r['importer']} -> {r['imported']} {r['lines']}" for r in rows]
    assert check.kept == (not refused)
    return refused


def test_the_allowlist_refuses_whatever_it_does_not_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {
        "archpkg/domain/rules.py": (
            "import json\nfrom archpkg.domain import values\nfrom archpkg import errors\n"
            "import archpkg.app.service\n\ndef f():\n    import click\n"
        ),
        "archpkg/domain/values.py": "import decimal\n",
        "archpkg/errors.py": "",
        "archpkg/app/service.py": "",
    }
    refused = allowlist_check(
        tmp_path,
        monkeypatch,
        files,
        source_modules=["archpkg.domain"],
        allowed_modules=["archpkg.errors"],
    )
    assert refused == [
        "archpkg.domain.rules -> archpkg.app.service [4]",
        "archpkg.domain.rules -> click [7]",
    ]


def test_the_allowlist_can_keep_to_one_module_and_refuse_the_stdlib(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {
        "archpkg/__init__.py": "import os\nfrom archpkg import kernel\n",
        "archpkg/kernel.py": "import sqlite3\n",
    }
    refused = allowlist_check(
        tmp_path,
        monkeypatch,
        files,
        source_modules=["archpkg"],
        allowed_modules=[],
        as_packages="false",
        allow_stdlib="false",
    )
    assert refused == ["archpkg -> archpkg.kernel [2]", "archpkg -> os [1]"]
