"""Rows of dispatch: routes of a day and their stops, and the bags loaded onto them.

A bag is expected on its committee's route of the day while its order is paid and it is not
loaded anywhere yet; once loaded it counts on the route it was loaded onto. Bags loaded on an
earlier day's route have gone and do not count again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from picker.domain.states import RouteState

if TYPE_CHECKING:
    import sqlite_utils


ROUTE_COLUMNS = (
    "id, day, name, truck, driver, status, departed_at, departed_by, override_by, override_reason"
)


@dataclass(frozen=True, slots=True)
class RouteRow:
    id: str
    day: str
    name: str
    truck: str
    driver: str | None
    status: str
    departed_at: str | None
    departed_by: str | None
    override_by: str | None
    override_reason: str


@dataclass(frozen=True, slots=True)
class StopCounts:
    """A stop with its bags: loaded onto this route, still to load (of them open), and the
    committee's paid orders not packed: batched (`unpacked`) or not (`unbatched`)."""

    route: str
    committee: str
    stop_order: int
    loaded: int
    missing: int
    open_bags: int
    unpacked: int
    unbatched: int


@dataclass(frozen=True, slots=True)
class BagRow:
    id: str
    order_no: str
    batch: str
    status: str
    order_status: str
    committee: str
    building: str
    unit: str
    room: str


@dataclass(frozen=True, slots=True)
class LoadRow:
    route: str
    at: str
    operator: str
    terminal: str


def routes_of_day(db: sqlite_utils.Database, day: str) -> list[RouteRow]:
    return [
        RouteRow(*r)
        for r in db.conn.execute(
            # R20220412-2 before R20220412-10.
            f"SELECT {ROUTE_COLUMNS} FROM routes WHERE day = ? ORDER BY length(id), id",
            (day,),
        )
    ]


def get_route(db: sqlite_utils.Database, route_id: str) -> RouteRow | None:
    row = db.conn.execute(
        f"SELECT {ROUTE_COLUMNS} FROM routes WHERE id = ?", (route_id,)
    ).fetchone()
    return RouteRow(*row) if row else None


def insert_route(
    db: sqlite_utils.Database,
    *,
    route_id: str,
    day: str,
    name: str,
    truck: str = "",
    driver: str | None = None,
) -> None:
    db.conn.execute(
        "INSERT INTO routes (id, day, name, truck, driver) VALUES (?, ?, ?, ?, ?)",
        (route_id, day, name, truck, driver),
    )


def update_route(
    db: sqlite_utils.Database, route_id: str, *, name: str, truck: str, driver: str | None
) -> None:
    db.conn.execute(
        "UPDATE routes SET name = ?, truck = ?, driver = ? WHERE id = ?",
        (name, truck, driver, route_id),
    )


def set_status(db: sqlite_utils.Database, route_id: str, status: RouteState) -> None:
    db.conn.execute("UPDATE routes SET status = ? WHERE id = ?", (status, route_id))


def set_departed(
    db: sqlite_utils.Database,
    route_id: str,
    *,
    at: str,
    by: str,
    override_by: str | None,
    override_reason: str,
) -> None:
    db.conn.execute(
        "UPDATE routes SET status = ?, departed_at = ?, departed_by = ?,"
        " override_by = ?, override_reason = ? WHERE id = ?",
        (RouteState.DEPARTED, at, by, override_by, override_reason, route_id),
    )


def stops_of_route(db: sqlite_utils.Database, route_id: str) -> list[str]:
    """The committees of a route in stop order."""
    return [
        r[0]
        for r in db.conn.execute(
            "SELECT committee FROM route_stops WHERE route = ? ORDER BY stop_order, committee",
            (route_id,),
        )
    ]


def stop_of(db: sqlite_utils.Database, day: str, committee: str) -> tuple[str, int] | None:
    """(route, stop order) of a committee on a day, if it is on a route."""
    return db.conn.execute(
        "SELECT route, stop_order FROM route_stops WHERE day = ? AND committee = ?",
        (day, committee),
    ).fetchone()


def insert_stop(
    db: sqlite_utils.Database, route_id: str, committee: str, day: str, stop_order: int
) -> None:
    db.conn.execute(
        "INSERT INTO route_stops (route, committee, day, stop_order) VALUES (?, ?, ?, ?)",
        (route_id, committee, day, stop_order),
    )


def remove_stop(db: sqlite_utils.Database, route_id: str, committee: str) -> None:
    db.conn.execute(
        "DELETE FROM route_stops WHERE route = ? AND committee = ?", (route_id, committee)
    )


def renumber_stops(db: sqlite_utils.Database, route_id: str, committees: Sequence[str]) -> None:
    """Stop orders 1..n in the order given."""
    db.conn.executemany(
        "UPDATE route_stops SET stop_order = ? WHERE route = ? AND committee = ?",
        [(n, route_id, c) for n, c in enumerate(committees, start=1)],
    )


