"""Rows of packing: order lines with packed and short quantities, and the bags they go into."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from picker.domain.states import BagState

if TYPE_CHECKING:
    import sqlite_utils


@dataclass(frozen=True, slots=True)
class PackRow:
    """One order line of a batch with what has been packed and shorted so far."""

    order_no: str
    line_no: int
    sku: str
    qty: int
    unit_price_fen: int
    ordered_grams: int | None
    packed: int
    grams: int
    label_fen: int
    short: int

    @property
    def remaining(self) -> int:
        return self.qty - self.short - self.packed


def order_lines(db: sqlite_utils.Database, order_no: str) -> list[PackRow]:
    """An order's lines as ordered, with nothing packed or short (whatever its batch)."""
    return [
        PackRow(no, ln, sku, qty, price, grams, 0, 0, 0, 0)
        for no, ln, sku, qty, price, grams in db.conn.execute(
            "SELECT order_no, line_no, sku, qty, unit_price_fen, ordered_grams"
            " FROM order_lines WHERE order_no = ?",
            (order_no,),
        )
    ]


def pack_rows(db: sqlite_utils.Database, batch_id: str) -> list[PackRow]:
    """Every paid order line of the batch with packed and short quantities."""
    return [
        PackRow(*row)
        for row in db.conn.execute(
            "SELECT l.order_no, l.line_no, l.sku, l.qty, l.unit_price_fen, l.ordered_grams,"
            " coalesce(p.qty, 0), coalesce(p.grams, 0), coalesce(p.label_fen, 0),"
            " coalesce(s.short_qty, 0)"
            " FROM batch_orders b"
            " JOIN orders o ON o.order_no = b.order_no"
            " JOIN order_lines l ON l.order_no = b.order_no"
            " LEFT JOIN packed_lines p ON p.order_no = l.order_no AND p.line_no = l.line_no"
            " LEFT JOIN line_shorts s ON s.order_no = l.order_no AND s.line_no = l.line_no"
            " WHERE b.batch = ? AND o.status = 'paid'"
            " ORDER BY l.order_no, l.line_no",
            (batch_id,),
        )
    ]


def batch_households(db: sqlite_utils.Database, batch_id: str) -> list[tuple]:
    """(order_no, status, community, building, unit, room, name, phone) of the batch's orders."""
    return db.conn.execute(
        "SELECT o.order_no, o.status, o.community, o.building, o.unit, o.room, o.name, o.phone"
        " FROM batch_orders b JOIN orders o ON o.order_no = b.order_no WHERE b.batch = ?",
        (batch_id,),
    ).fetchall()


def add_packed(
    db: sqlite_utils.Database, order_no: str, line_no: int, qty: int, grams: int, label_fen: int
) -> None:
    """Add to (or, negative, take from: an undo) what is packed of an order line."""
    if qty < 0:
        # An upsert's CHECK (qty >= 0) sees the negative VALUES before its UPDATE runs.
        db.conn.execute(
            "UPDATE packed_lines SET qty = qty + ?, grams = grams + ?, label_fen = label_fen + ?"
            " WHERE order_no = ? AND line_no = ?",
            (qty, grams, label_fen, order_no, line_no),
        )
        return
    db.conn.execute(
        "INSERT INTO packed_lines (order_no, line_no, qty, grams, label_fen)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (order_no, line_no) DO UPDATE SET"
        " qty = qty + excluded.qty, grams = grams + excluded.grams,"
        " label_fen = label_fen + excluded.label_fen",
        (order_no, line_no, qty, grams, label_fen),
    )


def bags_of(db: sqlite_utils.Database, order_no: str) -> list[tuple]:
    """(id, k, n, items, status) of an order's bags."""
    return db.conn.execute(
        "SELECT id, k, n, items, status FROM bags WHERE order_no = ? ORDER BY k", (order_no,)
    ).fetchall()


def bag_contents(db: sqlite_utils.Database, batch_id: str, order_no: str) -> list[tuple]:
    """(k, sku, units) in each of an order's bags, from the accepted pack scans and undos."""
    return db.conn.execute(
        "SELECT b.k, s.sku, sum(s.qty) FROM scan_log s JOIN bags b ON b.id = s.bag"
        " WHERE s.batch = ? AND s.stage = 'pack' AND s.order_no = ? AND s.outcome = 'accepted'"
        " AND s.kind IN ('product', 'weighed', 'undo') GROUP BY b.k, s.sku",
        (batch_id, order_no),
    ).fetchall()


def add_to_bag(
    db: sqlite_utils.Database,
    *,
    bag_id: str,
    order_no: str,
    batch_id: str,
    k: int,
    n: int,
    items: int,
) -> None:
    db.conn.execute(
        "INSERT INTO bags (id, order_no, batch, k, n, items) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET items = items + excluded.items",
        (bag_id, order_no, batch_id, k, n, items),
    )


def close_bag(db: sqlite_utils.Database, bag_id: str, at: str) -> None:
    db.conn.execute(
        "UPDATE bags SET status = ?, closed_at = ? WHERE id = ? AND status = ?",
        (BagState.CLOSED, at, bag_id, BagState.OPEN),
    )


def queue_print(db: sqlite_utils.Database, kind: str, target: str, at: str) -> int:
    cur = db.conn.execute(
        "INSERT INTO print_jobs (kind, target, created_at, updated_at) VALUES (?, ?, ?, ?)",
        (kind, target, at, at),
    )
    return int(cur.lastrowid or 0)
