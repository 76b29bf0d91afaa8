"""Loading scans: bag labels onto a route's truck, checked, logged and committed together.

Like a picking session (`picker.app.sessions`), every scan, accepted or rejected, is one row of the
scan log (stage `load`), written in the same `BEGIN IMMEDIATE` transaction as the bag's load,
so two loaders scanning the same bag at once cannot both load it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import db
from db import catalog as catalog_rows
from db import dispatch as rows
from db import scan_log
from picker.app.config import Settings
from picker.app.context import Context
from picker.app.crate_loading import load_crate
from picker.app.crates import Crates
from picker.app.floor import Floor
from picker.app.load_outcomes import (
    LOAD_REASONS,
    STAGE,
    LoadRejected,
    LoadResult,
    load_reason_text,
)
from picker.app.routes import Routes
from picker.domain.crating import Problem
from picker.domain.model import OrderStatus, Role
from picker.domain.scanning import ScanIndex, resolve
from picker.domain.scans import ScanError, ScanKind
from picker.domain.states import BagState, RouteState, ScanOutcome
from picker.errors import NotFound
from picker.i18n import _

if TYPE_CHECKING:
    from picker.domain.routing import Route

__all__ = [
    "LOAD_REASONS",
    "STAGE",
    "LoadRejected",
    "LoadResult",
    "LoadSession",
    "load_reason_text",
]


class LoadSession:
    """One operator scanning bags onto one route, on one terminal.

    Holds no connection: every call uses the calling thread's, so a screen may build the
    session on the UI thread and scan on a worker.
    """

    def __init__(
        self,
        ctx: Context,
        floor: Floor,
        routing: Routes,
        crating: Crates,
        route: str,
        operator: str,
        terminal: str = "",
    ) -> None:
        self.ctx = ctx
        self.routing = routing
        self.crating = crating
        _name, role = floor.operator(operator)
        #: A driver loading a route nobody was set to drive is its driver from then on.
        self.is_driver = role is Role.DRIVER
        found = routing.route(route)
        self.route_id = found.id
        self.route_name = found.name
        self.operator = operator
        self.terminal = terminal
        self.catalog = ctx.catalog()
        self.committee_names = {c.code: c.name for c in self.catalog.committees.values()}
        self.index = ScanIndex.build(self.catalog, catalog_rows.load_operators(ctx.db))

    @property
    def settings(self) -> Settings:
        return self.ctx.settings

    def disconnect(self) -> None:
        """Close the calling thread's connection (a worker thread that is done)."""
        self.ctx.close()

    def scan(self, raw: str) -> LoadResult:
        """Load one scanned bag label. Never raises for a bad code: it is rejected."""
        raw = raw.strip("\r\n")
        try:
            scan = resolve(raw, self.index)
        except ScanError as exc:
            return self._reject(raw, exc.reason, exc.params, None)
        if scan.kind is ScanKind.CRATE and scan.ref is not None:
            return load_crate(self, raw, scan.ref)
        if scan.kind is not ScanKind.BAG or scan.ref is None:
            return self._reject(raw, "not_a_bag", (("kind", scan.kind.value),), None)
        try:
            with db.write(self.ctx.db):
                return self._load(raw, scan.ref)
        except LoadRejected as exc:
            return self._reject(raw, exc.reason, exc.params, exc.bag)

    def unload(self, raw: str) -> LoadResult:
        """Take a bag back off the truck before it leaves (a household left behind goes whole).
        Never raises for a bad code: it is rejected."""
        raw = raw.strip("\r\n")
        try:
            scan = resolve(raw, self.index)
        except ScanError as exc:
            return self._reject(raw, exc.reason, exc.params, None)
        if scan.kind is not ScanKind.BAG or scan.ref is None:
            return self._reject(raw, "not_a_bag", (("kind", scan.kind.value),), None)
        bag_id = scan.ref
        try:
            with db.write(self.ctx.db):
                route = self._open_route()
                bag = rows.get_bag(self.ctx.db, bag_id)
                if bag is None:
                    raise LoadRejected("unknown_bag", bag=bag_id)
                earlier = rows.get_load(self.ctx.db, bag_id)
                if earlier is None or earlier.route != route.id:
                    raise LoadRejected("not_on_truck", bag, bag=bag_id, route=route.name)
                rows.delete_load(self.ctx.db, bag_id)
                scan_id = self._log(raw, ScanOutcome.ACCEPTED, bag, "", (), kind="unload")
                return self.result(raw, True, bag, scan_id)
        except LoadRejected as exc:
            return self._reject(raw, exc.reason, exc.params, exc.bag)

    def _open_route(self) -> rows.RouteRow:
        """The route, refused once its truck has left. Under `db.write`."""
        route = rows.get_route(self.ctx.db, self.route_id)
        if route is None:
            raise NotFound(_("no route {route}", route=self.route_id))
        if route.status in (RouteState.DEPARTED, RouteState.DONE):
            raise LoadRejected("route_departed", route=route.name)
        return route

    def _load(self, raw: str, bag_id: str) -> LoadResult:
        conn = self.ctx.db
        route = self._open_route()
        bag, stop = self.check_bag(route, bag_id)
        scan_id = self._log(raw, ScanOutcome.ACCEPTED, bag, "", ())
        rows.insert_load(
            conn,
            bag_id=bag_id,
            route_id=route.id,
            at=self.ctx.now(),
            operator=self.operator,
            terminal=self.terminal,
            scan_id=scan_id,
        )
        self.loaded_onto(route)
        return self.result(raw, True, bag, scan_id, stop=stop[1])

    def loaded_onto(self, route: rows.RouteRow) -> None:
        """Something is on the truck now: the route is loading, and a driver loading a route
        with no driver is its driver (the routes screen and the route sheet name them).
        Under `db.write`."""
        if route.status == RouteState.PLANNED:
            rows.set_status(self.ctx.db, route.id, RouteState.LOADING)
        if self.is_driver and not route.driver:
            rows.update_route(
                self.ctx.db, route.id, name=route.name, truck=route.truck, driver=self.operator
            )

    def check_bag(self, route: rows.RouteRow, bag_id: str) -> tuple[rows.BagRow, tuple[str, int]]:
        """(bag, its stop) of a bag that may go onto `route` now, or `LoadRejected` saying
        why not. Inside the caller's write transaction; crate loading checks each bag so."""
        conn = self.ctx.db
        bag = rows.get_bag(conn, bag_id)
        if bag is None:
            raise LoadRejected("unknown_bag", bag=bag_id)
        earlier = rows.get_load(conn, bag_id)
        if earlier is not None:
            onto = rows.get_route(conn, earlier.route)
            raise LoadRejected(
                "already_loaded",
                bag,
                bag=bag_id,
                at=_clock_time(earlier.at),
                route=onto.name if onto else earlier.route,
                operator=earlier.operator,
            )
        if bag.order_status != OrderStatus.PAID:
            raise LoadRejected(
                "order_not_paid", bag, bag=bag_id, order_no=bag.order_no, status=bag.order_status
            )
        if bag.status != BagState.CLOSED:
            raise LoadRejected("bag_open", bag, bag=bag_id)
        committee = self.committee_names.get(bag.committee, bag.committee)
        stop = rows.stop_of(conn, route.day, bag.committee)
        if stop is None:
            raise LoadRejected("no_route", bag, bag=bag_id, committee=committee)
        if stop[0] != route.id:
            other = rows.get_route(conn, stop[0])
            raise LoadRejected(
                "wrong_route",
                bag,
                bag=bag_id,
                route=other.name if other else stop[0],
                stop=stop[1],
                committee=committee,
                route_id=stop[0],
            )
        return bag, stop

    def _reject(
        self,
        raw: str,
        reason: str,
        params: tuple[tuple[str, str], ...],
        bag: rows.BagRow | None,
    ) -> LoadResult:
        with db.write(self.ctx.db):
            scan_id = self._log(raw, ScanOutcome.REJECTED, bag, reason, params)
            return self.result(
                raw, False, bag, scan_id, reason=reason, message=load_reason_text(reason, params)
            )

    def _log(
        self,
        raw: str,
        outcome: str,
        bag: rows.BagRow | None,
        reason: str,
        params: tuple[tuple[str, str], ...],
        *,
        kind: str = "bag",
    ) -> int:
        # The route rides along in params: the scan log has no column for it.
        return scan_log.log_bag_scan(
            self.ctx.db,
            bag,
            at=self.ctx.now(),
            operator=self.operator,
            terminal=self.terminal,
            stage=STAGE,
            raw=raw,
            outcome=outcome,
            kind=kind if bag else None,
            reason=reason,
            params=(*params, ("load_route", self.route_id)),
        )

    def result(
        self,
        raw: str,
        accepted: bool,
        bag: rows.BagRow | None,
        scan_id: int,
        *,
        stop: int | None = None,
        reason: str = "",
        message: str = "",
    ) -> LoadResult:
        """What a load scan (of a bag, or of a crate) did, with the route's progress now."""
        counts = rows.stop_counts(self.ctx.db, route_id=self.route_id)
        loaded = sum(c.loaded for c in counts)
        total = loaded + sum(c.missing for c in counts)
        mine = next((c for c in counts if bag and c.committee == bag.committee), None)
        orders_behind = sum(c.unpacked + c.unbatched for c in counts)
        crates_open = 0
        if loaded == total and not orders_behind:
            # Read only at the end: the last bag on board is when "all loaded" would be said.
            crates_open = sum(
                1 for p in self.crating.crate_problems(self.route_id) if p.problem is Problem.OPEN
            )
        return LoadResult(
            raw=raw,
            accepted=accepted,
            reason=reason,
            message=message,
            kind="bag" if bag else "",
            bag=bag.id if bag else None,
            household=bag.order_no if bag else None,
            line=(mine.loaded, mine.loaded + mine.missing) if mine else None,
            progress=(loaded, total),
            stage_done=total > 0 and loaded == total and not orders_behind and not crates_open,
            scan_id=scan_id,
            route=self.route_id,
            route_name=self.route_name,
            committee=bag.committee if bag else None,
            committee_name=self.committee_names.get(bag.committee) if bag else None,
            stop=stop if stop is not None else (mine.stop_order if mine else None),
            orders_behind=orders_behind,
            crates_open=crates_open,
        )

    def route(self) -> Route:
        """The route as it is now: its stops in order with loaded and missing bags."""
        return self.routing.route(self.route_id)


def _clock_time(at: str) -> str:
    """`08:12:03` of a stored ISO time: a loader reads the time, not the date."""
    try:
        return datetime.fromisoformat(at).strftime("%H:%M:%S")
    except ValueError:
        return at
