"""A driver's home: the day's routes, the driver's own first; Enter loads the highlighted one.

The day's routes are planned from the committees' configuration the first time anyone asks
(as `picker routes` does). The list follows other terminals through the data version, like
the batch board. The loading screen (`picker.ui.load`) is where the truck is sent off.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static
from textual.worker import Worker

from picker.app.warehouse import Warehouse
from picker.domain.auth import SignedIn
from picker.domain.routing import Route
from picker.errors import PickerError
from picker.i18n import N_, _
from picker.ui import localize_bindings
from picker.ui.live import VersionWatch
from picker.ui.route_table import ROUTE_COLUMNS, route_cells
from picker.ui.widgets import LiveTable, MessageLine, bind


class DockScreen(Screen[None]):
    """The day's routes for a driver (or loader) at the dock."""

    CSS_PATH = "dock.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "load", N_("Load"), priority=True, id="dock.load",
                tooltip=N_("Scan bags onto the highlighted route's truck")),
        bind("r", "refresh", N_("Refresh"), N_("Read the routes again now"), "dock.refresh",
             show=False),
    ]  # fmt: skip

    class RoutesLoaded(Message):
        """A worker read the day's routes."""

        def __init__(self, routes: list[Route]) -> None:
            super().__init__()
            self.routes = routes

    def __init__(self, warehouse: Warehouse, operator: SignedIn, terminal: str) -> None:
        super().__init__()
        localize_bindings(self)
        self.warehouse = warehouse
        self.operator = operator
        self.terminal = terminal
        self.routes: list[Route] = []
        """The day's routes as last read, the driver's first."""
        self.loaded = False
        self._watch = VersionWatch()
        self._reading: Worker[None] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(_("Loading…"), id="mine", markup=False)
        yield LiveTable(ROUTE_COLUMNS, id="dock-routes")
        yield MessageLine()
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(LiveTable).focus()
        self._reading = self._read(plan=True, force=True)
        self.set_interval(self.warehouse.settings.refresh_seconds, self.refresh_routes)

    def on_screen_resume(self) -> None:
        """Back from loading: read the routes again."""
        if self.loaded:
            self.refresh_routes(force=True)

    def refresh_routes(self, force: bool = False) -> None:
        """Read the routes in a worker; unless `force`, only if someone committed."""
        if force or (self.is_current and (self._reading is None or self._reading.is_finished)):
            self._reading = self._read(plan=False, force=force)

    @work(thread=True, exit_on_error=False, group="dock-read")
    def _read(self, plan: bool, force: bool) -> None:
        wh = self.warehouse
        if plan:
            wh.plan_routes()
        if self._watch.changed(wh.data_version()) or force:
            self.post_message(self.RoutesLoaded(wh.routes()))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failed read is a red line; the timer tries again."""
        if event.worker.group == "dock-read" and event.worker.error is not None:
            error = event.worker.error
            text = error.message if isinstance(error, PickerError) else str(error)
            text = _("Cannot read the warehouse: {error}", error=text)
            if self.query_one(MessageLine).text != text:
                self.query_one(MessageLine).error(text)

    @on(RoutesLoaded)
    def _loaded(self, message: RoutesLoaded) -> None:
        me = self.operator.code
        self.routes = sorted(message.routes, key=lambda r: r.driver != me)  # stable
        self.query_one(LiveTable).show({r.id: route_cells(r) for r in self.routes})
        self.loaded = True
        self.query_one("#mine", Static).update(self._banner())

    def _banner(self) -> str:
        mine = [r for r in self.routes if r.driver == self.operator.code]
        if mine:
            r = mine[0]
            return _(
                "Your route {route} (truck {truck}): {loaded}/{total} bags loaded. Enter to load.",
                route=r.name,
                truck=r.truck or "-",
                loaded=r.loaded,
                total=r.total,
            )
        if self.routes:
            return _(
                "No route is assigned to you today: ask the shift lead."
                " Enter loads the highlighted route."
            )
        return _("No routes today yet: the shift lead plans them.")

    def selected(self) -> Route | None:
        """The highlighted route."""
        key = self.query_one(LiveTable).selected_key()
        return next((r for r in self.routes if r.id == key), None)

    def action_load(self) -> None:
        """The loading screen of the highlighted route."""
        from picker.ui.load import LoadScreen

        route = self.selected()
        if route is None:
            self.query_one(MessageLine).error(_("No route to load."))
            return
        self.app.push_screen(
            LoadScreen(self.warehouse, route.id, self.operator.code, self.terminal)
        )

    def action_refresh(self) -> None:
        """Read the routes now."""
        self.refresh_routes(force=True)
