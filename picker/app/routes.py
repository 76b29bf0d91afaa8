"""The day's routes as dispatch reads them: days, committees, routes and their stops.

A route belongs to one day (`R20220412-1`); a committee is on at most one route a day. The
day's routes are planned from the committees' configured `route` / `stop_order` the first
time they are asked for. Dispatch (`picker.app.dispatch`), delivery, crates and documents all
look routes up here, so none of them needs another to find a route.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import db
from db import catalog as catalog_rows
from db import dispatch as rows
from picker.app.context import Service
from picker.domain.packing import natural_key
from picker.domain.routing import Route, RoutePlan, Stop, route_id
from picker.errors import InputError, NotFound
from picker.i18n import _


class Routes(Service):
    """Reading and planning the day's routes."""

    def day(self, day: date | str | None) -> date:
        """A day as given (`2022-04-12`), today by the clock when None."""
        if day is None:
            return self.clock().date()
        if isinstance(day, date):
            return day
        try:
            return date.fromisoformat(day)
        except ValueError:
            raise InputError(_("bad day {value!r}: write it as 2022-04-12", value=day)) from None

    def committee_code(self, committee: str) -> str:
        """A committee's code from its name, alias or code (any case), or NotFound."""
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
        d = self.day(day)
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
            on_routes = {c for rid in ids for c in self.stop_codes(rid)}
        unrouted = sorted(c.code for c in committees if c.code not in on_routes)
        return RoutePlan(d, ids, not existing, unrouted)

    def stop_codes(self, rid: str) -> list[str]:
        """The committees of a route, in stop order."""
        return rows.stops_of_route(self.db, rid)

    def routes(self, day: date | str | None = None) -> list[Route]:
        """The day's routes with their stops and bag counts."""
        key = self.day(day).isoformat()
        return self._route_values(
            rows.routes_of_day(self.db, key), rows.stop_counts(self.db, day=key)
        )

    def route(self, ref: str, day: date | str | None = None) -> Route:
        """A route by id (`R20220412-1`), or by name or number among the day's routes."""
        found = self.route_row(ref, day)
        return self._route_values([found], rows.stop_counts(self.db, route_id=found.id))[0]

    def route_row(self, ref: str, day: date | str | None = None) -> rows.RouteRow:
        """The stored route `route` finds, without its stops."""
        ref = ref.strip()
        found = rows.get_route(self.db, ref) or rows.get_route(self.db, ref.upper())
        if found is not None:
            return found
        d = self.day(day)
        for r in rows.routes_of_day(self.db, d.isoformat()):
            if ref in (r.name, r.id.rpartition("-")[2]):
                return r
        raise NotFound(_("no route {route} on {day}", route=ref, day=d.isoformat()))

    def _route_values(
        self, found: list[rows.RouteRow], counts: list[rows.StopCounts]
    ) -> list[Route]:
        committees = self.catalog().committees
        names = {op.code: op.name for op in catalog_rows.load_operators(self.db)}
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
