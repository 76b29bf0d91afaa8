"""What printed documents show: the floor's rows read into `picker.domain.documents` values.

Days are matched on the first ten characters of the stored ISO times, which the use cases
write in Asia/Shanghai: the warehouse's day, not UTC's.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING, Any

from picker.domain.documents import Household, ItemLine, PickLine, Refund, RefundHousehold
from picker.domain.model import Address
from picker.domain.states import RefundKind

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


def bag_items(db: sqlite_utils.Database, bag_id: str) -> tuple[ItemLine, ...]:
    """What a bag holds, from the accepted pack scans into it less their undos (the log has a
    row per bag a scan filled), in the order the products first went in."""
    return tuple(
        ItemLine(name, qty, unit)
        for name, unit, qty in db.conn.execute(
            "SELECT p.name, p.unit, sum(s.qty) FROM scan_log s JOIN products p ON p.sku = s.sku"
            # The batch narrows the log to one batch's rows through its index.
            " WHERE s.batch = (SELECT batch FROM bags WHERE id = :bag) AND s.stage = 'pack'"
            " AND s.bag = :bag AND s.outcome = 'accepted'"
            " AND s.kind IN ('product', 'weighed', 'undo')"
            " GROUP BY s.sku HAVING sum(s.qty) > 0 ORDER BY min(s.id)",
            {"bag": bag_id},
        )
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


def loading_driver(db: sqlite_utils.Database, route_id: str) -> str:
    """The name of the driver who loaded most of the route's bags ("" when no driver has):
    the one taking the truck out, until a lead sets the route's driver."""
    row = db.conn.execute(
        "SELECT o.name FROM bag_loads l JOIN operators o ON o.code = l.operator"
        " WHERE l.route = ? AND o.role = 'driver'"
        " GROUP BY o.code ORDER BY count(*) DESC, max(l.at) DESC LIMIT 1",
        (route_id,),
    ).fetchone()
    return str(row[0]) if row else ""


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
        # A short refund is the whole unit price per unit gone short (see picker.domain.shortage).
        qty = fen // price if kind == RefundKind.SHORT and price else 0
        refunds[no].append(Refund(kind, fen, product, qty, product_unit, reason))
    return tuple(
        RefundHousehold(no, address, name, phone, tuple(refunds[no]))
        for no, (address, name, phone) in heads.items()
    )


def subdistrict_name(db: sqlite_utils.Database, code: str) -> str:
    row = db.conn.execute("SELECT name FROM subdistricts WHERE code = ?", (code,)).fetchone()
    return str(row[0]) if row else code


def manifest_bag_households(db: sqlite_utils.Database, manifest_id: str) -> tuple[Household, ...]:
    """The households of a manifest's bags (paid orders), each with its bags on that manifest;
    and, on the first manifest holding bags of a packed batch, that batch's households that
    got no bag at all (everything they ordered went short), so the committee hears of them."""
    rows = db.conn.execute(
        "WITH mine AS (SELECT b.order_no, b.batch FROM manifest_bags x"
        "   JOIN bags b ON b.id = x.bag WHERE x.manifest = :id),"
        " this AS (SELECT day, seq FROM manifests WHERE id = :id),"
        " first_batches AS (SELECT DISTINCT mine.batch FROM mine WHERE NOT EXISTS ("
        "   SELECT 1 FROM manifest_bags y JOIN bags g ON g.id = y.bag"
        "   JOIN manifests m ON m.id = y.manifest, this"
        "   WHERE g.batch = mine.batch AND m.id != :id"
        "   AND (m.day < this.day OR (m.day = this.day AND m.seq < this.seq))))"
        " SELECT o.order_no, o.community, o.building, o.unit, o.room, o.name, o.phone,"
        " (SELECT count(*) FROM mine WHERE mine.order_no = o.order_no),"
        " (SELECT coalesce(sum(r.fen), 0) FROM refunds r"
        "   WHERE r.order_no = o.order_no AND r.kind IN ('short', 'underweight'))"
        " FROM orders o WHERE o.status = 'paid' AND ("
        "   o.order_no IN (SELECT order_no FROM mine)"
        "   OR (o.order_no IN (SELECT bo.order_no FROM batch_orders bo"
        "       JOIN batches b ON b.id = bo.batch"
        "       WHERE bo.batch IN (SELECT batch FROM first_batches)"
        "       AND b.status IN ('packed', 'closed'))"
        "     AND NOT EXISTS (SELECT 1 FROM bags g WHERE g.order_no = o.order_no)))",
        {"id": manifest_id},
    ).fetchall()
    items = _items(db, [r[0] for r in rows])
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
        for no, community, building, unit, room, name, phone, bags, fen in rows
    )
