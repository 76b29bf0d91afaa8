"""What the batch board's keys do to the warehouse: claim, open a scanned batch, release,
take over. Each runs in the board's thread worker and returns the line to show, with the
session to open for a claim; a refusal is raised as the `PickerError` that says why.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from picker.app.overview import ON_BOARD
from picker.domain.states import state_label
from picker.errors import Conflict, NotFound
from picker.i18n import _

if TYPE_CHECKING:
    from picker.app.sessions import ScanSession
    from picker.app.warehouse import Warehouse


def claim(wh: Warehouse, batch_id: str, operator: str, terminal: str) -> tuple[str, ScanSession]:
    """Claim (or resume) a batch and open its session."""
    report, session = wh.open_batch(batch_id, operator, terminal)
    verb = _("Resumed {batch}.") if report.resumed else _("Claimed {batch}.")
    return verb.format(batch=batch_id), session


def open_scanned(
    wh: Warehouse, batch_id: str, operator: str, terminal: str
) -> tuple[str, ScanSession]:
    """Open a scanned batch, or say why not: unknown, or in a state nobody claims."""
    found = next((b for b in wh.batches() if b["id"] == batch_id), None)
    if found is None:
        raise NotFound(_("Unknown batch {batch}: no batch has this id.", batch=batch_id))
    if found["status"] not in ON_BOARD:
        raise Conflict(
            _(
                "Batch {batch} is {status}: it cannot be claimed.",
                batch=batch_id,
                status=state_label(found["status"]),
            )
        )
    return claim(wh, batch_id, operator, terminal)


def release(wh: Warehouse, batch_id: str, operator: str) -> str:
    """Give a batch back to the floor; what was picked stays picked."""
    wh.release(batch_id, operator)
    return _("Released {batch}.", batch=batch_id)


def take_over(wh: Warehouse, batch_id: str, lead: str, to: str | None, terminal: str) -> str:
    """A shift lead takes a batch (`to` None) or gives it to another operator."""
    wh.take_over(batch_id, lead, to, terminal)
    return _("{batch} is now held by {holder}.", batch=batch_id, holder=to or lead)
