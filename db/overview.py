"""Rows of the lead's dashboard: progress per committee, shortages and refunds, seen marks.

Each figure is one grouped query over an index; the dashboard reads them only after another
connection has committed (`PRAGMA data_version`), so they stay cheap at 120,000 orders.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite_utils


#: Settings key of the last refund id a lead has seen for a committee.
SEEN_KEY = "shortages_seen:"


def _grouped(db: sqlite_utils.Database, sql: str) -> dict[str, tuple[Any, ...]]:
    """Rows keyed by their first column (a committee code)."""
    return {row[0]: tuple(row[1:]) for row in db.conn.execute(sql)}


def committee_progress(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Per committee, in subdistrict/committee order: what the lead watches.

    orders (paid), unbatched (paid, not in a batch), batches per status, units to pick
    (needed less short), picked, short order lines (refunded short or under weight: the same
    order lines as the refunds and their unseen count), refunds (count, fen, unseen count),
    pending import rejects, closed bags, bags in crates, crates closed and crates loaded.
    """
    q = db.conn.execute
    orders = _grouped(
        db, "SELECT committee, count(*) FROM orders WHERE status = 'paid' GROUP BY committee"
    )
    # Paid orders not in a batch, without probing batch_orders for all of them: batches
    # keep their order count (batch_orders only ever grows), less those since cancelled.
    in_batches = _grouped(db, "SELECT committee, sum(orders) FROM batches GROUP BY committee")
    batched_unpaid = _grouped(
        db,
        "SELECT o.committee, count(*) FROM orders o JOIN batch_orders b ON b.order_no ="
        " o.order_no WHERE o.status != 'paid' GROUP BY o.committee",
    )
    statuses: dict[str, dict[str, int]] = {}
    for committee, status, count in q(
        "SELECT committee, status, count(*) FROM batches GROUP BY committee, status"
    ):
        statuses.setdefault(committee, {})[status] = count
    # Summed per batch first: pick_lines is stored in batch order, so that is one pass.
    picks = _grouped(
        db,
        "SELECT b.committee, sum(x.units), sum(x.picked) FROM (SELECT batch,"
        " sum(needed - short) AS units, sum(picked) AS picked FROM pick_lines GROUP BY batch) x"
        " JOIN batches b ON b.id = x.batch GROUP BY b.committee",
    )
    # CROSS JOIN: walk the (few) refunds, not the orders.
    refunds = _grouped(
        db,
        f"""SELECT o.committee, count(*), sum(r.fen),
               sum(r.id > coalesce(CAST(s.value AS INTEGER), 0))
        FROM refunds r
        CROSS JOIN orders o ON o.order_no = r.order_no
        LEFT JOIN settings s ON s.key = '{SEEN_KEY}' || o.committee
        WHERE r.kind IN ('short', 'underweight')
        GROUP BY o.committee""",
    )
    rejects = _grouped(
        db,
        "SELECT committee, count(*) FROM import_rejects WHERE status = 'pending'"
        " AND committee IS NOT NULL GROUP BY committee",
    )
    bags = _grouped(
        db,
        "SELECT b.committee, count(*) FROM bags g JOIN batches b ON b.id = g.batch"
        " WHERE g.status = 'closed' GROUP BY b.committee",
    )
    # Crates: bags in them, crates closed, and crates whose every bag is on a truck.
    crates = _grouped(
        db,
        "SELECT c.committee, sum(x.bags), sum(c.status = 'closed'),"
        " sum(c.status = 'closed' AND x.bags > 0 AND x.loaded = x.bags)"
        " FROM crates c JOIN (SELECT y.crate, count(*) AS bags, count(l.bag) AS loaded"
        "   FROM crate_bags y LEFT JOIN bag_loads l ON l.bag = y.bag GROUP BY y.crate) x"
        " ON x.crate = c.id GROUP BY c.committee",
    )
    out = []
    for code, name, subdistrict in q(
        "SELECT c.code, c.name, s.name FROM committees c"
        " JOIN subdistricts s ON s.code = c.subdistrict ORDER BY s.code, c.code"
    ):
        units, picked = picks.get(code, (0, 0))
        n_refunds, refund_fen, unseen = refunds.get(code, (0, 0, 0))
        out.append(
            {
                "code": code,
                "name": name,
                "subdistrict": subdistrict,
                "orders": orders.get(code, (0,))[0],
                "unbatched": orders.get(code, (0,))[0]
                - (in_batches.get(code, (0,))[0] - batched_unpaid.get(code, (0,))[0]),
                "batches": statuses.get(code, {}),
                "units": units or 0,
                "picked": picked or 0,
                # Order lines, as the "new" count and the shortages screen count them.
                "short_lines": n_refunds,
                "refunds": n_refunds,
                "refund_fen": refund_fen or 0,
                "unseen": unseen or 0,
                "rejects": rejects.get(code, (0,))[0],
                "bags": bags.get(code, (0,))[0],
                **dict(
                    zip(
                        ("crated", "crates_closed", "crates_loaded"),
                        crates.get(code, (0, 0, 0)),
                        strict=True,
                    )
                ),
            }
        )
    return out


