"""Translation of user-facing strings. zh_CN is the default; the English text is the key.

`_("...")` translates at call time; `N_("...")` only marks a string for the catalog check
(`tests/test_i18n.py`) where it is translated later, e.g. reject reasons stored as codes.
"""

from __future__ import annotations

import locale
import os

from picker.translations import ZH_CN

LANGUAGES = ("zh_CN", "en")
_catalogs: dict[str, dict[str, str]] = {"zh_CN": ZH_CN, "en": {}}
_current = "zh_CN"


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
    global _current
    _current = detect_language(lang)


def current_language() -> str:
    return _current


def _(message: str, /, **params: object) -> str:
    text = _catalogs[_current].get(message, message)
    return text.format(**params) if params else text


def N_(message: str, /) -> str:
    return message
