"""The printer-neutral document model and the column arithmetic of thermal paper.

A document is a tuple of blocks. Renderers (text, PNG, ESC/POS) turn it into a preview or
printer bytes; they share the layout in `printers.layout`, so a preview shows what prints.

Width is counted in printed columns: on a Chinese printer every character is one byte (ASCII,
one column) or two bytes (GBK / GB18030, two columns), including `·`, `—` and `℃` which a
terminal shows as one. Text is first made printable (`printable`): characters the printer
cannot show become `□` rather than the `?` or garbage the printer would make of them.

GB18030 also encodes letters outside GBK in four bytes (𠮷 of a surname, CJK extension A and
B, the minority scripts it mandates); a GB18030 printer prints each in one double-width cell
like any other Chinese character, so they are sent and count two columns. Four-byte symbols
(emoji) are not letters the printer's font has: they stay `□`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum

DEFAULT_ENCODING = "gb18030"
#: Shown for a character the printer's encoding lacks (rare names, emoji): visibly missing.
REPLACEMENT = "□"

# ¥ (U+00A5) and NBSP are 4 bytes in GB18030 and print as garbage; their 2-byte twins print.
_SUBSTITUTES = str.maketrans({"\u00a5": "\uffe5", "\u00a0": " ", "\t": " "})
# Line breaking: never start a line with closing punctuation, never end one with opening.
_CLOSING = frozenset("，。、：；！？）》」』】”’…—·,.:;!?)]}%")
_OPENING = frozenset("（《「『【“‘([{￥$#")


class Align(StrEnum):
    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


@dataclass(frozen=True, slots=True)
class Text:
    """A paragraph; wraps at the paper width divided by `width`. Sizes are multipliers 1..8."""

    text: str
    align: Align = Align.LEFT
    bold: bool = False
    width: int = 1
    height: int = 1

    def __post_init__(self) -> None:
        if not (1 <= self.width <= 8 and 1 <= self.height <= 8):
            raise ValueError(f"text size must be 1..8, got {self.width}x{self.height}")


@dataclass(frozen=True, slots=True)
class Columns:
    """One table row. `widths` in printed columns, 0 = share the rest; cells wrap inside
    their column and are separated by `gap` spaces (not counted in `widths`)."""

    cells: tuple[str, ...]
    widths: tuple[int, ...]
    aligns: tuple[Align, ...] = ()
    bold: bool = False
    gap: int = 1

    def __post_init__(self) -> None:
        if len(self.cells) != len(self.widths) or not self.cells:
            raise ValueError(f"{len(self.cells)} cells for {len(self.widths)} widths")
        if len(self.aligns) > len(self.cells) or min(self.widths) < 0 or self.gap < 0:
            raise ValueError(f"bad columns: widths {self.widths}, aligns {self.aligns}")


@dataclass(frozen=True, slots=True)
class Rule:
    char: str = "-"


@dataclass(frozen=True, slots=True)
class Barcode:
    """CODE128 of printable ASCII (scanners type it; wedge scanners cannot type Chinese)."""

    data: str
    height: int = 64
    human_readable: bool = True

    def __post_init__(self) -> None:
        if not self.data or not all(" " <= c <= "~" for c in self.data):
            raise ValueError(f"barcode data must be printable ASCII: {self.data!r}")
        if not 1 <= self.height <= 255:
            raise ValueError(f"barcode height must be 1..255 dots, got {self.height}")


@dataclass(frozen=True, slots=True)
class QRCode:
    """QR of ASCII data (zbar mis-decodes UTF-8 QR without an ECI marker)."""

    data: str
    size: int = 6

    def __post_init__(self) -> None:
        if not self.data or not self.data.isascii():
            raise ValueError(f"QR data must be ASCII: {self.data!r}")
        if not 1 <= self.size <= 16:
            raise ValueError(f"QR module size must be 1..16 dots, got {self.size}")


@dataclass(frozen=True, slots=True)
class Image:
    """A PNG, printed centred; scaled down to the paper if wider."""

    png: bytes


@dataclass(frozen=True, slots=True)
class Feed:
    lines: int = 1

    def __post_init__(self) -> None:
        if not 0 <= self.lines <= 255:
            raise ValueError(f"feed must be 0..255 lines, got {self.lines}")


@dataclass(frozen=True, slots=True)
class Cut:
    pass


Block = Text | Columns | Rule | Barcode | QRCode | Image | Feed | Cut


@dataclass(frozen=True, slots=True)
class Paper:
    name: str
    columns: int
    dots: int


PAPER_58 = Paper("58mm", 32, 384)
PAPER_80 = Paper("80mm", 48, 576)
PAPERS = {"58": PAPER_58, "80": PAPER_80}

#: Printed above a reprinted document, so nobody takes it for a second bag or manifest.
REPRINT_BANNER = (Text("** 补打 **", Align.CENTER, bold=True, width=2, height=2), Rule("="))


@dataclass(frozen=True, slots=True)
class Document:
    """What ends on paper. `kind` and `title` name it in the queue; they are not printed."""

    kind: str
    title: str
    blocks: tuple[Block, ...]
    reprint: bool = False

    def paper_blocks(self) -> tuple[Block, ...]:
        """The blocks as printed: with the 补打 banner first on a reprint."""
        return REPRINT_BANNER + self.blocks if self.reprint else self.blocks


def printable(text: str, encoding: str = DEFAULT_ENCODING) -> str:
    """`text` as the printer can show it, one line: every character one printed column
    (ASCII) or two (anything else the encoding has, see the module's note on GB18030).

    ¥ becomes ￥, NBSP and tabs a space, control characters a space, invisible format
    characters nothing, and anything else the encoding lacks (or a four-byte symbol) `□`.
    """
    if text.isascii():
        if text.isprintable():
            return text
        return "".join(c if " " <= c <= "~" else " " for c in text)
    text = text.translate(_SUBSTITUTES)
    if text.isprintable():
        try:
            encoded = text.encode(encoding)
        except UnicodeEncodeError:
            pass
        else:
            # Every non-ASCII character took exactly two bytes: nothing to replace.
            if len(encoded) == 2 * len(text) - _ascii_count(text):
                return text
    return "".join(_printable_char(c, encoding) for c in text)


def _prints(c: str, size: int, category: str) -> bool:
    """Whether a character `size` bytes long in the printer's encoding prints: every
    two-byte one, and a four-byte (GB18030) one when it is a letter (𠮷, 㐀), not an emoji."""
    return size == 2 or (size == 4 and category[0] == "L")


def _printable_char(c: str, encoding: str) -> str:
    if " " <= c <= "~":
        return c
    category = unicodedata.category(c)
    if category == "Cc":
        return " "
    if category == "Cf":
        return ""
    try:
        size = len(c.encode(encoding))
    except UnicodeEncodeError:
        size = 0
    if _prints(c, size, category):
        return c
    return " " if category == "Zs" else REPLACEMENT


def _ascii_count(text: str) -> int:
    return len(text.encode("ascii", "ignore"))


def _width(p: str) -> int:
    """Columns of an already printable string: ASCII 1, everything else 2."""
    return len(p) if p.isascii() else 2 * len(p) - _ascii_count(p)


def printed_width(text: str, encoding: str = DEFAULT_ENCODING) -> int:
    """Columns `text` takes on paper: the bytes it prints as in `encoding` (`·—℃` are 2)."""
    return _width(printable(text, encoding))


def wrap(text: str, width: int, encoding: str = DEFAULT_ENCODING) -> list[str]:
    """Lines of at most `width` columns. Newlines are kept as breaks; a line breaks at a space
    or between Chinese characters, never inside a character or an ASCII word that fits."""
    if width < 2:
        raise ValueError(f"cannot wrap to {width} column(s): a Chinese character needs 2")
    lines: list[str] = []
    for paragraph in text.split("\n"):
        p = printable(paragraph, encoding)
        if _width(p) <= width:
            lines.append(p.rstrip(" "))
        else:
            lines.extend(_wrap_line(p, width))
    return lines


def _wrap_line(p: str, width: int) -> list[str]:
    out: list[str] = []
    n = len(p)
    start = col = i = 0
    while i < n:
        w = 1 if p[i] < "\x80" else 2
        if col + w <= width:
            col += w
            i += 1
            continue
        end = _break_before(p, start, i)
        out.append(p[start:end].rstrip(" "))
        start = end
        while start < n and p[start] == " ":
            start += 1
        i, col = start, 0
    tail = p[start:].rstrip(" ")
    if tail or not out:
        out.append(tail)
    return out


def _break_before(p: str, start: int, i: int) -> int:
    """Where to end the line that overflows at `i`: the last good break after `start`."""
    for j in range(i, start, -1):
        a, b = p[j - 1], p[j]
        if b == " " or a == " ":
            return j
        # Between Chinese characters, but "5弄" and "301室" stay together.
        wide = a >= "\x80" or (b >= "\x80" and not (a.isascii() and a.isalnum()))
        if wide and b not in _CLOSING and a not in _OPENING:
            return j
    # No break opportunity (a long code or word): cut it at the edge.
    return i


def fit(text: str, width: int, align: Align = Align.LEFT, encoding: str = DEFAULT_ENCODING) -> str:
    """`text` padded or cut to exactly `width` columns; a cut never splits a character."""
    p = printable(text, encoding)
    used = _width(p)
    if used > width:
        kept, used = [], 0
        for c in p:
            w = 1 if c < "\x80" else 2
            if used + w > width:
                break
            kept.append(c)
            used += w
        p = "".join(kept)
    room = width - used
    if align is Align.RIGHT:
        return " " * room + p
    if align is Align.CENTER:
        return " " * (room // 2) + p + " " * (room - room // 2)
    return p + " " * room
