"""The printing side's own translations (gettext domain `printers`), and the catalog loader.

Printers speak the language they are told with `set_language` (zh_CN until told otherwise):
the application sets it, this package never asks the application. `_("...")` translates and
fills `{name}` fields from keywords; `N_("...")` only marks a string for extraction.

`load_catalog` reads a compiled `.mo` (set-up compiles them with Babel). When it is missing or
older than its `.po` (a checkout that was not set up again, a test run without set-up) the
`.po` is compiled here, with the standard library only, and where the folder is writable kept
beside it the way Python keeps `__pycache__`: the catalog in use is always the committed `.po`.
"""

from __future__ import annotations

import ast
import contextlib
import gettext
import io
import os
import struct
import tempfile
from pathlib import Path

LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "printers"
SOURCE_LANGUAGE = "en"

_current = "zh_CN"
_loaded: dict[str, gettext.NullTranslations] = {}


def load_catalog(locale_dir: Path, domain: str, language: str) -> gettext.NullTranslations:
    """The compiled catalog of `domain` for `language`; the source language needs none.

    `FileNotFoundError` when the language has neither a `.po` nor a `.mo`.
    """
    if language == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    mo = locale_dir / language / "LC_MESSAGES" / f"{domain}.mo"
    po = mo.with_suffix(".po")
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    if not po.exists():
        raise FileNotFoundError(f"no {domain} catalog for {language}: {po} is missing")
    data = compile_po(po)
    _save(mo, data)
    return gettext.GNUTranslations(io.BytesIO(data))


def compile_po(po: Path) -> bytes:
    """A `.po` file as `.mo` bytes. Like `pybabel compile`: fuzzy and untranslated entries
    are left out, the header is kept (it holds the plural rule)."""
    return mo_bytes(read_po(po.read_text(encoding="utf-8")))


def read_po(text: str) -> dict[str, str]:
    """The translated entries of a `.po` text as `.mo` keys and values: a plural's key is
    its singular and plural joined by NUL, its value the forms joined by NUL."""
    entries: dict[str, str] = {}
    entry: dict[str, str] = {}
    field = ""
    fuzzy = False

    def finish() -> None:
        nonlocal entry, fuzzy
        if "msgid" in entry:
            key = entry["msgid"]
            if "msgid_plural" in entry:
                key += "\0" + entry["msgid_plural"]
            forms = [v for k, v in sorted(entry.items()) if k.startswith("msgstr")]
            if key == "" or (any(forms) and not fuzzy):
                entries[key] = "\0".join(forms)
        entry, fuzzy = {}, False

    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith('"'):
            entry[field] += ast.literal_eval(line)
            continue
        starts_entry = not line or line.startswith(("#", "msgid ", "msgctxt "))
        if starts_entry and any(k.startswith("msgstr") for k in entry):
            finish()
        if line.startswith("#,"):
            fuzzy = "fuzzy" in line[2:].replace(",", " ").split()
        elif line and not line.startswith("#"):
            field, _sep, value = line.partition(" ")
            if field == "msgctxt":
                raise ValueError(f"message contexts are not used here: {raw!r}")
            entry[field] = ast.literal_eval(value)
    finish()
    return entries


def mo_bytes(entries: dict[str, str]) -> bytes:
    """GNU `.mo` bytes (little-endian, no hash table) that `gettext` reads."""
    keys = sorted(entries)
    ids = [k.encode("utf-8") for k in keys]
    strs = [entries[k].encode("utf-8") for k in keys]
    count = len(keys)
    header = 7 * 4
    ids_table, strs_table = header, header + 8 * count
    offset = strs_table + 8 * count
    table: list[int] = []
    blob = b""
    for data in (*ids, *strs):
        table += [len(data), offset + len(blob)]
        blob += data + b"\0"
    head = struct.pack("<7I", 0x950412DE, 0, count, ids_table, strs_table, 0, offset)
    return head + struct.pack(f"<{len(table)}I", *table) + blob


def _save(mo: Path, data: bytes) -> None:
    """Keep a compiled catalog for the next start; a read-only install just compiles again."""
    with contextlib.suppress(OSError):
        fd, tmp = tempfile.mkstemp(dir=mo.parent, prefix=f".{mo.name}.")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            # Atomic: test workers starting together never read half a file.
            os.replace(tmp, mo)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)


def set_language(language: str) -> None:
    """Print and report in `language` (`zh_CN` or `en`) from now on."""
    global _current
    _current = language


def current_language() -> str:
    return _current


def _catalog() -> gettext.NullTranslations:
    catalog = _loaded.get(_current)
    if catalog is None:
        catalog = _loaded[_current] = load_catalog(LOCALE_DIR, DOMAIN, _current)
    return catalog


def _(message: str, /, **params: object) -> str:
    text = _catalog().gettext(message)
    return text.format(**params) if params else text


def N_(message: str, /) -> str:
    return message
