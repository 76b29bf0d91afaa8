"""The shift lead's dashboard: per committee, how far the day has come, and the lead's keys.

It follows the other terminals cheaply: a timer asks the warehouse's `data_version` in a
thread worker and reads the figures only when another connection has committed; the table
is updated cell by cell (`LiveTable`), so it does not flicker and the cursor stays put.
Every action runs in a thread worker and ends in a green or red line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Header, Static
from textual.worker import Worker

from picker.app.overview import CommitteeProgress, Dashboard
from picker.app.warehouse import ImportReport, Warehouse
from picker.domain.auth import SignedIn
from picker.domain.money import format_fen
from picker.errors import PickerError
from picker.i18n import N_, _, _n
from picker.ui import localize_bindings
from picker.ui.dashboard_table import COLUMNS, NARROW_COLUMNS, WIDE, cells, totals
from picker.ui.lead import LEAD_BINDINGS, LeadKeys
from picker.ui.live import VersionWatch
from picker.ui.printer_states import PrinterStates
from picker.ui.widgets import (
    LiveTable,
    MessageLine,
    PromptScreen,
    RowsFooter,
    bind,
    require_lead,
)

log = logging.getLogger(__name__)


def import_summary(r: ImportReport) -> str:
    """What `picker import` prints for one file."""
    return _n(
        "{source}: {rows} row, {verb} {added}, {duplicates} already imported, {rejected} rejected.",
        "{source}: {rows} rows, {verb} {added}, "
        "{duplicates} already imported, {rejected} rejected.",
        r.rows,
        source=r.source,
        rows=r.rows,
        verb=_("added"),
        added=_n(
            "{n} order ({amount})",
            "{n} orders ({amount})",
            r.added,
            n=r.added,
            amount=format_fen(r.amount_fen),
        ),
        duplicates=r.duplicates,
        rejected=r.rejected_orders,
    )


class DashboardScreen(LeadKeys, Screen[None]):
    """Progress per committee with the lead's actions on keys (and `LeadKeys`')."""

    CSS_PATH = "dashboard.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        bind("i", "import_file", N_("Import"), N_("Import a bank export file"), "dash.import"),
        bind("p", "plan", N_("Plan"), N_("Plan batches for the unplanned orders"), "dash.plan"),
        bind("b", "board", N_("Board"), N_("The batch board: claim, take over, reassign"),
             "dash.board"),
        bind("s", "shortages", N_("Shorts"),
             N_("Shortages and refunds of the highlighted committee"), "dash.shortages"),
        bind("m", "manifest", N_("Manifest"),
             N_("Print the highlighted committee's manifest (again)"), "dash.manifest"),
        bind("o", "orders", N_("Orders"), N_("The orders overview"), "dash.orders"),
        bind("q", "queue", N_("Queue"), N_("Print jobs: retry, reprint"), "dash.queue"),
        *LEAD_BINDINGS,
        bind("r", "refresh", N_("Refresh"), N_("Read the figures again now"), "dash.refresh",
             show=False),
    ]  # fmt: skip

    class FiguresLoaded(Message):
        """A worker read the dashboard's figures."""

        def __init__(self, dashboard: Dashboard) -> None:
            super().__init__()
            self.dashboard = dashboard

    class ActionDone(Message):
        """A lead's action finished, well (`ok`) or not."""

        def __init__(self, text: str, ok: bool) -> None:
            super().__init__()
            self.text = text
            self.ok = ok

    def __init__(self, warehouse: Warehouse, operator: SignedIn, terminal: str) -> None:
        super().__init__()
        localize_bindings(self)
        self.warehouse = warehouse
        self.operator = operator
        self.terminal = terminal
        self.figures: Dashboard | None = None
        """The figures as last read."""
        self._watch = VersionWatch()
        self._reading: Worker[None] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield LiveTable(COLUMNS, id="committees")
        yield Static(_("Loading…"), id="totals", markup=False)
        yield PrinterStates(id="printer-states")
        yield MessageLine()
        yield RowsFooter()

    def on_mount(self) -> None:
        self.query_one(LiveTable).focus()
        self.refresh_figures(force=True)
        self.set_interval(self.warehouse.settings.refresh_seconds, self.refresh_figures)

    def on_screen_resume(self) -> None:
        if self.figures is not None:
            self.refresh_figures(force=True)

    def refresh_figures(self, force: bool = False) -> None:
        """Read the figures in a worker; unless `force`, only if someone committed."""
        idle = self._reading is None or self._reading.is_finished
        if force or (self.is_current and idle):
            self._reading = self._read(force)

    @work(thread=True, exit_on_error=False, group="dash-read")
    def _read(self, force: bool) -> None:
        wh = self.warehouse
        if self._watch.changed(wh.data_version()) or force:
            self.post_message(self.FiguresLoaded(wh.dashboard()))
            self.post_message(PrinterStates.Loaded(wh.printer_states()))

    @on(PrinterStates.Loaded)
    def _printers_loaded(self, message: PrinterStates.Loaded) -> None:
        """A printer out of paper, open or offline is a warning line and a toast for the lead."""
        self.query_one(PrinterStates).show(message.states)

    @on(FiguresLoaded)
    def _loaded(self, message: FiguresLoaded) -> None:
        self.figures = message.dashboard
        self._show()
        self.query_one("#totals", Static).update(totals(message.dashboard))

    def _show(self) -> None:
        """The committees in the columns that fit the screen's width."""
        if self.figures is None:
            return
        table = self.query_one(LiveTable)
        narrow = self.size.width < WIDE
        spec = NARROW_COLUMNS if narrow else COLUMNS
        if table.spec != spec:  # the terminal was resized across `WIDE`: rebuild
            table.spec, table.widths = spec, []
        table.show({c.code: cells(c, narrow) for c in self.figures.committees})

    def on_resize(self) -> None:
        if self.is_mounted:
            self._show()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failed read is a red line; the timer tries again."""
        if event.worker.group == "dash-read" and event.worker.error is not None:
            text = _("Cannot read the warehouse: {error}", error=event.worker.error)
            if self.query_one(MessageLine).text != text:
                self.query_one(MessageLine).error(text)

    def selected(self) -> CommitteeProgress | None:
        """The highlighted committee."""
        key = self.query_one(LiveTable).selected_key()
        rows = self.figures.committees if self.figures else []
        return next((c for c in rows if c.code == key), None)

    def _run(self, job: Callable[[], str]) -> None:
        """Run a lead's action in a worker; it ends in a green or red line."""
        if require_lead(self, self.operator, _("Only a shift lead can do this.")):
            self.query_one(MessageLine).info(_("Working…"))
            self._act(job)

    @work(thread=True, exit_on_error=False, group="dash-act")
    def _act(self, job: Callable[[], str]) -> None:
        try:
            self.post_message(self.ActionDone(job(), True))
        except PickerError as exc:
            self.post_message(self.ActionDone(exc.message, False))
        except Exception as exc:  # a printer or database failure: a red line, not a crash
            log.exception("an action on the dashboard failed")
            self.post_message(self.ActionDone(_("Failed: {error}", error=exc), False))

    @on(ActionDone)
    def _done(self, message: ActionDone) -> None:
        self.query_one(MessageLine).outcome(message.text, message.ok)
        self.refresh_figures(force=True)

    def action_import_file(self) -> None:
        """Ask for a file path and import it."""

        def chosen(path: str | None) -> None:
            if path:
                report = self.warehouse.import_file
                self._run(lambda: import_summary(report(path)))

        self.app.push_screen(
            PromptScreen(_("Import"), _("Bank export file (CSV, JSON or JSONL):")), chosen
        )

    def action_plan(self) -> None:
        """Plan batches for every paid order not yet in one."""

        def job() -> str:
            report = self.warehouse.plan_batches()
            return _n(
                "Planned {batches} batch for {orders}.",
                "Planned {batches} batches for {orders}.",
                len(report.batches),
                batches=len(report.batches),
                orders=_n("{n} order", "{n} orders", report.orders, n=report.orders),
            )

        self._run(job)

    def action_board(self) -> None:
        """The batch board, with the lead's take-over and reassign keys."""
        from picker.ui.home import HomeScreen

        self.app.push_screen(HomeScreen(self.warehouse, self.operator, self.terminal, True))

    def action_shortages(self) -> None:
        """The highlighted committee's shortages and refunds."""
        from picker.ui.shortages import ShortagesScreen

        committee = self.selected()
        if committee is not None:
            self.app.push_screen(ShortagesScreen(self.warehouse, committee.code, committee.name))

    def action_manifest(self) -> None:
        """Queue the highlighted committee's manifest (a reprint when one was printed)."""
        committee = self.selected()
        if committee is None:
            return
        wh, code, name = self.warehouse, committee.code, committee.name

        def job() -> str:
            job_id = wh.print_manifest(code)
            return _("Manifest of {committee} queued (job {id}).", committee=name, id=job_id)

        self._run(job)

    def action_orders(self) -> None:
        """The orders overview."""
        from picker.ui.orders import OrdersScreen

        self.app.push_screen(OrdersScreen(self.warehouse))

    def action_queue(self) -> None:
        """The print queue."""
        from picker.ui.queue import QueueScreen

        self.app.push_screen(QueueScreen(self.warehouse))

    def action_refresh(self) -> None:
        """Read the figures now."""
        self.refresh_figures(force=True)
