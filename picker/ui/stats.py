"""KPIs from the scan log on screen: scans per hour as a sparkline, then per operator lines
and bags per hour and reject rates, and short rates per product and per committee.

Read in a thread worker, again when someone has committed (at most every `REFRESH_SECONDS`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, Sparkline, Static
from textual.worker import Worker

from picker.app.warehouse import Warehouse
from picker.domain.kpi import Kpis, Rate, Ratio
from picker.errors import PickerError
from picker.i18n import N_, _, _n
from picker.ui import localize_bindings
from picker.ui.live import LiveReader
from picker.ui.settlement import ALL_DAYS
from picker.ui.widgets import Cell, LiveTable, MessageLine, PromptScreen, bind

REFRESH_SECONDS = 10.0

RATE_COLUMNS = (
    ("operator", N_("Operator"), False),
    ("done", N_("Done"), True),
    ("hours", N_("Active hours"), True),
    ("rate", N_("Per hour"), True),
)
REJECT_COLUMNS = (
    ("operator", N_("Operator"), False),
    ("rejected", N_("Rejected"), True),
    ("scans", N_("Scans"), True),
    ("rate", N_("Rate"), True),
)


def short_columns(first: str) -> tuple[tuple[str, str, bool], ...]:
    """Columns of a short-rate table whose first column is products or committees."""
    return (
        ("name", first, False),
        ("short", N_("Short units"), True),
        ("needed", N_("Needed"), True),
        ("rate", N_("Rate"), True),
    )


def pct(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.1%}"


def rate_rows(rates: Sequence[Rate]) -> dict[str, tuple[Cell, ...]]:
    return {
        r.operator: (
            f"{r.operator} {r.name}",
            str(r.done),
            f"{r.active_seconds / 3600:.2f}",
            _("— (too short)") if r.too_short or r.per_hour is None else f"{r.per_hour:.1f}",
        )
        for r in rates
    }


def ratio_rows(ratios: Sequence[Ratio], label_key: bool = False) -> dict[str, tuple[Cell, ...]]:
    return {
        r.key: (
            f"{r.key} {r.name}" if label_key else r.name,
            str(r.part),
            str(r.whole),
            pct(r.rate),
        )
        for r in ratios
    }


def chart_caption(k: Kpis) -> str:
    """What the sparkline shows: the hours it spans and the busiest one."""
    hours = k.scans_per_hour
    if not hours:
        return _("No scans yet.")
    busiest = max(hours, key=lambda h: h.scans)
    return _n(
        "Scans per hour {first} – {last}: {scans} scan, {rejected} rejected ({rate});"
        " busiest {busiest} ({most})",
        "Scans per hour {first} – {last}: {scans} scans, {rejected} rejected ({rate});"
        " busiest {busiest} ({most})",
        k.rejects.whole,
        first=hours[0].hour,
        last=hours[-1].hour[-5:],
        scans=k.rejects.whole,
        rejected=k.rejects.part,
        rate=pct(k.rejects.rate),
        busiest=busiest.hour[-5:],
        most=busiest.scans,
    )


class StatsScreen(Screen[None]):
    """The floor's KPIs for one scan day or all, with a chart of scans per hour."""

    CSS_PATH = "stats.tcss"
    #: Under 130 columns the boxes stand one under the other and the screen scrolls: side by
    #: side, their headers would be cut.
    HORIZONTAL_BREAKPOINTS = [  # noqa: RUF012 (an instance attribute of Textual's Screen)
        (0, "-narrow"),
        (130, "-wide"),
    ]
    BINDINGS: ClassVar[list[BindingType]] = [
        bind("d", "day", N_("Day"), N_("KPIs of one day, or of all"), "stats.day"),
        bind("r", "refresh", N_("Refresh"), N_("Read the figures again now"), "stats.refresh"),
        bind("escape", "back", N_("Back"), N_("Back to the previous screen"), "stats.back"),
    ]

    day: reactive[str | None] = reactive(None)
    """The scan day shown (`YYYY-MM-DD`), or None for the whole log."""

    class Loaded(Message):
        """A worker computed the KPIs."""

        def __init__(self, kpis: Kpis) -> None:
            super().__init__()
            self.kpis = kpis

    def __init__(self, warehouse: Warehouse, day: str | None = None) -> None:
        super().__init__()
        localize_bindings(self)
        self.warehouse = warehouse
        self.set_reactive(StatsScreen.day, day)
        self.kpis: Kpis | None = None
        """The KPIs as last read."""
        self.reader = LiveReader(
            self, warehouse, lambda: self.Loaded(self.warehouse.stats(self.day)), "stats-read"
        )
        """Reads the figures in a worker when another terminal has changed them."""

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="chart"):
            yield Sparkline([], id="per-hour")
            yield Static(_("Loading…"), id="caption", markup=False)
        with Horizontal(classes="row"):
            yield self._boxed(LiveTable(RATE_COLUMNS, id="pickers"), _("Lines per hour"))
            yield self._boxed(LiveTable(RATE_COLUMNS, id="packers"), _("Bags per hour"))
            yield self._boxed(LiveTable(REJECT_COLUMNS, id="rejects"), _("Reject rate"))
        with Horizontal(classes="row"):
            yield self._boxed(
                LiveTable(short_columns(N_("Product")), id="short-products"),
                _("Short rate per product"),
            )
            yield self._boxed(
                LiveTable(short_columns(N_("Committee")), id="short-committees"),
                _("Short rate per committee"),
            )
        yield MessageLine()
        yield Footer(compact=True)

    @staticmethod
    def _boxed(table: LiveTable, title: str) -> Vertical:
        return Vertical(Label(title, classes="title"), table, classes="box")

    def on_mount(self) -> None:
        self.query_one("#pickers", LiveTable).focus()
        self._title()
        self.refresh_figures(force=True)
        self.set_interval(REFRESH_SECONDS, self.refresh_figures)

    def _title(self) -> None:
        self.sub_title = _("KPIs · {day}", day=self.day or _("every day"))

    def refresh_figures(self, force: bool = False) -> None:
        """Read in a worker; unless `force`, only if someone committed since the last read."""
        self.reader.refresh(force)

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        k = self.kpis = message.kpis
        self.query_one(Sparkline).data = [h.scans for h in k.scans_per_hour] or [0]
        self.query_one("#caption", Static).update(chart_caption(k))
        self.query_one("#pickers", LiveTable).show(rate_rows(k.lines_per_hour))
        self.query_one("#packers", LiveTable).show(rate_rows(k.bags_per_hour))
        self.query_one("#rejects", LiveTable).show(ratio_rows(k.rejects_by_operator, True))
        self.query_one("#short-products", LiveTable).show(ratio_rows(k.short_by_product))
        self.query_one("#short-committees", LiveTable).show(ratio_rows(k.short_by_committee))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failed read is a red line; the timer tries again."""
        if event.worker.group == "stats-read" and event.worker.error:
            error = event.worker.error
            text = error.message if isinstance(error, PickerError) else str(error)
            text = _("Cannot read the warehouse: {error}", error=text)
            if self.query_one(MessageLine).text != text:
                self.query_one(MessageLine).error(text)

    def action_refresh(self) -> None:
        """Read the figures now, changed or not."""
        self.refresh_figures(force=True)

    def action_back(self) -> None:
        """Back to the screen underneath, if there is one."""
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def action_day(self) -> None:
        """Ask for a scan day, or `all` for the whole log."""

        def chosen(value: str | None) -> None:
            if value is None:
                return  # cancelled: keep the day shown
            self.day = None if value.casefold() in ALL_DAYS else value
            self._title()
            self.reader.read_now()

        prompt = PromptScreen(
            _("KPIs"), _("Scan day (YYYY-MM-DD), or all:"), self.day or "", "2022-04-12"
        )
        self.app.push_screen(prompt, chosen)
