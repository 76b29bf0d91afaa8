"""Rows of refunds and of the order status a cancellation or refund reads and changes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite_utils


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
