"""Rows of the floor: batches, claims, pick and pack quantities, bags, refunds, the scan log."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from picker.domain.states import BagState, BatchState

if TYPE_CHECKING:
    import sqlite_utils


BATCH_COLUMNS = (
    "id, committee, status, created_at, orders, lines, grams, holder, terminal, claimed_at"
)


@dataclass(frozen=True, slots=True)
class BatchRow:
    id: str
    committee: str
    status: str
    created_at: str
    orders: int
    lines: int
    grams: int
    holder: str | None
    terminal: str | None
    claimed_at: str | None


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


def unbatched_paid_orders(db: sqlite_utils.Database) -> list[tuple]:
    """(order_no, committee, paid_at) of paid orders not yet in a batch, by paid time."""
    return db.conn.execute(
        "SELECT o.order_no, o.committee, o.paid_at FROM orders o"
        " LEFT JOIN batch_orders b ON b.order_no = o.order_no"
        " WHERE o.status = 'paid' AND b.order_no IS NULL ORDER BY o.paid_at, o.order_no"
    ).fetchall()


def lines_of_unbatched(db: sqlite_utils.Database) -> list[tuple]:
    """(order_no, sku, qty, ordered_grams) of every line of paid unbatched orders."""
    return db.conn.execute(
        "SELECT l.order_no, l.sku, l.qty, l.ordered_grams FROM order_lines l"
        " JOIN orders o ON o.order_no = l.order_no"
        " LEFT JOIN batch_orders b ON b.order_no = o.order_no"
        " WHERE o.status = 'paid' AND b.order_no IS NULL"
    ).fetchall()


def batch_count_for(db: sqlite_utils.Database, prefix: str) -> int:
    return int(
        db.conn.execute(
            "SELECT count(*) FROM batches WHERE id LIKE ? || '%'", (prefix,)
        ).fetchone()[0]
    )


def insert_batch(
    db: sqlite_utils.Database,
    *,
    batch_id: str,
    committee: str,
    status: str,
    created_at: str,
    order_nos: Sequence[str],
    lines: int,
    grams: int,
    pick_lines: Iterable[tuple[str, int, int]],
) -> None:
    """A batch with its orders and its pick lines (sku, walk_seq, needed)."""
    db.conn.execute(
        "INSERT INTO batches (id, committee, status, created_at, orders, lines, grams)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (batch_id, committee, status, created_at, len(order_nos), lines, grams),
    )
    db.conn.executemany(
        "INSERT INTO batch_orders (order_no, batch) VALUES (?, ?)",
        [(no, batch_id) for no in order_nos],
    )
    db.conn.executemany(
        "INSERT INTO pick_lines (batch, sku, walk_seq, needed) VALUES (?, ?, ?, ?)",
        [(batch_id, sku, seq, needed) for sku, seq, needed in pick_lines],
    )


def get_batch(db: sqlite_utils.Database, batch_id: str) -> BatchRow | None:
    row = db.conn.execute(
        f"SELECT {BATCH_COLUMNS} FROM batches WHERE id = ?", (batch_id,)
    ).fetchone()
    return BatchRow(*row) if row else None


def list_batches(db: sqlite_utils.Database, status: str | None = None) -> list[dict[str, Any]]:
    """Batches with committee name and pick progress in units."""
    where = "WHERE b.status = ?" if status else ""
    sql = f"""
        SELECT b.id, b.committee, c.name, b.status, b.orders, b.lines, b.grams, b.holder,
               b.terminal, b.claimed_at, b.created_at,
               coalesce(sum(p.needed), 0), coalesce(sum(p.picked), 0),
               coalesce(sum(p.short), 0), count(p.sku)
        FROM batches b
        JOIN committees c ON c.code = b.committee
        LEFT JOIN pick_lines p ON p.batch = b.id
        {where}
        GROUP BY b.id
        ORDER BY b.id
    """
    keys = (
        "id",
        "committee",
        "committee_name",
        "status",
        "orders",
        "lines",
        "grams",
        "holder",
        "terminal",
        "claimed_at",
        "created_at",
        "units",
        "picked",
        "short",
        "skus",
    )
    params = (status,) if status else ()
    return [dict(zip(keys, row, strict=True)) for row in db.conn.execute(sql, params)]


def set_holder(
    db: sqlite_utils.Database,
    batch_id: str,
    holder: str | None,
    terminal: str | None,
    at: str | None,
    status: str,
) -> None:
    db.conn.execute(
        "UPDATE batches SET holder = ?, terminal = ?, claimed_at = ?, status = ? WHERE id = ?",
        (holder, terminal, at, status, batch_id),
    )


def set_status(db: sqlite_utils.Database, batch_id: str, status: BatchState) -> None:
    db.conn.execute("UPDATE batches SET status = ? WHERE id = ?", (status, batch_id))


def add_event(
    db: sqlite_utils.Database,
    batch_id: str,
    *,
    at: str,
    event: str,
    operator: str | None,
    terminal: str | None = None,
    detail: str = "",
) -> None:
    db.conn.execute(
        "INSERT INTO batch_events (batch, at, operator, terminal, event, detail)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (batch_id, at, operator, terminal, event, detail),
    )


def batch_events(db: sqlite_utils.Database, batch_id: str) -> list[tuple[Any, ...]]:
    return db.conn.execute(
        "SELECT at, operator, terminal, event, detail FROM batch_events WHERE batch = ?"
        " ORDER BY id",
        (batch_id,),
    ).fetchall()


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


def add_refund(
    db: sqlite_utils.Database,
    *,
    order_no: str,
    line_no: int | None,
    kind: str,
    fen: int,
    reason: str,
    batch_id: str | None,
    scan_id: int | None,
    at: str,
) -> None:
    db.conn.execute(
        "INSERT INTO refunds (order_no, line_no, kind, fen, reason, batch, scan_id, at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (order_no, line_no, kind, fen, reason, batch_id, scan_id, at),
    )


def refunds(db: sqlite_utils.Database, order_no: str | None = None) -> list[dict[str, Any]]:
    where, params = ("WHERE order_no = ?", (order_no,)) if order_no else ("", ())
    keys = ("order_no", "line_no", "kind", "fen", "reason", "batch", "scan_id", "at")
    return [
        dict(zip(keys, row, strict=True))
        for row in db.conn.execute(
            f"SELECT {', '.join(keys)} FROM refunds {where} ORDER BY id", params
        )
    ]


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


def last_undoable(
    db: sqlite_utils.Database, batch_id: str, stage: str, operator: str
) -> tuple | None:
    """(id, sku, qty, grams, order_no, bag) of the operator's last accepted, not undone scan."""
    return db.conn.execute(
        "SELECT s.id, s.sku, s.qty, s.grams, s.order_no, s.bag FROM scan_log s"
        " WHERE s.batch = ? AND s.stage = ? AND s.operator = ? AND s.outcome = 'accepted'"
        " AND s.kind IN ('product', 'weighed')"
        " AND NOT EXISTS (SELECT 1 FROM scan_log u WHERE u.undoes = s.id)"
        " ORDER BY s.id DESC LIMIT 1",
        (batch_id, stage, operator),
    ).fetchone()


