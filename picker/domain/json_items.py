"""Reading untrusted JSON item by item, and keeping its text storable. Pure.

`json.loads` fails as a whole on one value nested deeper than it follows (`RecursionError`)
or one integer of thousands of digits (`ValueError`): one poisoned order would cost its page
or file. `loads` reads such text container by container down to a given depth and puts an
`Unreadable` in place of just the value that cannot be read, so the rest goes on.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")
# Strings as whole tokens (so brackets inside them do not count), and brackets.
_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
_SURROGATE = re.compile("[\ud800-\udfff]")
#: Characters of an unreadable value kept to show where it was.
EXCERPT = 60


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A value the JSON decoder could not read, in place of that value."""

    error: str
    excerpt: str


def loads(text: str, depth: int) -> Any:
    """`json.loads`, except that a value at `depth` (0 is the whole text) or above that
    cannot be read is replaced by an `Unreadable`. Raises `json.JSONDecodeError` for text
    that is not JSON at all."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except (RecursionError, ValueError):
        pass
    value, end = _value(text, _skip_space(text, 0), 0, depth)
    end = _skip_space(text, end)
    if end != len(text):
        raise json.JSONDecodeError("Extra data", text, end)
    return value


def _skip_space(text: str, at: int) -> int:
    match = _SPACE.match(text, at)
    return match.end() if match else at


def _value(text: str, at: int, level: int, depth: int) -> tuple[Any, int]:
    """The value starting at `at`, and where it ends."""
    try:
        return _DECODER.raw_decode(text, at)
    except json.JSONDecodeError:
        raise
    except (RecursionError, ValueError) as exc:
        error = "nested too deeply" if isinstance(exc, RecursionError) else "number too long"
    opening = text[at : at + 1]
    if level >= depth or opening not in ("[", "{"):
        end = _end_of(text, at)
        return Unreadable(error, text[at : min(end, at + EXCERPT)]), end
    closing = "]" if opening == "[" else "}"
    items: list[Any] = []
    pairs: dict[str, Any] = {}
    at = _skip_space(text, at + 1)
    while True:
        if opening == "{":
            key, at = _DECODER.raw_decode(text, at)
            at = _skip_space(text, at)
            if not isinstance(key, str) or text[at : at + 1] != ":":
                raise json.JSONDecodeError("Expecting ':' delimiter", text, at)
            at = _skip_space(text, at + 1)
        value, at = _value(text, at, level + 1, depth)
        if opening == "{":
            pairs[key] = value
        else:
            items.append(value)
        at = _skip_space(text, at)
        sep = text[at : at + 1]
        if sep == closing:
            return (pairs if opening == "{" else items), at + 1
        if sep != ",":
            raise json.JSONDecodeError("Expecting ',' delimiter", text, at)
        at = _skip_space(text, at + 1)


def _end_of(text: str, at: int) -> int:
    """Where the value starting at `at` ends, found without decoding it."""
    number = _NUMBER.match(text, at)
    if number:
        return number.end()
    depth = 0
    for token in _TOKENS.finditer(text, at):
        c = token.group()
        if c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
        if depth == 0:
            return token.end()
    raise json.JSONDecodeError("Unterminated value", text, at)


def broken(text: str) -> bool:
    """True when `text` holds a lone surrogate: half of an emoji a platform cut, or a byte
    that was not UTF-8. Such text cannot be stored or printed."""
    return _SURROGATE.search(text) is not None


def storable(text: str) -> str:
    """`text` with lone surrogates written as `\\udXXX`, so it can be kept for the lead."""
    if not broken(text):
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def raw_text(value: Any) -> str:
    """An item's JSON text as a reject keeps it: storable, and never failing."""
    if isinstance(value, Unreadable):
        return storable(value.excerpt)
    try:
        return storable(json.dumps(value, ensure_ascii=False, default=_unreadable_json))
    except (RecursionError, ValueError):
        return "(nested too deeply to show)"


def _unreadable_json(value: object) -> str:
    if isinstance(value, Unreadable):
        return value.excerpt
    raise TypeError(type(value).__name__)
