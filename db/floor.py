"""Rows of batches: forming them from paid orders, claims, states and their event history."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from picker.domain.states import BatchState

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
