"""Rows of the accounts: per-order money and facts, ledger totals, refunds, the scan log for KPIs.

`day` is a paid day (`YYYY-MM-DD`, Asia/Shanghai) for orders and a scan day for the scan log;
times are stored with their +08:00 offset, so the first ten characters are the local date.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from picker.domain.audit import OrderFacts
from picker.domain.kpi import PickDemand, ScanRow
from picker.domain.settlement import Ledger, OrderMoney

if TYPE_CHECKING:
    import sqlite_utils

_ORDERS_OF_DAY = "(:day IS NULL OR substr(o.paid_at, 1, 10) = :day)"


@contextmanager
def snapshot(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """Reads that see one committed state: totals and rows read apart must agree.

    In WAL a deferred transaction keeps the snapshot of its first read until it ends.
    """
    conn = db.conn
    if conn.in_transaction:
        yield db
        return
    conn.execute("BEGIN")
    try:
        yield db
    finally:
        conn.execute("COMMIT")


def _ids(text: str | None) -> tuple[str, ...]:
    return tuple(sorted(text.split(","))) if text else ()


def _ints(text: str | None) -> tuple[int, ...]:
    return tuple(sorted(int(v) for v in text.split(","))) if text else ()


_ORDERS = f"""
SELECT o.order_no, o.committee, o.payment_code, o.amount_fen, o.status
FROM orders o WHERE {_ORDERS_OF_DAY}
"""

_BATCHES = """
SELECT bo.order_no, bo.batch, bt.status, bt.committee
FROM batch_orders bo JOIN batches bt ON bt.id = bo.batch
"""

_REFUNDS = """
SELECT order_no,
    sum(CASE WHEN kind = 'short' THEN fen ELSE 0 END),
    sum(CASE WHEN kind = 'underweight' THEN fen ELSE 0 END),
    sum(CASE WHEN kind = 'cancel' THEN fen ELSE 0 END)
FROM refunds GROUP BY order_no
"""

# Bags with where each one went; the LEFT JOINs are on unique keys, one row per bag.
_BAGS = """
SELECT b.order_no,
    group_concat(b.id),
    group_concat(DISTINCT b.n),
    group_concat(b.k),
    sum(b.status <> 'closed'),
    group_concat(DISTINCT b.batch),
    group_concat(CASE WHEN l.bag IS NOT NULL THEN b.id END),
    group_concat(CASE WHEN m.id IS NOT NULL AND m.delivered_at IS NULL THEN b.id END),
    group_concat(CASE WHEN m.delivered_at IS NOT NULL THEN b.id END),
    -- the route a bag is on must stop at its order's committee
    group_concat(CASE WHEN l.bag IS NOT NULL AND s.route IS NULL THEN b.id END),
    group_concat(CASE WHEN m.committee <> o.committee THEN b.id END)
FROM bags b
JOIN orders o ON o.order_no = b.order_no
LEFT JOIN bag_loads l ON l.bag = b.id
LEFT JOIN route_stops s ON s.route = l.route AND s.committee = o.committee
LEFT JOIN manifest_bags mb ON mb.bag = b.id
LEFT JOIN manifests m ON m.id = mb.manifest
GROUP BY b.order_no
"""

# Only orders with a short line can be short in full: the other lines are never scanned.
_SHORTS = """
SELECT l.order_no, count(*) = sum(coalesce(s.short_qty, 0) >= l.qty),
    group_concat(DISTINCT s.batch)
