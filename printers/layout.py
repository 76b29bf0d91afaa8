"""Lines on paper: how text, table rows and rules break into printed lines.

Every renderer lays blocks out through these functions, so the text preview, the PNG and the
printer agree on every line break and column.
"""

from __future__ import annotations

from printers.document import Align, Columns, Rule, Text, fit, printable, wrap


def text_lines(block: Text, columns: int, encoding: str) -> list[str]:
    """The lines of a text block, each at most `columns // width` columns (enlarged text)."""
    budget = columns // block.width
    if budget < 2:
        raise ValueError(f"text {block.width}x wide leaves {budget} column(s) on the paper")
    return wrap(block.text, budget, encoding)


def resolve_widths(block: Columns, columns: int) -> list[int]:
    """Column widths on this paper: zeros share what the fixed widths and gaps leave."""
    fixed = sum(block.widths) + block.gap * (len(block.widths) - 1)
    zeros = block.widths.count(0)
    rest = columns - fixed
    if rest < 0 or (zeros and rest < 2 * zeros):
        raise ValueError(
            f"columns {block.widths} with gap {block.gap} do not fit {columns} columns"
        )
    widths = list(block.widths)
    share, extra = divmod(rest, zeros) if zeros else (0, 0)
    for k, w in enumerate(widths):
        if w == 0:
            widths[k] = share + (1 if extra > 0 else 0)
            extra -= 1
    return widths


def column_lines(block: Columns, columns: int, encoding: str) -> list[str]:
    """A table row as printed lines: cells wrap in their column, aligned, top to bottom."""
    widths = resolve_widths(block, columns)
    aligns = block.aligns + (Align.LEFT,) * (len(widths) - len(block.aligns))
    cells = [
        wrap(cell, w, encoding) if w >= 2 else [fit(cell, w, encoding=encoding)]
        for cell, w in zip(block.cells, widths, strict=True)
    ]
    gap = " " * block.gap
    lines = []
    for row in range(max(len(c) for c in cells)):
        parts = [
            fit(cell[row] if row < len(cell) else "", w, align, encoding)
            for cell, w, align in zip(cells, widths, aligns, strict=True)
        ]
        lines.append(gap.join(parts).rstrip(" "))
    return lines


def rule_line(block: Rule, columns: int, encoding: str) -> str:
    """A rule across the paper; a 2-column character (`—`) repeats half as often."""
    char = printable(block.char, encoding)[:1] or "-"
    return char * (columns // (1 if char < "\x80" else 2))


def aligned(used: int, columns: int, align: Align) -> int:
    """Left offset in columns of a line `used` columns wide."""
    room = max(0, columns - used)
    if align is Align.CENTER:
        return room // 2
    if align is Align.RIGHT:
        return room
    return 0
