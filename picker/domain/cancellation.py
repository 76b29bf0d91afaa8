"""What a refund or cancellation from the platform does to an order, by how far it has gone
on the floor. Pure.

- not yet in a batch: it leaves batching (the order is cancelled or refunded);
- in a batch: it is never packed, the picker and the lead are told, what was picked goes back;
- packed or loaded: an exception for the lead, "pull the bag", and the refund for settlement;
- a partial refund: the order stays, the refund is recorded, the lead decides what to remove.

An event for an order that is not here yet waits for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from picker.domain.feed import Event, EventKind
from picker.domain.model import OrderStatus
from picker.domain.money import format_fen
from picker.i18n import N_, _


class Outcome(StrEnum):
    """What an event did (`order_events.outcome`)."""

    PENDING = "pending"  # stored, not yet applied
    APPLYING = "applying"  # being applied; found so after a crash, it is finished next pull
    UNKNOWN_ORDER = "unknown-order"  # the order is not here yet: tried again every pull
    CANCELLED = "cancelled"  # not yet in a batch: it leaves batching
    FLAGGED = "flagged"  # in a batch: never packed; the lead puts back what was picked
    PULL_BAG = "pull-bag"  # already packed or loaded: the lead pulls the bag
    PARTIAL_REFUND = "partial-refund"  # part of the money back: the lead decides what goes
    ALREADY_CLOSED = "already-closed"  # the order was cancelled or refunded before
    DELIVERED_REFUND = "delivered-refund"  # signed for: the money goes back, the goods stay


#: Outcomes still to be worked on by the next pull.
OPEN_OUTCOMES = (Outcome.PENDING, Outcome.APPLYING, Outcome.UNKNOWN_ORDER)

OUTCOME_LABELS: dict[str, str] = {
    Outcome.PENDING: N_("waiting"),
    Outcome.APPLYING: N_("being applied"),
    Outcome.UNKNOWN_ORDER: N_("order not here yet"),
    Outcome.CANCELLED: N_("taken out of batching"),
    Outcome.FLAGGED: N_("flagged: do not pack"),
    Outcome.PULL_BAG: N_("packed: pull the bag"),
    Outcome.PARTIAL_REFUND: N_("partial refund: lead decides"),
    Outcome.ALREADY_CLOSED: N_("already cancelled or refunded"),
    Outcome.DELIVERED_REFUND: N_("refunded after delivery"),
}


class Stage(StrEnum):
    """How far an order has gone on the floor, as far as a refund is concerned."""

    UNBATCHED = "unbatched"
    BATCHED = "batched"
    PACKED = "packed"  # a bag of it is closed
    LOADED = "loaded"  # a bag of it is on a truck
    DELIVERED = "delivered"  # a bag of it was signed for


@dataclass(frozen=True, slots=True)
class OrderState:
    status: str
    unrefunded_fen: int
    stage: Stage


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do about one event."""

    outcome: Outcome
    #: "cancelled" or "refunded" for a whole-order event (through `cancel_order`).
    new_status: str | None = None
    #: A partial refund's fen, recorded as it is.
    refund_fen: int = 0
    #: The `order_exceptions.kind` raised for the lead, if any.
    exception: str | None = None


def decide(event: Event, state: OrderState | None) -> Decision:
    """The rule for a refund or cancellation, by how far the order has gone."""
    if state is None:
        return Decision(Outcome.UNKNOWN_ORDER)
    if state.status != OrderStatus.PAID:
        return Decision(Outcome.ALREADY_CLOSED)
    amount = event.amount_fen
    if event.kind is EventKind.REFUND and amount is not None and amount < state.unrefunded_fen:
        return Decision(Outcome.PARTIAL_REFUND, refund_fen=amount, exception="partial-refund")
    if state.stage is Stage.DELIVERED:
        # The household has the goods: the money is refunded, the order stays delivered.
        return Decision(
            Outcome.DELIVERED_REFUND, refund_fen=state.unrefunded_fen, exception="delivered-refund"
        )
    status = OrderStatus.CANCELLED if event.kind is EventKind.CANCEL else OrderStatus.REFUNDED
    if state.stage is Stage.UNBATCHED:
        return Decision(Outcome.CANCELLED, status)
    if state.stage is Stage.BATCHED:
        return Decision(Outcome.FLAGGED, status, exception="do-not-pack")
    return Decision(Outcome.PULL_BAG, status, exception="pull-bag")


EXCEPTION_TEXT: dict[str, str] = {
    "pull-bag": N_("{order_no} was {status} after packing: pull bag {bags}"),
    "pull-bag-loaded": N_(
        "{order_no} was {status} after loading on route {route}: take bag {bags} off the truck"
    ),
    "do-not-pack": N_("{order_no} was {status} in batch {batch}: do not pack, put its goods back"),
    "delivered-refund": N_(
        "{order_no}: {amount} refunded after delivery: the goods stay with the household"
    ),
    "partial-refund": N_(
        "{order_no}: {amount} of {total} refunded ({stage}): decide what to remove"
    ),
}
_WORDS: dict[str, str] = {
    OrderStatus.CANCELLED: N_("cancelled"),
    OrderStatus.REFUNDED: N_("refunded"),
    Stage.UNBATCHED: N_("not yet batched"),
    Stage.BATCHED: N_("in a batch"),
    Stage.PACKED: N_("packed"),
    Stage.LOADED: N_("loaded"),
    Stage.DELIVERED: N_("delivered"),
}


def exception_text(kind: str, params: Mapping[str, Any]) -> str:
    """An exception for the lead, in the current language, from its stored parameters."""
    values = {
        k: _(_WORDS[v]) if isinstance(v, str) and v in _WORDS else str(v) for k, v in params.items()
    }
    for key in ("amount", "total"):
        if f"{key}_fen" in params:
            values[key] = format_fen(int(params[f"{key}_fen"]))
    values["bags"] = ", ".join(params.get("bags", ())) or "?"
    if kind == "pull-bag" and params.get("route"):
        kind = "pull-bag-loaded"
    try:
        return _(EXCEPTION_TEXT[kind]).format(**values)
    except KeyError:
        return f"{values.get('order_no', '')}: {kind}"
