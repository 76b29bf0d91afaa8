"""Translation of user-facing strings through gettext. zh_CN is the default; English is the
source language, so the English text is the message id.

`_("...")` translates at call time and fills `{name}` fields from keywords;
`_n("{n} bag", "{n} bags", n, n=n)` picks the form for a count (English has two, zh_CN one);
`N_("...")` only marks a string for extraction where it is translated later, e.g. reject
reasons stored as codes.

The catalog is `picker/locale/zh_CN/LC_MESSAGES/picker.po` (committed), compiled to `.mo` by
`scripts/setup`; `scripts/translations.py update` adds new strings to it. The printers package
has its own domain: `set_language` tells it too.
"""

from __future__ import annotations

import gettext
import locale
import os
from pathlib import Path

import printers.i18n as printers_i18n

LANGUAGES = ("zh_CN", "en")
LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "picker"

_current = "zh_CN"
_loaded: dict[str, gettext.NullTranslations] = {}


def detect_language(explicit: str | None = None) -> str:
    """`--lang`, else `PICKER_LANG`, else the locale if it is English, else zh_CN."""
    wanted = explicit or os.environ.get("PICKER_LANG")
    if not wanted:
        loc = os.environ.get("LC_ALL") or os.environ.get("LANG") or (locale.getlocale()[0] or "")
        wanted = "en" if loc.lower().startswith("en") else "zh_CN"
    wanted = wanted.replace("-", "_")
    if wanted.lower().startswith("en"):
        return "en"
    if wanted.lower().startswith("zh"):
        return "zh_CN"
    raise ValueError(f"unknown language {wanted!r}; choose one of {', '.join(LANGUAGES)}")


def set_language(lang: str) -> None:
    """Speak `lang` from now on, here and on the printing side."""
    global _current
    _current = detect_language(lang)
    printers_i18n.set_language(_current)


def current_language() -> str:
    return _current


def _catalog() -> gettext.NullTranslations:
    catalog = _loaded.get(_current)
    if catalog is None:
        catalog = _loaded[_current] = printers_i18n.load_catalog(LOCALE_DIR, DOMAIN, _current)
    return catalog


def _(message: str, /, **params: object) -> str:
    text = _catalog().gettext(message)
    return text.format(**params) if params else text


def _n(singular: str, plural: str, n: int, /, **params: object) -> str:
    """The form of a message for the count `n`, filled from `params` (pass `n=n` to show it)."""
    text = _catalog().ngettext(singular, plural, n)
    return text.format(**params) if params else text


def N_(message: str, /) -> str:
    return message
