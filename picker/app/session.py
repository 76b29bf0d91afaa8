"""What every scanning session offers the screens: pick and pack (`picker.app.sessions`),
loading (`picker.app.loading`) and crating (`picker.app.crate_session`).

A screen's scan lane (`picker.ui.scan_input.ScanScreen`) needs no more than this: apply a
code, read the catalog for units and names, find the terminal's devices, and close the
lane thread's connection when it ends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from picker.app.config import Settings
    from picker.domain.model import Catalog
    from picker.domain.scan_outcomes import ScanResult


class Session(Protocol):
    """One operator scanning on one terminal; every call uses the calling thread's
    connection."""

    operator: str
    terminal: str
    catalog: Catalog

    @property
    def settings(self) -> Settings: ...

    def scan(self, raw: str) -> ScanResult:
        """Apply one scanned (or typed) code. Never raises for a bad code: it is rejected."""
        ...

    def disconnect(self) -> None:
        """Close the calling thread's connection (the lane's thread ends)."""
        ...
