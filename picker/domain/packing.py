"""Pack-stage rules: household order, bags k of n. Standard library only."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from picker.domain.model import Address

_NUMBER = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """`2` before `10`, `12A` after `12`: how people number buildings and rooms."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in _NUMBER.split(text) if p)


def household_key(address: Address, order_no: str) -> tuple:
    """Building → unit → room, as the committee hands bags out door to door."""
    return (
        natural_key(address.building),
        natural_key(address.unit),
        natural_key(address.room),
        order_no,
    )


@dataclass(frozen=True, slots=True)
class BagCapacity:
    """What one household bag holds. Defaults suit a standard 45×60 cm produce bag."""

    max_items: int = 12
    max_grams: int = 8000

    def __post_init__(self) -> None:
        if self.max_items < 1 or self.max_grams < 1:
            raise ValueError("bag capacity must be positive")


@dataclass(frozen=True, slots=True)
class BagGoods:
    """What an order puts into its bags of one product: `units` of at most `grams` each.

    `together` keeps the units in as few bags as the caps allow: a weighed line's scale
    label is one pack, and a pack is not split over two bags.
    """

    sku: str
    units: int
    grams: int
    together: bool = False


@dataclass(frozen=True, slots=True)
class BagPlan:
    """An order's bags: bag k (1-based) holds `contents[k - 1]`, (sku, units) pairs.

    The plan is made from the whole order before the first item goes in, so `n` is known
    when the first label is printed and every bag it counts is filled, whatever order the
    packer scans the items in.
    """

    contents: tuple[tuple[tuple[str, int], ...], ...]

    @property
    def n(self) -> int:
        return len(self.contents)

    def planned(self, k: int) -> dict[str, int]:
        """Units per sku that bag k holds when it is full."""
        return dict(self.contents[k - 1])

    def items(self, k: int) -> int:
        """How many items bag k holds when it is full."""
        return sum(units for _sku, units in self.contents[k - 1])

    def route(
        self, sku: str, qty: int, packed: Mapping[int, Mapping[str, int]]
    ) -> list[tuple[int, int]]:
        """(k, units) for `qty` more units of `sku`, given what each bag holds already.

        Units fill the lowest bag with room for that product first, as single scans do.
        """
        portions: list[tuple[int, int]] = []
        left = qty
        for k in range(1, self.n + 1):
            room = self.planned(k).get(sku, 0) - packed.get(k, {}).get(sku, 0)
            take = min(room, left)
            if take > 0:
                portions.append((k, take))
                left -= take
        if left > 0:
            # Only if the order changed under the plan: never a bag beyond n.
            if portions and portions[-1][0] == self.n:
                portions[-1] = (self.n, portions[-1][1] + left)
            else:
                portions.append((self.n, left))
        return portions

    def current(self, packed: Mapping[int, Mapping[str, int]]) -> int:
        """The first bag not yet full: the one the packer is filling (n when all are)."""
        for k in range(1, self.n + 1):
            if sum(packed.get(k, {}).values()) < self.items(k):
                return k
        return self.n


@dataclass(slots=True)
class _Bag:
    items: int = 0
    grams: int = 0
    units: dict[str, int] = field(default_factory=dict)


def _blocks(goods: Sequence[BagGoods], capacity: BagCapacity) -> list[tuple[str, int, int, int]]:
    """(sku, units, grams, items) that each go into one bag: single units, or packs kept
    together. A pack counts as one item against the bag's item cap (a 7-斤 bag of apples is
    one thing in the bag); only its weight can split it."""
    blocks: list[tuple[str, int, int, int]] = []
    for g in goods:
        if g.units <= 0:
            continue
        size = 1
        if g.together:
            by_weight = capacity.max_grams // g.grams if g.grams > 0 else g.units
            size = max(1, min(g.units, by_weight))
        left = g.units
        while left > 0:
            take = min(size, left)
            blocks.append((g.sku, take, take * g.grams, 1 if g.together else take))
            left -= take
    # Heaviest first (first-fit decreasing); the sku keeps the plan the same every time.
    blocks.sort(key=lambda b: (-b[2], -b[1], b[0]))
    return blocks


def _first_fit(
    blocks: list[tuple[str, int, int, int]], max_items: int, max_grams: int
) -> list[_Bag]:
    bags: list[_Bag] = []
    for sku, units, grams, items in blocks:
        bag = next(
            (b for b in bags if b.items + items <= max_items and b.grams + grams <= max_grams),
            None,
        )
        if bag is None:
            bag = _Bag()
            bags.append(bag)
        bag.items += items
        bag.grams += grams
        bag.units[sku] = bag.units.get(sku, 0) + units
    return bags


def plan_bags(goods: Sequence[BagGoods], capacity: BagCapacity) -> BagPlan:
    """Bags for an order's goods: each bag within `capacity` in items and grams.

    First-fit decreasing by weight gives the number of bags; the items are then spread as
    evenly over them as the weights allow (14 boxes in 2 bags: 7 + 7), so no bag is packed
    to the brim next to a near-empty one. A single unit heavier than a bag's weight goes
    alone into its own bag. An order with nothing to pack has one empty bag.
    """
    blocks = _blocks(goods, capacity)
    if not blocks:
        return BagPlan(((),))
    bags = _first_fit(blocks, capacity.max_items, capacity.max_grams)
    even_items = math.ceil(sum(b[3] for b in blocks) / len(bags))
    if even_items < capacity.max_items:
        even = _first_fit(blocks, even_items, capacity.max_grams)
        if len(even) == len(bags):
            bags = even
    return BagPlan(tuple(tuple(sorted(b.units.items())) for b in bags))


@dataclass(frozen=True, slots=True)
class CrateCapacity:
    """What one crate may hold (`[crates]` max_bags, max_kg)."""

    max_bags: int = 20
    max_grams: int = 25_000

    def __post_init__(self) -> None:
        if self.max_bags < 1 or self.max_grams < 1:
            raise ValueError(
                f"a crate must hold at least one bag and one gram: {self.max_bags} bags, "
                f"{self.max_grams} g"
            )
