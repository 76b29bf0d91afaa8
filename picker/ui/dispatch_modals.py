"""The small modal screens of the routes and loading screens: a choice, what is missing, and
a shift lead's decision to send a truck with something left behind (and whether it is a
lead's); `decide_departure` leads both screens from a route's check to its departure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from picker.app.warehouse import Warehouse
from picker.domain.model import Role
from picker.domain.routing import OPEN_STATES, MissingStop, Route
from picker.domain.states import BagState
from picker.errors import Conflict
from picker.i18n import N_, _, _n
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


def departure_choices(route: Route) -> list[tuple[str, str]]:
    """The confirm before a truck with nothing left behind goes: `go` or `stay`."""
    go = _n(
        "Yes: {loaded} bag on board, nothing more loads",
        "Yes: {loaded} bags on board, nothing more loads",
        route.loaded,
        loaded=route.loaded,
    )
    return [("go", go), ("stay", _("No: go on loading"))]


def behind_list(stops: list[MissingStop], bags: bool = False) -> Text:
    """Per stop what stays behind, one line each; with `bags`, the bags under their stop."""
    text = Text()
    for s in stops:
        text.append(f"{s.stop_order}. {s.name}", style="bold")
        text.append(f"  {s.summary()}\n", style="yellow")
        for b in s.bags if bags else ():
            text.append(f"   {b.bag}  {b.address}")
            if b.status == BagState.OPEN:
                text.append("  " + _("still open"), style="yellow")
            text.append("\n")
        for problem in s.crates if bags else ():
            text.append(f"   {problem.message}\n", style="yellow")
    return text


class MissingScreen(ModalScreen[None]):
    """What stays behind per stop: bags to load, orders not packed, crates. Escape closes it."""

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
        text = behind_list(self.stops, bags=True)
        if not self.stops:
            text.append(_("Nothing stays behind: every bag is loaded, every order packed."))
        with Vertical(id="missing-box") as box:
            box.border_title = _("Still to load on {route}", route=self.route_name)
            box.border_subtitle = _("Esc closes")
            text.rstrip()
            yield Static(text, id="missing-list")


@dataclass(frozen=True, slots=True)
class DepartDecision:
    """A shift lead's reason to send a truck with something left behind; `lead` and `pin`
    when the lead identified on someone else's terminal (badge or code, and PIN)."""

    reason: str
    lead: str = ""
    pin: str = ""


class DepartScreen(ModalScreen[DepartDecision | None]):
    """Per stop what stays behind, and a shift lead's reason to go without it.

    With `ask_lead` (a driver is signed in) the lead also scans their badge or types their
    code, and the PIN. Enter goes to the next field, on the last one it decides; Escape
    leaves the truck where it is.
    """

    DEFAULT_CSS = """
    DepartScreen {
        align: center middle;
    }
    #depart-box {
        width: 72;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        padding: 0 1;
        border: round $warning;
        background: $surface;
    }
    #depart-behind {
        max-height: 10;
        overflow-y: auto;
    }
    #depart-error {
        color: $text-error;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        bind("escape", "cancel", N_("Cancel"), N_("The truck does not leave"), "depart.cancel")
    ]

    def __init__(self, route: str, stops: list[MissingStop], ask_lead: bool) -> None:
        super().__init__()
        localize_bindings(self)
        self.route_name = route
        self.stops = stops
        self.ask_lead = ask_lead

    def compose(self) -> ComposeResult:
        with Vertical(id="depart-box") as box:
            box.border_title = _("Depart {route}: a shift lead decides", route=self.route_name)
            box.border_subtitle = _("Enter confirms · Esc cancels")
            yield Label(_("Stays behind:"))
            behind = behind_list(self.stops)
            behind.rstrip()
            yield Static(behind, id="depart-behind")
            if self.ask_lead:
                yield Label(_("Shift lead: scan your badge or type your code"))
                yield Input(id="depart-lead", compact=True)
                yield Label(_("PIN"))
                yield Input(id="depart-pin", password=True, compact=True)
            yield Label(_("Why does the truck go without it? (kept on the route)"))
            yield Input(id="depart-reason", compact=True)
            yield Static(id="depart-error", markup=False)

    def on_mount(self) -> None:
        self.query(Input).first().focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        fields = list(self.query(Input))
        at = fields.index(event.input)
        if at + 1 < len(fields):
            fields[at + 1].focus()
            return
        reason = self.query_one("#depart-reason", Input).value.strip()
        lead = self.query_one("#depart-lead", Input).value.strip() if self.ask_lead else ""
        pin = self.query_one("#depart-pin", Input).value if self.ask_lead else ""
        if self.ask_lead and not lead:
            self._refuse(_("A shift lead decides: scan the lead's badge first."), "#depart-lead")
        elif not reason:
            self._refuse(_("Give the reason: it is kept on the route."), "#depart-reason")
        else:
            self.dismiss(DepartDecision(reason, lead, pin))

    def _refuse(self, text: str, field: str) -> None:
        self.query_one("#depart-error", Static).update(text)
        self.query_one(field, Input).focus()
        self.app.bell()

    def action_cancel(self) -> None:
        """Leave without departing."""
        self.dismiss(None)


def lead_code(warehouse: Warehouse, badge_or_code: str, pin: str) -> str:
    """The code of the shift lead with this badge or code and PIN, or a `Conflict` saying
    that only a lead decides. Checks the PIN (scrypt): call it off the UI thread."""
    who = warehouse.sign_in(badge_or_code, pin or None)
    if who.role is not Role.LEAD:
        raise Conflict(
            _(
                "{name} ({code}) is not a shift lead: only a shift lead decides.",
                name=who.name,
                code=who.code,
            )
        )
    return who.code


def decide_departure(
    app: App[Any],
    route: Route,
    behind: list[MissingStop],
    ask_lead: bool,
    depart: Callable[[DepartDecision | None], object],
    not_departed: Callable[[], None] = lambda: None,
) -> None:
    """Send `route`'s truck off: at once when it has gone already (`depart` says since when),
    after a confirm when nothing stays behind, else once a shift lead gave the reason
    (`ask_lead`: no lead is signed in here, one scans their badge). `not_departed` when the
    lead's decision is cancelled."""
    if route.status not in OPEN_STATES:
        depart(None)
        return
    if not behind:

        def chosen(choice: str | None) -> None:
            if choice == "go":
                depart(None)

        title = _("Depart {route} now?", route=route.name)
        app.push_screen(ChoiceScreen(title, departure_choices(route)), chosen)
        return

    def decided(decision: DepartDecision | None) -> None:
        if decision is not None:
            depart(decision)
        else:
            not_departed()

    app.push_screen(DepartScreen(route.name, behind, ask_lead=ask_lead), decided)
