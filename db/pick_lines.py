"""Rows of pick lines: what a batch needs of each sku, what is picked, skipped and short.

A short is kept twice: on the pick line (units of the sku) and per order line in
`line_shorts`, which packing reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils


@dataclass(frozen=True, slots=True)
class PickRow:
    sku: str
    walk_seq: int
    needed: int
    picked: int
    grams_picked: int
    short: int
    short_reason: str | None
    skips: int

    @property
    def remaining(self) -> int:
        return self.needed - self.picked - self.short


def pick_rows(db: sqlite_utils.Database, batch_id: str) -> list[PickRow]:
    """The batch's pick lines in the order they are walked: skipped lines go to the end."""
    return [
        PickRow(*row)
        for row in db.conn.execute(
            "SELECT sku, walk_seq, needed, picked, grams_picked, short, short_reason, skips"
            " FROM pick_lines WHERE batch = ? ORDER BY skips, walk_seq, sku",
            (batch_id,),
        )
    ]


def pick_totals(db: sqlite_utils.Database, batch_id: str) -> tuple[int, int, int]:
    """(needed, picked, short) units over the batch's pick lines."""
    needed, picked, short = db.conn.execute(
        "SELECT coalesce(sum(needed), 0), coalesce(sum(picked), 0),"
        " coalesce(sum(short), 0) FROM pick_lines WHERE batch = ?",
        (batch_id,),
    ).fetchone()
    return int(needed), int(picked), int(short)


def pick_row(db: sqlite_utils.Database, batch_id: str, sku: str) -> PickRow | None:
    row = db.conn.execute(
        "SELECT sku, walk_seq, needed, picked, grams_picked, short, short_reason, skips"
        " FROM pick_lines WHERE batch = ? AND sku = ?",
        (batch_id, sku),
    ).fetchone()
    return PickRow(*row) if row else None


def add_picked(db: sqlite_utils.Database, batch_id: str, sku: str, qty: int, grams: int) -> None:
    db.conn.execute(
        "UPDATE pick_lines SET picked = picked + ?, grams_picked = grams_picked + ?"
        " WHERE batch = ? AND sku = ?",
        (qty, grams, batch_id, sku),
    )


def skip_line(db: sqlite_utils.Database, batch_id: str, sku: str) -> None:
    db.conn.execute(
        "UPDATE pick_lines SET skips = (SELECT max(skips) + 1 FROM pick_lines WHERE batch = ?)"
        " WHERE batch = ? AND sku = ?",
        (batch_id, batch_id, sku),
    )


def set_short(db: sqlite_utils.Database, batch_id: str, sku: str, qty: int, reason: str) -> None:
    db.conn.execute(
        "UPDATE pick_lines SET short = short + ?, short_reason = ? WHERE batch = ? AND sku = ?",
        (qty, reason, batch_id, sku),
    )


def demands(db: sqlite_utils.Database, batch_id: str, sku: str) -> list[tuple]:
    """(order_no, line_no, paid_at, qty, unit_price_fen) of the batch's paid lines of a sku."""
    return db.conn.execute(
        "SELECT l.order_no, l.line_no, o.paid_at, l.qty - coalesce(s.short_qty, 0),"
        " l.unit_price_fen FROM batch_orders b"
        " JOIN orders o ON o.order_no = b.order_no"
        " JOIN order_lines l ON l.order_no = b.order_no"
        " LEFT JOIN line_shorts s ON s.order_no = l.order_no AND s.line_no = l.line_no"
        " WHERE b.batch = ? AND l.sku = ? AND o.status = 'paid'",
        (batch_id, sku),
    ).fetchall()


def add_line_short(
    db: sqlite_utils.Database,
    *,
    order_no: str,
    line_no: int,
    batch_id: str,
    qty: int,
    reason: str,
    policy: str,
) -> None:
    db.conn.execute(
        "INSERT INTO line_shorts (order_no, line_no, batch, short_qty, reason, policy)"
        " VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (order_no, line_no) DO UPDATE SET short_qty = short_qty + excluded.short_qty",
        (order_no, line_no, batch_id, qty, reason, policy),
    )
