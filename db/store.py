"""Rows <-> domain values for orders, imports and their rejects, and the settings table."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from picker.domain.model import (
    Address,
    Order,
    OrderLine,
    OrderStatus,
    Reject,
)
from picker.domain.states import RejectStatus

if TYPE_CHECKING:
    import sqlite_utils

_CHUNK = 500


def count(db: sqlite_utils.Database, table: str) -> int:
    return int(db.conn.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0])


def load_orders(
    db: sqlite_utils.Database, order_nos: Sequence[str], *, as_received: bool = False
) -> dict[str, Order]:
    """Those of these orders that are already in the warehouse, with their lines.

    `as_received`: with the status they arrived with, before refunds and cancels changed it.
    """
    status = "coalesce(received_status, status)" if as_received else "status"
    found: dict[str, Order] = {}
    lines: dict[str, list[OrderLine]] = {}
    for i in range(0, len(order_nos), _CHUNK):
        chunk = order_nos[i : i + _CHUNK]
        marks = ",".join("?" * len(chunk))
        for row in db.conn.execute(
            "SELECT order_no, sku, qty, unit_price_fen, ordered_grams FROM order_lines"
            f" WHERE order_no IN ({marks}) ORDER BY order_no, line_no",
            chunk,
        ):
            lines.setdefault(row[0], []).append(OrderLine(*row[1:]))
        for row in db.conn.execute(
            "SELECT order_no, paid_at, amount_fen, payment_code, committee, community, building,"
            f" unit, room, name, phone, note, {status} FROM orders"
            f" WHERE order_no IN ({marks})",
            chunk,
        ):
            found[row[0]] = _order(row, lines.get(row[0], []))
    return found


def _order(row: Sequence[Any], lines: Sequence[OrderLine]) -> Order:
    no, paid, amount, code, committee, community, building, unit, room, name, phone, note, st = row
    return Order(
        order_no=no,
        paid_at=datetime.fromisoformat(paid),
        amount_fen=amount,
        payment_code=code,
        committee=committee,
        address=Address(building, unit, room, community),
        name=name,
        phone=phone,
        lines=tuple(lines),
        note=note,
        status=OrderStatus(st),
    )


def record_import(
    db: sqlite_utils.Database,
    *,
    source: str,
    sha256: str,
    at: datetime,
    rows: int,
    added: int,
    duplicate: int,
    rejected: int,
) -> int:
    cur = db.conn.execute(
        "INSERT INTO imports (source, sha256, imported_at, rows, orders_added, orders_duplicate,"
        " orders_rejected) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (source, sha256, at.isoformat(), rows, added, duplicate, rejected),
    )
    return int(cur.lastrowid or 0)


def previous_import(db: sqlite_utils.Database, sha256: str) -> dict[str, Any] | None:
    row = db.conn.execute(
        "SELECT source, imported_at FROM imports WHERE sha256 = ? ORDER BY id LIMIT 1", (sha256,)
    ).fetchone()
    return {"source": row[0], "imported_at": row[1]} if row else None


def insert_orders(
    db: sqlite_utils.Database, orders: Sequence[Order], import_id: int | None
) -> None:
    """Insert new orders and their lines; pending rejects of these orders become resolved."""
    db.conn.executemany(
        "INSERT INTO orders (order_no, paid_at, amount_fen, payment_code, committee, community,"
        " building, unit, room, name, phone, note, status, received_status, import_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                o.order_no,
                o.paid_at.isoformat(),
                o.amount_fen,
                o.payment_code,
                o.committee,
                o.address.community,
                o.address.building,
                o.address.unit,
                o.address.room,
                o.name,
                o.phone,
                o.note,
                o.status.value,
                o.status.value,
                import_id,
            )
            for o in orders
        ],
    )
    db.conn.executemany(
        "INSERT INTO order_lines (order_no, line_no, sku, qty, unit_price_fen, ordered_grams)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [
            (o.order_no, n, ln.sku, ln.qty, ln.unit_price_fen, ln.ordered_grams)
            for o in orders
            for n, ln in enumerate(o.lines, start=1)
        ],
    )
    pending = RejectStatus.PENDING
    if not db.conn.execute("SELECT 1 FROM import_rejects WHERE status = ?", (pending,)).fetchone():
        return
    order_nos = [o.order_no for o in orders]
    for i in range(0, len(order_nos), _CHUNK):
        chunk = order_nos[i : i + _CHUNK]
        marks = ",".join("?" * len(chunk))
        db.conn.execute(
            f"UPDATE import_rejects SET status = ? WHERE status = ? AND order_no IN ({marks})",
            (RejectStatus.RESOLVED, pending, *chunk),
        )


def insert_rejects(
    db: sqlite_utils.Database,
    rejects: Sequence[Reject],
    import_id: int,
    *,
    origin: str | None = None,
) -> int:
    """Keep rejects for the shift lead; an identical pending one is not stored twice.

    Identical: same source, line, reason and raw text. With `origin` (a feed's list, whose
    pages may come again at other cursors): same order number, reason, parameters and raw
    text from any source that starts with `origin`.
    """
    if origin is None:
        pending = {
            (source, line, reason, raw)
            for source, line, reason, raw in db.conn.execute(
                "SELECT source, line, reason, raw FROM import_rejects WHERE status = 'pending'"
            )
        }
        new = [r for r in rejects if (r.source, r.line, r.reason, r.raw) not in pending]
    else:
        seen = set(
            db.conn.execute(
                "SELECT order_no, reason, params, raw FROM import_rejects"
                " WHERE status = 'pending' AND substr(source, 1, ?) = ?",
                (len(origin), origin),
            )
        )
        new = []
        for r in rejects:
            key = (r.order_no, r.reason, _params(r), r.raw)
            if key not in seen:
                seen.add(key)
                new.append(r)
    db.conn.executemany(
        "INSERT INTO import_rejects (import_id, source, line, order_no, reason, params, raw,"
        " committee) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                import_id,
                r.source,
                r.line,
                r.order_no,
                r.reason,
                _params(r),
                r.raw,
                r.committee,
            )
            for r in new
        ],
    )
    return len(new)


def _params(reject: Reject) -> str:
    return json.dumps(dict(reject.params), ensure_ascii=False)


def pending_rejects(db: sqlite_utils.Database, limit: int = 1000) -> list[Reject]:
    return [
        Reject(source, line, reason, tuple(json.loads(params).items()), order_no, raw, committee)
        for source, line, reason, params, order_no, raw, committee in db.conn.execute(
            "SELECT source, line, reason, params, order_no, raw, committee FROM import_rejects"
            " WHERE status = ? ORDER BY id LIMIT ?",
            (RejectStatus.PENDING, limit),
        )
    ]


def committee_summary(db: sqlite_utils.Database, committee: str | None = None) -> list[dict]:
    """Per committee and order status: orders, lines and amount; committees with no orders too."""
    where = "WHERE c.code = ?" if committee else ""
    params: tuple = (committee,) if committee else ()
    sql = f"""
        WITH lines AS (
            SELECT o.committee, o.status, count(*) AS orders, sum(o.amount_fen) AS amount_fen,
                   sum((SELECT count(*) FROM order_lines l WHERE l.order_no = o.order_no))
                       AS lines
            FROM orders o GROUP BY o.committee, o.status
        ),
        rej AS (
            SELECT committee, count(*) AS rejects FROM import_rejects
            WHERE status = 'pending' AND committee IS NOT NULL GROUP BY committee
        )
        SELECT c.code, c.name, s.name AS subdistrict, lines.status,
               coalesce(lines.orders, 0), coalesce(lines.lines, 0),
               coalesce(lines.amount_fen, 0), coalesce(rej.rejects, 0)
        FROM committees c
        JOIN subdistricts s ON s.code = c.subdistrict
        LEFT JOIN lines ON lines.committee = c.code
        LEFT JOIN rej ON rej.committee = c.code
        {where}
        ORDER BY s.code, c.code, lines.status
    """
    keys = ("code", "name", "subdistrict", "status", "orders", "lines", "amount_fen", "rejects")
    return [dict(zip(keys, row, strict=True)) for row in db.conn.execute(sql, params)]


def data_version(db: sqlite_utils.Database) -> int:
    """Changes when another connection commits: a cheap test for 'anything new?'."""
    return int(db.conn.execute("PRAGMA data_version").fetchone()[0])


def get_setting(db: sqlite_utils.Database, key: str) -> str | None:
    row = db.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def set_setting(db: sqlite_utils.Database, key: str, value: str) -> None:
    db.conn.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )
