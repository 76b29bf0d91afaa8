"""What a crating scan can say, and what the crating screen shows: the values
`picker.app.crate_session.CrateSession` returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from picker.app.crates import CrateInfo
from picker.domain.scan_outcomes import ScanResult
from picker.domain.states import ScanOutcome


@dataclass(frozen=True, slots=True)
class CrateResult(ScanResult):
    """What a crating scan or command did; `closed_crate` is a crate it closed (label queued)."""

    crate: str | None = None
    committee: str | None = None
    committee_name: str | None = None
    crate_bags: int = 0
    max_bags: int = 0
    closed_crate: str | None = None
    moved_from: str | None = None
    #: Bags that waited for a crate and went into the crate this scan opened.
    placed: tuple[str, ...] = ()
    #: Bags still waiting for a crate to be scanned, after this scan.
    waiting: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.raw,
            "outcome": ScanOutcome.ACCEPTED if self.accepted else ScanOutcome.REJECTED,
            "reason": self.reason,
            "message": self.message,
            "kind": self.kind,
            "bag": self.bag,
            "order_no": self.household,
            "crate": self.crate,
            "committee": self.committee,
            "committee_name": self.committee_name,
            "crate_bags": self.crate_bags,
            "max_bags": self.max_bags,
            "closed_crate": self.closed_crate,
            "moved_from": self.moved_from,
            "placed": list(self.placed),
            "waiting": list(self.waiting),
            "scan_id": self.scan_id,
        }


@dataclass(frozen=True, slots=True)
class CrateView:
    """What the crating screen shows: the current crate and the bags in it."""

    crate: CrateInfo | None
    #: (bag, household address) of the bags in the crate, in hand-out order.
    lines: tuple[tuple[str, str], ...] = ()
    #: The next bag starts a new crate.
    pending_new: bool = False
    #: The next bag is moved into the current crate from the crate it is in.
    moving: bool = False
    #: Bags waiting for a crate to be scanned, in scan order.
    waiting: tuple[str, ...] = ()
