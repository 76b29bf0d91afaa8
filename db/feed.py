"""Rows of the order feed: cursors and status per source, refund/cancel events, exceptions.

Writers are called inside `db.write()`; the caller owns the transaction, so a page's orders
and its cursor land together.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from db.scan_log import log_scan
from picker.domain.states import BagState

if TYPE_CHECKING:
    import sqlite_utils


_CURSOR_COLUMN = {"orders": "orders_cursor", "events": "events_cursor"}
#: Outcomes of events still to be applied (`picker.domain.cancellation.OPEN_OUTCOMES`).
_OPEN = "('pending', 'applying', 'unknown-order')"


def ensure_source(db: sqlite_utils.Database, name: str) -> None:
    db.conn.execute("INSERT OR IGNORE INTO feed_sources (name) VALUES (?)", (name,))


def cursor(db: sqlite_utils.Database, name: str, kind: str) -> str:
    """Where `kind` ("orders" or "events") of this feed was read up to; "" at first."""
    row = db.conn.execute(
        f"SELECT {_CURSOR_COLUMN[kind]} FROM feed_sources WHERE name = ?", (name,)
    ).fetchone()
    return row[0] if row else ""


def set_cursor(db: sqlite_utils.Database, name: str, kind: str, value: str, at: str) -> None:
    db.conn.execute(
        f"UPDATE feed_sources SET {_CURSOR_COLUMN[kind]} = ?, updated_at = ? WHERE name = ?",
        (value, at, name),
    )


def set_status(
    db: sqlite_utils.Database, name: str, status: str, error: str, at: str, *, ok: bool
) -> None:
    """Record how the last round went; `ok` also stamps `last_ok_at`."""
    ensure_source(db, name)
    db.conn.execute(
        "UPDATE feed_sources SET status = ?, last_error = ?, updated_at = ?,"
        " last_ok_at = CASE WHEN ? THEN ? ELSE last_ok_at END WHERE name = ?",
        (status, error, at, ok, at, name),
    )


def sources(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every feed seen, with its open events and open exceptions counted."""
    keys = (
        "name",
        "status",
        "last_ok_at",
        "last_error",
        "updated_at",
        "orders_cursor",
        "events_cursor",
        "open_events",
    )
    return [
        dict(zip(keys, row, strict=True))
        for row in db.conn.execute(
            "SELECT s.name, s.status, s.last_ok_at, s.last_error, s.updated_at, s.orders_cursor,"
            " s.events_cursor, (SELECT count(*) FROM order_events e WHERE e.source = s.name"
            f" AND e.outcome IN {_OPEN})"
            " FROM feed_sources s ORDER BY s.name"
        )
    ]


def insert_events(
    db: sqlite_utils.Database, source: str, events: Iterable[tuple], received_at: str
) -> int:
    """Store (event_id, order_no, kind, amount_fen, at) rows; ones seen before are ignored."""
    before = db.conn.total_changes
    db.conn.executemany(
        "INSERT OR IGNORE INTO order_events (source, event_id, order_no, kind, amount_fen, at,"
        " received_at, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending')",
        [(source, *e, received_at) for e in events],
    )
    return db.conn.total_changes - before


def open_events(db: sqlite_utils.Database, source: str | None = None) -> list[tuple]:
    """(source, event_id, order_no, outcome) of events not yet applied, oldest first."""
    where = "AND source = ?" if source else ""
    return db.conn.execute(
        "SELECT source, event_id, order_no, outcome FROM order_events"
        f" WHERE outcome IN {_OPEN} {where} ORDER BY id",
        (source,) if source else (),
    ).fetchall()


def open_events_of(db: sqlite_utils.Database, order_nos: Sequence[str]) -> list[tuple]:
    """(id, source, event_id, order_no, kind, amount_fen, at) of events not yet applied for
    these orders, oldest first."""
    if not db.conn.execute(
        f"SELECT 1 FROM order_events WHERE outcome IN {_OPEN} LIMIT 1"
    ).fetchone():
        return []
    found: list[tuple] = []
    for i in range(0, len(order_nos), 500):
        chunk = order_nos[i : i + 500]
        marks = ",".join("?" * len(chunk))
        found.extend(
            db.conn.execute(
                "SELECT id, source, event_id, order_no, kind, amount_fen, at FROM order_events"
                f" WHERE outcome IN {_OPEN} AND order_no IN ({marks})",
                chunk,
            )
        )
    return sorted(found)


def event(db: sqlite_utils.Database, source: str, event_id: str) -> tuple | None:
    """(id, order_no, kind, amount_fen, at, outcome) of one event."""
    return db.conn.execute(
        "SELECT id, order_no, kind, amount_fen, at, outcome FROM order_events"
        " WHERE source = ? AND event_id = ?",
        (source, event_id),
    ).fetchone()


def set_outcome(db: sqlite_utils.Database, row_id: int, outcome: str, detail: str = "") -> None:
    db.conn.execute(
        "UPDATE order_events SET outcome = ?, detail = ? WHERE id = ?", (outcome, detail, row_id)
    )


def events(db: sqlite_utils.Database, order_no: str | None = None) -> list[dict[str, Any]]:
    keys = ("source", "event_id", "order_no", "kind", "amount_fen", "at", "outcome", "detail")
    where, params = ("WHERE order_no = ?", (order_no,)) if order_no else ("", ())
    return [
        dict(zip(keys, row, strict=True))
        for row in db.conn.execute(
            f"SELECT {', '.join(keys)} FROM order_events {where} ORDER BY id", params
        )
    ]


