"""Settlement per committee (按居委分账) on screen: paid, refunds by kind, net, delivered, open.

The figures are read in a thread worker, and again only when another connection has
committed and at most every `REFRESH_SECONDS` (a settlement of 120,000 orders takes a few
seconds to read). `c` switches between committees and payment codes, `a` runs the 漏单
audit, `d` picks a paid day. A settlement that does not reconcile is a red line and a bell.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Header, Static
from textual.worker import Worker

from picker.app.accounts import KIND_TEXT, missing_pages_text
from picker.app.warehouse import Warehouse
from picker.domain.audit import AuditReport
from picker.domain.money import format_fen
from picker.domain.settlement import Settlement, SettlementRow
from picker.domain.states import RefundKind
from picker.errors import PickerError
from picker.i18n import N_, _, _n
from picker.ui import localize_bindings
from picker.ui.live import LiveReader
from picker.ui.widgets import Cell, LiveTable, MessageLine, PromptScreen, bind

#: Seconds between checks for new data; a manual refresh (`r`) reads at once.
REFRESH_SECONDS = 10.0
#: Answers to the day prompt that mean "every day".
ALL_DAYS = ("all", "*", "全部")

#: (column key, header, numeric); the first column is the committee or the payment code.
COLUMNS = (
    ("name", N_("Committee"), False),
    ("orders", N_("Orders"), True),
    ("paid", N_("Paid"), True),
    ("short", KIND_TEXT[RefundKind.SHORT], True),
    ("underweight", KIND_TEXT[RefundKind.UNDERWEIGHT], True),
    ("cancel", KIND_TEXT[RefundKind.CANCEL], True),
    ("net", N_("Net"), True),
    ("delivered", N_("Delivered"), True),
    ("open", N_("Open"), True),
)
#: Narrower than this, the refunds are one column, so that net, delivered and open (what is
#: still owed) stay in view at 80 columns; the kinds show from this width on.
WIDE = 100
NARROW_COLUMNS = (*COLUMNS[:3], ("refunds", N_("Refunds"), True), *COLUMNS[6:])


def cells(row: SettlementRow, narrow: bool = False) -> tuple[Cell, ...]:
    """A row's cells in `COLUMNS` order (`NARROW_COLUMNS` when `narrow`); open money in
    bold, so it is not missed."""
    name = f"{row.code} {row.name}".strip() if not row.subdistrict else row.name
    open_cell: Cell = format_fen(row.open_fen)
    if row.open_fen:
        open_cell = Text(format_fen(row.open_fen), style="bold")
    kinds = (row.refunds_fen,) if narrow else (row.short_fen, row.underweight_fen, row.cancel_fen)
    amounts = (
        row.paid_fen,
        *kinds,
        row.net_fen,
        row.delivered_fen,
    )
    return (name, f"{row.orders:,}", *(format_fen(a) for a in amounts), open_cell)


def totals(s: Settlement) -> str:
    """The bottom line: the total, and whether it reconciles with the payments."""
    t = s.total
    text = _n(
        "{orders} order · paid {paid} − refunds {refunds} = net {net} · delivered {delivered}"
        " · open {open}",
        "{orders} orders · paid {paid} − refunds {refunds} = net {net} · delivered {delivered}"
        " · open {open}",
        t.orders,
        orders=f"{t.orders:,}",
        paid=format_fen(t.paid_fen),
        refunds=format_fen(t.refunds_fen),
        net=format_fen(t.net_fen),
        delivered=format_fen(t.delivered_fen),
        open=format_fen(t.open_fen),
    )
    mark = _("reconciled to the fen") if s.reconciled else _("DOES NOT RECONCILE")
    return f"{text} · {mark}"


class SettlementScreen(Screen[None]):
    """Per committee or per payment code, with the total, for one paid day or all."""

    CSS_PATH = "settlement.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        bind("c", "switch", N_("Codes"), N_("Committees or payment codes"), "settle.switch"),
        bind("a", "audit", N_("Audit"), N_("Is every paid order accounted for?"), "settle.audit"),
        bind("d", "day", N_("Day"), N_("Settle one paid day, or all"), "settle.day"),
        bind("r", "refresh", N_("Refresh"), N_("Read the figures again now"), "settle.refresh"),
        bind("escape", "back", N_("Back"), N_("Back to the previous screen"), "settle.back"),
    ]

    by_code: reactive[bool] = reactive(False)
    """Show payment codes instead of committees."""
    day: reactive[str | None] = reactive(None)
    """The paid day shown (`YYYY-MM-DD`), or None for every day."""

    class Loaded(Message):
        """A worker read the settlement."""

        def __init__(self, settlement: Settlement) -> None:
            super().__init__()
            self.settlement = settlement

    class Audited(Message):
        """A worker ran the audit."""

        def __init__(self, report: AuditReport) -> None:
            super().__init__()
            self.report = report

    def __init__(self, warehouse: Warehouse, day: str | None = None) -> None:
        super().__init__()
        localize_bindings(self)
        self.warehouse = warehouse
        self.set_reactive(SettlementScreen.day, day)
        self.settlement: Settlement | None = None
        """The settlement as last read."""
        self.reader = LiveReader(
            self, warehouse, lambda: self.Loaded(self.warehouse.settlement(self.day)), "settle-read"
        )
        """Reads the figures in a worker when another terminal has changed them."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield LiveTable(COLUMNS, id="settlement")
        yield Static(_("Loading…"), id="totals", markup=False)
        yield MessageLine()
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(LiveTable).focus()
        self._title()
        self.refresh_figures(force=True)
        self.set_interval(REFRESH_SECONDS, self.refresh_figures)

    def _title(self) -> None:
        self.sub_title = _("Settlement · {day}", day=self.day or _("every day"))

    def refresh_figures(self, force: bool = False) -> None:
        """Read in a worker; unless `force`, only if someone committed since the last read."""
        self.reader.refresh(force)

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        s = self.settlement = message.settlement
        self._show()
        self.query_one("#totals", Static).update(totals(s))
        line = self.query_one(MessageLine)
        if not s.reconciled:
            check, expected, found = s.mismatches[0]
            line.error(
                _(
                    "does not add up: {check}: expected {expected}, found {found}",
                    check=check,
                    expected=format_fen(expected),
                    found=format_fen(found),
                )
            )

    def _show(self) -> None:
        if self.settlement is None:
            return
        s = self.settlement
        rows = s.payment_codes if self.by_code else s.committees
        table = self.query_one(LiveTable)
        narrow = self.size.width < WIDE
        spec = NARROW_COLUMNS if narrow else COLUMNS
        if table.spec != spec:  # the terminal was resized across `WIDE`: rebuild
            table.spec, table.widths = spec, []
        first = _("Payment code") if self.by_code else _("Committee")
        # The header is redrawn with the rows: committees and codes never share a key.
        table.ordered_columns[0].label = Text(first)
        table.show({r.code: cells(r, narrow) for r in rows})

    def on_resize(self) -> None:
        if self.is_mounted:
            self._show()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failed read or audit is a red line; the timer tries reading again."""
        if event.worker.group in ("settle-read", "settle-audit") and event.worker.error:
            error = event.worker.error
            text = error.message if isinstance(error, PickerError) else str(error)
            text = _("Cannot read the warehouse: {error}", error=text)
            if self.query_one(MessageLine).text != text:
                self.query_one(MessageLine).error(text)

    def watch_by_code(self) -> None:
        if self.is_mounted:
            self._show()

    def action_switch(self) -> None:
        """Committees or payment codes."""
        self.by_code = not self.by_code

    def action_refresh(self) -> None:
        """Read the figures now, changed or not."""
        self.refresh_figures(force=True)

    def action_back(self) -> None:
        """Back to the screen underneath, if there is one."""
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def action_day(self) -> None:
        """Ask for a paid day, or `all`."""

        def chosen(value: str | None) -> None:
            if value is None:
                return  # cancelled: keep the day shown
            self.day = None if value.casefold() in ALL_DAYS else value
            self._title()
            self.reader.read_now()

        self.app.push_screen(
            PromptScreen(
                _("Settlement"),
                _("Paid day (YYYY-MM-DD), or all:"),
                self.day or "",
                "2022-04-12",
            ),
            chosen,
        )

    def action_audit(self) -> None:
        """Run the 漏单 audit for the day shown; the answer is a green or red line."""
        self.query_one(MessageLine).info(_("Auditing…"))
        self._audit(self.day)

    @work(thread=True, exit_on_error=False, group="settle-audit")
    def _audit(self, day: str | None) -> None:
        self.post_message(self.Audited(self.warehouse.audit(day)))

    @on(Audited)
    def _audited(self, message: Audited) -> None:
        report, line = message.report, self.query_one(MessageLine)
        if report.clean:
            counts = report.counts()
            line.ok(
                _(
                    "Every paid order accounted for: {delivered} delivered, {refunded} "
                    "refunded in full, {open} open.",
                    delivered=counts["delivered"],
                    refunded=counts["refunded"],
                    open=counts["open"],
                )
            )
        elif not report.failing:
            # Only manifests signed in part: name the first and its missing pages.
            line.error(missing_pages_text(report.unsigned_pages[0]))
        else:
            first = report.failing[0]
            line.error(
                _n(
                    "{count} order with problems, e.g. {order_no}: run picker audit",
                    "{count} orders with problems, e.g. {order_no}: run picker audit",
                    len(report.failing),
                    count=len(report.failing),
                    order_no=first.order_no,
                )
            )
