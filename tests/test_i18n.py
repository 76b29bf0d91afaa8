"""Translations and source checks: the zh_CN catalogs are complete and English plurals are
right.

The source checks read the source (with Babel's extractor or `ast`), so they see every module
whether or not a test imports it. Which way imports point is checked by import-linter's
contracts (pyproject.toml) and scripts/check_arch.py; `imports` below stays for the narrower
purity check of tests/test_settlement.py.
"""

from __future__ import annotations

import ast
import gettext
import importlib.util
import io
import os
import shutil
import string
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from click.testing import CliRunner

import printers.i18n as printers_i18n
from picker.app.config import load_settings
from picker.app.printing import render_bytes
from picker.cli import main
from picker.domain.routing import MissingBag, MissingStop
from picker.errors import InputError
from picker.i18n import _n, set_language
from printers.document import PAPER_58, Document, Text
from printers.errors import FontMissing
from printers.i18n import compile_po, load_catalog
from printers.status import state_text

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("picker", "printers", "db")


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
    """Calls `_(...)`, `_n(...)` and `N_(...)` with their first argument."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("_", "_n", "N_")
            and node.args
        ):
            yield node, node.args[0]


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
    assert not bad, "f-string passed to _(), _n() or N_(): " + ", ".join(bad)


def placeholders(text: str) -> Counter[tuple[str, str | None, str]]:
    return Counter(
        (name, conversion, spec or "")
        for _lit, name, spec, conversion in string.Formatter().parse(text)
        if name is not None
    )


def load_script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def extracted(packages: tuple[str, ...], keywords: dict) -> dict[str | tuple[str, str], str]:
    """Every marked message of `packages` (a plural as (singular, plural)) -> where it is."""
    found: dict[str | tuple[str, str], str] = {}
    for package in packages:
        for filename, lineno, message, _comments, _context in extract_from_dir(
            ROOT / package, keywords=keywords, comment_tags=(), method_map=[("**.py", "python")]
        ):
            key = message if isinstance(message, str) else (message[0], message[1])
            found.setdefault(key, f"{package}/{filename}:{lineno}")
    return found


def catalog_problems(domain: str, packages: tuple[str, ...], po: Path, keywords: dict) -> list[str]:
    """What keeps the zh_CN catalog of `domain` from covering its source: missing, empty,
    fuzzy (left out when compiled) or plural-less entries, and lost or extra `{fields}`."""
    with po.open("rb") as handle:
        catalog = read_po(handle)
    problems = []
    for key, where in sorted(extracted(packages, keywords).items(), key=lambda kv: kv[1]):
        msgid, source = (key, key) if isinstance(key, str) else key
        entry = catalog.get(msgid)
        label = f"{where}: {msgid!r} ({domain})"
        if entry is None:
            problems.append(f"{label}: not in {po.name}")
            continue
        forms = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if isinstance(key, tuple) != entry.pluralizable:
            problems.append(f"{label}: plural in one of source and catalog only")
        elif entry.fuzzy:
            problems.append(f"{label}: marked fuzzy, so it is not compiled")
        elif not all(forms):
            problems.append(f"{label}: no translation")
        for form in forms:
            if form and placeholders(form) != placeholders(source):
                problems.append(f"{label}: {form!r} changes the {{fields}}")
    return problems


def test_the_zh_cn_catalogs_cover_every_marked_string() -> None:
    """One pass over the whole source: every string marked for translation has a zh_CN entry
    with the same `{fields}` (for a plural, those of the plural form). All problems are listed
    at once; `scripts/translations.py update` adds missing entries to the .po to fill in."""
    script = load_script("translations")
    problems = []
    for domain, (packages, locale_dir) in script.DOMAINS.items():
        po = ROOT / locale_dir / "zh_CN" / "LC_MESSAGES" / f"{domain}.po"
        problems += catalog_problems(domain, packages, po, script.KEYWORDS)
    assert not problems, f"{len(problems)} zh_CN catalog problems:\n" + "\n".join(problems)


def test_the_catalog_check_finds_what_is_wrong(tmp_path: Path) -> None:
    """Guards the test above: it sees marked strings and plurals, and each kind of problem."""
    found = extracted(("printers",), load_script("translations").KEYWORDS)
    assert {"printer {printer} is ready", "cutter error"} <= set(found)
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "mod.py").write_text(
        "_('Refresh')\n_('Quit')\n_('Job {id}', id=1)\nN_('Close')\n"
        "_n('{n} bag', '{n} bags', n, n=n)\n_('Sort')\n",
        encoding="utf-8",
    )
    po = tmp_path / "x.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: zh_CN\\n"\n"Plural-Forms: nplurals=1; plural=0;\\n"\n\n'
        'msgid "Refresh"\nmsgstr "刷新"\n\n'
        'msgid "Quit"\nmsgstr ""\n\n'
        'msgid "Job {id}"\nmsgstr "任务 {job}"\n\n'
        '#, fuzzy\nmsgid "Close"\nmsgstr "关闭"\n\n'
        'msgid "{n} bag"\nmsgid_plural "{n} bags"\nmsgstr[0] "{n} 袋"\n',
        encoding="utf-8",
    )
    keywords = {"_": None, "N_": None, "_n": (1, 2)}
    problems = catalog_problems("x", (str(package),), po, keywords)
    assert len(problems) == 4, problems
    assert any("'Quit'" in p and "no translation" in p for p in problems)
    assert any("'Job {id}'" in p and "changes the {fields}" in p for p in problems)
    assert any("'Close'" in p and "fuzzy" in p for p in problems)
    assert any("'Sort'" in p and "not in" in p for p in problems)


def test_a_missing_or_stale_mo_is_compiled_from_the_po(tmp_path: Path) -> None:
    """Without set-up the committed .po still decides: compiled on load and kept for next time;
    a .mo older than its .po is compiled again, and both compilers agree."""
    source = ROOT / "picker" / "locale" / "zh_CN" / "LC_MESSAGES" / "picker.po"
    folder = tmp_path / "zh_CN" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    po, mo = folder / "picker.po", folder / "picker.mo"
    shutil.copy(source, po)
    first = load_catalog(tmp_path, "picker", "zh_CN")
    assert first.gettext("Refresh") == "刷新"
    assert first.ngettext("{n} order", "{n} orders", 1) == "{n} 笔订单"
    assert mo.exists()
    po.write_text(
        po.read_text(encoding="utf-8").replace('msgstr "刷新"', 'msgstr "再读"'), encoding="utf-8"
    )
    os.utime(mo, (1, 1))
    assert load_catalog(tmp_path, "picker", "zh_CN").gettext("Refresh") == "再读"
    assert mo.stat().st_mtime > 1
    compiled_by_babel = io.BytesIO()
    with source.open("rb") as handle:
        write_mo(compiled_by_babel, read_po(handle))
    ours = gettext.GNUTranslations(io.BytesIO(compile_po(source)))
    babels = gettext.GNUTranslations(io.BytesIO(compiled_by_babel.getvalue()))
    assert ours._catalog == babels._catalog  # type: ignore[attr-defined]
    assert ours.ngettext("{n} order", "{n} orders", 5) == "{n} 笔订单"
    with pytest.raises(FileNotFoundError):
        load_catalog(tmp_path, "picker", "fr")


def test_english_plurals_are_right() -> None:
    set_language("en")
    assert _n("{n} order", "{n} orders", 1, n=1) == "1 order"
    assert _n("{n} order", "{n} orders", 2, n=2) == "2 orders"
    assert _n("{n} order", "{n} orders", 0, n=0) == "0 orders"
    set_language("zh_CN")
    assert _n("{n} order", "{n} orders", 1, n=1) == "1 笔订单"
    assert _n("{n} order", "{n} orders", 2, n=2) == "2 笔订单"


@pytest.mark.parametrize(
    ("counts", "english", "chinese"),
    [
        ((1, 1, 1), "1 order not batched · 1 order not packed · 1 bag not loaded", "1 单未分批"),
        ((2, 3, 2), "2 orders not batched · 3 orders not packed · 2 bags not loaded", "2 单未分批"),
    ],
)
def test_what_stays_behind_reads_right_for_one_and_many(
    counts: tuple[int, int, int], english: str, chinese: str
) -> None:
    """A real message through the real catalogs: one of a thing is singular in English."""
    unbatched, unpacked, bags = counts
    missing = tuple(MissingBag(f"B{i}", f"A{i}", "", "closed") for i in range(bags))
    stop = MissingStop(1, "XY01", "青平居委", missing, unpacked=unpacked, unbatched=unbatched)
    set_language("en")
    assert stop.summary() == english
    set_language("zh_CN")
    assert stop.summary().startswith(chinese)


def test_the_printers_speak_the_language_picker_sets() -> None:
    set_language("zh_CN")
    assert printers_i18n.current_language() == "zh_CN"
    assert state_text("paper-out", "label1") == "打印机 label1 缺纸：请装纸"
    set_language("en")
    assert printers_i18n.current_language() == "en"
    assert state_text("paper-out", "label1") == "printer label1 is out of paper: load a roll"


RUN_THE_APP = """
import asyncio, sys
from pathlib import Path
from picker.app.config import Settings
from picker.app.warehouse import Warehouse
from picker.domain.auth import SignedIn
from picker.domain.model import Role
from picker.i18n import detect_language, set_language
from picker.ui.app import make_app

