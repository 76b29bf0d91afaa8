"""The orders overview's table: its columns, the sort orders, a committee's cells and styles."""

from __future__ import annotations

import enum
from collections.abc import Sequence

from rich.text import Text

from picker.app.warehouse import CommitteeOrders
from picker.domain.money import format_fen
from picker.i18n import N_, _

#: (column key, header, numeric)
COLUMNS = (
    ("subdistrict", N_("Subdistrict"), False),
    ("committee", N_("Committee"), False),
    ("orders", N_("Orders"), True),
    ("lines", N_("Order lines"), True),
    ("amount", N_("Amount"), True),
    ("rejects", N_("Pending rejects"), True),
)


class SortOrder(enum.Enum):
    """How the committees are ordered; `s` cycles through them. The value is the marked column."""

    PLACE = "subdistrict"
    ORDERS = "orders"
    AMOUNT = "amount"

    def next(self) -> SortOrder:
        members = list(SortOrder)
        return members[(members.index(self) + 1) % len(members)]

    def label(self) -> str:
        return {
            SortOrder.PLACE: _("by subdistrict and committee"),
            SortOrder.ORDERS: _("by orders, most first"),
            SortOrder.AMOUNT: _("by amount, highest first"),
        }[self]

    def arrange(self, rows: Sequence[CommitteeOrders]) -> list[CommitteeOrders]:
        """Rows in this order; ties keep the warehouse's subdistrict/committee order."""
        if self is SortOrder.ORDERS:
            return sorted(rows, key=lambda r: -r.orders)
        if self is SortOrder.AMOUNT:
            return sorted(rows, key=lambda r: -r.amount_fen)
        return list(rows)


def cells(row: CommitteeOrders) -> tuple[str, ...]:
    """The row's cells as text, in `COLUMNS` order."""
    return (row.subdistrict, row.name, f"{row.orders:,}", f"{row.lines:,}",
            format_fen(row.amount_fen), f"{row.rejects:,}")  # fmt: skip


def styled(column: int, value: str) -> Text:
    """Numbers right-aligned; a non-zero reject count in red so it is not missed."""
    numeric = COLUMNS[column][2]
    style = "bold red" if COLUMNS[column][0] == "rejects" and value != "0" else ""
    return Text(value, style=style, justify="right" if numeric else "left")
