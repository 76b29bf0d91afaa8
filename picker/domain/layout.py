"""Walk order and walking distance on the pick face. Standard library and `model` only.

Walk order (serpentine): zones in order (A, B, C ...), aisles ascending within a zone, bays
ascending in odd aisles and descending in even ones, then levels ascending. A picker who
follows it walks up aisle 1, down aisle 2, up aisle 3 ... and never walks an aisle twice.

Geometry, a deliberately simple model of the pick face, seen from above:

    y ▲   back cross-aisle of A        back cross-aisle of B
      │  ┌──┬──┬──┬──┐              ┌──┬──┬──┬──┐
      │  │  │  │  │  │              │  │  │  │  │     aisle k of a zone: x = start + (k-1) * pitch
      │  │  │  │  │  │              │  │  │  │  │     bay b: y = b * bay_width
      │  │A1│A2│A3│A4│   zone gap   │B1│B2│B3│B4│     back cross-aisle: y = (bays + 1) * bay_width
    0 ┼──┴──┴──┴──┴──┴──────────────┴──┴──┴──┴──┴──►  front main aisle (bay 0 side), y = 0
      depot                                      x

- The first zone's aisle 1 is one aisle pitch from x = 0; each next zone starts `zone_gap_m`
  after the previous zone's last aisle. Zones follow walk order.
- Every zone has its own back cross-aisle behind its deepest bay; the zones are joined only by
  the front main aisle (a cold room, say, is a room of its own).
- Two picks in the same aisle: |dy|. In different aisles of one zone: |dx| plus the shorter of
  going round the front (y1 + y2) or the back ((D - y1) + (D - y2), D the back's y). In
  different zones: |dx| + y1 + y2 (round the front).
- The depot is in front of the pick face (on or before the main aisle): from the depot to a
  pick is |x - depot_x| + |depot_y| + y. A route starts and ends at the depot.
- Levels cost nothing: reaching up a shelf is not walking.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from picker.domain.model import Location, Product


def walk_key(loc: Location) -> tuple[str, int, int, int]:
    """Sort key of the serpentine walk: zone, aisle, bay (up odd aisles, down even), level."""
    return (loc.zone, loc.aisle, loc.bay if loc.aisle % 2 else -loc.bay, loc.level)


def walk_sequence(locations: Iterable[Location]) -> dict[str, int]:
    """Location code -> its 1-based place in the serpentine walk."""
    ordered = sorted(locations, key=walk_key)
    return {loc.code: n for n, loc in enumerate(ordered, start=1)}


@dataclass(frozen=True, slots=True)
class Geometry:
    """Dimensions of the pick face (see the module docstring for the model).

    `zones` is the layout itself, `(zone, aisles, bays per aisle)` in walk order; build it
    from the locations with `Geometry.of(locations)` rather than by hand.
    """

    aisle_pitch_m: float = 3.0
    bay_width_m: float = 1.2
    zone_gap_m: float = 6.0
    depot: tuple[float, float] = (0.0, 0.0)
    zones: tuple[tuple[str, int, int], ...] = ()

    def __post_init__(self) -> None:
        for name in ("aisle_pitch_m", "bay_width_m"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be more than 0, not {getattr(self, name)}")
        if not self.zone_gap_m >= 0:
            raise ValueError(f"zone_gap_m must be 0 or more, not {self.zone_gap_m}")
        if len({z for z, _a, _b in self.zones}) != len(self.zones):
            raise ValueError(f"a zone appears twice in {self.zones}")

    @classmethod
    def of(
        cls,
        locations: Iterable[Location],
        *,
        aisle_pitch_m: float = 3.0,
        bay_width_m: float = 1.2,
        zone_gap_m: float = 6.0,
        depot: tuple[float, float] = (0.0, 0.0),
    ) -> Geometry:
        """The geometry of a layout: each zone as many aisles and bays as its locations use."""
        aisles: dict[str, int] = {}
        bays: dict[str, int] = {}
        for loc in locations:
            aisles[loc.zone] = max(aisles.get(loc.zone, 0), loc.aisle)
            bays[loc.zone] = max(bays.get(loc.zone, 0), loc.bay)
        zones = tuple((z, aisles[z], bays[z]) for z in sorted(aisles))
        return cls(aisle_pitch_m, bay_width_m, zone_gap_m, depot, zones)

    def _zone_table(self) -> dict[str, tuple[float, float]]:
        """Zone -> (x of its aisle 1, y of its back cross-aisle)."""
        table: dict[str, tuple[float, float]] = {}
        x = self.aisle_pitch_m
        for zone, aisles, bays in self.zones:
            table[zone] = (x, (bays + 1) * self.bay_width_m)
            x += (aisles - 1) * self.aisle_pitch_m + self.zone_gap_m
        return table


class _Walker:
    """Distances on one geometry; the zone table is computed once."""

    __slots__ = ("depot_x", "depot_y", "pitch", "width", "zones")

    def __init__(self, geometry: Geometry) -> None:
        self.zones = geometry._zone_table()
        self.pitch = geometry.aisle_pitch_m
        self.width = geometry.bay_width_m
        self.depot_x, self.depot_y = geometry.depot

    def point(self, loc: Location) -> tuple[str, int, float, float, float]:
        """(zone, aisle, x, y, back y) of a location."""
        try:
            start, back = self.zones[loc.zone]
        except KeyError:
            raise ValueError(
                f"location {loc.code}: zone {loc.zone!r} is not in the geometry"
            ) from None
        x = start + (loc.aisle - 1) * self.pitch
        return (loc.zone, loc.aisle, x, loc.bay * self.width, back)

    def route(self, locations: Iterable[Location]) -> float:
        """Depot -> each location in the given order -> depot, in metres."""
        total = 0.0
        prev: tuple[str, int, float, float, float] | None = None
        for loc in locations:
            p = self.point(loc)
            if prev is None:
                total += abs(p[2] - self.depot_x) + abs(self.depot_y) + p[3]
            else:
                total += self.step(prev, p)
            prev = p
        if prev is not None:
            total += abs(prev[2] - self.depot_x) + abs(self.depot_y) + prev[3]
        return total

    @staticmethod
    def step(
        a: tuple[str, int, float, float, float], b: tuple[str, int, float, float, float]
    ) -> float:
        zone_a, aisle_a, xa, ya, back = a
        zone_b, aisle_b, xb, yb, _back = b
        if zone_a != zone_b:
            return abs(xa - xb) + ya + yb
        if aisle_a == aisle_b:
            return abs(ya - yb)
        return abs(xa - xb) + min(ya + yb, (back - ya) + (back - yb))


def route_distance(locations: Sequence[Location], geometry: Geometry) -> float:
    """Metres walked from the depot through `locations` in the given order and back.

    An empty route is 0. Raises ValueError for a location whose zone the geometry lacks.
    """
    return _Walker(geometry).route(locations)


@dataclass(frozen=True, slots=True)
class PickLine:
    """One line of a pick list: everything of one sku a batch needs, at one location.

    `qty` is in selling units (for weighed goods the number of units, e.g. 斤); `grams` is the
    ordered weight of weighed goods and None for counted goods.
    """

    sku: str
    name: str
    unit: str
    location: str
    walk_seq: int
    qty: int
    grams: int | None
    weighed: bool


def pick_list(
    lines: Iterable[tuple[str, int, int | None]],
    products: Mapping[str, Product],
    walk_seq: Mapping[str, int],
) -> list[PickLine]:
    """The lines `(sku, qty, ordered_grams)` summed per sku, in walk order (then by sku).

    For weighed goods a line without an ordered weight counts as qty x unit_grams. Raises
    ValueError for an unknown sku or a product whose location has no walk sequence.
    """
    qty: dict[str, int] = {}
    grams: dict[str, int] = {}
    for sku, q, g in lines:
        product = products.get(sku)
        if product is None:
            raise ValueError(f"unknown sku {sku!r}")
        qty[sku] = qty.get(sku, 0) + q
        if product.weighed:
            grams[sku] = grams.get(sku, 0) + (q * product.unit_grams if g is None else g)
    out: list[PickLine] = []
    for sku, total in qty.items():
        p = products[sku]
        seq = walk_seq.get(p.location)
        if seq is None:
            raise ValueError(f"{sku}: location {p.location!r} has no walk sequence")
        weight = grams[sku] if p.weighed else None
        out.append(PickLine(sku, p.name, p.unit, p.location, seq, total, weight, p.weighed))
    out.sort(key=lambda ln: (ln.walk_seq, ln.sku))
    return out


def batch_walk_ratio(
    orders_lines: Sequence[Sequence[str]],
    products: Mapping[str, Product],
    locations: Mapping[str, Location] | Iterable[Location],
    geometry: Geometry,
) -> tuple[float, float]:
    """(metres picking the orders as one batch, metres picking them one by one).

    `orders_lines` holds each order's skus. The batch visits every distinct location once in
    walk order on one trip from the depot; one by one, every order is its own trip visiting its
    own locations in walk order. Divide the first by the second for the ratio (an empty batch
    walks 0 m both ways).
    """
    by_code = locations if isinstance(locations, Mapping) else {loc.code: loc for loc in locations}
    walker = _Walker(geometry)

    def trip(skus: Iterable[str]) -> float:
        try:
            places = {by_code[products[sku].location] for sku in skus}
        except KeyError as e:
            raise ValueError(f"unknown sku or location {e.args[0]!r}") from None
        return walker.route(sorted(places, key=walk_key))

    batch = trip(sku for skus in orders_lines for sku in skus)
    one_by_one = sum(trip(skus) for skus in orders_lines)
    return batch, one_by_one
