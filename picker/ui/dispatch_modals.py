"""The small modal screens of the routes and loading screens: a choice, the missing bags."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from picker.i18n import N_, _
from picker.routing import MissingStop
from picker.ui import localize_bindings
from picker.ui.widgets import bind


class ChoiceScreen(ModalScreen[str | None]):
    """Pick one of a few values (a route, a driver); Escape picks none."""

    DEFAULT_CSS = """
    ChoiceScreen {
        align: center middle;
    }
    #choice-box {
        width: 48;
        max-width: 100%;
        height: auto;
        max-height: 80%;
        padding: 0 1;
        border: round $primary;
        background: $surface;
    }
    #choice-box OptionList {
        height: auto;
        max-height: 20;
        border: none;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        bind("escape", "cancel", N_("Cancel"), N_("Close without choosing"), "choice.cancel")
    ]

    def __init__(self, title: str, choices: list[tuple[str, str]]) -> None:
        super().__init__()
        localize_bindings(self)
        self.choice_title = title
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(id="choice-box") as box:
            box.border_title = self.choice_title
            box.border_subtitle = _("Enter confirms · Esc cancels")
            yield OptionList(*(Option(label, id=value) for value, label in self.choices))

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        """Close without a choice."""
        self.dismiss(None)


class MissingScreen(ModalScreen[None]):
    """The bags still to load, per stop. Escape closes it."""

    DEFAULT_CSS = """
    MissingScreen {
        align: center middle;
    }
    #missing-box {
        width: 64;
        max-width: 100%;
        height: auto;
        max-height: 90%;
        padding: 0 1;
        border: round $warning;
        background: $surface;
        overflow-y: auto;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        bind("escape,f6,q", "dismiss", N_("Close"), N_("Back to loading"), "missing.close")
    ]

    def __init__(self, route: str, stops: list[MissingStop]) -> None:
        super().__init__()
        localize_bindings(self)
        self.route_name = route
        self.stops = stops

    def compose(self) -> ComposeResult:
        text = Text()
        for s in self.stops:
            text.append(f"{s.stop_order}. {s.name} ({len(s.bags)})\n", style="bold")
            for b in s.bags:
                text.append(f"   {b.bag}  {b.address}")
                if b.status == "open":
                    text.append("  " + _("still open"), style="yellow")
                text.append("\n")
        if not self.stops:
            text.append(_("Every bag is loaded."))
        with Vertical(id="missing-box") as box:
            box.border_title = _("Still to load on {route}", route=self.route_name)
            box.border_subtitle = _("Esc closes")
            text.rstrip()
            yield Static(text, id="missing-list")
