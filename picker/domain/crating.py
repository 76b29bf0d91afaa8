"""Crates (周转筐) as values: what one holds, whether a bag fits, and what is wrong with a
committee's crates before its truck leaves. Pure.

A crate holds the closed bags of one committee; its committee label is printed when it is
closed, by hand or because it is full (in bags or in kilograms). The use cases are in
`picker.app.crates`.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from picker.domain.ids import bag_id
from picker.domain.model import OrderStatus
from picker.domain.packing import CrateCapacity
from picker.domain.states import BagState, CrateState
from picker.i18n import N_, _


class Fit(enum.StrEnum):
    """What putting one more bag into a crate does."""

    FITS = "fits"
    #: The bag goes in and the crate is full with it: close it.
    FILLS = "fills"
    #: The crate is full already (bags, or the bag would overload it): close it and put the
    #: bag into the next crate. An empty crate takes any bag, however heavy.
    FULL = "full"


def fit(bags: int, grams: int, bag_grams: int, capacity: CrateCapacity) -> Fit:
    """Whether a bag of `bag_grams` goes into a crate holding `bags` bags of `grams`."""
    if bags >= capacity.max_bags or (bags and grams + bag_grams > capacity.max_grams):
        return Fit.FULL
    if bags + 1 >= capacity.max_bags or grams + bag_grams >= capacity.max_grams:
        return Fit.FILLS
    return Fit.FITS


@dataclass(frozen=True, slots=True)
class CrateFacts:
    """A crate of a committee on the day, as the departure check reads it."""

    code: str
    status: str
    k: int | None = None


@dataclass(frozen=True, slots=True)
class BagFacts:
    """A bag of the committee that is in one of its crates, on its dock, or on this truck."""

    bag: str
    order_no: str
    k: int
    n: int
    #: `open` while packing is not finished, else `closed`.
    status: str
    order_status: str
    #: The code of the crate holding it (None: in no crate).
    crate: str | None = None
    #: The route it was loaded onto (None: not loaded).
    route: str | None = None


class Problem(enum.StrEnum):
    OPEN = "crate_open"
    EMPTY = "crate_empty"
    EXTRA = "crate_extra"
    WRONG_ROUTE = "crate_wrong_route"
    PART_LOADED = "crate_part_loaded"
    UNCRATED = "bag_uncrated"
    BAG_OPEN = "bag_not_packed"
    MISSING = "crate_missing_bag"


PROBLEMS: dict[str, str] = {
    Problem.OPEN: N_("crate {crate} is still open: close it so its label prints"),
    Problem.EMPTY: N_("crate {crate} is closed but holds no bags: take it off the dock"),
    Problem.EXTRA: N_(
        "crate {crate} holds bag {bag} of order {order_no}, which is {status}: take it out"
    ),
    Problem.WRONG_ROUTE: N_("crate {crate}: bag {bag} was loaded onto route {route}, not this one"),
    Problem.PART_LOADED: N_(
        "crate {crate} is partly on the truck ({loaded} of {bags} bags): "
        "scan the crate to load the rest"
    ),
    Problem.UNCRATED: N_("bag {bag} of {committee} is in no crate: put it in one"),
    Problem.BAG_OPEN: N_("bag {bag} of {committee} is still being packed: no crate holds it"),
    Problem.MISSING: N_(
        "crate {crate} is short: order {order_no} has bag {k} of {n} ({bag}) nowhere"
    ),
}


@dataclass(frozen=True, slots=True)
class CrateProblem:
    """Something to put right before the truck leaves: a reason code and its values."""

    problem: Problem
    committee: str
    crate: str | None = None
    bag: str | None = None
    params: tuple[tuple[str, str], ...] = ()

    @property
    def message(self) -> str:
        """The problem in the reader's language."""
        values = {"crate": self.crate or "", "bag": self.bag or "", **dict(self.params)}
        if "status" in values:
            values["status"] = _(values["status"])  # order states are in the catalog
        return _(PROBLEMS[self.problem]).format(**values)


def committee_problems(
    route: str,
    committee: str,
    crates: Sequence[CrateFacts],
    bags: Sequence[BagFacts],
    name: str = "",
) -> list[CrateProblem]:
    """What does not match between a committee's crates and what its packed orders need.

    Only a committee that crates at all is checked (it has a crate that day): its bags still
    on the dock must then be in a crate, a crate must hold only bags of paid orders loaded
    nowhere else, and every bag k of n of an order in a crate must exist.
    """
    if not crates:
        return []
    found: list[CrateProblem] = []

    def flag(problem: Problem, crate: str | None, bag: str | None = None, **params: str) -> None:
        values = tuple((k, str(v)) for k, v in params.items())
        found.append(CrateProblem(problem, committee, crate, bag, values))

    held: dict[str, list[BagFacts]] = defaultdict(list)
    for b in bags:
        if b.crate is not None:
            held[b.crate].append(b)
    for c in crates:
        if c.status == CrateState.OPEN:
            flag(Problem.OPEN, c.code)
        elif not held.get(c.code):
            flag(Problem.EMPTY, c.code)
    for b in bags:
        if b.crate is not None:
            if b.order_status != OrderStatus.PAID:
                flag(Problem.EXTRA, b.crate, b.bag, order_no=b.order_no, status=b.order_status)
            elif b.route is not None and b.route != route:
                flag(Problem.WRONG_ROUTE, b.crate, b.bag, route=b.route)
        elif b.order_status == OrderStatus.PAID and b.route is None:
            problem = Problem.BAG_OPEN if b.status == BagState.OPEN else Problem.UNCRATED
            flag(problem, None, b.bag, committee=name or committee)
    for code, inside in held.items():
        paid = [b for b in inside if b.order_status == OrderStatus.PAID]
        loaded = sum(1 for b in paid if b.route == route)
        if 0 < loaded < len(paid):
            flag(Problem.PART_LOADED, code, loaded=str(loaded), bags=str(len(paid)))
    found.extend(_missing(committee, bags))
    return found


def _missing(committee: str, bags: Sequence[BagFacts]) -> list[CrateProblem]:
    """Bags k of n that do not exist at all, for paid orders with a bag in a crate."""
    orders: dict[str, list[BagFacts]] = defaultdict(list)
    for b in bags:
        orders[b.order_no].append(b)
    found = []
    for order_no, of_order in sorted(orders.items()):
        crated = next((b.crate for b in of_order if b.crate is not None), None)
        if crated is None or of_order[0].order_status != OrderStatus.PAID:
            continue
        n = max(b.n for b in of_order)
        have = {b.k for b in of_order}
        for k in sorted(set(range(1, n + 1)) - have):
            params = (("order_no", order_no), ("k", str(k)), ("n", str(n)))
            found.append(
                CrateProblem(Problem.MISSING, committee, crated, bag_id(order_no, k), params)
            )
    return found