def rejects_without_committee(db: sqlite_utils.Database) -> int:
    """Pending import rejects that name no committee, or one not in the catalogue.

    No committee row can show them, yet they are as pending as the others: the day's total
    counts them so that it agrees with the orders screen.
    """
    row = db.conn.execute(
        "SELECT count(*) FROM import_rejects r WHERE r.status = 'pending' AND NOT EXISTS"
        " (SELECT 1 FROM committees c WHERE c.code = r.committee)"
    ).fetchone()
    return int(row[0])


def print_job_counts(db: sqlite_utils.Database) -> dict[str, int]:
    """Print jobs per status."""
    return dict(db.conn.execute("SELECT status, count(*) FROM print_jobs GROUP BY status"))


def committee_refunds(db: sqlite_utils.Database, committee: str | None) -> list[dict[str, Any]]:
    """A committee's refunds (None: every committee's), oldest first, with the committee,
    the household, product and short quantity."""
    keys = (
        "id",
        "at",
        "kind",
        "order_no",
        "building",
        "unit",
        "room",
        "sku",
        "product",
        "short_qty",
        "reason",
        "fen",
        "batch",
        "committee",
        "committee_name",
    )
    where = "WHERE o.committee = ?" if committee is not None else ""
    sql = f"""
        SELECT r.id, r.at, r.kind, r.order_no, o.building, o.unit, o.room, l.sku, p.name,
               s.short_qty, r.reason, r.fen, r.batch, o.committee, c.name
        FROM refunds r
        JOIN orders o ON o.order_no = r.order_no
        LEFT JOIN committees c ON c.code = o.committee
        LEFT JOIN order_lines l ON l.order_no = r.order_no AND l.line_no = r.line_no
        LEFT JOIN products p ON p.sku = l.sku
        LEFT JOIN line_shorts s ON s.order_no = r.order_no AND s.line_no = r.line_no
        {where}
        ORDER BY r.id
    """
    params = (committee,) if committee is not None else ()
    return [dict(zip(keys, row, strict=True)) for row in db.conn.execute(sql, params)]


def seen_refund(db: sqlite_utils.Database, committee: str) -> int:
    """The last refund id a lead has marked seen for this committee (0: none)."""
    row = db.conn.execute(
        "SELECT value FROM settings WHERE key = ?", (SEEN_KEY + committee,)
    ).fetchone()
    return int(row[0]) if row else 0


def mark_refunds_seen(db: sqlite_utils.Database, committee: str, upto: int) -> None:
    """Remember that the lead has seen this committee's refunds up to id `upto`."""
    db.conn.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET"
        " value = max(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER))",
        (SEEN_KEY + committee, str(upto)),
    )


def operator_names(db: sqlite_utils.Database) -> dict[str, str]:
    """Operator code -> name, including inactive ones (old claims still name them)."""
    return dict(db.conn.execute("SELECT code, name FROM operators"))


def committee_exists(db: sqlite_utils.Database, code: str) -> bool:
    return (
        db.conn.execute("SELECT 1 FROM committees WHERE code = ?", (code,)).fetchone() is not None
    )


#: Settings key of an operator's failed sign-ins: "failures until" (until: POSIX seconds).
LOCK_KEY = "signin_lock:"


def sign_in_failures(db: sqlite_utils.Database, operator: str) -> tuple[int, float]:
    """(wrong PINs in a row, locked until) of an operator; (0, 0.0) when clean."""
    row = db.conn.execute("SELECT value FROM settings WHERE key = ?", (LOCK_KEY + operator,))
    found = row.fetchone()
    if not found:
        return 0, 0.0
    failures, until = found[0].split()
    return int(failures), float(until)


def set_sign_in_failures(
    db: sqlite_utils.Database, operator: str, failures: int, until: float
) -> None:
    db.conn.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (LOCK_KEY + operator, f"{failures} {until}"),
    )
