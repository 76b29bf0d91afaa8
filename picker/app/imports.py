"""Use cases of file intake: importing bank exports, the demo warehouse, the orders overview.

A file is imported in one transaction: its orders, its rejects and the record of the import
(with the file's SHA-256, so the same file seen again is reported) land together.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import db
from db import catalog as catalog_rows
from db import store
from picker.app.context import Context, Service
from picker.app.feed_events import FeedEvents
from picker.domain import importing
from picker.domain.model import Order, OrderStatus, Reject
from picker.errors import InputError
from picker.i18n import _, _n

if TYPE_CHECKING:
    from picker.app.demo import DemoWarehouse


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What one file did to the warehouse."""

    source: str
    rows: int
    added: int
    duplicates: int
    amount_fen: int
    rejects: list[Reject] = field(default_factory=list)
    dry_run: bool = False
    #: When the identical file was imported before: (source, time).
    seen_before: tuple[str, str] | None = None

    @property
    def conflicts(self) -> list[Reject]:
        return [r for r in self.rejects if r.reason == "conflict"]

    @property
    def rejected_orders(self) -> int:
        return len({r.order_no or f"#{r.line}" for r in self.rejects})


@dataclass(frozen=True, slots=True)
class CommitteeOrders:
    """One row of the orders overview."""

    code: str
    name: str
    subdistrict: str
    orders: int
    lines: int
    amount_fen: int
    rejects: int
    by_status: dict[str, int]


@dataclass(frozen=True, slots=True)
class DemoReport:
    committees: int
    products: int
    operators: int
    orders: int
    amount_fen: int
    pins: dict[str, str]
    csv_rows: int | None = None


