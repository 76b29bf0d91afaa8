"""What the batch board shows: its columns, a batch's cells, the order, the line above it,
and its keys.

Plain functions of the board's `BoardBatch` rows and the signed-in operator's code, so the
board screen (`picker.ui.home`) only reads, shows and acts.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

from picker.app.overview import BoardBatch
from picker.domain.states import BatchState, state_label
from picker.i18n import N_, _, _n
from picker.ui.scan_screen import fkey
from picker.ui.widgets import bind

#: (column key, header, numeric)
COLUMNS = (
    ("batch", N_("Batch"), False),
    ("committee", N_("Committee"), False),
    ("orders", N_("Orders"), True),
    ("lines", N_("Pick lines"), True),  # what the pick screen counts, not order lines
    ("picked", N_("Picked"), True),
    ("status", N_("Status"), False),
    ("holder", N_("Holder"), False),
)
#: The board's keys: function keys, so that typing in the find field never triggers them.
KEYS: list[BindingType] = [
    # Not a priority binding: the find field ends a scan with Enter itself.
    Binding("enter", "open", N_("Claim / resume"), id="home.open",
            tooltip=N_("Claim the highlighted batch, or go on with yours")),
    fkey("f2", "claim_next", N_("Next batch"), N_("Claim the next released batch"),
         "home.next"),
    fkey("f3", "release", N_("Release"), N_("Give your highlighted batch back to the floor"),
         "home.release"),
    fkey("f4", "crates", N_("Crates"), N_("Put packed bags into their committee's crates"),
         "home.crates"),
    fkey("f6", "take_over", N_("Take over"),
         N_("Take the highlighted batch yourself (shift lead)"), "home.take_over"),
    fkey("f7", "reassign", N_("Reassign"),
         N_("Give the highlighted batch to another operator (shift lead)"), "home.reassign"),
    bind("f5", "refresh", N_("Refresh"), N_("Read the batches again now"), "home.refresh",
         show=False),
    bind("up", "cursor(-1)", N_("Up"), N_("Highlight the batch above"), "home.up",
         show=False),
    bind("down", "cursor(1)", N_("Down"), N_("Highlight the batch below"), "home.down",
         show=False),
    bind("escape", "back", N_("Back"), N_("Clear the filter, or back to the dashboard"),
         "home.back"),
    # Priority: the find field would take Home/End; a filter is a few characters anyway.
    Binding("home", "cursor_edge(0)", N_("First row"), tooltip=N_("Highlight the first batch"),
            show=False, priority=True, id="home.first"),
    Binding("end", "cursor_edge(1)", N_("Last row"), tooltip=N_("Highlight the last batch"),
            show=False, priority=True, id="home.last"),
]  # fmt: skip
#: The keys only a shift lead has; others do not see them in the footer.
LEAD_ONLY = ("home.take_over", "home.reassign")


def cells(b: BoardBatch) -> tuple[str, ...]:
    """A batch's cells as text, in `COLUMNS` order."""
    holder = f"{b.holder_name} {b.terminal}".strip() if b.holder else ""
    return (
        b.id,
        b.committee_name,
        str(b.orders),
        str(b.pick_lines),
        f"{b.picked}/{b.units - b.short}",
        state_label(b.status),
        holder,
    )


def order_board(batches: list[BoardBatch], me: str) -> list[BoardBatch]:
    """Mine first, then released ones (the next to claim on top), then picked ones
    waiting for a packer, then what others hold."""

    def rank(b: BoardBatch) -> tuple[int, str]:
        if b.holder == me:
            return 0, b.id
        if b.holder is None:
            return (1 if b.status == BatchState.RELEASED else 2), b.id
        return 3, b.id

    return sorted(batches, key=rank)


def banner(batches: list[BoardBatch], me: str) -> str:
    """The line above the board: my batch, else the next one to claim, else that none waits."""
    mine = [b for b in batches if b.holder == me]
    waiting = [b for b in batches if b.status == BatchState.RELEASED and not b.holder]
    if mine:
        b = mine[0]
        return _(
            "Your batch {batch} ({committee}, {status}, {picked}/{units} picked): Enter to go on.",
            batch=b.id,
            committee=b.committee_name,
            status=state_label(b.status),
            picked=b.picked,
            units=b.units - b.short,
        )
    if waiting:
        return _n(
            "{count} batch waiting. Enter claims {batch} ({committee}).",
            "{count} batches waiting. Enter claims {batch} ({committee}).",
            len(waiting),
            count=len(waiting),
            batch=waiting[0].id,
            committee=waiting[0].committee_name,
        )
    return _("No batch is waiting. New ones appear here when the shift lead plans them.")
