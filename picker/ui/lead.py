"""The shift lead's ways from the dashboard into dispatch and the accounts.

`LeadKeys` is mixed into `DashboardScreen` (its `LEAD_BINDINGS` are spliced into the
dashboard's): the day's routes, the settlement, the KPIs, proof of delivery from a photo
of a signed manifest, and the feeds' open exceptions to close. Each is refused to anyone
but a shift lead with the usual red line.
`LeadRoutesScreen` is the routes screen with two more keys: load the highlighted route, and
send its truck off; when anything stays behind the lead sees it per stop and gives the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer

from picker.app.warehouse import Warehouse
from picker.domain.auth import SignedIn
from picker.domain.routing import MissingStop, Route
from picker.errors import InputError
from picker.i18n import N_, _
from picker.ui.dispatch_modals import DepartDecision, decide_departure
from picker.ui.routes import RoutesScreen
from picker.ui.widgets import PromptScreen, RowsFooter, bind, require_lead

if TYPE_CHECKING:
    from textual.app import App

    from picker.app.pod_results import PodResult

LEAD_BINDINGS: list[BindingType] = [
    bind("t", "routes", N_("Routes"), N_("Arrange the day's routes: stops, trucks, drivers"),
         "dash.routes"),
    bind("a", "settlement", N_("Settle"), N_("Settlement per committee, and the audit"),
         "dash.settlement"),
    bind("k", "stats", N_("KPIs"), N_("Picking KPIs from the scan log"), "dash.stats"),
    bind("d", "pod", N_("POD"), N_("Proof of delivery: read a photo of a signed manifest"),
         "dash.pod"),
    bind("e", "exceptions", N_("Exceptions"),
         N_("Open exceptions (pull a bag, do not pack, refunds): close them"), "dash.exceptions"),
]  # fmt: skip


def pod_outcome(results: list[PodResult]) -> str:
    """One line for the photo's results; an `InputError` when it proved nothing (red)."""
    # The message names the photo by its full path; its file name says enough on one line.
    text = " · ".join(r.message.replace(r.path, Path(r.path).name) for r in results)
    if not results or not all(r.ok for r in results):
        raise InputError(text)
    return text


class LeadKeys:
    """The dashboard's keys to routes, settlement, KPIs, proof of delivery, exceptions."""

    if TYPE_CHECKING:
        warehouse: Warehouse
        operator: SignedIn
        terminal: str
        app: App[Any]

        def _run(self, job: Callable[[], str]) -> None: ...

    def _lead(self) -> bool:
        screen = cast("Screen[Any]", self)
        return require_lead(screen, self.operator, _("Only a shift lead can do this."))

    def action_routes(self) -> None:
        """The day's routes: arrange stops, trucks and drivers; load a route."""
        if self._lead():
            self.app.push_screen(LeadRoutesScreen(self.warehouse, self.operator, self.terminal))

    def action_settlement(self) -> None:
        """Settlement per committee (按居委分账) and the 漏单 audit."""
        from picker.ui.settlement import SettlementScreen

        if self._lead():
            self.app.push_screen(SettlementScreen(self.warehouse))

    def action_stats(self) -> None:
        """KPIs from the scan log."""
        from picker.ui.stats import StatsScreen

        if self._lead():
            self.app.push_screen(StatsScreen(self.warehouse))

    def action_exceptions(self) -> None:
        """The open exceptions; the lead closes them in their own name."""
        from picker.ui.exceptions import ExceptionsScreen

        if self._lead():
            self.app.push_screen(ExceptionsScreen(self.warehouse, self.operator))

    def action_pod(self) -> None:
        """Ask for the photo of a signed manifest and mark that manifest delivered."""
        if not self._lead():
            return
        wh = self.warehouse

        def chosen(path: str | None) -> None:
            if path:
                photo = Path(path).expanduser()
                self._run(lambda: pod_outcome(wh.proof_of_delivery([photo])))

        self.app.push_screen(
            PromptScreen(_("Proof of delivery"), _("Photo of the signed manifest (file path):")),
            chosen,
        )


class LeadRoutesScreen(RoutesScreen):
    """The routes screen as a shift lead opens it: `l` loads the highlighted route."""

    BINDINGS: ClassVar[list[BindingType]] = [
        bind("l", "load", N_("Load"), N_("Scan bags onto this route's truck"), "routes.load"),
        bind("d", "depart", N_("Depart"), N_("The truck leaves: mark the route departed"),
             "routes.depart"),
    ]  # fmt: skip

    class DepartChecked(Message, bubble=False):
        """What would stay behind if the route's truck left now."""

        def __init__(self, route: Route, behind: list[MissingStop]) -> None:
            super().__init__()
            self.route = route
            self.behind = behind

    def __init__(self, warehouse: Warehouse, operator: SignedIn, terminal: str) -> None:
        super().__init__(warehouse)
        self.operator = operator
        self.terminal = terminal

    def compose(self) -> ComposeResult:
        # Twelve keys and help: three rows of them at 80 columns.
        for widget in super().compose():
            yield RowsFooter(3) if isinstance(widget, Footer) else widget

    def action_load(self) -> None:
        """The loading screen of the highlighted route."""
        from picker.ui.load import LoadScreen

        route = self.route
        if route is None:
            return
        self.app.push_screen(
            LoadScreen(self.warehouse, route.id, self.operator.code, self.terminal)
        )

    def action_depart(self) -> None:
        """Send the highlighted route's truck off: confirm, or say what stays behind and why."""
        route = self.route
        if route is not None:
            self.run_worker(
                lambda: self._check_departure(route.id),
                thread=True,
                exit_on_error=False,
                group="routes",
            )

    def _check_departure(self, route_id: str) -> None:
        wh = self.warehouse
        self.post_message(self.DepartChecked(wh.route(route_id), wh.missing(route_id)))

    @on(DepartChecked)
    def _depart_checked(self, message: DepartChecked) -> None:
        route, wh, lead = message.route, self.warehouse, self.operator.code

        def depart(decision: DepartDecision | None) -> None:
            reason = decision.reason if decision is not None else None
            self._change(
                lambda: wh.depart(route.id, lead, reason),
                _("{route} departed.", route=route.name),
            )

        decide_departure(self.app, route, message.behind, False, depart)
