"""The 漏单 audit from plain values: every order in exactly one end state, with no loose ends.

An order ends delivered, refunded in full or open (with the reason it is still open); facts
that contradict one another (two batches, a bag on the wrong route, a refund over what was
paid, ...) are `Problem`s, and any one fails the audit. So does a manifest signed in part:
some of its pages came back signed, others not, and its households are not proven delivered.
Money comes from `picker.domain.settlement`, so the audit and the settlement count alike.
Stdlib only.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, replace

from picker.domain.manifest_pages import PageProof
from picker.domain.model import OrderStatus
from picker.domain.settlement import OrderMoney
from picker.domain.states import BatchState

#: A plain str, as in `picker.domain.settlement`: cheaper to compare than the StrEnum member.
_PAID = OrderStatus.PAID.value

#: Batch states in which an order's goods are being picked or packed.
WORKING = (BatchState.CLAIMED, BatchState.PICKING, BatchState.PICKED)


class EndState(enum.StrEnum):
    DELIVERED = "delivered"
    REFUNDED = "refunded"
    OPEN = "open"


class OpenReason(enum.StrEnum):
    NOT_BATCHED = "not_batched"
    WAITING = "waiting"  # batched, no picker has claimed the batch yet
    IN_PICKING = "in_picking"  # being picked or packed
    PACKED_NOT_LOADED = "packed_not_loaded"
    LOADED_NOT_DELIVERED = "loaded_not_delivered"


class Problem(enum.StrEnum):
    """Inconsistencies: each one fails the audit."""

    TWO_STATES = "two_states"
    NO_STATE = "no_state"
    TWO_BATCHES = "two_batches"
    WRONG_BATCH = "wrong_batch"
    WRONG_ROUTE = "wrong_route"
    WRONG_MANIFEST = "wrong_manifest"
    CANCELLED_BAG = "cancelled_bag"
    OVER_REFUND = "over_refund"
    BAG_COUNT = "bag_count"


@dataclass(frozen=True, slots=True)
class OrderFacts:
    """What the warehouse knows about one order, for the audit. Bag lists hold bag ids."""

    money: OrderMoney
    batch: str | None = None
    batch_status: str | None = None
    batch_committee: str | None = None
    #: Batches other than `batch` that hold a bag or a short line of this order.
    other_batches: tuple[str, ...] = ()
    bags: tuple[str, ...] = ()
    n_values: tuple[int, ...] = ()  # the distinct n written on the bags
    k_values: tuple[int, ...] = ()
    open_bags: int = 0
    loaded: tuple[str, ...] = ()
    on_manifest: tuple[str, ...] = ()  # on a manifest not yet signed for
    delivered: tuple[str, ...] = ()
    wrong_route: tuple[str, ...] = ()
    wrong_manifest: tuple[str, ...] = ()

    @property
    def packed(self) -> bool:
        """Every bag of the order is closed and there are exactly n of them, numbered 1..n."""
        return bool(self.bags) and not self.open_bags and not self.bag_count_wrong

    @property
    def bag_count_wrong(self) -> bool:
        if not self.bags or self.open_bags:
            return False  # still packing: the count is not final
        n = max(self.n_values)
        return len(self.n_values) != 1 or sorted(self.k_values) != list(range(1, n + 1))

    @property
    def fully_delivered(self) -> bool:
        """Packed, and every bag is on a manifest the committee signed for."""
        return self.packed and len(self.delivered) == len(self.bags)

    def settled(self) -> OrderMoney:
        """The order's money with `delivered` as these facts say."""
        m = self.money
        if not self.bags:
            return m  # the common case while the day is under way: nothing to change
        return replace(m, delivered=self.fully_delivered)


@dataclass(frozen=True, slots=True)
class AuditedOrder:
    """One order's end state(s), open reason and problems, with (key, value) details."""

    order_no: str
    committee: str
    states: tuple[EndState, ...]
    reason: OpenReason | None
    problems: tuple[tuple[Problem, tuple[tuple[str, str], ...]], ...]
    net_fen: int
    detail: tuple[tuple[str, str], ...] = ()

    @property
    def state(self) -> EndState | None:
        """The one end state, or None when there are two or none (a problem)."""
        return self.states[0] if len(self.states) == 1 else None


def _open_reason(f: OrderFacts) -> tuple[OpenReason | None, tuple[tuple[str, str], ...]]:
    """Why a paid order is not delivered yet, or None when nothing on file explains it."""
    if f.batch is None:
        return (None, ()) if f.bags else (OpenReason.NOT_BATCHED, ())
    if f.packed:
        counted = (("done", str(len(f.loaded))), ("bags", str(len(f.bags))))
        if len(f.loaded) == len(f.bags):
            return OpenReason.LOADED_NOT_DELIVERED, counted
        return OpenReason.PACKED_NOT_LOADED, counted
    if f.batch_status in (BatchState.DRAFT, BatchState.RELEASED) and not f.bags:
        return OpenReason.WAITING, (("batch", f.batch),)
    if f.batch_status in WORKING or f.bags:
        return OpenReason.IN_PICKING, (("batch", f.batch),)
    return None, (("batch", f.batch), ("status", f.batch_status or ""))


