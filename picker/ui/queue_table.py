"""The print queue's table: what it reads of a job, its columns, and a job's cells.

The state, the document and the reason are shown in the operator's language; a failed or
held job stands out in red, one waiting on its printer (paper out, ...) in yellow.
"""

from __future__ import annotations

from typing import Protocol

from rich.cells import cell_len, set_cell_size
from rich.text import Text

from picker.app.printing import NO_PRINTER
from picker.domain.states import PrintJobState
from picker.i18n import N_, _
from picker.ui.widgets import Cell


class JobRow(Protocol):
    """What the screen reads of a print job (`Warehouse.print_jobs`)."""

    @property
    def id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def target(self) -> str: ...
    @property
    def printer(self) -> str: ...
    @property
    def reprint(self) -> bool: ...
    @property
    def status(self) -> str: ...
    @property
    def attempts(self) -> int: ...
    @property
    def reason(self) -> str: ...
    @property
    def updated_at(self) -> str: ...


COLUMNS = (
    ("id", N_("Job"), True),
    ("kind", N_("Document"), False),
    ("target", N_("For"), False),
    ("printer", N_("Printer"), False),
    ("status", N_("State"), False),
    ("attempts", N_("Tries"), True),
    ("at", N_("Time"), False),
    ("reason", N_("Reason"), False),
)
#: Cells of the reason shown in the table.
REASON_WIDTH = 14
STATUS_LABELS: dict[str, str] = {
    PrintJobState.QUEUED: N_("queued"),
    PrintJobState.SENDING: N_("sending"),
    PrintJobState.DONE: N_("printed"),
    PrintJobState.FAILED: N_("failed"),
    PrintJobState.HELD: N_("held"),
}
FAILED_OR_HELD = (PrintJobState.FAILED, PrintJobState.HELD)
KIND_LABELS = {
    "label": N_("bag label"),
    "test": N_("test page"),
    "manifest": N_("manifest"),
    "picklist": N_("pick list"),
    "route": N_("route sheet"),
    "refunds": N_("refund list"),
    "settlement": N_("settlement"),
}


def cells(job: JobRow) -> tuple[Cell, ...]:
    """A job's cells; a failed or held job in red with its reason, a reprint marked as one."""
    status = _(STATUS_LABELS.get(job.status, job.status))
    state: Cell = Text(status, "bold red") if job.status in FAILED_OR_HELD else status
    if job.status == PrintJobState.QUEUED and job.reason not in ("", NO_PRINTER):  # paper out, ...
        state = Text(_("waiting"), "bold yellow")
    kind = _(KIND_LABELS[job.kind]) if job.kind in KIND_LABELS else job.kind
    if job.reprint:
        kind = _("{document} (reprint)", document=kind)
    # Reasons are stored as English source text where the queue wrote them: translate.
    reason = _(job.reason) if job.reason else ""
    if cell_len(reason) > REASON_WIDTH:  # in full on the message line when highlighted
        reason = set_cell_size(reason, REASON_WIDTH - 1) + "…"
    return (
        str(job.id),
        kind,
        job.target,
        job.printer or "-",
        state,
        str(job.attempts),
        job.updated_at[11:16],
        reason,
    )