def scan_log(db: sqlite_utils.Database, batch_id: str | None = None) -> list[dict[str, Any]]:
    keys = (
        "id",
        "at",
        "operator",
        "terminal",
        "batch",
        "stage",
        "raw",
        "kind",
        "sku",
        "qty",
        "grams",
        "order_no",
        "bag",
        "outcome",
        "reason",
        "params",
        "undoes",
    )
    where, params = ("WHERE batch = ?", (batch_id,)) if batch_id else ("", ())
    return [
        dict(zip(keys, row, strict=True))
        for row in db.conn.execute(
            f"SELECT {', '.join(keys)} FROM scan_log {where} ORDER BY id", params
        )
    ]


def order_status(db: sqlite_utils.Database, order_no: str) -> tuple[str, int, str | None] | None:
    """(status, amount_fen, batch) of an order."""
    row = db.conn.execute(
        "SELECT o.status, o.amount_fen, b.batch FROM orders o"
        " LEFT JOIN batch_orders b ON b.order_no = o.order_no WHERE o.order_no = ?",
        (order_no,),
    ).fetchone()
    return (str(row[0]), int(row[1]), row[2]) if row else None


def set_order_status(db: sqlite_utils.Database, order_no: str, status: str) -> None:
    db.conn.execute("UPDATE orders SET status = ? WHERE order_no = ?", (status, order_no))


def refunded_fen(db: sqlite_utils.Database, order_no: str) -> int:
    return int(
        db.conn.execute(
            "SELECT coalesce(sum(fen), 0) FROM refunds WHERE order_no = ?", (order_no,)
        ).fetchone()[0]
    )


def refunds_of_scan(db: sqlite_utils.Database, scan_id: int) -> int:
    return int(
        db.conn.execute("SELECT count(*) FROM refunds WHERE scan_id = ?", (scan_id,)).fetchone()[0]
    )
