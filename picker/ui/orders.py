"""The orders overview: paid orders, lines, amount and pending import rejects per committee.

The screen reads the warehouse only in thread workers. A timer asks the cheap question
(`data_version`) and reads the summary only when another connection has committed; the
table is then updated cell by cell, so the cursor and the scroll position stay put.
"""

from __future__ import annotations

import threading
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Label, Static
from textual.worker import Worker, WorkerState

from picker.app.warehouse import CommitteeOrders, Warehouse
from picker.domain.model import Reject
from picker.domain.money import format_fen
from picker.i18n import N_, _, _n
from picker.ui import localize_bindings
from picker.ui.orders_table import COLUMNS, SortOrder, cells, styled
from picker.ui.rejects import RejectsScreen
from picker.ui.widgets import RowTable

__all__ = ["OrdersScreen", "RejectsScreen", "SortOrder"]

#: Rejects read per refresh; the bar shows "1000+" beyond it.
REJECTS_LIMIT = 1000


class OrdersScreen(Screen[None]):
    """Paid orders per committee, with totals, a filter, sort orders and live refresh."""

    CSS_PATH = "orders.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "r",
            "refresh",
            N_("Refresh"),
            tooltip=N_("Read the orders again now"),
            id="orders.refresh",
        ),
        Binding(
            "slash,f",
            "filter",
            N_("Filter"),
            tooltip=N_("Filter the committees by name"),
            id="orders.filter",
        ),
        Binding("escape", "clear_filter", N_("Clear filter"), id="orders.clear_filter"),
        Binding(
            "j",
            "rejects",
            N_("Rejects"),
            tooltip=N_("List the pending import rejects"),
            id="orders.rejects",
        ),
        Binding("s", "sort", N_("Sort"), tooltip=N_("Next sort order"), id="orders.sort"),
        Binding(
            "escape", "back", N_("Back"), tooltip=N_("Back to the dashboard"), id="orders.back"
        ),
    ]

    sort: reactive[SortOrder] = reactive(SortOrder.PLACE)
    """The order of the rows."""
    filter_text: reactive[str] = reactive("")
    """Only committees whose name or code contains this (case-insensitive) are shown."""
    filter_open: reactive[bool] = reactive(False, bindings=True)
    """Whether the filter line is shown (while typing, or while a filter is in force)."""

    class SummaryLoaded(Message):
        """A worker read the orders summary and the pending rejects."""

        def __init__(self, seq: int, rows: list[CommitteeOrders], rejects: list[Reject]) -> None:
            super().__init__()
            self.seq = seq
            self.rows = rows
            self.rejects = rejects

    def __init__(self, warehouse: Warehouse) -> None:
        super().__init__()
        localize_bindings(self)
        self.warehouse = warehouse
        self.rows: list[CommitteeOrders] = []
        """All committees as last read."""
        self.rejects: list[Reject] = []
        """Pending import rejects as last read (at most `REJECTS_LIMIT`)."""
        self.loaded = False
        self._seq = 0
        self._applied = -1
        self._worker: Worker[None] | None = None
        # data_version is per connection, and the warehouse keeps one connection per thread;
        # workers run on a pool, so the last version is remembered per thread.
        self._versions: dict[int, int] = {}
        self._shown: dict[str, tuple[str, ...]] = {}
        self._shown_sort: SortOrder | None = None
        self._error = ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield RowTable(id="orders", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="filter-bar"):
            yield Label(_("Committee:"))
            yield Input(id="filter", placeholder=_("type to filter, Esc clears"), compact=True)
        yield Static(_("Loading…"), id="totals", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#orders", DataTable).focus()
        self.refresh_now(force=True)
        self.set_interval(self.warehouse.settings.refresh_seconds, self.refresh_now)

    def refresh_now(self, force: bool = False) -> None:
        """Read the warehouse in a worker; unless `force`, only if something was committed."""
        if not force and self._worker is not None and not self._worker.is_finished:
            return  # the previous check is still running; the next tick will come
        self._seq += 1
        self._worker = self._read(self._seq, force)

    @work(thread=True, exit_on_error=False, group="orders-read")
    def _read(self, seq: int, force: bool) -> None:
        wh = self.warehouse
        version = wh.data_version()
        thread = threading.get_ident()
        if not force and self._versions.get(thread) == version:
            return
        self._versions[thread] = version
        rows = wh.order_summary()
        rejects = wh.pending_rejects(REJECTS_LIMIT)
        self.post_message(self.SummaryLoaded(seq, rows, rejects))

    @on(SummaryLoaded)
    def _loaded(self, message: SummaryLoaded) -> None:
        if message.seq < self._applied:
            return  # an older read finished after a newer one
        self._applied = message.seq
        self.rows, self.rejects, self.loaded = message.rows, message.rejects, True
        self._show()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failed read is a red line and a bell, once per distinct error; the timer retries."""
        if event.worker.group != "orders-read":
            return
        if event.state == WorkerState.ERROR:
            error = str(event.worker.error)
            if error != self._error:
                self._error = error
                self.notify(_("Cannot read the warehouse: {error}", error=error),
                            severity="error")  # fmt: skip
                self.app.bell()
        elif event.state == WorkerState.SUCCESS:
            self._error = ""

    def visible_rows(self) -> list[CommitteeOrders]:
        """The committees passing the filter, in the current sort order."""
        needle = self.filter_text.strip().casefold()
        rows = [
            r for r in self.rows
            if not needle or needle in r.name.casefold() or needle in r.code.casefold()
        ]  # fmt: skip
        return self.sort.arrange(rows)

    def _show(self) -> None:
        """Bring the table and the totals up to date, touching only what changed."""
        table = self.query_one("#orders", DataTable)
        rows = self.visible_rows()
        fresh = {r.code: cells(r) for r in rows}
        if self._shown_sort is self.sort and list(fresh) == list(self._shown):
            for code, values in fresh.items():
                old = self._shown[code]
                for i, (key, _label, _num) in enumerate(COLUMNS):
                    if values[i] != old[i]:
                        table.update_cell(code, key, styled(i, values[i]), update_width=True)
        else:
            self._rebuild(table, fresh)
        self._shown = fresh
        self._shown_sort = self.sort
        self.query_one("#totals", Static).update(self._totals(len(rows)))

    def _rebuild(self, table: DataTable[Text], fresh: dict[str, tuple[str, ...]]) -> None:
        selected = None
        if table.row_count:
            selected = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if self._shown_sort is not self.sort:
            table.clear(columns=True)
            for key, label, numeric in COLUMNS:
                mark = ""
                if key == self.sort.value:
                    mark = " ▲" if self.sort is SortOrder.PLACE else " ▼"
                header = Text(_(label) + mark, justify="right" if numeric else "left")
                table.add_column(header, key=key)
        else:
            table.clear()
        for code, values in fresh.items():
            table.add_row(*(styled(i, v) for i, v in enumerate(values)), key=code)
        if selected in fresh:
            table.move_cursor(row=list(fresh).index(selected), animate=False)

    def _totals(self, shown: int) -> str:
        rows = self.rows
        pending = len(self.rejects)
        orders = sum(r.orders for r in rows)
        text = _n(
            "{orders} order · {amount} · {active}/{committees} committees with orders · {rejects}",
            "{orders} orders · {amount} · {active}/{committees} committees with orders · {rejects}",
            orders,
            orders=f"{orders:,}",
            amount=format_fen(sum(r.amount_fen for r in rows)),
            active=sum(1 for r in rows if r.orders),
            committees=len(rows),
            rejects=_n(
                "{n} reject pending",
                "{n} rejects pending",
                pending,
                n=f"{pending}+" if pending >= REJECTS_LIMIT else pending,
            ),
        )
        if self.filter_text.strip():
            text += " · " + _("{shown}/{total} shown", shown=shown, total=len(rows))
        return text

    def watch_sort(self) -> None:
        if self.loaded:
            self._show()

    def watch_filter_text(self) -> None:
        if self.loaded:
            self._show()

    def watch_filter_open(self, filter_open: bool) -> None:
        self.set_class(filter_open, "-filtering")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_filter":
            return self.filter_open
        if action == "back":  # opened from the dashboard: Escape goes back once no filter is on
            return not self.filter_open and len(self.app.screen_stack) > 1
        return True

    def action_back(self) -> None:
        """Back to the screen underneath (the dashboard)."""
        self.dismiss()

    def action_refresh(self) -> None:
        """Read the warehouse now, changed or not."""
        self.refresh_now(force=True)

    def action_filter(self) -> None:
        """Open the filter line and put the cursor in it."""
        self.filter_open = True
        self.query_one("#filter", Input).focus()

    def action_clear_filter(self) -> None:
        """Empty and close the filter; the table gets the keys again."""
        self.query_one("#filter", Input).value = ""
        self.filter_text = ""
        self.filter_open = False
        self.query_one("#orders", DataTable).focus()

    def action_sort(self) -> None:
        """Next sort order."""
        self.sort = self.sort.next()
        self.app.clear_notifications()
        self.notify(self.sort.label(), title=_("Sort"), timeout=2)

    def action_rejects(self) -> None:
        """The pending import rejects, as last read."""
        self.app.push_screen(RejectsScreen(self.rejects, len(self.rejects) >= REJECTS_LIMIT))

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.query_one("#orders", DataTable).focus()
        self.filter_open = bool(self.filter_text)