def audit_order(f: OrderFacts) -> AuditedOrder:
    """The end states the facts support (exactly one when consistent) and every problem.

    Delivered: any bag signed for. Refunded: cancelled, refunded or every line short. Open:
    neither, with the reason. Evidence for two (part of the bags signed for, a refunded order
    delivered) or for none (open, but nothing on file says where) is a problem.
    """
    m = f.money
    states: list[EndState] = []
    reason: OpenReason | None = None
    detail: tuple[tuple[str, str], ...] = ()
    if f.delivered:
        states.append(EndState.DELIVERED)
    if m.refunded:
        states.append(EndState.REFUNDED)
    elif not f.fully_delivered:
        reason, detail = _open_reason(f)
        if reason is not None:
            states.append(EndState.OPEN)
    problems: list[tuple[Problem, tuple[tuple[str, str], ...]]] = []

    def flag(problem: Problem, **params: object) -> None:
        problems.append((problem, tuple((k, str(v)) for k, v in params.items())))

    bags, signed = len(f.bags), len(f.delivered)
    if len(states) > 1:
        flag(Problem.TWO_STATES, states=" + ".join(states), bags=bags, delivered=signed)
    elif not states:
        flag(Problem.NO_STATE, batch=f.batch or "-", status=f.batch_status or "-", bags=bags)
    if f.other_batches:
        flag(Problem.TWO_BATCHES, batches=", ".join([f.batch or "-", *f.other_batches]))
    if f.batch_committee and f.batch_committee != m.committee:
        flag(Problem.WRONG_BATCH, batch=f.batch, committee=f.batch_committee)
    if f.wrong_route:
        flag(Problem.WRONG_ROUTE, bags=", ".join(f.wrong_route))
    if f.wrong_manifest:
        flag(Problem.WRONG_MANIFEST, bags=", ".join(f.wrong_manifest))
    travelling = sorted((set(f.loaded) | set(f.on_manifest)) - set(f.delivered))
    if m.status != _PAID and travelling:
        flag(Problem.CANCELLED_BAG, bags=", ".join(travelling))
    if m.ledger_fen > m.amount_fen:
        flag(Problem.OVER_REFUND, refunded=m.ledger_fen, paid=m.amount_fen)
    if f.bag_count_wrong:
        flag(Problem.BAG_COUNT, bags=bags, n="/".join(map(str, f.n_values)))
    return AuditedOrder(
        m.order_no, m.committee, tuple(states), reason, tuple(problems), m.net_fen, detail
    )


@dataclass(frozen=True, slots=True)
class AuditReport:
    """Every order on file (or of one day) with its end state; clean when nothing is wrong."""

    day: str | None
    orders: tuple[AuditedOrder, ...]
    #: Bags of cancelled orders still in the warehouse: not a failure, but unpack them.
    to_unpack: tuple[tuple[str, str], ...] = ()
    #: Manifests with some pages signed and some missing: each one fails the audit.
    unsigned_pages: tuple[PageProof, ...] = ()

    @property
    def failing(self) -> tuple[AuditedOrder, ...]:
        return tuple(o for o in self.orders if o.problems)

    @property
    def clean(self) -> bool:
        return not self.failing and not self.unsigned_pages

    def counts(self) -> dict[str, int]:
        """Orders per end state and, for open ones, per reason; `problem` for the failing."""
        out: dict[str, int] = {s.value: 0 for s in EndState}
        out.update({r.value: 0 for r in OpenReason})
        for o in self.orders:
            if o.state is None:
                continue
            out[o.state.value] += 1
            if o.reason is not None:
                out[o.reason.value] += 1
        out["problem"] = len(self.failing)
        return out

    def open_fen(self) -> int:
        return sum(o.net_fen for o in self.orders if o.state is EndState.OPEN)


def audit(
    facts: Iterable[OrderFacts], day: str | None = None, signed: Iterable[PageProof] = ()
) -> AuditReport:
    """Audit every order; bags of refunded orders that have not left are listed to unpack.
    Of the manifests with `signed` pages, those with a page still missing are listed."""
    orders: list[AuditedOrder] = []
    unpack: list[tuple[str, str]] = []
    for f in facts:
        orders.append(audit_order(f))
        if f.money.status != _PAID:
            left = set(f.loaded) | set(f.on_manifest) | set(f.delivered)
            unpack += [(f.money.order_no, b) for b in f.bags if b not in left]
    orders.sort(key=lambda o: (o.committee, o.order_no))
    partly = tuple(p for p in signed if p.missing)
    return AuditReport(day, tuple(orders), tuple(unpack), partly)
