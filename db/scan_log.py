"""The scan log: every code scanned anywhere, accepted or rejected, one append-only row.

Picking, packing, loading, crating and the lead's pulling of a cancelled order's bags all
write it through `log_scan`; a scan of a bag (`log_bag_scan`) takes its batch and order from
the bag. `scan_log` reads it back; `last_undoable` finds the scan an undo takes back.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite_utils

    from db.dispatch import BagRow


def log_scan(
    db: sqlite_utils.Database,
    *,
    at: str,
    operator: str,
    terminal: str,
    batch_id: str | None,
    stage: str,
    raw: str,
    outcome: str,
    kind: str | None = None,
    sku: str | None = None,
    qty: int | None = None,
    grams: int | None = None,
    order_no: str | None = None,
    bag: str | None = None,
    reason: str = "",
    params: Sequence[tuple[str, str | None]] = (),
    undoes: int | None = None,
) -> int:
    cur = db.conn.execute(
        "INSERT INTO scan_log (at, operator, terminal, batch, stage, raw, kind, sku, qty, grams,"
        " order_no, bag, outcome, reason, params, undoes)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            at,
            operator,
            terminal,
            batch_id,
            stage,
            raw,
            kind,
            sku,
            qty,
            grams,
            order_no,
            bag,
            outcome,
            reason,
            json.dumps(dict(params), ensure_ascii=False) if params else "",
            undoes,
        ),
    )
    return int(cur.lastrowid or 0)


def log_bag_scan(
    db: sqlite_utils.Database,
    bag: BagRow | None,
    *,
    at: str,
    operator: str,
    terminal: str,
    stage: str,
    raw: str,
    outcome: str,
    kind: str | None,
    reason: str = "",
    params: Sequence[tuple[str, str]] = (),
) -> int:
    """A scan about a bag, logged with the bag's batch and order (`bag` None: no bag known)."""
    return log_scan(
        db,
        at=at,
        operator=operator,
        terminal=terminal,
        batch_id=bag.batch if bag else None,
        stage=stage,
        raw=raw,
        outcome=outcome,
        kind=kind,
        order_no=bag.order_no if bag else None,
        bag=bag.id if bag else None,
        reason=reason,
        params=params,
    )


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
