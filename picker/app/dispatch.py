"""Use cases of dispatch: the day's routes and stops, loading, departure. Mixed into `Warehouse`.

A route belongs to one day (`R20220412-1`); a committee is on at most one route a day. The
day's routes are planned from the committees' configured `route` / `stop_order` the first
time they are asked for, then a shift lead arranges them. Manifests and proof of delivery
are in `picker.app.delivery`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING

import db
from db import dispatch as rows
from db import store
from picker.app.delivery import Delivery
from picker.app.loading import LoadSession
from picker.domain.crating import CrateProblem
from picker.domain.model import Catalog, Role
from picker.domain.packing import natural_key
from picker.domain.routing import (
    OPEN_STATES,
    MissingBag,
    MissingStop,
    Route,
    RoutePlan,
    Stop,
    behind_text,
    placed,
    route_id,
)
from picker.errors import Conflict, InputError, NotFound
from picker.i18n import _, _n

__all__ = ["Dispatch", "MissingBag", "MissingStop", "Route", "RoutePlan", "Stop"]

if TYPE_CHECKING:
    import sqlite_utils


class Dispatch(Delivery):
    """Routes, stops, loading and departure. Expects what `Warehouse` and `Floor` provide."""

    if TYPE_CHECKING:
        clock: Callable[[], datetime]

        @property
        def db(self) -> sqlite_utils.Database: ...

        def catalog(self) -> Catalog: ...

        def operator(self, code: str) -> tuple[str, Role]: ...

        def _now(self) -> str: ...

        def crate_problems(self, route: str) -> list[CrateProblem]: ...

        def reprint(self, kind: str, target: str, printer: str | None = None) -> int: ...

    def _dispatch_day(self, day: date | str | None) -> date:
        if day is None:
            return self.clock().date()
        if isinstance(day, date):
            return day
        try:
            return date.fromisoformat(day)
        except ValueError:
            raise InputError(_("bad day {value!r}: write it as 2022-04-12", value=day)) from None

    def _dispatch_committee(self, committee: str) -> str:
        catalog = self.catalog()
        code = catalog.committee_by_name().get(committee.strip())
        if code is None:
            code = {c.upper(): c for c in catalog.committees}.get(committee.strip().upper())
        if code is None:
            raise NotFound(_("unknown committee {value!r}", value=committee))
        return code

    def plan_routes(self, day: date | str | None = None) -> RoutePlan:
        """The day's routes from the committees' configured route and stop order.

        Does nothing when the day has routes already: what a lead arranged stays.
        """
        d = self._dispatch_day(day)
        key = d.isoformat()
        committees = self.catalog().committees.values()
        with db.write(self.db):
            existing = rows.routes_of_day(self.db, key)
            if not existing:
                by_route: dict[str, list[tuple[int, str]]] = defaultdict(list)
                for c in committees:
                    if c.route:
                        by_route[c.route].append((c.stop_order, c.code))
                for n, name in enumerate(sorted(by_route, key=natural_key), start=1):
                    rid = route_id(d, n)
                    rows.insert_route(self.db, route_id=rid, day=key, name=name)
                    for order, (_cfg, code) in enumerate(sorted(by_route[name]), start=1):
                        rows.insert_stop(self.db, rid, code, key, order)
            ids = [r.id for r in rows.routes_of_day(self.db, key)]
            on_routes = {c for rid in ids for c in self._stop_codes(rid)}
        unrouted = sorted(c.code for c in committees if c.code not in on_routes)
        return RoutePlan(d, ids, not existing, unrouted)

    def _stop_codes(self, rid: str) -> list[str]:
        return rows.stops_of_route(self.db, rid)

    def routes(self, day: date | str | None = None) -> list[Route]:
        """The day's routes with their stops and bag counts."""
        key = self._dispatch_day(day).isoformat()
        return self._route_values(
            rows.routes_of_day(self.db, key), rows.stop_counts(self.db, day=key)
        )

    def route(self, ref: str, day: date | str | None = None) -> Route:
        """A route by id (`R20220412-1`), or by name or number among the day's routes."""
        found = self._route_row(ref, day)
        return self._route_values([found], rows.stop_counts(self.db, route_id=found.id))[0]

    def _route_row(self, ref: str, day: date | str | None = None) -> rows.RouteRow:
        ref = ref.strip()
        found = rows.get_route(self.db, ref) or rows.get_route(self.db, ref.upper())
        if found is not None:
            return found
        d = self._dispatch_day(day)
        for r in rows.routes_of_day(self.db, d.isoformat()):
            if ref in (r.name, r.id.rpartition("-")[2]):
                return r
        raise NotFound(_("no route {route} on {day}", route=ref, day=d.isoformat()))

    def _route_values(
        self, found: list[rows.RouteRow], counts: list[rows.StopCounts]
    ) -> list[Route]:
        committees = self.catalog().committees
        names = {op.code: op.name for op in store.load_operators(self.db)}
        stops: dict[str, list[Stop]] = defaultdict(list)
        for c in counts:
            info = committees.get(c.committee)
            stops[c.route].append(
                Stop(
                    committee=c.committee,
                    name=info.name if info else c.committee,
                    address=info.address if info else "",
                    contact_name=info.contact_name if info else "",
                    contact_phone=info.contact_phone if info else "",
                    stop_order=c.stop_order,
                    loaded=c.loaded,
                    missing=c.missing,
                    open_bags=c.open_bags,
                    unpacked=c.unpacked,
                    unbatched=c.unbatched,
                )
            )
        return [
            Route(
                id=r.id,
                day=date.fromisoformat(r.day),
                name=r.name,
                truck=r.truck,
                driver=r.driver,
                driver_name=names.get(r.driver, "") if r.driver else "",
                status=r.status,
                departed_at=r.departed_at,
                departed_by=r.departed_by,
                override_by=r.override_by,
                override_reason=r.override_reason,
                stops=tuple(stops[r.id]),
            )
            for r in found
        ]

    def _open_route(self, ref: str) -> rows.RouteRow:
        found = self._route_row(ref)
        if found.status not in OPEN_STATES:
            raise Conflict(
                _("route {route} has departed: it cannot change any more", route=found.name)
            )
        return found

    def add_route(
        self, name: str, day: date | str | None = None, truck: str = "", driver: str | None = None
    ) -> Route:
        """One more truck for the day, with no stops yet."""
        d = self._dispatch_day(day)
        if driver:
            self.operator(driver)
        with db.write(self.db):
            n = len(rows.routes_of_day(self.db, d.isoformat())) + 1
            while rows.get_route(self.db, route_id(d, n)) is not None:
                n += 1
            rid = route_id(d, n)
            rows.insert_route(
                self.db,
                route_id=rid,
                day=d.isoformat(),
                name=name.strip() or rid,
                truck=truck,
                driver=driver or None,
            )
        return self.route(rid)

    def set_route(
        self,
        route: str,
        *,
        name: str | None = None,
        truck: str | None = None,
        driver: str | None = None,
    ) -> Route:
        """Rename a route, set its truck or its driver (`driver=""` takes the driver off)."""
        if driver:
            self.operator(driver)
        with db.write(self.db):
            found = self._open_route(route)
            rows.update_route(
                self.db,
                found.id,
                name=name.strip() if name and name.strip() else found.name,
                truck=truck.strip() if truck is not None else found.truck,
                driver=(driver or None) if driver is not None else found.driver,
            )
        return self.route(found.id)

    def drivers(self) -> list[tuple[str, str]]:
        """(code, name) of the operators who can drive a route: drivers, then leads."""
        ops = [op for op in store.load_operators(self.db) if op.role in (Role.DRIVER, Role.LEAD)]
        ops.sort(key=lambda op: (op.role is not Role.DRIVER, op.code))
        return [(op.code, op.name) for op in ops]

    def move_stop(self, route: str, committee: str, new_order: int) -> Route:
        """Put a committee at another place in its route's stop order (1 = first)."""
        code = self._dispatch_committee(committee)
        with db.write(self.db):
            found = self._open_route(route)
            stops = self._stop_codes(found.id)
            if code not in stops:
                raise NotFound(
                    _("{committee} is not on route {route}", committee=committee, route=found.name)
                )
            rows.renumber_stops(self.db, found.id, placed(stops, code, new_order))
        return self.route(found.id)

    def assign(self, committee: str, route: str, stop_order: int | None = None) -> Route:
        """Put a committee on a route of that day (at `stop_order`, default last), taking it
        off the route it was on. Refused once its bags are on the other truck."""
        code = self._dispatch_committee(committee)
        with db.write(self.db):
            target = self._open_route(route)
            current = rows.stop_of(self.db, target.day, code)
            if current is None or current[0] != target.id:
                if current is not None:
                    self._take_off_route(current[0], code, committee)
                rows.insert_stop(self.db, target.id, code, target.day, 0)
            stops = placed(self._stop_codes(target.id), code, stop_order)
            rows.renumber_stops(self.db, target.id, stops)
        return self.route(target.id)

    def _take_off_route(self, rid: str, code: str, committee: str) -> None:
        old = rows.get_route(self.db, rid)
        assert old is not None
        if old.status not in OPEN_STATES:
            raise Conflict(
                _("route {route} has departed: it cannot change any more", route=old.name)
            )
        loaded = [c for c in rows.stop_counts(self.db, route_id=rid) if c.committee == code]
        if loaded and loaded[0].loaded:
            raise Conflict(
                _n(
                    "{bags} bag of {committee} is already on the truck of {route}: "
                    "it cannot move to another route",
                    "{bags} bags of {committee} are already on the truck of {route}: "
                    "they cannot move to another route",
                    loaded[0].loaded,
                    bags=loaded[0].loaded,
                    committee=committee,
                    route=old.name,
                )
            )
        rows.remove_stop(self.db, rid, code)
        rows.renumber_stops(self.db, rid, self._stop_codes(rid))

    def load_session(self, route: str, operator: str, terminal: str = "") -> LoadSession:
        """Scan bag labels onto a route's truck."""
        return LoadSession(self, route, operator, terminal)  # type: ignore[arg-type]

    def missing(self, route: str) -> list[MissingStop]:
        """What stays behind if the route's truck left now, per stop in stop order: bags not
        loaded, paid orders not packed (batched or not), crate problems. Stops with nothing
        behind are left out. This is the departure check `depart` applies."""
        found = self._route_row(route)
        per_stop: dict[str, list[MissingBag]] = defaultdict(list)
        for _order, bag in rows.missing_bags(self.db, found.id):
            address = "-".join(p for p in (bag.building, bag.unit, bag.room) if p)
            per_stop[bag.committee].append(MissingBag(bag.id, bag.order_no, address, bag.status))
        crates: dict[str, list[CrateProblem]] = defaultdict(list)
        for problem in self.crate_problems(found.id):
            crates[problem.committee].append(problem)
        names = {c.code: c.name for c in self.catalog().committees.values()}
        stops = [
            MissingStop(
                c.stop_order,
                c.committee,
                names.get(c.committee, c.committee),
                tuple(per_stop[c.committee]),
                unpacked=c.unpacked,
                unbatched=c.unbatched,
                crates=tuple(crates[c.committee]),
            )
            for c in rows.stop_counts(self.db, route_id=found.id)
        ]
        return [s for s in stops if not s.empty]

    def depart(self, route: str, operator: str, override_reason: str | None = None) -> Route:
        """Mark a route departed. When anything stays behind (`missing`: bags not loaded,
        orders not packed, crate problems), however few bags are on board, it is refused
        unless a shift lead gives the reason to go without it. The decision is kept on the
        route: `override_by`, `override_reason`, and `departed_at` for when."""
        _name, role = self.operator(operator)
        reason = (override_reason or "").strip()
        with db.write(self.db):
            found = self._route_row(route)
            if found.status not in OPEN_STATES:
                raise Conflict(
                    _(
                        "route {route} departed already at {at}",
                        route=found.name,
                        at=found.departed_at or "?",
                    )
                )
            split = rows.split_orders(self.db, found.id)
            if split:
                # Not even a lead sends half a household: its bags go together or not at all.
                order_no, loaded, rest = split[0]
                raise Conflict(
                    _(
                        "route {route} would split order {order_no}: bags {loaded} are on the "
                        "truck, {rest} not. Load the rest, or take those off (F4 on the load "
                        "screen, or picker unload)",
                        route=found.name,
                        order_no=order_no,
                        loaded=", ".join(loaded),
                        rest=", ".join(rest),
                    )
                )
            behind = self.missing(found.id)
            if behind and not reason:
                raise Conflict(
                    _(
                        "route {route} would leave behind: {stops}. Load it, or a shift lead "
                        "departs with an override reason",
                        route=found.name,
                        stops=behind_text(behind),
                    )
                )
            if behind and role is not Role.LEAD:
                raise Conflict(
                    _(
                        "only a shift lead can send route {route} with anything left behind; "
                        "{code} is not one",
                        route=found.name,
                        code=operator,
                    )
                )
            rows.set_departed(
                self.db,
                found.id,
                at=self._now(),
                by=operator,
                override_by=operator if behind else None,
                override_reason=reason if behind else "",
            )
            changed = rows.drop_unloaded_from_manifests(self.db, found.id)
        # The driver carries manifests that list what is on the truck: changed ones print
        # again (补打).
        for manifest in changed:
            if rows.manifest_bags(self.db, manifest):
                self.reprint("manifest", manifest)
        return self.route(found.id)
