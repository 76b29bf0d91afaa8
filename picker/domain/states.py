"""The states a stored row moves through, one `StrEnum` per state column. Standard library only.

Members are `str`, so they compare equal to the text the database holds and can be passed as
SQL parameters as they are. The schema's CHECK constraints list the same values: a test reads
them from a freshly migrated database and compares them with these enums, so a member added
here needs a migration, and a migration that widens a CHECK needs a member.

Orders' status and operators' roles are `OrderStatus` and `Role` in `picker.domain.model`;
order events' kinds are `EventKind` in `picker.domain.feed`; what an event did is `Outcome` in
`picker.domain.cancellation`.
"""

from __future__ import annotations

from enum import StrEnum

from picker.domain.model import OrderStatus
from picker.i18n import N_, _


class BatchState(StrEnum):
    """`batches.status`: a batch's way from planning through picking to packed bags.

    Planning makes a batch `released`; a picker's claim makes it `claimed` (giving it back
    returns it to `released`); the first accepted pick scan makes it `picking`; the last line
    done makes it `picked` (undoing a pick scan returns it to `picking`); the last bag closed
    makes it `packed`. `draft` and `closed` are
    allowed by the schema for batches held back from, or finished beyond, the floor; nothing
    sets them today, but the board and the settlement read them.
    """

    DRAFT = "draft"
    RELEASED = "released"
    CLAIMED = "claimed"
    PICKING = "picking"
    PICKED = "picked"
    PACKED = "packed"
    CLOSED = "closed"


class BagState(StrEnum):
    """`bags.status`: a bag is `open` while it is filled at the pack bench, then `closed` for
    good when its last item is packed (only a closed bag may be crated or loaded)."""

    OPEN = "open"
    CLOSED = "closed"


class CrateState(StrEnum):
    """`crates.status`: one fill of a crate, `open` while bags go in, `closed` (sealed, its
    label printed and its number given) when it is full or the committee is done. An open crate
    left empty is deleted rather than closed."""

    OPEN = "open"
    CLOSED = "closed"


class RouteState(StrEnum):
    """`routes.status`: a truck's trip of the day.

    `planned` until the first bag or crate is loaded, then `loading`; a lead marks it
    `departed`, which stops loading; it is `done` once every loaded bag was delivered.
    """

    PLANNED = "planned"
    LOADING = "loading"
    DEPARTED = "departed"
    DONE = "done"


class PrintJobState(StrEnum):
    """`print_jobs.status`: a document waiting for, going to or gone to a printer.

    A job is `queued` when made (and again while the printer waits for paper); a worker's claim
    makes it `sending`; it ends `done`, or `failed` to be tried again later. A job found
    `sending` after its worker stopped may have printed: it is `held` until a person says it
    printed (`done`) or prints it again (`queued`, as a reprint).
    """

    QUEUED = "queued"
    SENDING = "sending"
    DONE = "done"
    FAILED = "failed"
    HELD = "held"


class SendOutcome(StrEnum):
    """`print_sends.outcome`: how one attempt to send a job to a printer ended.

    Every send starts `sending` and ends `done`, `failed`, or `waiting` (the printer is out of
    paper or open). A send cut off by a stopped worker becomes `unknown`; a person confirming
    that the job printed turns the last unknown send into `done`.
    """

    SENDING = "sending"
    DONE = "done"
    FAILED = "failed"
    WAITING = "waiting"
    UNKNOWN = "unknown"


class RejectStatus(StrEnum):
    """`import_rejects.status`: a refused import row is `pending` for the shift lead until an
    order with its number is imported, then `resolved`."""

    PENDING = "pending"
    RESOLVED = "resolved"


class RefundKind(StrEnum):
    """`refunds.kind`: why money goes back to a household. Refunds are never changed, only
    added: `short` for units not picked, `underweight` for weighed goods below their
    tolerance, `cancel` for an order cancelled as a whole."""

    SHORT = "short"
    UNDERWEIGHT = "underweight"
    CANCEL = "cancel"


class ScanOutcome(StrEnum):
    """`scan_log.outcome`: whether a scan changed anything. The log is append-only: an
    accepted scan is undone by a later row pointing at it, never by changing it."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"


class FeedStatus(StrEnum):
    """`feed_sources.status` (no CHECK: written only from here): how the last pull of a
    payment platform's feed went.

    `idle` until the first pull; `ok` after a round that read every page; `retrying` while
    the feed is unreachable (timeouts, 5xx) and after a round that gave up on it;
    `unauthorized` when the token is refused; `failed` for a setup problem or an error that
    stopped the round. A round stopped on request ends `stopped`, which is reported but not
    stored.
    """

    IDLE = "idle"
    OK = "ok"
    RETRYING = "retrying"
    UNAUTHORIZED = "unauthorized"
    FAILED = "failed"
    STOPPED = "stopped"


class WatchOutcome(StrEnum):
    """What became of a file of the watch folder in one round (not stored): `waiting` while
    it is still being written, else imported and moved to `done/`, or refused and moved to
    `failed/` with a report beside it."""

    WAITING = "waiting"
    DONE = "done"
    FAILED = "failed"


#: What the screens call a batch or order state, a stage or a kind of code.
STATE_LABELS: dict[str, str] = {
    BatchState.DRAFT: N_("draft"),
    BatchState.RELEASED: N_("released"),
    BatchState.CLAIMED: N_("claimed"),
    BatchState.PICKING: N_("picking"),
    BatchState.PICKED: N_("picked"),
    BatchState.PACKED: N_("packed"),
    BatchState.CLOSED: N_("closed"),
    OrderStatus.PAID: N_("paid"),
    OrderStatus.CANCELLED: N_("cancelled"),
    OrderStatus.REFUNDED: N_("refunded"),
    "pick": N_("pick"),
    "pack": N_("pack"),
    "badge": N_("badge"),
    "command": N_("command"),
    "product": N_("product"),
    "weighed": N_("scale label"),
    "bag": N_("bag"),
    "manifest": N_("manifest"),
    "crate": N_("crate"),
}


def state_label(state: str) -> str:
    """A batch or order state, a stage or a kind of code, in the current language."""
    return _(STATE_LABELS.get(state, state))
