"""What printed documents show: the floor's rows read into `picker.paper(_lists)` values.

Days are matched on the first ten characters of the stored ISO times, which the use cases
write in Asia/Shanghai: the warehouse's day, not UTC's.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING, Any

from picker.model import Address
from picker.paper import Household, ItemLine
from picker.paper_lists import PickLine, Refund, RefundHousehold

if TYPE_CHECKING:
    import sqlite_utils


def bag_row(db: sqlite_utils.Database, bag_id: str) -> dict[str, Any] | None:
    """A bag with its order's committee, address and resident, and the order's shortfalls."""
    cur = db.conn.execute(
        "SELECT b.id, b.k, b.n, b.items, b.status, b.closed_at, o.order_no, o.committee,"
        " o.community, o.building, o.unit, o.room, o.name, o.phone,"
        " (SELECT coalesce(sum(s.short_qty), 0) FROM line_shorts s"
        "   WHERE s.order_no = o.order_no) AS short_units,"
        " (SELECT coalesce(sum(r.fen), 0) FROM refunds r"
        "   WHERE r.order_no = o.order_no AND r.kind IN ('short', 'underweight')) AS refund_fen"
        " FROM bags b JOIN orders o ON o.order_no = b.order_no WHERE b.id = ?",
        (bag_id,),
    )
    row = cur.fetchone()
    if row is None:
        return None
    return {d[0]: value for d, value in zip(cur.description, row, strict=True)}


def manifest_households(
    db: sqlite_utils.Database, committee: str, day: date
) -> tuple[Household, ...]:
    """The committee's households of the batches that had bags closed on `day`.

    A household is on it with its closed (packed) bags; one with no bag at all is on it only
    once its batch is packed, i.e. everything it ordered went short.
    """
    rows = db.conn.execute(
        "WITH day_batches AS (SELECT DISTINCT g.batch FROM bags g"
        "   JOIN batches b ON b.id = g.batch"
        "   WHERE b.committee = ? AND g.status = 'closed' AND substr(g.closed_at, 1, 10) = ?)"
        " SELECT o.order_no, o.community, o.building, o.unit, o.room, o.name, o.phone,"
        " (SELECT count(*) FROM bags g WHERE g.order_no = o.order_no AND g.status = 'closed'),"
        " b.status,"
        " (SELECT coalesce(sum(r.fen), 0) FROM refunds r"
        "   WHERE r.order_no = o.order_no AND r.kind IN ('short', 'underweight'))"
        " FROM day_batches d JOIN batches b ON b.id = d.batch"
        " JOIN batch_orders bo ON bo.batch = b.id"
        " JOIN orders o ON o.order_no = bo.order_no"
        " WHERE o.status = 'paid'",
        (committee, day.isoformat()),
    ).fetchall()
    kept = [r for r in rows if r[7] > 0 or r[8] in ("packed", "closed")]
    items = _items(db, [r[0] for r in kept])
    return tuple(
        Household(
            order_no=no,
            address=Address(building, unit, room, community),
            name=name,
            phone=phone,
            bags=bags,
            items=tuple(items.get(no, ())),
            refund_fen=fen,
        )
        for no, community, building, unit, room, name, phone, bags, _status, fen in kept
    )


def _items(db: sqlite_utils.Database, order_nos: list[str]) -> dict[str, list[ItemLine]]:
    found: dict[str, list[ItemLine]] = defaultdict(list)
    # SQLite caps bound parameters; a 500-household manifest goes in chunks.
    for start in range(0, len(order_nos), 400):
        chunk = order_nos[start : start + 400]
        marks = ",".join("?" * len(chunk))
        for no, name, unit, qty, short in db.conn.execute(
            "SELECT l.order_no, p.name, p.unit, l.qty, coalesce(s.short_qty, 0)"
            " FROM order_lines l JOIN products p ON p.sku = l.sku"
            " LEFT JOIN line_shorts s ON s.order_no = l.order_no AND s.line_no = l.line_no"
            f" WHERE l.order_no IN ({marks}) ORDER BY l.order_no, l.line_no",
            chunk,
        ):
            found[no].append(ItemLine(name, qty, unit, short))
    return found


def pick_lines(db: sqlite_utils.Database, batch_id: str) -> tuple[PickLine, ...]:
    """The batch's lines in walk order (the paper is printed before anyone skips)."""
    return tuple(
        PickLine(location, name, needed, unit, bool(weighed))
        for location, name, needed, unit, weighed in db.conn.execute(
            "SELECT p.location, p.name, l.needed, p.unit, p.weighed FROM pick_lines l"
            " JOIN products p ON p.sku = l.sku WHERE l.batch = ? ORDER BY l.walk_seq, l.sku",
            (batch_id,),
        )
    )


def operator_name(db: sqlite_utils.Database, code: str) -> str:
    row = db.conn.execute("SELECT name FROM operators WHERE code = ?", (code,)).fetchone()
    return str(row[0]) if row else ""


def route_committees(db: sqlite_utils.Database, route: str) -> list[str]:
    """Codes of the committees on a route, in stop order."""
    return [
        r[0]
        for r in db.conn.execute(
            "SELECT code FROM committees WHERE route = ? ORDER BY stop_order, code", (route,)
        )
    ]


def routes(db: sqlite_utils.Database) -> list[str]:
    return [
        r[0]
        for r in db.conn.execute(
            "SELECT DISTINCT route FROM committees WHERE route != '' ORDER BY route"
        )
    ]


def refund_households(
    db: sqlite_utils.Database, committee: str, day: date
) -> tuple[RefundHousehold, ...]:
    """Refunds recorded on `day` for the committee's orders, per household, in entry order."""
    heads: dict[str, tuple[Address, str, str]] = {}
    refunds: dict[str, list[Refund]] = defaultdict(list)
    for (
        no,
        community,
        building,
        unit,
        room,
        name,
        phone,
        kind,
        fen,
        reason,
        product,
        product_unit,
        price,
    ) in db.conn.execute(
        "SELECT r.order_no, o.community, o.building, o.unit, o.room, o.name, o.phone,"
        " r.kind, r.fen, r.reason, coalesce(p.name, ''), coalesce(p.unit, ''),"
        " coalesce(l.unit_price_fen, 0)"
        " FROM refunds r JOIN orders o ON o.order_no = r.order_no"
        " LEFT JOIN order_lines l ON l.order_no = r.order_no AND l.line_no = r.line_no"
        " LEFT JOIN products p ON p.sku = l.sku"
        " WHERE o.committee = ? AND substr(r.at, 1, 10) = ? ORDER BY r.id",
        (committee, day.isoformat()),
    ):
        heads.setdefault(no, (Address(building, unit, room, community), name, phone))
        # A short refund is the whole unit price per unit gone short (see picker.shortage).
        qty = fen // price if kind == "short" and price else 0
        refunds[no].append(Refund(kind, fen, product, qty, product_unit, reason))
    return tuple(
        RefundHousehold(no, address, name, phone, tuple(refunds[no]))
        for no, (address, name, phone) in heads.items()
    )


def subdistrict_name(db: sqlite_utils.Database, code: str) -> str:
    row = db.conn.execute("SELECT name FROM subdistricts WHERE code = ?", (code,)).fetchone()
    return str(row[0]) if row else code