_COUNTS = """
    SELECT s.route, s.committee, s.stop_order,
        (SELECT count(*) FROM bag_loads l JOIN bags b ON b.id = l.bag
            JOIN orders o ON o.order_no = b.order_no
            WHERE l.route = s.route AND o.committee = s.committee),
        (SELECT count(*) FROM orders o JOIN bags b ON b.order_no = o.order_no
            WHERE o.committee = s.committee AND o.status = 'paid'
            AND NOT EXISTS (SELECT 1 FROM bag_loads l WHERE l.bag = b.id)),
        (SELECT count(*) FROM orders o JOIN bags b ON b.order_no = o.order_no
            WHERE o.committee = s.committee AND o.status = 'paid' AND b.status = 'open'
            AND NOT EXISTS (SELECT 1 FROM bag_loads l WHERE l.bag = b.id)),
        (SELECT count(*) FROM orders o JOIN batch_orders bo ON bo.order_no = o.order_no
            WHERE o.committee = s.committee AND o.status = 'paid'
            -- packed: every bag 1..n there and closed
            AND NOT coalesce((SELECT count(*) >= max(b.n) AND sum(b.status = 'open') = 0
                FROM bags b WHERE b.order_no = o.order_no), 0)
            -- an order short in every line has nothing to pack
            AND EXISTS (SELECT 1 FROM order_lines ol
                LEFT JOIN line_shorts ls ON ls.order_no = ol.order_no AND ls.line_no = ol.line_no
                WHERE ol.order_no = o.order_no AND ol.qty > coalesce(ls.short_qty, 0))),
        (SELECT count(*) FROM orders o
            WHERE o.committee = s.committee AND o.status = 'paid'
            AND NOT EXISTS (SELECT 1 FROM batch_orders bo WHERE bo.order_no = o.order_no))
    FROM route_stops s
"""


def stop_counts(
    db: sqlite_utils.Database, *, day: str | None = None, route_id: str | None = None
) -> list[StopCounts]:
    """Bag counts of every stop of a day or of one route, in route and stop order."""
    where, params = ("WHERE s.route = ?", (route_id,)) if route_id else ("WHERE s.day = ?", (day,))
    sql = f"{_COUNTS} {where} ORDER BY s.route, s.stop_order, s.committee"
    return [StopCounts(*r) for r in db.conn.execute(sql, params)]


_BAG = (
    "SELECT b.id, b.order_no, b.batch, b.status, o.status, o.committee, o.building, o.unit,"
    " o.room FROM bags b JOIN orders o ON o.order_no = b.order_no"
)


def get_bag(db: sqlite_utils.Database, bag_id: str) -> BagRow | None:
    row = db.conn.execute(f"{_BAG} WHERE b.id = ?", (bag_id,)).fetchone()
    return BagRow(*row) if row else None


def missing_bags(db: sqlite_utils.Database, route_id: str) -> list[tuple[int, BagRow]]:
    """(stop order, bag) of every bag still to load onto the route, by stop and address."""
    return [
        (r[0], BagRow(*r[1:]))
        for r in db.conn.execute(
            "SELECT s.stop_order, b.id, b.order_no, b.batch, b.status, o.status, o.committee,"
            " o.building, o.unit, o.room FROM route_stops s"
            " JOIN orders o ON o.committee = s.committee AND o.status = 'paid'"
            " JOIN bags b ON b.order_no = o.order_no"
            " WHERE s.route = ? AND NOT EXISTS (SELECT 1 FROM bag_loads l WHERE l.bag = b.id)"
            " ORDER BY s.stop_order, s.committee, o.building, o.unit, o.room, b.id",
            (route_id,),
        )
    ]


def split_orders(
    db: sqlite_utils.Database, route_id: str
) -> list[tuple[str, list[str], list[str]]]:
    """(order, bags on this route, bags not on it) of paid orders of the route's stops that
    have some bags on the truck and some not: a household that would arrive half packed."""
    bags: dict[str, tuple[list[str], list[str]]] = {}
    for order_no, bag, on in db.conn.execute(
        "SELECT b.order_no, b.id, l.route = s.route FROM route_stops s"
        " JOIN orders o ON o.committee = s.committee AND o.status = 'paid'"
        " JOIN bags b ON b.order_no = o.order_no"
        " LEFT JOIN bag_loads l ON l.bag = b.id"
        " WHERE s.route = ? ORDER BY b.order_no, b.k",
        (route_id,),
    ):
        loaded, rest = bags.setdefault(order_no, ([], []))
        (loaded if on else rest).append(bag)
    return [(no, loaded, rest) for no, (loaded, rest) in bags.items() if loaded and rest]


def delete_load(db: sqlite_utils.Database, bag_id: str) -> None:
    db.conn.execute("DELETE FROM bag_loads WHERE bag = ?", (bag_id,))


def get_load(db: sqlite_utils.Database, bag_id: str) -> LoadRow | None:
    row = db.conn.execute(
        "SELECT route, at, operator, terminal FROM bag_loads WHERE bag = ?", (bag_id,)
    ).fetchone()
    return LoadRow(*row) if row else None


def insert_load(
    db: sqlite_utils.Database,
    *,
    bag_id: str,
    route_id: str,
    at: str,
    operator: str,
    terminal: str,
    scan_id: int,
) -> None:
    db.conn.execute(
        "INSERT INTO bag_loads (bag, route, at, operator, terminal, scan_id)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (bag_id, route_id, at, operator, terminal, scan_id),
    )
