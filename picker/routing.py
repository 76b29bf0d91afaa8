"""Routes as values: a day's trucks, their stops in order, what is still to load. Pure.

A route belongs to one day and has an ASCII id (`R20220412-1`) that can be typed, scanned and
printed; a committee is on at most one route a day. The use cases are in `picker.dispatch`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from picker.i18n import N_, _

#: Route states in which the route can still change.
OPEN_STATES = ("planned", "loading")
#: Route states as people read them.
ROUTE_STATES: dict[str, str] = {
    "planned": N_("planned"),
    "loading": N_("loading"),
    "departed": N_("departed"),
    "done": N_("delivered"),
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
    #: Paid orders of the committee with no bag yet (not packed).
    unpacked: int = 0

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
    stop_order: int
    committee: str
    name: str
    bags: tuple[MissingBag, ...]


def route_id(day: date, n: int) -> str:
    """`R20220412-1`: ASCII, so it can be typed, scanned and printed on any printer."""
    return f"R{day:%Y%m%d}-{n}"


def placed(stops: list[str], code: str, stop_order: int | None) -> list[str]:
    """`stops` with `code` at `stop_order` (1 = first; None or beyond the end = last)."""
    rest = [c for c in stops if c != code]
    at = len(rest) if stop_order is None else max(0, min(stop_order - 1, len(rest)))
    return [*rest[:at], code, *rest[at:]]
