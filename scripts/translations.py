"""Keep the gettext catalogs in step with the source, and compile them.

    .venv/bin/python scripts/translations.py update    new strings into the .po files
    .venv/bin/python scripts/translations.py compile   .po -> .mo (scripts/setup runs this)

`update` extracts every string marked with `_`, `_n` or `N_` and merges it into
`<package>/locale/zh_CN/LC_MESSAGES/<domain>.po`: new strings arrive with an empty msgstr to
fill in (it lists them), strings gone from the source are dropped. `compile` rebuilds a `.mo`
only when its `.po` is newer. Both print the `pybabel` commands they run.
"""

from __future__ import annotations

import contextlib
import io
import os
import shlex
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
LANGUAGES = ("zh_CN",)
#: Domain -> (the packages whose strings it holds, its locale folder).
DOMAINS = {
    "picker": (("picker", "db"), "picker/locale"),
    "printers": (("printers",), "printers/locale"),
}
#: The marking functions, as Babel keyword specs (`_n`'s arguments 1 and 2 are one plural).
KEYWORDS = {"_": None, "N_": None, "_n": (1, 2)}
KEYWORD_ARGS = [
    "--no-default-keywords",
    *(f"-k{name}" + (":" + ",".join(map(str, s)) if s else "") for name, s in KEYWORDS.items()),
]
# Babel warns about f-strings given as keyword arguments (`error=f"..."`), which are values to
# fill in, not messages: the message itself is extracted all the same.
NOISE = "warning: Skipping f-string with substitutions"


@contextlib.contextmanager
def quiet_fstring_warnings() -> Iterator[None]:
    captured = io.StringIO()
    with contextlib.redirect_stderr(captured):
        yield
    for line in captured.getvalue().splitlines(keepends=True):
        if NOISE not in line:
            sys.stderr.write(line)


def pybabel(*args: str) -> None:
    print("pybabel", shlex.join(args), flush=True)
    with quiet_fstring_warnings():
        status = CommandLineInterface().run(["pybabel", "--quiet", *args])
    if status:
        sys.exit(status)


def catalog(locale_dir: str, lang: str, domain: str, suffix: str = ".po") -> Path:
    return ROOT / locale_dir / lang / "LC_MESSAGES" / f"{domain}{suffix}"


def forms(string: str | tuple[str, ...]) -> tuple[str, ...]:
    return string if isinstance(string, tuple) else (string,)


def undated(po_text: str) -> str:
    return "\n".join(line for line in po_text.splitlines() if "POT-Creation-Date" not in line)


def update() -> None:
    untranslated = []
    with tempfile.TemporaryDirectory() as tmp:
        for domain, (packages, locale_dir) in DOMAINS.items():
            pot = str(Path(tmp) / f"{domain}.pot")
            options = ["--no-location", "--sort-output", "--no-wrap", "--project", "picker"]
            pybabel("extract", *KEYWORD_ARGS, *options, "-o", pot, *packages)
            for lang in LANGUAGES:
                po = catalog(locale_dir, lang, domain)
                command, extra = "init", []
                before = po.read_text(encoding="utf-8") if po.exists() else ""
                if po.exists():
                    command, extra = "update", ["--no-fuzzy-matching", "--ignore-obsolete"]
                where = ["-i", pot, "-d", locale_dir, "-D", domain, "-l", lang]
                pybabel(command, *where, "--no-wrap", *extra)
                if undated(po.read_text(encoding="utf-8")) == undated(before):
                    # Only the extraction time changed: keep the file, and branches that
                    # did not touch the strings out of each other's way.
                    po.write_text(before, encoding="utf-8")
                with po.open("rb") as handle:
                    untranslated += [
                        f"{po.relative_to(ROOT)}: {message.id!r}"
                        for message in read_po(handle)
                        if message.id and not all(forms(message.string))
                    ]
    if untranslated:
        print(f"{len(untranslated)} to translate (fill in their msgstr):")
        print("\n".join(untranslated))


def compile_all() -> None:
    for domain, (_packages, locale_dir) in DOMAINS.items():
        for lang in LANGUAGES:
            po, mo = catalog(locale_dir, lang, domain), catalog(locale_dir, lang, domain, ".mo")
            if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
                pybabel("compile", "-d", locale_dir, "-D", domain, "-l", lang, "--statistics")


def main(argv: list[str]) -> None:
    commands = {"update": update, "compile": compile_all}
    if len(argv) != 1 or argv[0] not in commands:
        sys.exit(__doc__)
    os.chdir(ROOT)
    commands[argv[0]]()


if __name__ == "__main__":
    main(sys.argv[1:])
