"""The short-reason picker: which of 缺货 / 破损 / 找不到 / 质量 stops a line.

The scan field keeps the keys while the modal is open, so a scanner that fires by mistake
cannot choose a reason with the digits of a barcode: a reason is chosen with ↑/↓ and Enter,
or its number and Enter. Any other code ends the modal and goes on to the pick screen as a
scan, so it is not lost either.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from picker.domain.shortage import SHORT_REASON_LABELS, ShortReason
from picker.i18n import N_, _
from picker.ui import localize_bindings
from picker.ui.scan_input import ScanInput

REASONS = tuple(ShortReason)


class ShortReasonScreen(ModalScreen[ShortReason | str | None]):
    """Dismisses with the chosen reason, None when cancelled, or a code scanned meanwhile."""

    CSS_PATH = "pick.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", N_("Cancel"), id="short.cancel"),
        Binding("up", "move(-1)", N_("Previous reason"), show=False, id="short.up"),
        Binding("down", "move(1)", N_("Next reason"), show=False, id="short.down"),
    ]

    def __init__(self, product: str, remaining: str) -> None:
        super().__init__()
        localize_bindings(self)
        self.product = product
        self.remaining = remaining

    def compose(self) -> ComposeResult:
        with Vertical(id="short-box") as box:
            box.border_title = _("Short: {product}", product=self.product)
            box.border_subtitle = _("Enter chooses · Esc cancels")
            yield Static(
                _("{remaining} not picked will be short.", remaining=self.remaining),
                id="short-what",
            )
            options = OptionList(
                *(
                    Option(f"{i}  {_(SHORT_REASON_LABELS[r])}", id=r.value)
                    for i, r in enumerate(REASONS, 1)
                ),
                id="short-reasons",
            )
            options.can_focus = False
            options.highlighted = 0
            yield options
            yield ScanInput(placeholder=_("number + Enter, or ↑ ↓ Enter"), id="short-scan")

    def on_mount(self) -> None:
        self.query_one("#short-scan", ScanInput).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_move(self, step: int) -> None:
        """Highlight the previous or next reason."""
        options = self.query_one("#short-reasons", OptionList)
        options.highlighted = ((options.highlighted or 0) + step) % len(REASONS)

    @on(ScanInput.BlankEntered)
    def _chosen(self) -> None:
        self.dismiss(REASONS[self.query_one("#short-reasons", OptionList).highlighted or 0])

    @on(ScanInput.Scanned)
    def _typed(self, message: ScanInput.Scanned) -> None:
        message.stop()
        code = message.code.strip()
        if code.isdigit() and 1 <= int(code) <= len(REASONS):
            self.dismiss(REASONS[int(code) - 1])
        else:
            self.dismiss(message.code)

    @on(OptionList.OptionSelected)
    def _clicked(self, message: OptionList.OptionSelected) -> None:
        self.dismiss(REASONS[message.option_index])
