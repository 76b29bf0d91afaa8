"""Batch planning: paid orders -> picking batches. Standard library and `picker.domain.model` only.

The rule, short enough to explain to a shift lead:

- A batch holds orders of one committee only (a batch becomes that committee's bags).
- Within a committee, orders are taken first paid, first batched: by paid time, then order
  number.
- A batch is filled in that order until the next order would break a cap (orders, lines or
  kilograms); then the next batch starts with that order. Batches are therefore contiguous in
  paid time: the first batch of a committee holds its earliest orders.
- An order that alone breaks a cap gets a batch of its own. No order is ever left out.
- Orders paid after a plan are planned next time, into new batches: planning never reopens a
  batch.

The output is ordered by committee, then by first paid time. Planning is a sort and one pass:
120,000 orders take a fraction of a second.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter

from picker.domain.model import Product


@dataclass(frozen=True, slots=True)
class Caps:
    """What one batch may hold at most: orders, order lines and estimated kilograms."""

    max_orders: int = 40
    max_lines: int = 200
    max_kg: float = 150.0

    def __post_init__(self) -> None:
        for name in ("max_orders", "max_lines", "max_kg"):
            value = getattr(self, name)
            if isinstance(value, bool) or not value > 0:
                raise ValueError(f"{name} must be more than 0, not {value!r}")


#: The default caps. (`Caps` has slots, so `Caps.max_orders` is a slot descriptor, not 40:
#: read defaults from here.)
DEFAULT_CAPS = Caps()


@dataclass(frozen=True, slots=True)
class Batchable:
    """A paid, unbatched order as planning sees it. `grams`: the whole order's weight."""

    order_no: str
    committee: str
    paid_at: datetime
    lines: int
    grams: int

    def __post_init__(self) -> None:
        if self.lines < 0 or self.grams < 0:
            raise ValueError(f"order {self.order_no}: lines and grams must be 0 or more")


@dataclass(frozen=True, slots=True)
class PlannedBatch:
    """Orders of one committee to pick together, in paid order, with their totals."""

    committee: str
    order_nos: tuple[str, ...]
    lines: int
    grams: int


_PLAN_ORDER = attrgetter("committee", "paid_at", "order_no")


def plan(orders: Iterable[Batchable], caps: Caps) -> list[PlannedBatch]:
    """Batches for `orders` under `caps` (see the module docstring for the rule).

    Every order is in exactly one batch. Raises ValueError if an order number repeats.
    """
    ordered = sorted(orders, key=_PLAN_ORDER)
    if len({o.order_no for o in ordered}) != len(ordered):
        counts = Counter(o.order_no for o in ordered)
        twice = sorted(no for no, n in counts.items() if n > 1)
        raise ValueError(f"order numbers appear more than once: {', '.join(twice[:5])}")
    max_orders, max_lines = caps.max_orders, caps.max_lines
    max_grams = caps.max_kg * 1000
    out: list[PlannedBatch] = []
    committee = ""
    nos: list[str] = []
    lines = grams = 0
    for o in ordered:
        if nos and (
            o.committee != committee
            or len(nos) >= max_orders
            or lines + o.lines > max_lines
            or grams + o.grams > max_grams
        ):
            out.append(PlannedBatch(committee, tuple(nos), lines, grams))
            nos = []
            lines = grams = 0
        committee = o.committee
        nos.append(o.order_no)
        lines += o.lines
        grams += o.grams
    if nos:
        out.append(PlannedBatch(committee, tuple(nos), lines, grams))
    return out


def order_grams(
    lines: Iterable[tuple[str, int, int | None]], products: Mapping[str, Product]
) -> int:
    """Estimated weight of an order's lines `(sku, qty, ordered_grams)`, in grams.

    Weighed goods count their ordered grams (qty x unit_grams when none was given); counted
    goods count qty x the product's nominal `unit_grams`. Raises ValueError for an unknown sku.
    """
    total = 0
    for sku, qty, grams in lines:
        product = products.get(sku)
        if product is None:
            raise ValueError(f"unknown sku {sku!r}")
        if product.weighed and grams is not None:
            total += grams
        else:
            total += qty * product.unit_grams
    return total
