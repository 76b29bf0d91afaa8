"""Rows of crates (周转筐): a crate's fill of the day, the bags in it, what its label shows.

A crate is known by its printed `code`; each day it is filled is one row (`id`), and the
fill a scan means is the code's latest one. A bag is in one crate only (`crate_bags.bag` is
the key). Weights are the bag's share of its order's packed grams, kept when the bag went in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlite_utils

from picker.domain.states import CrateState


@dataclass(frozen=True, slots=True)
class CrateRow:
    """One fill of a crate with its totals: bags in it, their grams, how many are loaded."""

    id: int
    code: str
    committee: str
    day: str
    seq: int | None
    status: str
    max_bags: int
    max_grams: int
    opened_at: str
    opened_by: str
    closed_at: str | None
    closed_by: str | None
    bags: int
    grams: int
    loaded: int


@dataclass(frozen=True, slots=True)
class CratedBag:
    """A bag in a crate, with its household's address and where it was loaded."""

    bag: str
    order_no: str
    k: int
    n: int
    building: str
    unit: str
    room: str
    grams: int
    route: str | None


_CRATE = (
    "SELECT c.id, c.code, c.committee, c.day, c.seq, c.status, c.max_bags, c.max_grams,"
    " c.opened_at, c.opened_by, c.closed_at, c.closed_by,"
    " (SELECT count(*) FROM crate_bags x WHERE x.crate = c.id),"
    " (SELECT coalesce(sum(x.grams), 0) FROM crate_bags x WHERE x.crate = c.id),"
    " (SELECT count(*) FROM crate_bags x JOIN bag_loads l ON l.bag = x.bag"
    "   WHERE x.crate = c.id)"
    " FROM crates c"
)


def latest(db: sqlite_utils.Database, code: str) -> CrateRow | None:
    """The crate's latest fill (open, or the last one closed)."""
    row = db.conn.execute(f"{_CRATE} WHERE c.code = ? ORDER BY c.id DESC LIMIT 1", (code,))
    found = row.fetchone()
    return CrateRow(*found) if found else None


def get(db: sqlite_utils.Database, crate_id: int) -> CrateRow | None:
    found = db.conn.execute(f"{_CRATE} WHERE c.id = ?", (crate_id,)).fetchone()
    return CrateRow(*found) if found else None


def on_day(db: sqlite_utils.Database, code: str, day: str) -> CrateRow | None:
    found = db.conn.execute(f"{_CRATE} WHERE c.code = ? AND c.day = ?", (code, day)).fetchone()
    return CrateRow(*found) if found else None


def of_committee(db: sqlite_utils.Database, committee: str, day: str) -> list[CrateRow]:
    """A committee's crates of a day: closed ones by k, then open ones as they were opened."""
    return [
        CrateRow(*r)
        for r in db.conn.execute(
            f"{_CRATE} WHERE c.committee = ? AND c.day = ? ORDER BY c.seq IS NULL, c.seq, c.id",
            (committee, day),
        )
    ]


def listed(
    db: sqlite_utils.Database,
    *,
    day: str | None = None,
    committee: str | None = None,
    status: str | None = None,
) -> list[CrateRow]:
    conditions = [
        c
        for c, v in (("c.day = ?", day), ("c.committee = ?", committee), ("c.status = ?", status))
        if v
    ]
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    params = tuple(v for v in (day, committee, status) if v)
    sql = f"{_CRATE}{where} ORDER BY c.day, c.committee, c.seq IS NULL, c.seq, c.id"
    return [CrateRow(*r) for r in db.conn.execute(sql, params)]


def codes_of(db: sqlite_utils.Database, committee: str) -> list[str]:
    """Every crate code ever used for a committee (to number a new crate after them)."""
    return [
        r[0]
        for r in db.conn.execute(
            "SELECT DISTINCT code FROM crates WHERE committee = ?", (committee,)
        )
    ]


def insert(
    db: sqlite_utils.Database,
    *,
    code: str,
    committee: str,
    day: str,
    max_bags: int,
    max_grams: int,
    at: str,
    by: str,
) -> int:
    cur = db.conn.execute(
        "INSERT INTO crates (code, committee, day, max_bags, max_grams, opened_at, opened_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (code, committee, day, max_bags, max_grams, at, by),
    )
    return int(cur.lastrowid or 0)


