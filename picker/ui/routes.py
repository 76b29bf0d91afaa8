"""The shift lead's routes screen: the day's trucks and their stops, arranged with keys.

The routes on the left, the stops of the highlighted route on the right; the arrows choose
the route, Enter (or Tab) hands them to its stops, and every route key acts on the route
whose stops are shown. A stop moves up or down its route, or onto another route; a route
gets its driver and truck; a truck can be added. Every change is a use case run in a
thread worker; the screen then reads the day again. The day's routes are planned from the
committees' configuration on first open.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header
from textual.worker import Worker, WorkerState

from picker.app.warehouse import Warehouse
from picker.domain.routing import Route
from picker.errors import PickerError
from picker.i18n import N_, _
from picker.ui import localize_bindings
from picker.ui.dispatch_modals import ChoiceScreen
from picker.ui.route_table import ROUTE_COLUMNS, STOP_COLUMNS, route_cells, stop_note
from picker.ui.widgets import LiveTable, MessageLine, PromptScreen, bind


class RoutesScreen(Screen[None]):
    """Arrange the day's routes: stop order, which route a committee is on, driver, truck."""

    CSS_PATH = "routes.tcss"
    #: Under 110 columns the stops stand under the routes, so that every header shows.
    HORIZONTAL_BREAKPOINTS = [  # noqa: RUF012 (an instance attribute of Textual's Screen)
        (0, "-narrow"),
        (110, "-wide"),
    ]
    BINDINGS: ClassVar[list[BindingType]] = [
        bind(
            "shift+up,minus",
            "stop_up",
            N_("Stop up"),
            N_("Visit this stop earlier"),
            "routes.stop_up",
        ),
        bind(
            "shift+down,plus",
            "stop_down",
            N_("Stop down"),
            N_("Visit this stop later"),
            "routes.stop_down",
        ),
        bind(
            "m", "move", N_("Other route"), N_("Put this committee on another route"), "routes.move"
        ),
        bind("[", "route(-1)", N_("Previous route"), N_("Show the route above"), "routes.prev"),
        bind("]", "route(1)", N_("Next route"), N_("Show the route below"), "routes.next"),
        bind("v", "driver", N_("Driver"), N_("Set the driver of this route"), "routes.driver"),
        bind("t", "truck", N_("Truck"), N_("Set the truck of this route"), "routes.truck"),
        bind("a", "add", N_("Add route"), N_("One more truck today"), "routes.add"),
        bind("r", "refresh", N_("Refresh"), N_("Read the routes again"), "routes.refresh"),
        bind("escape", "back", N_("Back"), N_("Back to the previous screen"), "routes.back"),
    ]

    class RoutesLoaded(Message, bubble=False):
        """A worker read the day's routes, after the change that said `done`; `focus` and
        `stop` are the route and the stop to highlight."""

        def __init__(self, routes: list[Route], focus: str | None, stop: str | None, done: str):
            super().__init__()
            self.routes = routes
            self.route_key = focus
            self.stop_key = stop
            self.done = done

    def __init__(self, warehouse: Warehouse) -> None:
        super().__init__()
        localize_bindings(self)
        self.warehouse = warehouse
        self.routes: list[Route] = []
        """The day's routes as last read."""

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="tables"):
            yield LiveTable(ROUTE_COLUMNS, id="routes")
            yield LiveTable(STOP_COLUMNS, id="stops")
        yield MessageLine()
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = _("Routes")
        # The arrows choose the route first: with the stops focused, ↓ looked like choosing
        # the next route while `l` and `d` still acted on the first.
        self.query_one("#routes", DataTable).focus()
        self._run(self.warehouse.plan_routes)

    @property
    def route(self) -> Route | None:
        """The highlighted route."""
        key = self.query_one("#routes", LiveTable).selected_key()
        return next((r for r in self.routes if r.id == key), None)

    @property
    def committee(self) -> str | None:
        """The highlighted stop's committee code."""
        return self.query_one("#stops", LiveTable).selected_key()

    @work(thread=True, exit_on_error=False, group="routes")
    def _run(
        self,
        change: Callable[[], Any],
        focus: str | None = None,
        stop: str | None = None,
        done: str = "",
    ) -> None:
        """Apply a change (a use case), then read the day's routes again."""
        change()
        self.post_message(self.RoutesLoaded(self.warehouse.routes(), focus, stop, done))

    @on(RoutesLoaded)
    def _loaded(self, message: RoutesLoaded) -> None:
        self.routes = message.routes
        table = self.query_one("#routes", LiveTable)
        table.show({r.id: route_cells(r) for r in self.routes})
        if message.route_key:
            keys = [r.id for r in self.routes]
            if message.route_key in keys:
                table.move_cursor(row=keys.index(message.route_key), animate=False)
        self._show_stops(message.stop_key)
        if message.done:
            self.query_one(MessageLine).ok(message.done)

    @on(DataTable.RowHighlighted, "#routes")
    def _route_highlighted(self) -> None:
        self._show_stops()

    @on(DataTable.RowSelected, "#routes")
    def _route_chosen(self) -> None:
        """Enter on a route: its stops (shown beside it) take the arrows, to arrange them."""
        self.query_one("#stops", DataTable).focus()

    def _show_stops(self, committee: str | None = None) -> None:
        route = self.route
        stops = self.query_one("#stops", LiveTable)
        stops.border_title = route.name if route else ""
        stops.show(
            {
                s.committee: (
                    str(s.stop_order),
                    s.name,
                    s.address,
                    f"{s.loaded}/{s.total}",
                    stop_note(s.missing, s.open_bags, s.unpacked, s.unbatched),
                )
                for s in (route.stops if route else ())
            }
        )
        if committee and route:
            codes = [s.committee for s in route.stops]
            if committee in codes:
                stops.move_cursor(row=codes.index(committee), animate=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A refused change is a red line and the bell; the routes are read again."""
        if event.worker.group != "routes" or event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        text = error.message if isinstance(error, PickerError) else str(error)
        self.query_one(MessageLine).error(text)
        self._run(lambda: None, self.route.id if self.route else None)

    def _change(self, change: Callable[[], Any], done: str, stop: str | None = None) -> None:
        """Run a use case for the highlighted route; `stop` stays highlighted after."""
        self._run(change, self.route.id if self.route else None, stop, done)

    def _stop_move(self, delta: int) -> None:
        route, code = self.route, self.committee
        if route is None or code is None:
            return
        stop = next(s for s in route.stops if s.committee == code)
        target = stop.stop_order + delta
        if not 1 <= target <= len(route.stops):
            return
        self._change(
            lambda: self.warehouse.move_stop(route.id, code, target),
            _("{committee} is stop {n} now", committee=stop.name, n=target),
            code,
        )

    def action_route(self, delta: int) -> None:
        """Highlight another route; the stops table keeps the keys."""
        table = self.query_one("#routes", LiveTable)
        if table.row_count:
            table.move_cursor(row=max(0, min(table.cursor_row + delta, table.row_count - 1)))

    def action_stop_up(self) -> None:
        """The highlighted stop one place earlier."""
        self._stop_move(-1)

    def action_stop_down(self) -> None:
        """The highlighted stop one place later."""
        self._stop_move(+1)

    def action_move(self) -> None:
        """Put the highlighted committee on another of the day's routes (as its last stop)."""
        route, code = self.route, self.committee
        if route is None or code is None:
            return
        others = [(r.id, f"{r.name}  {route_cells(r)[1]}") for r in self.routes if r.id != route.id]
        name = next(s.name for s in route.stops if s.committee == code)

        def chosen(target: str | None) -> None:
            if target:
                other = next(r for r in self.routes if r.id == target)
                self._change(
                    lambda: self.warehouse.assign(code, target),
                    _("{committee} is on {route} now", committee=name, route=other.name),
                )

        self.app.push_screen(ChoiceScreen(_("Move {committee} to", committee=name), others), chosen)

    def action_driver(self) -> None:
        """Choose the highlighted route's driver (or none)."""
        route = self.route
        if route is None:
            return
        self._ask_driver(route)

    @work(thread=True, exit_on_error=False, group="routes")
    def _ask_driver(self, route: Route) -> None:
        drivers = self.warehouse.drivers()
        choices = [("-", _("(no driver)")), *((c, f"{name} ({c})") for c, name in drivers)]

        def chosen(code: str | None) -> None:
            if code:
                self._change(
                    lambda: self.warehouse.set_route(route.id, driver="" if code == "-" else code),
                    _("{route}: driver set", route=route.name),
                )

        self.app.call_from_thread(
            self.app.push_screen,
            ChoiceScreen(_("Driver of {route}", route=route.name), choices),
            chosen,
        )

    def action_truck(self) -> None:
        """Type the highlighted route's truck (plate number)."""
        route = self.route
        if route is None:
            return

        def typed(value: str | None) -> None:
            if value is not None:
                self._change(
                    lambda: self.warehouse.set_route(route.id, truck=value),
                    _("{route}: truck {truck}", route=route.name, truck=value),
                )

        self.app.push_screen(
            PromptScreen(_("Truck of {route}", route=route.name), _("Plate number"), route.truck),
            typed,
        )

    def action_add(self) -> None:
        """One more route today, named as typed."""

        def typed(name: str | None) -> None:
            if name:
                self._change(
                    lambda: self.warehouse.add_route(name), _("Route {route} added", route=name)
                )

        self.app.push_screen(PromptScreen(_("Add route"), _("Route name")), typed)

    def action_refresh(self) -> None:
        """Read the day's routes again."""
        self._run(lambda: None, self.route.id if self.route else None)

    def action_back(self) -> None:
        """Back to the screen underneath."""
        self.dismiss()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            return len(self.app.screen_stack) > 1
        return True