def order_floor_state(db: sqlite_utils.Database, order_no: str) -> dict[str, Any] | None:
    """Status, amount, refunds, batch and bags of an order: what a refund event depends on."""
    row = db.conn.execute(
        "SELECT o.status, o.amount_fen,"
        " (SELECT coalesce(sum(fen), 0) FROM refunds r WHERE r.order_no = o.order_no),"
        " b.batch, bt.status"
        " FROM orders o"
        " LEFT JOIN batch_orders b ON b.order_no = o.order_no"
        " LEFT JOIN batches bt ON bt.id = b.batch"
        " WHERE o.order_no = ?",
        (order_no,),
    ).fetchone()
    if row is None:
        return None
    bags = db.conn.execute(
        "SELECT g.id, g.status, l.route, m.delivered_at FROM bags g"
        " LEFT JOIN bag_loads l ON l.bag = g.id"
        " LEFT JOIN manifest_bags mb ON mb.bag = g.id"
        " LEFT JOIN manifests m ON m.id = mb.manifest"
        " WHERE g.order_no = ? ORDER BY g.k",
        (order_no,),
    ).fetchall()
    return {
        "status": row[0],
        "amount_fen": row[1],
        "refunded_fen": row[2],
        "batch": row[3],
        "batch_status": row[4],
        "closed_bags": [b[0] for b in bags if b[1] == BagState.CLOSED],
        "routes": sorted({b[2] for b in bags if b[2]}),
        "delivered": any(b[3] for b in bags),
    }


def add_exception(
    db: sqlite_utils.Database, order_no: str, kind: str, params: dict[str, Any], at: str
) -> int:
    cur = db.conn.execute(
        "INSERT INTO order_exceptions (order_no, kind, detail, created_at) VALUES (?, ?, ?, ?)",
        (order_no, kind, json.dumps(params, ensure_ascii=False), at),
    )
    return int(cur.lastrowid or 0)


def exceptions(
    db: sqlite_utils.Database, *, open_only: bool = True, after_id: int = 0
) -> list[dict[str, Any]]:
    """Exceptions for the lead (those after `after_id`), oldest first; `params` decoded."""
    where = "AND resolved_at IS NULL" if open_only else ""
    keys = ("id", "order_no", "kind", "params", "created_at", "resolved_at", "resolved_by")
    out = []
    for row in db.conn.execute(
        "SELECT id, order_no, kind, detail, created_at, resolved_at, resolved_by"
        f" FROM order_exceptions WHERE id > ? {where} ORDER BY id",
        (after_id,),
    ):
        try:
            params = json.loads(row[3]) if row[3] else {}
        except json.JSONDecodeError:
            params = {"detail": row[3]}
        out.append(dict(zip(keys, (*row[:3], params, *row[4:]), strict=True)))
    return out


def resolve_exception(
    db: sqlite_utils.Database, exception_id: int, by: str, at: str
) -> tuple[str, str] | None:
    """Close an open exception; (order number, kind) of the one closed, or None."""
    row = db.conn.execute(
        "SELECT order_no, kind FROM order_exceptions WHERE id = ? AND resolved_at IS NULL",
        (exception_id,),
    ).fetchone()
    if row is None:
        return None
    db.conn.execute(
        "UPDATE order_exceptions SET resolved_at = ?, resolved_by = ? WHERE id = ?",
        (at, by, exception_id),
    )
    return str(row[0]), str(row[1])


def pull_bags(db: sqlite_utils.Database, order_no: str, by: str, at: str) -> list[str]:
    """A cancelled order's bags taken back by the lead: off the truck, off a manifest not yet
    signed and out of their crate. Bags already signed for stay as they are. Each bag pulled
    is a row of the scan log (stage `pull`), so the journey stays on record."""
    bags = [
        str(b)
        for (b,) in db.conn.execute(
            "SELECT b.id FROM bags b WHERE b.order_no = ? AND b.id NOT IN ("
            " SELECT mb.bag FROM manifest_bags mb JOIN manifests m ON m.id = mb.manifest"
            " WHERE m.delivered_at IS NOT NULL) ORDER BY b.id",
            (order_no,),
        )
    ]
    for bag in bags:
        route = db.conn.execute("SELECT route FROM bag_loads WHERE bag = ?", (bag,)).fetchone()
        for table in ("bag_loads", "manifest_bags", "crate_bags"):
            db.conn.execute(f"DELETE FROM {table} WHERE bag = ?", (bag,))
        log_scan(
            db,
            at=at,
            operator=by,
            terminal="",
            batch_id=None,
            stage="pull",
            raw=bag,
            outcome="accepted",
            kind="pull",
            order_no=order_no,
            bag=bag,
            reason="order_cancelled",
            params=(("route", route[0] if route else None),),
        )
    return bags


def last_exception_id(db: sqlite_utils.Database) -> int:
    return int(db.conn.execute("SELECT coalesce(max(id), 0) FROM order_exceptions").fetchone()[0])


def known_orders(db: sqlite_utils.Database, order_nos: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(order_nos), 500):
        chunk = order_nos[i : i + 500]
        marks = ",".join("?" * len(chunk))
        found.update(
            r[0]
            for r in db.conn.execute(
                f"SELECT order_no FROM orders WHERE order_no IN ({marks})", chunk
            )
        )
    return found
