"""What a scan did: the stages' shared values, reasons and the rejection error."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from picker.domain.model import Address
from picker.domain.scales import SCALE_REASONS
from picker.domain.scans import SCAN_REASONS
from picker.domain.scans import reason_text as scan_reason_text
from picker.domain.states import ScanOutcome, state_label
from picker.errors import PickerError
from picker.i18n import N_, _


class Stage(enum.StrEnum):
    PICK = "pick"
    PACK = "pack"


REASONS: dict[str, str] = {
    "not_in_batch": N_("{product} is not on this batch's pick list"),
    "line_complete": N_("{product} is already complete ({needed})"),
    "over_pick": N_("too many {product}: {needed} needed, {done} done, this scan adds {qty}"),
    "not_held": N_("batch {batch} is held by {holder}, not by you"),
    "wrong_status": N_("batch {batch} is {status}: {stage} is not possible now"),
    "not_here": N_("a {kind} code does nothing while you {stage}"),
    "nothing_to_undo": N_("nothing to undo"),
    "bag_closed": N_("bag {bag} is already closed: ask the shift lead"),
    "nothing_open": N_("every line is done"),
    "not_for_household": N_("{product} is not in the order of {household}"),
    "order_cancelled": N_("order {order_no} was cancelled: do not pack it"),
    "pack_over": N_("too many {product} for {household}: {remaining} left to pack"),
    "command_not_here": N_("{command} does nothing while you {stage}"),
    "undo_refunded": N_("that scan settled a refund: ask the shift lead"),
    "weigh_not_here": N_("the bench scale records weights when packing, not while you {stage}"),
    "nothing_to_weigh": N_("no weighed item is left to pack for this household"),
    "not_sold_by_weight": N_("{product} is not sold by weight: scan its barcode"),
    "over_weight": N_(
        "too heavy: {product} would come to {total} g, {ordered} g ordered, at most {most} g:"
        " take some out and weigh again"
    ),
    "over_amount": N_(
        "too much: {product} would come to {total}, {ordered} ordered, at most {most}:"
        " take some out and weigh again"
    ),
    **SCALE_REASONS,
}


def reason_text(reason: str, params: tuple[tuple[str, str], ...]) -> str:
    """A session or scan reason in the current language."""
    if reason not in REASONS and reason in SCAN_REASONS:
        return scan_reason_text(reason, params)
    template = REASONS.get(reason, reason)
    values = dict(params)
    for key in ("stage", "status", "kind"):
        if key in values:
            values[key] = state_label(values[key])
    return _(template).format(**values)


class Rejected(PickerError):
    """A scan that does not fit the batch as it is now. Logged, never applied."""

    def __init__(self, reason: str, **params: object) -> None:
        self.reason = reason
        self.params = tuple((k, str(v)) for k, v in params.items())
        super().__init__(reason_text(reason, self.params))


@dataclass(frozen=True, slots=True)
class ScanResult:
    """What a scan did, as the screen and `picker scan` report it."""

    raw: str
    accepted: bool
    reason: str = ""
    message: str = ""
    kind: str = ""
    sku: str | None = None
    product: str | None = None
    qty: int | None = None
    grams: int | None = None
    #: (done, needed) of the line the scan went to.
    line: tuple[int, int] | None = None
    #: Pick: (units done, units in the batch). Pack: (households done, households).
    progress: tuple[int, int] = (0, 0)
    household: str | None = None
    bag: str | None = None
    #: Bags this scan closed: their labels are queued for printing.
    closed_bags: tuple[str, ...] = ()
    #: (bag, units) for each bag the scan put units into, in bag order.
    bags: tuple[tuple[str, int], ...] = ()
    #: The stage of the batch is finished with this scan.
    stage_done: bool = False
    scan_id: int = 0
    refund_fen: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.raw,
            "outcome": ScanOutcome.ACCEPTED if self.accepted else ScanOutcome.REJECTED,
            "reason": self.reason,
            "message": self.message,
            "kind": self.kind,
            "sku": self.sku,
            "product": self.product,
            "quantity": self.qty,
            "grams": self.grams,
            "line": list(self.line) if self.line else None,
            "progress": list(self.progress),
            "household": self.household,
            "bag": self.bag,
            "closed_bags": list(self.closed_bags),
            "bags": [list(b) for b in self.bags],
            "stage_done": self.stage_done,
            "scan_id": self.scan_id,
            "refund_fen": self.refund_fen,
        }


@dataclass(slots=True)
class Effect:
    """What the stage logic decided, to be logged and reported."""

    kind: str
    sku: str | None = None
    qty: int | None = None
    grams: int | None = None
    order_no: str | None = None
    bag: str | None = None
    line: tuple[int, int] | None = None
    closed_bags: list[str] = field(default_factory=list)
    #: (bag, units, grams) per bag a pack scan filled: one scan-log row each.
    portions: list[tuple[str, int, int | None]] = field(default_factory=list)
    refund_fen: int = 0
    undoes: int | None = None
    after_log: list[tuple[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Household:
    order_no: str
    address: Address
    name: str
    phone: str
    cancelled: bool
