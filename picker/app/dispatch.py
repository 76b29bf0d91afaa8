"""Use cases of dispatch: arranging the day's routes and stops, loading, departure.

The routes themselves are read and planned by `picker.app.routes`; manifests and proof of
delivery are in `picker.app.delivery`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import db
from db import catalog as catalog_rows
from db import dispatch as rows
from db import manifests as manifest_rows
from picker.app.context import Context, Service
from picker.app.crates import Crates
from picker.app.floor import Floor
from picker.app.loading import LoadSession
from picker.app.printing import Printing
from picker.app.routes import Routes
from picker.domain.crating import CrateProblem
from picker.domain.model import Role
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
from picker.errors import Conflict, NotFound
from picker.i18n import _, _n

__all__ = ["Dispatch", "MissingBag", "MissingStop", "Route", "RoutePlan", "Stop"]


class Dispatch(Service):
    """Arranging routes, loading and departure."""

    def __init__(
        self, ctx: Context, floor: Floor, routing: Routes, crating: Crates, printing: Printing
    ) -> None:
        super().__init__(ctx)
        self.floor = floor
        self.routing = routing
        self.crating = crating
        self.printing = printing

    def _open_route(self, ref: str) -> rows.RouteRow:
        found = self.routing.route_row(ref)
        if found.status not in OPEN_STATES:
            raise Conflict(
                _("route {route} has departed: it cannot change any more", route=found.name)
            )
        return found

    def add_route(
        self, name: str, day: date | str | None = None, truck: str = "", driver: str | None = None
    ) -> Route:
        """One more truck for the day, with no stops yet."""
        d = self.routing.day(day)
        if driver:
            self.floor.operator(driver)
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
        return self.routing.route(rid)

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
            self.floor.operator(driver)
        with db.write(self.db):
            found = self._open_route(route)
            rows.update_route(
                self.db,
                found.id,
                name=name.strip() if name and name.strip() else found.name,
                truck=truck.strip() if truck is not None else found.truck,
                driver=(driver or None) if driver is not None else found.driver,
            )
        return self.routing.route(found.id)

    def drivers(self) -> list[tuple[str, str]]:
        """(code, name) of the operators who can drive a route: drivers, then leads."""
        ops = [
            op for op in catalog_rows.load_operators(self.db) if op.role in (Role.DRIVER, Role.LEAD)
        ]
        ops.sort(key=lambda op: (op.role is not Role.DRIVER, op.code))
        return [(op.code, op.name) for op in ops]

    def move_stop(self, route: str, committee: str, new_order: int) -> Route:
        """Put a committee at another place in its route's stop order (1 = first)."""
        code = self.routing.committee_code(committee)
        with db.write(self.db):
            found = self._open_route(route)
            stops = self.routing.stop_codes(found.id)
            if code not in stops:
                raise NotFound(
                    _("{committee} is not on route {route}", committee=committee, route=found.name)
                )
            rows.renumber_stops(self.db, found.id, placed(stops, code, new_order))
        return self.routing.route(found.id)

    def assign(self, committee: str, route: str, stop_order: int | None = None) -> Route:
        """Put a committee on a route of that day (at `stop_order`, default last), taking it
        off the route it was on. Refused once its bags are on the other truck."""
        code = self.routing.committee_code(committee)
        with db.write(self.db):
            target = self._open_route(route)
            current = rows.stop_of(self.db, target.day, code)
            if current is None or current[0] != target.id:
                if current is not None:
                    self._take_off_route(current[0], code, committee)
                rows.insert_stop(self.db, target.id, code, target.day, 0)
            stops = placed(self.routing.stop_codes(target.id), code, stop_order)
            rows.renumber_stops(self.db, target.id, stops)
        return self.routing.route(target.id)

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
        rows.renumber_stops(self.db, rid, self.routing.stop_codes(rid))

    def load_session(self, route: str, operator: str, terminal: str = "") -> LoadSession:
        """Scan bag labels onto a route's truck."""
        return LoadSession(
            self.ctx, self.floor, self.routing, self.crating, route, operator, terminal
        )

    def missing(self, route: str) -> list[MissingStop]:
        """What stays behind if the route's truck left now, per stop in stop order: bags not
        loaded, paid orders not packed (batched or not), crate problems. Stops with nothing
        behind are left out. This is the departure check `depart` applies."""
        found = self.routing.route_row(route)
        per_stop: dict[str, list[MissingBag]] = defaultdict(list)
        for _order, bag in rows.missing_bags(self.db, found.id):
            address = "-".join(p for p in (bag.building, bag.unit, bag.room) if p)
            per_stop[bag.committee].append(MissingBag(bag.id, bag.order_no, address, bag.status))
        crates: dict[str, list[CrateProblem]] = defaultdict(list)
        for problem in self.crating.crate_problems(found.id):
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
        _name, role = self.floor.operator(operator)
        reason = (override_reason or "").strip()
        with db.write(self.db):
            found = self.routing.route_row(route)
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
                at=self.now(),
                by=operator,
                override_by=operator if behind else None,
                override_reason=reason if behind else "",
            )
            changed = manifest_rows.drop_unloaded_from_manifests(self.db, found.id)
        # The driver carries manifests that list what is on the truck: changed ones print
        # again (补打).
        for manifest in changed:
            if manifest_rows.manifest_bags(self.db, manifest):
                self.printing.reprint("manifest", manifest)
        return self.routing.route(found.id)