def delete_empty(db: sqlite_utils.Database, crate_id: int) -> None:
    """Forget an open crate that never held a bag (its scans stay in the log)."""
    db.conn.execute(
        "DELETE FROM crates WHERE id = ? AND status = ?"
        " AND NOT EXISTS (SELECT 1 FROM crate_bags x WHERE x.crate = crates.id)",
        (crate_id, CrateState.OPEN),
    )


def close(db: sqlite_utils.Database, crate_id: int, *, seq: int, at: str, by: str) -> None:
    db.conn.execute(
        "UPDATE crates SET status = ?, seq = ?, closed_at = ?, closed_by = ?"
        " WHERE id = ? AND status = ?",
        (CrateState.CLOSED, seq, at, by, crate_id, CrateState.OPEN),
    )


def next_seq(db: sqlite_utils.Database, committee: str, day: str) -> int:
    return 1 + int(
        db.conn.execute(
            "SELECT coalesce(max(seq), 0) FROM crates WHERE committee = ? AND day = ?",
            (committee, day),
        ).fetchone()[0]
    )


def crate_of_bag(db: sqlite_utils.Database, bag: str) -> CrateRow | None:
    found = db.conn.execute(
        f"{_CRATE} JOIN crate_bags y ON y.crate = c.id WHERE y.bag = ?", (bag,)
    ).fetchone()
    return CrateRow(*found) if found else None


def put(
    db: sqlite_utils.Database, *, bag: str, crate_id: int, at: str, operator: str, grams: int
) -> None:
    """Put a bag into a crate, or move it there from the crate it was in."""
    db.conn.execute(
        "INSERT INTO crate_bags (bag, crate, at, operator, grams) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (bag) DO UPDATE SET crate = excluded.crate, at = excluded.at,"
        " operator = excluded.operator",
        (bag, crate_id, at, operator, grams),
    )


def take_out(db: sqlite_utils.Database, bag: str) -> None:
    db.conn.execute("DELETE FROM crate_bags WHERE bag = ?", (bag,))


def bags_in(db: sqlite_utils.Database, crate_id: int) -> list[CratedBag]:
    """The bags in a crate in hand-out order (building, unit, room)."""
    return [
        CratedBag(*r)
        for r in db.conn.execute(
            "SELECT b.id, b.order_no, b.k, b.n, o.building, o.unit, o.room, x.grams, l.route"
            " FROM crate_bags x JOIN bags b ON b.id = x.bag"
            " JOIN orders o ON o.order_no = b.order_no"
            " LEFT JOIN bag_loads l ON l.bag = b.id"
            " WHERE x.crate = ? ORDER BY o.building, o.unit, o.room, b.id",
            (crate_id,),
        )
    ]


def bag_grams(db: sqlite_utils.Database, bag: str) -> int:
    """A bag's share of its order's packed weight (weighed goods as weighed, the rest by
    their unit weight), split over the order's bags by the items in each."""
    row = db.conn.execute(
        "SELECT b.items, (SELECT sum(items) FROM bags WHERE order_no = b.order_no),"
        " (SELECT coalesce(sum(CASE WHEN p.weighed THEN pl.grams"
        "   ELSE pl.qty * p.unit_grams END), 0) FROM packed_lines pl"
        "   JOIN order_lines l ON l.order_no = pl.order_no AND l.line_no = pl.line_no"
        "   JOIN products p ON p.sku = l.sku WHERE pl.order_no = b.order_no)"
        " FROM bags b WHERE b.id = ?",
        (bag,),
    ).fetchone()
    if row is None or not row[1]:
        return 0
    items, total_items, grams = row
    return int(grams) * int(items) // int(total_items)


