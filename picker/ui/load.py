"""The loading screen: scan bag labels onto a route's truck at the dock.

Loaded / expected bags of the route in big digits, the stops with theirs, and one result
line: green with the bag's stop, or red with the reason and the bell (another route's bag,
a second scan, an unknown or open bag). Codes go through the ordered scan lane of
`ScanScreen`, so a burst from the scanner is applied in order, off the UI thread.

F4 arms "take off" for the next bag scanned: it comes back off the truck (`unload`), e.g. an
order that must stay behind whole; after that one bag the screen loads again (F4 or Esc
before it: back to loading). The key is ordered with the codes in the scan field, so in a
burst exactly the code after it comes off.

F8 sends the truck off (`depart`) once confirmed. When anything stays behind (bags, orders
not packed, crates) a shift lead decides, giving the reason, which is kept on the route: the
lead signed in here, or one who comes to the dock and scans their badge (with the PIN).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable, Digits, Footer, Header, ProgressBar, Static
from textual.worker import Worker, WorkerState

from picker.app.loading import LoadResult, LoadSession
from picker.app.warehouse import Warehouse
from picker.domain.auth import SignedIn
from picker.domain.model import Role
from picker.domain.routing import MissingStop, Route
from picker.errors import PickerError
from picker.i18n import N_, _
from picker.ui import localize_bindings
from picker.ui.dispatch_modals import DepartDecision, MissingScreen, decide_departure, lead_code
from picker.ui.load_text import UNLOAD, departure_text, load_line, route_info, take_off_line
from picker.ui.route_table import LOAD_STOP_COLUMNS, load_stop_cells
from picker.ui.scan_input import ScanInput
from picker.ui.scan_jobs import TakeOffJob
from picker.ui.scan_screen import ScanScreen, fkey
from picker.ui.widgets import hide_from_footer, refusal_text

if TYPE_CHECKING:
    from picker.domain.scan_outcomes import ScanResult


class LoadScreen(ScanScreen[Route, LoadSession]):
    """Load one route's truck: scan every bag label; wrong bags are refused with a reason."""

    CSS_PATH = "load.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        fkey("f4", "take_off", N_("Take off"),
             N_("The next bag scanned comes off the truck (again: go on loading)"),
             "load.take_off"),
        fkey("f5", "refresh", N_("Refresh"), N_("Read the route again"), "load.refresh"),
        fkey("f6", "missing", N_("Missing"), N_("List the bags still to load"), "load.missing"),
        fkey("f8", "depart", N_("Depart"), N_("The truck leaves: mark the route departed"),
             "load.depart"),
        fkey("escape", "back", N_("Back"), N_("Leave the dock screen (taking off: load again)"),
             "load.back"),
    ]  # fmt: skip

    taking_off: reactive[bool] = reactive(False, bindings=True, init=False)
    """The next bag scanned comes off the truck instead of going on."""

    class MissingRead(Message, bubble=False):
        def __init__(self, stops: list[MissingStop]) -> None:
            super().__init__()
            self.stops = stops

    class RouteChecked(Message, bubble=False):
        """The route as it is when F8 was pressed, with what would stay behind (`departed`:
        after `depart`)."""

        def __init__(
            self, route: Route, behind: list[MissingStop] | None = None, departed: bool = False
        ) -> None:
            super().__init__()
            self.route = route
            self.behind = behind or []
            self.departed = departed

    def __init__(self, warehouse: Warehouse, route: str, operator: str, terminal: str = "") -> None:
        """Reads nothing: the scan lane opens the session (an unknown route or operator is a
        red line)."""
        super().__init__()
        localize_bindings(self)
        # The route is read again after every scan: F5 stays (F1 lists it) but leaves the
        # footer to F4: with a compact footer F10 still shows at 80 columns in English.
        hide_from_footer(self, ("load.refresh",))
        self.warehouse = warehouse
        self.route_ref, self.operator_code, self.terminal = route, operator, terminal
        self.route_name = route
        """The route's name once read (until then, as it was asked for)."""
        self.operator: SignedIn | None = None
        """Who scans, read with the session: a shift lead may send a truck off with bags
        missing."""
        self.view: Route | None = None
        """The route as last read."""

    def open_session(self) -> LoadSession:
        wh, code = self.warehouse, self.operator_code
        session = wh.load_session(self.route_ref, code, self.terminal)
        self.operator = SignedIn(code, *wh.operator(code))
        return session

    def disconnect(self) -> None:
        self.warehouse.close()  # the lane thread's connection, session open or not

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="load-top"):
            yield Static(_("Loading…"), id="route-info", markup=False)
            yield Digits(id="loaded-count")
            yield Static("  ╱\n ╱\n╱", id="slash")
            yield Digits(id="total-count")
        yield Static(id="result", markup=False)
        yield ProgressBar(id="bar", show_eta=False, show_percentage=True)
        yield DataTable(id="stops", cursor_type="row", zebra_stripes=True)
        ordered = frozenset({"take_off", "back"})
        yield ScanInput(placeholder=_("Scan a bag label"), id="scan", ordered_actions=ordered)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = _("Loading {route}", route=self.route_name)
        table = self.query_one("#stops", DataTable)
        table.can_focus = False  # the scan field keeps the keys
        for key, label in LOAD_STOP_COLUMNS:
            table.add_column(_(label), key=key)

    def load_view(self) -> Route:
        return self.session.route()

    def show_view(self, view: Route) -> None:
        self.view = view
        if view.name != self.route_name:
            self.route_name = view.name
            self.watch_taking_off(self.taking_off)  # the title names the route
        self.query_one("#route-info", Static).update(route_info(view))
        self.query_one("#loaded-count", Digits).update(str(view.loaded))
        self.query_one("#total-count", Digits).update(str(view.total))
        self.query_one("#bar", ProgressBar).update(total=max(view.total, 1), progress=view.loaded)
        table = self.query_one("#stops", DataTable)
        table.clear()
        for s in view.stops:
            table.add_row(*load_stop_cells(s), key=s.committee)

    def job_for(self, code: str) -> object:
        """The code after F4 is taken off the truck; the one after that loads again."""
        if not self.taking_off:
            return code
        self.taking_off = False
        return TakeOffJob(code)

    def apply(self, job: object) -> ScanResult:
        if isinstance(job, TakeOffJob):
            return replace(self.session.unload(job.code), kind=UNLOAD)
        return super().apply(job)

    def action_take_off(self) -> None:
        """Arm (or disarm) taking the next bag scanned off the truck."""
        self.taking_off = not self.taking_off
        if self.taking_off:
            text = _("Take off: the next bag scanned comes off the truck (F4 or Esc: cancel)")
            self._mode_line("▼ " + text, armed=True)
        else:
            self._mode_line(_("Loading again: the next bag goes on the truck"))

    def watch_taking_off(self, taking_off: bool) -> None:
        self.set_class(taking_off, "-taking-off")
        route = self.route_name
        scan = self.query_one("#scan", ScanInput)
        if taking_off:
            self.sub_title = _("Taking a bag off {route}", route=route)
            scan.placeholder = _("Scan the bag to take off the truck")
        else:
            self.sub_title = _("Loading {route}", route=route)
            scan.placeholder = _("Scan a bag label")

    def _mode_line(self, text: str, armed: bool = False) -> None:
        """The result line saying which way the next bag goes (neither green nor red)."""
        line = self.query_one("#result", Static)
        line.remove_class("-accepted", "-rejected")
        line.set_class(armed, "-armed")
        line.update(text)

    def describe(self, result: ScanResult) -> str:
        if not isinstance(result, LoadResult):
            return result.message
        if result.kind == UNLOAD:
            return take_off_line(result)
        return load_line(result)

    def action_refresh(self) -> None:
        """Read the route again."""
        self._read_missing(show=False)

    def action_missing(self) -> None:
        """The bags still to load, per stop."""
        self._read_missing(show=True)

    @work(thread=True, exit_on_error=False, group="load-read")
    def _read_missing(self, show: bool) -> None:
        if show:
            self.post_message(self.MissingRead(self.warehouse.missing(self.session.route_id)))
        else:
            self.post_message(self.ViewLoaded(self.session.route()))
        self.warehouse.close()  # a pool thread: do not keep its connection

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failed read or a refused departure is a red line and the bell; scanning goes on."""
        group = event.worker.group
        if group in ("load-read", "load-depart") and event.state == WorkerState.ERROR:
            error = event.worker.error
            text = error.message if isinstance(error, PickerError) else str(error)
            if group == "load-read" or not isinstance(error, PickerError):
                text = _("Cannot read the warehouse: {error}", error=text)
            self.show_failure(text)
            self.app.bell()

    def action_depart(self) -> None:
        """Send the truck off: confirm, or (something stays behind) a shift lead decides."""
        self._check_departure()

    @work(thread=True, exit_on_error=False, group="load-depart")
    def _check_departure(self) -> None:
        try:
            route = self.session.route()
            self.post_message(self.RouteChecked(route, self.warehouse.missing(route.id)))
        finally:
            self.warehouse.close()  # a pool thread: do not keep its connection

    @work(thread=True, exit_on_error=False, group="load-depart")
    def _depart(self, decision: DepartDecision | None) -> None:
        wh = self.warehouse
        try:
            operator, reason = self.session.operator, None
            if decision is not None:
                reason = decision.reason
                if decision.lead:
                    operator = lead_code(wh, decision.lead, decision.pin)
            route = wh.depart(self.session.route_id, operator, reason)
            self.post_message(self.RouteChecked(route, departed=True))
        finally:
            wh.close()  # a pool thread: do not keep its connection

    @on(RouteChecked)
    def _route_checked(self, message: RouteChecked) -> None:
        route = message.route
        self.show_view(route)
        if message.departed:
            self._result_line(True, departure_text(route))
            return
        who = self.operator  # read with the session, which F8 waits for
        lead_here = who is not None and who.role is Role.LEAD
        decide_departure(
            self.app, route, message.behind, not lead_here, self._depart, self._not_departed
        )

    def _not_departed(self) -> None:
        """Something stays behind and no shift lead decided: a red line and the bell."""
        refusal = _("Not departed: something stays behind and a shift lead decides.")
        if self.operator is not None and self.operator.role is not Role.LEAD:
            refusal = refusal_text(self.operator, refusal)
        self.show_failure(refusal)
        self.app.bell()

    @on(MissingRead)
    def _missing_read(self, message: MissingRead) -> None:
        self.app.push_screen(MissingScreen(self.route_name, message.stops))

    def action_back(self) -> None:
        """Back to loading when taking off; else leave the dock screen (loaded stays loaded)."""
        if self.taking_off:
            self.action_take_off()
            return
        self.dismiss()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            return self.taking_off or len(self.app.screen_stack) > 1
        if action in ("refresh", "missing", "depart"):
            return self.session_open or None  # shown, dimmed, until the session is open
        return True
