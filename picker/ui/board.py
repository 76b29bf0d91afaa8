"""What the batch board shows: its columns, a batch's cells, the order, the line above it.

Plain functions of the board's `BoardBatch` rows and the signed-in operator's code, so the
board screen (`picker.ui.home`) only reads, shows and acts.
"""

from __future__ import annotations

from picker.app.overview import BoardBatch
from picker.domain.states import BatchState, state_label
from picker.i18n import N_, _, _n

#: (column key, header, numeric)
COLUMNS = (
    ("batch", N_("Batch"), False),
    ("committee", N_("Committee"), False),
    ("orders", N_("Orders"), True),
    ("lines", N_("Lines"), True),
    ("picked", N_("Picked"), True),
    ("status", N_("Status"), False),
    ("holder", N_("Holder"), False),
)
LEAD_ONLY = ("home.take_over", "home.reassign")


def cells(b: BoardBatch) -> tuple[str, ...]:
    """A batch's cells as text, in `COLUMNS` order."""
    holder = f"{b.holder_name} {b.terminal}".strip() if b.holder else ""
    return (
        b.id,
        b.committee_name,
        str(b.orders),
        str(b.lines),
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