def final_count(db: sqlite_utils.Database, committee: str, day: str) -> int | None:
    """How many crates the committee has on `day` once that number is final, else None.

    It is final when no open crate of the day holds a bag and every paid order of the
    committee is packed (each line packed or short) with each of its bags in a closed crate
    or on a truck: nothing is left that could need another crate."""
    row = db.conn.execute(
        "SELECT (SELECT count(*) FROM crates WHERE committee = ?1 AND day = ?2"
        "   AND status = 'closed'),"
        " EXISTS (SELECT 1 FROM crates c WHERE c.committee = ?1 AND c.day = ?2"
        "   AND c.status = 'open' AND EXISTS (SELECT 1 FROM crate_bags x WHERE x.crate = c.id))"
        " OR EXISTS (SELECT 1 FROM orders o WHERE o.committee = ?1 AND o.status = 'paid' AND ("
        "   EXISTS (SELECT 1 FROM order_lines l"
        "     LEFT JOIN packed_lines p ON p.order_no = l.order_no AND p.line_no = l.line_no"
        "     LEFT JOIN line_shorts s ON s.order_no = l.order_no AND s.line_no = l.line_no"
        "     WHERE l.order_no = o.order_no"
        "     AND coalesce(p.qty, 0) + coalesce(s.short_qty, 0) < l.qty)"
        "   OR EXISTS (SELECT 1 FROM bags b WHERE b.order_no = o.order_no"
        "     AND NOT EXISTS (SELECT 1 FROM bag_loads l WHERE l.bag = b.id)"
        "     AND NOT EXISTS (SELECT 1 FROM crate_bags x JOIN crates c ON c.id = x.crate"
        "       WHERE x.bag = b.id AND c.status = 'closed'))))",
        (committee, day),
    ).fetchone()
    closed, unfinished = int(row[0]), bool(row[1])
    return closed if closed and not unfinished else None


def bag_facts(
    db: sqlite_utils.Database, committee: str, day: str, route: str
) -> list[tuple[str, str, int, int, str, str, str | None, str | None]]:
    """(bag, order, k, n, status, order status, crate code, route loaded onto) of the bags
    that matter to the committee's crates of `day`: in one of them, of an order with a bag
    in one of them, on the dock (paid, not loaded), or loaded onto `route`."""
    return db.conn.execute(
        "WITH day_crates AS (SELECT id FROM crates WHERE committee = ?1 AND day = ?2),"
        " crated_orders AS (SELECT DISTINCT b.order_no FROM crate_bags x"
        "   JOIN bags b ON b.id = x.bag WHERE x.crate IN (SELECT id FROM day_crates))"
        " SELECT b.id, b.order_no, b.k, b.n, b.status, o.status,"
        " CASE WHEN x.crate IN (SELECT id FROM day_crates) THEN c.code END, l.route"
        " FROM bags b JOIN orders o ON o.order_no = b.order_no"
        " LEFT JOIN crate_bags x ON x.bag = b.id LEFT JOIN crates c ON c.id = x.crate"
        " LEFT JOIN bag_loads l ON l.bag = b.id"
        " WHERE o.committee = ?1 AND (x.crate IN (SELECT id FROM day_crates)"
        "   OR b.order_no IN (SELECT order_no FROM crated_orders)"
        "   OR (o.status = 'paid' AND l.bag IS NULL AND x.bag IS NULL) OR l.route = ?3)"
        " ORDER BY b.order_no, b.k",
        (committee, day, route),
    ).fetchall()


def crate_counts(db: sqlite_utils.Database, committee: str, day: str) -> list[tuple[int, str, int]]:
    """(k, code, bags) of a committee's closed crates of a day, for its manifest and route."""
    return db.conn.execute(
        "SELECT c.seq, c.code, (SELECT count(*) FROM crate_bags x WHERE x.crate = c.id)"
        " FROM crates c WHERE c.committee = ? AND c.day = ? AND c.status = 'closed'"
        " ORDER BY c.seq",
        (committee, day),
    ).fetchall()


def committees_with_crates(db: sqlite_utils.Database, day: str) -> Sequence[str]:
    return [
        r[0] for r in db.conn.execute("SELECT DISTINCT committee FROM crates WHERE day = ?", (day,))
    ]


def crates_of_manifest(db: sqlite_utils.Database, manifest_id: str) -> list[tuple[int, str, int]]:
    """(k, code, bags) of the closed crates holding a manifest's bags, with its bags in each."""
    return db.conn.execute(
        "SELECT c.seq, c.code, count(*) FROM manifest_bags m"
        " JOIN crate_bags x ON x.bag = m.bag JOIN crates c ON c.id = x.crate"
        " WHERE m.manifest = ? AND c.status = 'closed' GROUP BY c.id ORDER BY c.day, c.seq",
        (manifest_id,),
    ).fetchall()
