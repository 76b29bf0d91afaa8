"""Loading scans: bag labels onto a route's truck, checked, logged and committed together.

Like a picking session (`picker.app.sessions`), every scan, accepted or rejected, is one row of the
scan log (stage `load`), written in the same `BEGIN IMMEDIATE` transaction as the bag's load,
so two loaders scanning the same bag at once cannot both load it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import db
from db import dispatch as rows
from db import floor as floor_rows
from db import store
from picker.app.floor import state_label
from picker.domain.crating import Problem
from picker.domain.model import OrderStatus
from picker.domain.scan_outcomes import ScanResult
from picker.domain.scanning import ScanIndex, resolve
from picker.domain.scans import ScanError, ScanKind
from picker.domain.scans import reason_text as scan_reason_text
from picker.domain.states import BagState, RouteState, ScanOutcome
from picker.errors import NotFound, PickerError
from picker.i18n import N_, _

if TYPE_CHECKING:
    from picker.app.dispatch import Route
    from picker.app.warehouse import Warehouse

STAGE = "load"

LOAD_REASONS: dict[str, str] = {
    "not_a_bag": N_("a {kind} code is not a bag label: scan the label on the bag"),
    "unknown_bag": N_("bag {bag} is unknown: it was never packed here"),
    "bag_open": N_("bag {bag} is still open: finish packing it first"),
    "order_not_paid": N_("bag {bag}: order {order_no} is {status}, do not load it"),
    "already_loaded": N_("bag {bag} was already loaded at {at} onto {route} by {operator}"),
    "wrong_route": N_(
        "bag {bag} belongs to route {route} stop {stop} ({committee}), not to this truck"
    ),
    "no_route": N_("bag {bag} is for {committee}, which is on no route today: ask the shift lead"),
    "route_departed": N_("route {route} has departed: nothing more can be loaded"),
    "crate_unknown": N_("crate {crate} was never filled: there is nothing in it to load"),
    "crate_open": N_("crate {crate} is still open: close it and put its label on first"),
    "crate_empty": N_("crate {crate} holds no bags"),
    "crate_loaded": N_("every bag of crate {crate} is on the truck already"),
    "not_on_truck": N_("bag {bag} is not on the truck of {route}: nothing to take off"),
}


def load_reason_text(reason: str, params: tuple[tuple[str, str], ...]) -> str:
    """A loading rejection in the current language (scan reasons included)."""
    template = LOAD_REASONS.get(reason)
    if template is None:
        return scan_reason_text(reason, params)
    values = dict(params)
    if "kind" in values:
        values["kind"] = state_label(values["kind"])
    if "status" in values:
        values["status"] = state_label(values["status"])
    text = _(template).format(**values)
    if "crate" in values and not reason.startswith("crate_"):
        # A bag's refusal refuses its whole crate: say which crate.
        text = _("crate {crate}: {problem}", crate=values["crate"], problem=text)
    return text


class LoadRejected(PickerError):
    """A bag that must not go on this truck. Logged, never loaded."""

    def __init__(self, reason: str, row: rows.BagRow | None = None, /, **params: object) -> None:
        self.reason = reason
        self.bag = row
        self.params = tuple((k, str(v)) for k, v in params.items())
        super().__init__(load_reason_text(reason, self.params))


@dataclass(frozen=True, slots=True)
class LoadResult(ScanResult):
    """What a loading scan did. `line` is the bag's stop (loaded, total), `progress` the
    route's, `stage_done` that nothing of the route stays behind: every bag loaded, every
    paid order packed, no crate open."""

    route: str = ""
    route_name: str = ""
    committee: str | None = None
    committee_name: str | None = None
    stop: int | None = None
    #: A crate label scanned: its id and the bags this scan loaded from it.
    crate: str | None = None
    crate_bags: int = 0
    #: Paid orders of the route's committees not packed yet, and crates still open: with
    #: every bag loaded these still stay behind.
    orders_behind: int = 0
    crates_open: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.raw,
            "outcome": ScanOutcome.ACCEPTED if self.accepted else ScanOutcome.REJECTED,
            "reason": self.reason,
            "message": self.message,
            "bag": self.bag,
            "order_no": self.household,
            "route": self.route,
            "committee": self.committee,
            "committee_name": self.committee_name,
            "stop": self.stop,
            "stop_progress": list(self.line) if self.line else None,
            "route_progress": list(self.progress),
            "route_complete": self.stage_done,
            "scan_id": self.scan_id,
            "crate": self.crate,
            "crate_bags": self.crate_bags,
            "orders_behind": self.orders_behind,
            "crates_open": self.crates_open,
        }


class LoadSession:
    """One operator scanning bags onto one route, on one terminal.

    Holds no connection: every call uses the calling thread's, so a screen may build the
    session on the UI thread and scan on a worker.
    """

    def __init__(self, warehouse: Warehouse, route: str, operator: str, terminal: str = "") -> None:
        self.wh = warehouse
        warehouse.operator(operator)
        found = warehouse.route(route)
        self.route_id = found.id
        self.route_name = found.name
        self.operator = operator
        self.terminal = terminal
        catalog = warehouse.catalog()
        self.committee_names = {c.code: c.name for c in catalog.committees.values()}
        self.index = ScanIndex.build(catalog, store.load_operators(warehouse.db))

    def scan(self, raw: str) -> LoadResult:
        """Load one scanned bag label. Never raises for a bad code: it is rejected."""
        raw = raw.strip("\r\n")
        try:
            scan = resolve(raw, self.index)
        except ScanError as exc:
            return self._reject(raw, exc.reason, exc.params, None)
        if scan.kind is ScanKind.CRATE and scan.ref is not None:
            # Imported here: crate loading builds on this module.
            from picker.app.crate_loading import load_crate

            return load_crate(self, raw, scan.ref)
        if scan.kind is not ScanKind.BAG or scan.ref is None:
            return self._reject(raw, "not_a_bag", (("kind", scan.kind.value),), None)
        try:
            with db.write(self.wh.db):
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
            with db.write(self.wh.db):
                route = self._open_route()
                bag = rows.get_bag(self.wh.db, bag_id)
                if bag is None:
                    raise LoadRejected("unknown_bag", bag=bag_id)
                earlier = rows.get_load(self.wh.db, bag_id)
                if earlier is None or earlier.route != route.id:
                    raise LoadRejected("not_on_truck", bag, bag=bag_id, route=route.name)
                rows.delete_load(self.wh.db, bag_id)
                scan_id = self._log(raw, ScanOutcome.ACCEPTED, bag, "", (), kind="unload")
                return self._result(raw, True, bag, scan_id)
        except LoadRejected as exc:
            return self._reject(raw, exc.reason, exc.params, exc.bag)

    def _open_route(self) -> rows.RouteRow:
        """The route, refused once its truck has left. Under `db.write`."""
        route = rows.get_route(self.wh.db, self.route_id)
        if route is None:
            raise NotFound(_("no route {route}", route=self.route_id))
        if route.status in (RouteState.DEPARTED, RouteState.DONE):
            raise LoadRejected("route_departed", route=route.name)
        return route

    def _load(self, raw: str, bag_id: str) -> LoadResult:
        conn = self.wh.db
        route = self._open_route()
        bag, stop = self.check_bag(route, bag_id)
        scan_id = self._log(raw, ScanOutcome.ACCEPTED, bag, "", ())
        rows.insert_load(
            conn,
            bag_id=bag_id,
            route_id=route.id,
            at=self.wh._now(),
            operator=self.operator,
            terminal=self.terminal,
            scan_id=scan_id,
        )
        if route.status == RouteState.PLANNED:
            rows.set_status(conn, route.id, RouteState.LOADING)
        return self._result(raw, True, bag, scan_id, stop=stop[1])

    def check_bag(self, route: rows.RouteRow, bag_id: str) -> tuple[rows.BagRow, tuple[str, int]]:
        """(bag, its stop) of a bag that may go onto `route` now, or `LoadRejected` saying
        why not. Inside the caller's write transaction; crate loading checks each bag so."""
        conn = self.wh.db
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
        with db.write(self.wh.db):
            scan_id = self._log(raw, ScanOutcome.REJECTED, bag, reason, params)
            return self._result(
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
        return floor_rows.log_scan(
            self.wh.db,
            at=self.wh._now(),
            operator=self.operator,
            terminal=self.terminal,
            batch_id=bag.batch if bag else None,
            stage=STAGE,
            raw=raw,
            outcome=outcome,
            kind=kind if bag else None,
            order_no=bag.order_no if bag else None,
            bag=bag.id if bag else None,
            reason=reason,
            params=(*params, ("load_route", self.route_id)),
        )

    def _result(
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
        counts = rows.stop_counts(self.wh.db, route_id=self.route_id)
        loaded = sum(c.loaded for c in counts)
        total = loaded + sum(c.missing for c in counts)
        mine = next((c for c in counts if bag and c.committee == bag.committee), None)
        orders_behind = sum(c.unpacked + c.unbatched for c in counts)
        crates_open = 0
        if loaded == total and not orders_behind:
            # Read only at the end: the last bag on board is when "all loaded" would be said.
            crates_open = sum(
                1 for p in self.wh.crate_problems(self.route_id) if p.problem is Problem.OPEN
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
        return self.wh.route(self.route_id)


def _clock_time(at: str) -> str:
    """`08:12:03` of a stored ISO time: a loader reads the time, not the date."""
    try:
        return datetime.fromisoformat(at).strftime("%H:%M:%S")
    except ValueError:
        return at
