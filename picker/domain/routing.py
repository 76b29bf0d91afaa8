"""Routes as values: a day's trucks, their stops in order, what is still to load. Pure.

A route belongs to one day and has an ASCII id (`R20220412-1`) that can be typed, scanned and
printed; a committee is on at most one route a day. The use cases are in `picker.app.dispatch`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from picker.domain.crating import CrateProblem, Problem
from picker.domain.states import BagState, RouteState
from picker.i18n import N_, _, _n

#: Route states in which the route can still change.
OPEN_STATES = (RouteState.PLANNED, RouteState.LOADING)
#: Route states as people read them.
ROUTE_STATES: dict[str, str] = {
    RouteState.PLANNED: N_("planned"),
    RouteState.LOADING: N_("loading"),
    RouteState.DEPARTED: N_("departed"),
    RouteState.DONE: N_("delivered"),
}


def route_state(status: str) -> str:
    """A route's state in the current language."""
    return _(ROUTE_STATES.get(status, status))


@dataclass(frozen=True, slots=True)
class Stop:
    """A committee on a route, with its bags: loaded onto this route and still to load."""

    committee: str
    name: str
    address: str
    contact_name: str
    contact_phone: str
    stop_order: int
    loaded: int = 0
    missing: int = 0
    #: Of the missing bags, those still open (packing not finished).
    open_bags: int = 0
    #: Paid orders of the committee in a batch but not packed yet (not picked, or a bag
    #: still open, or fewer bags than the order needs); orders short in every line are not.
    unpacked: int = 0
    #: Paid orders of the committee in no batch yet.
    unbatched: int = 0

    @property
    def total(self) -> int:
        return self.loaded + self.missing


@dataclass(frozen=True, slots=True)
class Route:
    """One truck's run on one day."""

    id: str
    day: date
    name: str
    truck: str
    driver: str | None
    driver_name: str
    status: str
    departed_at: str | None = None
    departed_by: str | None = None
    override_by: str | None = None
    override_reason: str = ""
    stops: tuple[Stop, ...] = ()

    @property
    def loaded(self) -> int:
        return sum(s.loaded for s in self.stops)

    @property
    def total(self) -> int:
        return sum(s.total for s in self.stops)

    @property
    def missing(self) -> int:
        return sum(s.missing for s in self.stops)

    @property
    def orders_behind(self) -> int:
        """Paid orders of the route's committees not packed yet (batched or not)."""
        return sum(s.unpacked + s.unbatched for s in self.stops)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "day": self.day.isoformat(),
            "name": self.name,
            "truck": self.truck,
            "driver": self.driver,
            "driver_name": self.driver_name,
            "status": self.status,
            "departed_at": self.departed_at,
            "departed_by": self.departed_by,
            "override_by": self.override_by,
            "override_reason": self.override_reason,
            "loaded": self.loaded,
            "total": self.total,
            "stops": [
                {
                    "stop": s.stop_order,
                    "committee": s.committee,
                    "name": s.name,
                    "address": s.address,
                    "contact_name": s.contact_name,
                    "contact_phone": s.contact_phone,
                    "loaded": s.loaded,
                    "total": s.total,
                    "missing": s.missing,
                    "open_bags": s.open_bags,
                    "unpacked_orders": s.unpacked,
                    "unbatched_orders": s.unbatched,
                }
                for s in self.stops
            ],
        }


@dataclass(frozen=True, slots=True)
class RoutePlan:
    day: date
    routes: list[str]
    #: False when the day's routes existed already and were left as they are.
    created: bool
    #: Committees on no route that day (no route configured): the lead assigns them.
    unrouted: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class MissingBag:
    bag: str
    order_no: str
    address: str
    #: `open` while packing is not finished, else `closed`.
    status: str


@dataclass(frozen=True, slots=True)
class MissingStop:
    """What stays behind at one stop if the truck left now: bags not loaded (closed or still
    open), paid orders not packed, crates open or not matching their bags."""

    stop_order: int
    committee: str
    name: str
    bags: tuple[MissingBag, ...]
    #: Paid orders in a batch but not packed yet (see `Stop.unpacked`).
    unpacked: int = 0
    #: Paid orders in no batch yet.
    unbatched: int = 0
    #: What is wrong with the stop's crates (open ones included).
    crates: tuple[CrateProblem, ...] = ()

    @property
    def open_crates(self) -> tuple[str, ...]:
        """Codes of the stop's crates still open."""
        return tuple(p.crate or "" for p in self.crates if p.problem is Problem.OPEN)

    @property
    def empty(self) -> bool:
        """Nothing of this stop stays behind."""
        return not (self.bags or self.unpacked or self.unbatched or self.crates)

    def summary(self) -> str:
        """`3 orders not packed · 2 bags not loaded (1 still open) · crate CR-XY01-0001 open`."""
        parts = []
        if self.unbatched:
            n = self.unbatched
            parts.append(_n("{n} order not batched", "{n} orders not batched", n, n=n))
        if self.unpacked:
            n = self.unpacked
            parts.append(_n("{n} order not packed", "{n} orders not packed", n, n=n))
        if self.bags:
            still_open = sum(1 for b in self.bags if b.status == BagState.OPEN)
            n = len(self.bags)
            text = _n("{n} bag not loaded", "{n} bags not loaded", n, n=n)
            if still_open:
                text += " " + _("({n} still open)", n=still_open)
            parts.append(text)
        for code in self.open_crates:
            parts.append(_("crate {crate} open", crate=code))
        others = len(self.crates) - len(self.open_crates)
        if others:
            parts.append(_n("{n} crate problem", "{n} crate problems", others, n=others))
        return " · ".join(parts)


def behind_text(stops: list[MissingStop]) -> str:
    """Every stop with what stays behind: `1. 青平居委: 3 orders not packed; 2. ...`."""
    return "; ".join(f"{s.stop_order}. {s.name}: {s.summary()}" for s in stops if not s.empty)


def route_id(day: date, n: int) -> str:
    """`R20220412-1`: ASCII, so it can be typed, scanned and printed on any printer."""
    return f"R{day:%Y%m%d}-{n}"


def placed(stops: list[str], code: str, stop_order: int | None) -> list[str]:
    """`stops` with `code` at `stop_order` (1 = first; None or beyond the end = last)."""
    rest = [c for c in stops if c != code]
    at = len(rest) if stop_order is None else max(0, min(stop_order - 1, len(rest)))
    return [*rest[:at], code, *rest[at:]]
