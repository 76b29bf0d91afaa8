"""Pending import rejects as `FILE:LINE: reason`: what the shift lead has to chase."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static

from picker.domain.importing import describe
from picker.domain.model import Reject
from picker.i18n import N_, _
from picker.ui import localize_bindings


class RejectsScreen(ModalScreen[None]):
    """Pending import rejects as `FILE:LINE: reason`, oldest first."""

    CSS_PATH = "rejects.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,j,q", "dismiss", N_("Close"), id="rejects.close")
    ]

    def __init__(self, rejects: Sequence[Reject], truncated: bool = False) -> None:
        super().__init__()
        localize_bindings(self)
        self.rejects = list(rejects)
        self.truncated = truncated

    def compose(self) -> ComposeResult:
        count = f"{len(self.rejects)}+" if self.truncated else str(len(self.rejects))
        with Vertical(id="rejects") as box:
            box.border_title = _("Pending import rejects ({count})", count=count)
            box.border_subtitle = _("Esc closes")
            if self.rejects:
                yield OptionList(*(describe(r) for r in self.rejects))
            else:
                yield Static(_("No pending import rejects."))
