"""Pack-stage rules: household order, bags k of n. Standard library only."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from picker.model import Address

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
class BagPlan:
    """An order's bags: `n` bags of at most `per_bag` items each (the last may hold fewer)."""

    n: int
    per_bag: int

    def bag_for(self, item_index: int) -> int:
        """The bag (1-based k) the item packed at 0-based position `item_index` goes into."""
        return min(item_index // self.per_bag + 1, self.n)


def plan_bags(items: int, grams: int, capacity: BagCapacity) -> BagPlan:
    """Split an order's items evenly over as few bags as its count and weight need.

    Items are spread evenly (7 items in 2 bags: 4 + 3) so that `n` printed on the first
    label is exactly the number of bags the household receives.
    """
    if items <= 0:
        return BagPlan(1, 1)
    wanted = max(math.ceil(items / capacity.max_items), math.ceil(grams / capacity.max_grams), 1)
    wanted = min(wanted, items)
    per_bag = math.ceil(items / wanted)
    return BagPlan(math.ceil(items / per_bag), per_bag)


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
