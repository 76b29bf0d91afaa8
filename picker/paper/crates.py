"""The committee label on a crate (周转筐), and the crates lines of manifests and route sheets.

Pure builders like `picker.paper.sheets` (Chinese written literally: the paper is read by loaders
and the committee). The label is read from two metres across the dock, so the committee's
name is printed three times as tall as text (and as wide as the paper allows), with route
and stop, and crate k (k of n once the count is final), twice the size; ESC/POS prints the
sizes with `GS !`, which enlarges Chinese as well. The Code128 is the crate's ASCII id,
scanned to load the crate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from printers.document import (
    Align,
    Barcode,
    Block,
    Columns,
    Cut,
    Document,
    Paper,
    Rule,
    Text,
    printed_width,
)

#: The committee's name: this tall whatever its length, and as wide as fits on one line.
NAME_HEIGHT = 3
NAME_WIDTHS = (3, 2)


@dataclass(frozen=True, slots=True)
class CrateLabel:
    crate_id: str
    committee: str
    subdistrict: str
    #: The route's name and the committee's stop on it ("" / None: on no route yet).
    route: str
    stop: int | None
    k: int
    #: How many crates the committee has, once that is final (None: not known yet).
    n: int | None
    bags: int
    grams: int
    day: date
    warehouse: str = ""


@dataclass(frozen=True, slots=True)
class CrateCount:
    """One crate of a committee on a manifest or route sheet."""

    k: int
    crate_id: str
    bags: int


def name_width(name: str, paper: Paper) -> int:
    """The widest size multiplier at which the name fits one line (else the narrowest)."""
    used = printed_width(name)
    return next((w for w in NAME_WIDTHS if used * w <= paper.columns), NAME_WIDTHS[-1])


def crate_number(k: int, n: int | None) -> str:
    """`3/5` once the committee's crate count is final, else `3`: paper shows no guess."""
    return f"{k}/{n}" if n else str(k)


def crate_label(data: CrateLabel, paper: Paper, *, reprint: bool = False) -> Document:
    """The committee label stuck on a closed crate: who it is for, where on which truck,
    crate k (of n when final) of that committee, its bags, and the Code128 a loader scans."""
    big = 2
    where = (
        f"{data.route} 第{data.stop}站" if data.route and data.stop else data.route or "未排线路"
    )
    blocks: list[Block] = [
        Text(
            data.committee,
            Align.CENTER,
            bold=True,
            width=name_width(data.committee, paper),
            height=NAME_HEIGHT,
        ),
        Text(data.subdistrict, Align.CENTER, bold=True, width=1, height=2),
        Rule("="),
        Text(where, Align.CENTER, bold=True, width=big, height=big),
        Text(
            f"第 {crate_number(data.k, data.n)} 筐  {data.bags} 袋",
            Align.CENTER,
            bold=True,
            width=big,
            height=big,
        ),
        Rule(),
        Barcode(data.crate_id, height=72 if paper.columns < 48 else 96),
        Columns(
            (f"{data.day:%Y-%m-%d}", f"约{data.grams / 1000:.1f}kg", data.warehouse),
            (10, 0, 10),
            (Align.LEFT, Align.CENTER, Align.RIGHT),
        ),
        Cut(),
    ]
    return Document("crate", data.crate_id, tuple(blocks), reprint)


def crate_summary(crates: Sequence[CrateCount]) -> str:
    """`3 筐 30 袋`: a committee's crates in one phrase (empty without crates)."""
    if not crates:
        return ""
    return f"{len(crates)} 筐 {sum(c.bags for c in crates)} 袋"


def crate_rows(crates: Sequence[CrateCount]) -> list[Block]:
    """A committee's crates, one line each (k, id, bags), under a heading with the totals."""
    if not crates:
        return []
    aligns = (Align.LEFT, Align.LEFT, Align.RIGHT)
    blocks: list[Block] = [Text(f"周转筐：{crate_summary(crates)}", bold=True)]
    for c in crates:
        blocks.append(Columns((f"第{c.k}筐", c.crate_id, f"{c.bags}袋"), (7, 0, 5), aligns))
    return blocks
