"""The scan log: every code scanned anywhere, accepted or rejected, one append-only row.

Picking, packing, loading, crating and the lead's pulling of a cancelled order's bags all
write it through `log_scan`; a scan of a bag (`log_bag_scan`) takes its batch and order from
the bag.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

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