FROM order_lines l
LEFT JOIN line_shorts s ON s.order_no = l.order_no AND s.line_no = l.line_no
WHERE l.order_no IN (SELECT order_no FROM line_shorts)
GROUP BY l.order_no
"""


def order_facts(db: sqlite_utils.Database, day: str | None = None) -> list[OrderFacts]:
    """Every order (of the paid day) with its refunds by kind, batch, bags and their journey.

    Plain and grouped reads merged here rather than one join: each is a plain scan, where
    the join made SQLite index its grouped parts first (3x slower at 120,000 orders). Call
    it inside `snapshot()` so the reads see the same moment. Orders come in file order.
    """
    q = db.conn.execute
    heads = q(_ORDERS, {"day": day}).fetchall()
    batches = {r[0]: r[1:] for r in q(_BATCHES)}
    refunds = {r[0]: r[1:] for r in q(_REFUNDS)}
    bags = {r[0]: r[1:] for r in q(_BAGS)}
    shorts = {r[0]: r[1:] for r in q(_SHORTS)}
    unbatched = (None, None, None)
    found = []
    for no, committee, code, amount, status in heads:
        short, under, cancel = refunds.get(no, (0, 0, 0))
        fully_short, short_batches = shorts.get(no, (False, None))
        money = OrderMoney(
            no, committee, code, amount, status, short, under, cancel, bool(fully_short)
        )
        batch, batch_status, batch_committee = batches.get(no, unbatched)
        bag = bags.get(no)
        if bag is None and short_batches is None:
            # most orders until they are packed
            found.append(OrderFacts(money, batch, batch_status, batch_committee))
            continue
        others = set(_ids(short_batches)) | set(_ids(bag[4] if bag else None))
        head = (money, batch, batch_status, batch_committee, tuple(sorted(others - {batch})))
        if bag is None:
            found.append(OrderFacts(*head))
        else:
            ids, n_values, k_values, open_bags = _ids(bag[0]), _ints(bag[1]), _ints(bag[2]), bag[3]
            journey = (_ids(v) for v in bag[5:10])
            found.append(OrderFacts(*head, ids, n_values, k_values, open_bags, *journey))
    return found


def ledger(db: sqlite_utils.Database, day: str | None = None) -> Ledger:
    """Σ payments and Σ refunds summed straight from the tables, to check the rows against.

    Refunds are the ledger's rows plus what the bank refunded of orders that arrived already
    refunded or cancelled (their amount less what the ledger holds for them).
    """
    q = db.conn.execute
    params = {"day": day}
    payments = q(
        f"SELECT coalesce(sum(amount_fen), 0) FROM orders o WHERE {_ORDERS_OF_DAY}", params
    ).fetchone()[0]
    written = q(
        "SELECT coalesce(sum(r.fen), 0) FROM refunds r JOIN orders o ON o.order_no = r.order_no"
        f" WHERE {_ORDERS_OF_DAY}",
        params,
    ).fetchone()[0]
    bank = q(
        "SELECT coalesce(sum(max(o.amount_fen - coalesce((SELECT sum(r.fen) FROM refunds r"
        " WHERE r.order_no = o.order_no), 0), 0)), 0) FROM orders o"
        f" WHERE o.status <> 'paid' AND {_ORDERS_OF_DAY}",
        params,
    ).fetchone()[0]
    return Ledger(int(payments), int(written) + int(bank))


def committees(db: sqlite_utils.Database) -> dict[str, tuple[str, str]]:
    """Committee code -> (name, subdistrict name), in subdistrict then committee order."""
    return {
        code: (name, sub)
        for code, name, sub in db.conn.execute(
            "SELECT c.code, c.name, s.name FROM committees c"
            " JOIN subdistricts s ON s.code = c.subdistrict ORDER BY s.code, c.code"
        )
    }


def payment_codes(db: sqlite_utils.Database) -> dict[str, str]:
    """Payment code -> its name (or the committees it serves when it has none)."""
    return {
        code: name or (served or "")
        for code, name, served in db.conn.execute(
            "SELECT p.code, p.name, group_concat(c.name, '、') FROM payment_codes p"
            " LEFT JOIN payment_code_committees pc ON pc.payment_code = p.code"
            " LEFT JOIN committees c ON c.code = pc.committee GROUP BY p.code ORDER BY p.code"
        )
    }


def refunds(
    db: sqlite_utils.Database, committee: str | None = None, day: str | None = None
) -> list[dict[str, Any]]:
    """Refund ledger rows with the household, for refund lists; oldest first."""
    keys = (
        "committee",
        "order_no",
        "building",
        "unit",
        "room",
        "name",
        "phone",
        "kind",
        "fen",
        "reason",
        "line_no",
        "sku",
        "product",
        "at",
    )
    sql = f"""
        SELECT o.committee, o.order_no, o.building, o.unit, o.room, o.name, o.phone,
            r.kind, r.fen, r.reason, r.line_no, l.sku, p.name, r.at
        FROM refunds r
        JOIN orders o ON o.order_no = r.order_no
        LEFT JOIN order_lines l ON l.order_no = r.order_no AND l.line_no = r.line_no
        LEFT JOIN products p ON p.sku = l.sku
        WHERE {_ORDERS_OF_DAY} AND (:committee IS NULL OR o.committee = :committee)
        ORDER BY o.committee, r.id
    """
    return [
        dict(zip(keys, row, strict=True))
        for row in db.conn.execute(sql, {"day": day, "committee": committee})
    ]


_SCANS_OF_DAY = "(:day IS NULL OR substr(at, 1, 10) = :day)"


def scans(db: sqlite_utils.Database, day: str | None = None) -> list[ScanRow]:
    """The scan log (of one day), in the order it was written."""
    return [
        ScanRow(id_, datetime.fromisoformat(at), *rest)
        for id_, at, *rest in db.conn.execute(
            "SELECT id, at, operator, batch, stage, raw, kind, sku, qty, bag, outcome, reason,"
            f" undoes FROM scan_log WHERE {_SCANS_OF_DAY} ORDER BY id",
            {"day": day},
        )
    ]


def pick_demand(db: sqlite_utils.Database, day: str | None = None) -> list[PickDemand]:
    """Pick lines of the batches that had pick scans (that day), with their committee."""
    return [
        PickDemand(*row)
        for row in db.conn.execute(
            "SELECT p.batch, p.sku, b.committee, p.needed FROM pick_lines p"
            " JOIN batches b ON b.id = p.batch WHERE p.batch IN (SELECT batch FROM scan_log"
            f" WHERE stage = 'pick' AND {_SCANS_OF_DAY}) ORDER BY p.batch, p.sku",
            {"day": day},
        )
    ]


def closed_bags(db: sqlite_utils.Database, day: str | None = None) -> set[str]:
    """Ids of closed bags that had pack scans (that day)."""
    return {
        row[0]
        for row in db.conn.execute(
            "SELECT id FROM bags WHERE status = 'closed' AND id IN (SELECT bag FROM scan_log"
            f" WHERE stage = 'pack' AND {_SCANS_OF_DAY})",
            {"day": day},
        )
    }


def operator_names(db: sqlite_utils.Database) -> dict[str, str]:
    """Every operator, active or not: the log outlives the roster."""
    return dict(db.conn.execute("SELECT code, name FROM operators").fetchall())