class Imports(Service):
    """Bank exports and the demo into the warehouse; events that waited for their orders
    are applied by `FeedEvents` in the same transaction."""

    def __init__(self, ctx: Context, events: FeedEvents) -> None:
        super().__init__(ctx)
        self.events = events

    def build_demo(
        self, orders: int = 12_000, seed: int = 2022, export_csv: Path | None = None
    ) -> DemoReport:
        """Fill an empty warehouse file with the demo catalog and `orders` paid orders."""
        from picker.app.demo import build_demo
        from picker.app.demo_export import export_csv as write_csv

        existing = store.count(self.db, "orders")
        if existing or store.count(self.db, "committees"):
            raise InputError(
                _n(
                    "{path} already holds a warehouse ({orders} order); "
                    "use a new --db file for the demo",
                    "{path} already holds a warehouse ({orders} orders); "
                    "use a new --db file for the demo",
                    existing,
                    path=self.ctx.path,
                    orders=existing,
                )
            )
        demo = build_demo(orders=orders, seed=seed)
        with db.write(self.db):
            self._save_demo(demo)
            store.set_setting(self.db, "demo_seed", str(seed))
        rows = None
        if export_csv is not None:
            rows = write_csv(demo, export_csv)
        return DemoReport(
            committees=len(demo.committees),
            products=len(demo.products),
            operators=len(demo.operators),
            orders=len(demo.orders),
            amount_fen=sum(o.amount_fen for o in demo.orders),
            pins=demo.pins,
            csv_rows=rows,
        )

    def _save_demo(self, demo: DemoWarehouse) -> None:
        catalog_rows.save_catalog(
            self.db,
            subdistricts=demo.subdistricts,
            committees=demo.committees,
            payment_codes=demo.payment_codes,
            locations=demo.locations,
            products=demo.products,
            operators=demo.operators,
        )
        if demo.orders:
            import_id = store.record_import(
                self.db,
                source="demo",
                sha256="",
                at=self.clock(),
                rows=len(demo.orders),
                added=len(demo.orders),
                duplicate=0,
                rejected=0,
            )
            store.insert_orders(self.db, demo.orders, import_id)
            self.events.apply_waiting_events([o.order_no for o in demo.orders])

    def import_file(
        self,
        path: str | Path,
        *,
        dry_run: bool = False,
        progress: importing.Progress | None = None,
    ) -> ImportReport:
        """Import one bank export in one transaction. Safe to repeat: orders are keyed by number.

        An order already present with the same content is a duplicate and skipped; with other
        content it is a conflict, reported and never overwritten.
        """
        p = Path(path)
        try:
            data = p.read_bytes()
        except OSError as exc:
            raise InputError(_("cannot read {path}: {error}", path=p, error=exc.strerror)) from None
        source = str(path)
        parsed = importing.parse(
            data, source, self.catalog(), self.settings.import_columns, progress
        )
        digest = hashlib.sha256(data).hexdigest()
        conn = self.db
        if dry_run:
            seen = store.previous_import(conn, digest)
            new, duplicates, rejects = self.classify(parsed)
        else:
            with importing.paused_gc(), db.write(conn):
                seen = store.previous_import(conn, digest)
                new, duplicates, rejects = self.classify(parsed)
                import_id = store.record_import(
                    conn,
                    source=source,
                    sha256=digest,
                    at=self.clock(),
                    rows=parsed.rows,
                    added=len(new),
                    duplicate=duplicates,
                    rejected=len({r.order_no or r.line for r in rejects}),
                )
                store.insert_orders(conn, new, import_id)
                # A cancel may have come on the feed before its order came in this file.
                self.events.apply_waiting_events([o.order_no for o in new])
                store.insert_rejects(conn, rejects, import_id)
        return ImportReport(
            source=source,
            rows=parsed.rows,
            added=len(new),
            duplicates=duplicates,
            amount_fen=sum(o.amount_fen for o in new),
            rejects=rejects,
            dry_run=dry_run,
            seen_before=(seen["source"], seen["imported_at"]) if seen else None,
        )

    def classify(self, parsed: importing.ParsedFile) -> tuple[list[Order], int, list[Reject]]:
        """Split parsed orders into new ones, duplicates and conflicts with stored ones (inside
        the caller's transaction: the feed's pages are classified as files are).

        Order numbers are unique within a parsed file, so only stored orders can clash.
        """
        # As they arrived: a refund event since then is no change of content.
        stored = store.load_orders(self.db, [o.order_no for o in parsed.orders], as_received=True)
        new: list[Order] = []
        rejects = list(parsed.rejects)
        duplicates = 0
        for order in parsed.orders:
            before = stored.get(order.order_no)
            if before is None:
                new.append(order)
            elif before.same_content(order):
                duplicates += 1
            else:
                line = parsed.first_line.get(order.order_no, 0)
                rejects.append(
                    Reject(
                        parsed.source,
                        line,
                        "conflict",
                        (("order_no", order.order_no),),
                        order.order_no,
                        "",
                        order.committee,
                    )
                )
        return new, duplicates, rejects

    def order_summary(self, committee: str | None = None) -> list[CommitteeOrders]:
        """Orders, lines and amount per committee (paid orders), with counts per status."""
        code = None
        if committee:
            code = self.catalog().committee_by_name().get(committee)
            if code is None:
                raise InputError(_("unknown committee {value!r}", value=committee))
        rows: dict[str, CommitteeOrders] = {}
        for r in store.committee_summary(self.db, code):
            row = rows.get(r["code"])
            if row is None:
                row = CommitteeOrders(
                    r["code"], r["name"], r["subdistrict"], 0, 0, 0, r["rejects"], {}
                )
            status = r["status"]
            if status:
                row.by_status[status] = r["orders"]
            if status == OrderStatus.PAID:
                row = CommitteeOrders(
                    row.code,
                    row.name,
                    row.subdistrict,
                    r["orders"],
                    r["lines"],
                    r["amount_fen"],
                    row.rejects,
                    row.by_status,
                )
            rows[r["code"]] = row
        return list(rows.values())

    def pending_rejects(self, limit: int = 1000) -> list[Reject]:
        return store.pending_rejects(self.db, limit)
