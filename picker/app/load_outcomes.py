"""What a loading scan can say: the refusals, their text and the result, shared by bag
loading (`picker.app.loading`) and crate loading (`picker.app.crate_loading`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from db import dispatch as rows
from picker.domain.scan_outcomes import ScanResult
from picker.domain.scans import reason_text as scan_reason_text
from picker.domain.states import ScanOutcome, state_label
from picker.errors import PickerError
from picker.i18n import N_, _

STAGE = "load"

LOAD_REASONS: dict[str, str] = {
    "not_a_bag": N_("a {kind} code is not a bag label: scan the label on the bag"),
    "unknown_bag": N_("bag {bag} is unknown: it was never packed here"),
    "bag_open": N_("bag {bag} is still open: finish packing it first"),
    "order_not_paid": N_("bag {bag}: order {order_no} is {status}, do not load it"),
    "already_loaded": N_("bag {bag} was already loaded at {at} onto {route} by {operator}"),
    "wrong_route": N_(
        "bag {bag} belongs to route {route} stop {stop} ({committee}), not to this truck"
    ),
    "no_route": N_("bag {bag} is for {committee}, which is on no route today: ask the shift lead"),
    "route_departed": N_("route {route} has departed: nothing more can be loaded"),
    "crate_unknown": N_("crate {crate} was never filled: there is nothing in it to load"),
    "crate_open": N_("crate {crate} is still open: close it and put its label on first"),
    "crate_empty": N_("crate {crate} holds no bags"),
    "crate_loaded": N_("every bag of crate {crate} is on the truck already"),
    "not_on_truck": N_("bag {bag} is not on the truck of {route}: nothing to take off"),
}


def load_reason_text(reason: str, params: tuple[tuple[str, str], ...]) -> str:
    """A loading rejection in the current language (scan reasons included)."""
    template = LOAD_REASONS.get(reason)
    if template is None:
        return scan_reason_text(reason, params)
    values = dict(params)
    if "kind" in values:
        values["kind"] = state_label(values["kind"])
    if "status" in values:
        values["status"] = state_label(values["status"])
    text = _(template).format(**values)
    if "crate" in values and not reason.startswith("crate_"):
        # A bag's refusal refuses its whole crate: say which crate.
        text = _("crate {crate}: {problem}", crate=values["crate"], problem=text)
    return text


class LoadRejected(PickerError):
    """A bag that must not go on this truck. Logged, never loaded."""

    def __init__(self, reason: str, row: rows.BagRow | None = None, /, **params: object) -> None:
        self.reason = reason
        self.bag = row
        self.params = tuple((k, str(v)) for k, v in params.items())
        super().__init__(load_reason_text(reason, self.params))


@dataclass(frozen=True, slots=True)
class LoadResult(ScanResult):
    """What a loading scan did. `line` is the bag's stop (loaded, total), `progress` the
    route's, `stage_done` that nothing of the route stays behind: every bag loaded, every
    paid order packed, no crate open."""

    route: str = ""
    route_name: str = ""
    committee: str | None = None
    committee_name: str | None = None
    stop: int | None = None
    #: A crate label scanned: its id and the bags this scan loaded from it.
    crate: str | None = None
    crate_bags: int = 0
    #: Paid orders of the route's committees not packed yet, and crates still open: with
    #: every bag loaded these still stay behind.
    orders_behind: int = 0
    crates_open: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.raw,
            "outcome": ScanOutcome.ACCEPTED if self.accepted else ScanOutcome.REJECTED,
            "reason": self.reason,
            "message": self.message,
            "bag": self.bag,
            "order_no": self.household,
            "route": self.route,
            "committee": self.committee,
            "committee_name": self.committee_name,
            "stop": self.stop,
            "stop_progress": list(self.line) if self.line else None,
            "route_progress": list(self.progress),
            "route_complete": self.stage_done,
            "scan_id": self.scan_id,
            "crate": self.crate,
            "crate_bags": self.crate_bags,
            "orders_behind": self.orders_behind,
            "crates_open": self.crates_open,
        }
