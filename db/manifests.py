"""Rows of manifests: the bags a committee signs for, numbered per committee and day.

A manifest lists closed bags of paid orders; a bag left at the dock when its route departs
comes off the unsigned manifests of that route's stops. Delivery records the signing time and
the proof photo.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils


@dataclass(frozen=True, slots=True)
class ManifestRow:
    id: str
    committee: str
    day: str
    seq: int
    route: str | None
    created_at: str
    delivered_at: str | None
    pod_path: str | None
    bags: int


def drop_unloaded_from_manifests(db: sqlite_utils.Database, route_id: str) -> list[str]:
    """Take the bags that stay behind off the unsigned manifests of the route's stops, as its
    truck leaves: a committee signs for what arrived, never for a bag still at the dock.
    Returns the manifests changed."""
    dropped = db.conn.execute(
        "SELECT mb.manifest, mb.bag FROM route_stops s"
        " JOIN manifests m ON m.committee = s.committee AND m.day = s.day"
        " JOIN manifest_bags mb ON mb.manifest = m.id"
        " LEFT JOIN bag_loads l ON l.bag = mb.bag"
        " WHERE s.route = ? AND m.delivered_at IS NULL AND (l.route IS NULL OR l.route != ?)",
        (route_id, route_id),
    ).fetchall()
    for _manifest, bag in dropped:
        db.conn.execute("DELETE FROM manifest_bags WHERE bag = ?", (bag,))
    return sorted({str(m) for m, _bag in dropped})


def next_manifest_seq(db: sqlite_utils.Database, committee: str, day: str) -> int:
    return 1 + int(
        db.conn.execute(
            "SELECT coalesce(max(seq), 0) FROM manifests WHERE committee = ? AND day = ?",
            (committee, day),
        ).fetchone()[0]
    )


def unmanifested_bags(
    db: sqlite_utils.Database, committee: str, *, loaded_on_day: str | None = None
) -> list[tuple[str, str | None]]:
    """(bag, route loaded onto) of the committee's closed bags of paid orders that are on no
    manifest yet; with `loaded_on_day`, only those loaded onto a route of that day."""
    extra = " AND r.day = ?" if loaded_on_day else ""
    params: tuple[str, ...] = (committee, loaded_on_day) if loaded_on_day else (committee,)
    return db.conn.execute(
        "SELECT b.id, l.route FROM orders o JOIN bags b ON b.order_no = o.order_no"
        " LEFT JOIN bag_loads l ON l.bag = b.id LEFT JOIN routes r ON r.id = l.route"
        " WHERE o.committee = ? AND o.status = 'paid' AND b.status = 'closed'"
        " AND NOT EXISTS (SELECT 1 FROM manifest_bags m WHERE m.bag = b.id)"
        f"{extra} ORDER BY o.building, o.unit, o.room, b.id",
        params,
    ).fetchall()


def insert_manifest(
    db: sqlite_utils.Database,
    *,
    manifest_id: str,
    committee: str,
    day: str,
    seq: int,
    route_id: str | None,
    created_at: str,
    bags: Iterable[str],
) -> None:
    db.conn.execute(
        "INSERT INTO manifests (id, committee, day, seq, route, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (manifest_id, committee, day, seq, route_id, created_at),
    )
    db.conn.executemany(
        "INSERT INTO manifest_bags (manifest, bag) VALUES (?, ?)",
        [(manifest_id, bag) for bag in bags],
    )


_MANIFEST = (
    "SELECT m.id, m.committee, m.day, m.seq, m.route, m.created_at, m.delivered_at, m.pod_path,"
    " (SELECT count(*) FROM manifest_bags x WHERE x.manifest = m.id) FROM manifests m"
)


def get_manifest(db: sqlite_utils.Database, manifest_id: str) -> ManifestRow | None:
    row = db.conn.execute(f"{_MANIFEST} WHERE m.id = ?", (manifest_id,)).fetchone()
    return ManifestRow(*row) if row else None


def list_manifests(
    db: sqlite_utils.Database, *, day: str | None = None, committee: str | None = None
) -> list[ManifestRow]:
    conditions = [c for c, v in (("m.day = ?", day), ("m.committee = ?", committee)) if v]
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    params = tuple(v for v in (day, committee) if v)
    return [
        ManifestRow(*r)
        for r in db.conn.execute(f"{_MANIFEST}{where} ORDER BY m.day, m.committee, m.seq", params)
    ]


def manifest_bags(db: sqlite_utils.Database, manifest_id: str) -> list[str]:
    return [
        r[0]
        for r in db.conn.execute(
            "SELECT bag FROM manifest_bags WHERE manifest = ? ORDER BY bag", (manifest_id,)
        )
    ]


def set_delivered(db: sqlite_utils.Database, manifest_id: str, at: str, pod_path: str) -> None:
    db.conn.execute(
        "UPDATE manifests SET delivered_at = ?, pod_path = ? WHERE id = ?",
        (at, pod_path, manifest_id),
    )


def routes_of_manifest(db: sqlite_utils.Database, manifest_id: str) -> list[str]:
    """The routes the manifest's bags were loaded onto, and the manifest's own route."""
    return [
        r[0]
        for r in db.conn.execute(
            "SELECT l.route FROM manifest_bags x JOIN bag_loads l ON l.bag = x.bag"
            " WHERE x.manifest = ? UNION SELECT route FROM manifests"
            " WHERE id = ? AND route IS NOT NULL",
            (manifest_id, manifest_id),
        )
    ]


def undelivered_loads(db: sqlite_utils.Database, route_id: str) -> int:
    """Bags loaded onto the route that are not on a delivered manifest."""
    return int(
        db.conn.execute(
            "SELECT count(*) FROM bag_loads l WHERE l.route = ? AND NOT EXISTS ("
            " SELECT 1 FROM manifest_bags x JOIN manifests m ON m.id = x.manifest"
            " WHERE x.bag = l.bag AND m.delivered_at IS NOT NULL)",
            (route_id,),
        ).fetchone()[0]
    )


def sign_page(
    db: sqlite_utils.Database, manifest_id: str, page: int, pages: int, at: str, pod_path: str
) -> None:
    """Record page `page` of a printing of `pages` pages as signed; a page signed before
    keeps its first photo."""
    db.conn.execute(
        "INSERT OR IGNORE INTO manifest_pages (manifest, pages, page, signed_at, pod_path)"
        " VALUES (?, ?, ?, ?, ?)",
        (manifest_id, pages, page, at, pod_path),
    )


_PAGES = (
    "SELECT p.manifest, m.committee, p.page, p.pages FROM manifest_pages p"
    " JOIN manifests m ON m.id = p.manifest"
)


def signed_pages(db: sqlite_utils.Database, manifest_id: str) -> list[tuple[str, str, int, int]]:
    """(manifest, committee, page, pages) of the manifest's signed pages, in signing order."""
    return db.conn.execute(
        f"{_PAGES} WHERE p.manifest = ? ORDER BY p.signed_at, p.pages, p.page", (manifest_id,)
    ).fetchall()


def partly_signed(
    db: sqlite_utils.Database, paid_day: str | None = None
) -> list[tuple[str, str, int, int]]:
    """Signed pages of the manifests not delivered yet, as `signed_pages` gives them: the
    manifests a committee signed only part of. With `paid_day`, only manifests carrying a
    bag of an order paid that day (the orders the audit of that day sees)."""
    return db.conn.execute(
        f"{_PAGES} WHERE m.delivered_at IS NULL AND (:day IS NULL OR EXISTS ("
        " SELECT 1 FROM manifest_bags x JOIN bags b ON b.id = x.bag"
        " JOIN orders o ON o.order_no = b.order_no"
        " WHERE x.manifest = m.id AND substr(o.paid_at, 1, 10) = :day))"
        " ORDER BY p.manifest, p.signed_at, p.pages, p.page",
        {"day": paid_day},
    ).fetchall()