set_language(detect_language(None))  # what `picker` does without --lang

async def run() -> None:
    lead = SignedIn("L01", "Lead", Role.LEAD)
    app = make_app(Warehouse(Path(sys.argv[1]), Settings()), operator=lead, screen="orders")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.3)
        print("|".join(b.binding.description for b in app.screen.active_bindings.values()))

asyncio.run(run())
"""


def test_a_running_app_speaks_chinese_by_default(tmp_path: Path) -> None:
    """A fresh process with no language asked for and no English locale: the footer's keys are
    in Chinese, read from the compiled catalog."""
    env = {k: v for k, v in os.environ.items() if k not in ("PICKER_LANG", "LC_ALL", "LANGUAGE")}
    env.update(LANG="C.UTF-8", PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", RUN_THE_APP, str(tmp_path / "w.db")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    keys = set(done.stdout.strip().split("|"))
    assert {"刷新", "筛选", "帮助"} <= keys, keys


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_a_printer_setting_error_is_shown_like_any_other(tmp_path: Path, lang: str) -> None:
    """printers raises its own errors; the command line still prints the message, no
    traceback, with the exit code of bad input, in the language asked for."""
    config = tmp_path / "picker.toml"
    config.write_text('[printers.bad1]\nconnection = "lpt1"\n', encoding="utf-8")
    args = ["--lang", lang, "printers", "--db", str(tmp_path / "w.db"), "--config", str(config)]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 2, result.output
    words = "network:HOST:PORT" if lang == "en" else "network:主机:端口"
    assert "bad1" in result.output and words in result.output
    assert "Traceback" not in result.output
    with pytest.raises(InputError, match="bad1"):
        load_settings(config)


def test_a_missing_font_is_shown_like_any_other(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rendering a preview (or a raster job) without a Chinese font: picker's InputError with
    the printing side's message, so the screens and the CLI show it and exit with 2."""
    import printers.png

    def no_font(*_args: object) -> bytes:
        raise FontMissing("no Chinese font found")

    monkeypatch.setattr(printers.png, "render_png", no_font)
    doc = Document("x", "x", (Text("青菜"),))
    with pytest.raises(InputError, match="no Chinese font found") as info:
        render_bytes(doc, "png", None, PAPER_58)
    assert info.value.exit_code == FontMissing.exit_code == 2


def test_printers_import_nothing_of_picker() -> None:
    """The printing side stands alone: picker tells it the language, never the reverse."""
    bad = [
        f"{where(path, node)}: {name}"
        for module, path, tree in parsed()
        if top(module) == "printers"
        for name, node in imports(module, path, tree)
        if top(name) == "picker"
    ]
    assert not bad, "printers imports picker:\n" + "\n".join(bad)
    tree = ast.parse("from picker.i18n import _\nimport picker.errors")
    path = ROOT / "printers" / "status.py"
    assert {top(name) for name, _node in imports("printers.status", path, tree)} == {"picker"}


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
    """The purity checks that use `imports` are only as good as its resolution of relative and
    `from` imports."""
    path = ROOT / "picker" / "ui" / "orders.py"
    found = {name for name, _node in imports("picker.ui.orders", path, ast.parse(source))}
    assert found == expected
