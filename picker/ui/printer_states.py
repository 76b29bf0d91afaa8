"""Printers that are not ready, for the shift lead: a line on the queue screen and a toast.

Only printers with status queries (`status = true`) report a state. Paper near its end is a
warning (the jobs still print); paper out, cover open, offline and errors hold their jobs
until the printer is ready again, and say so here as well as on each job.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from rich.text import Text
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.widgets import Static

from picker.i18n import _


class PrinterState(Protocol):
    """What the widget reads of a printer's state (`Warehouse.printer_states`)."""

    @property
    def printer(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def checked_at(self) -> str: ...


class PrinterStates(Static):
    """One line per printer that is not ready; hidden when all are (or none reports)."""

    DEFAULT_CSS = """
    PrinterStates { height: auto; padding: 0 1; color: $text-warning;
                    background: $warning-muted; text-style: bold; display: none; }
    """

    class Loaded(Message):
        """The printers' states as a worker read them."""

        def __init__(self, states: Sequence[PrinterState]) -> None:
            super().__init__()
            self.states = states

    def __init__(self, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.seen: dict[str, str] = {}
        """The state each printer was last shown in: a toast only when it changes."""

    def show(self, states: Sequence[PrinterState]) -> None:
        """Show the printers that are not ready; toast each one newly so."""
        trouble = [s for s in states if s.state != "ready"]
        text = Text()
        for s in trouble:
            text.append(("\n" if text else "") + f"⚠ {s.message} ({s.checked_at[11:16]})")
            if self.seen.get(s.printer) != s.state:
                severity: SeverityLevel = "warning" if s.state == "paper-near-end" else "error"
                self.app.notify(s.message, title=_("Printer"), severity=severity, timeout=15)
        self.seen = {s.printer: s.state for s in states}
        self.display = bool(trouble)
        self.update(text)
