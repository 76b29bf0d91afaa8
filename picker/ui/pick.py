"""The pick screen: walk the batch's pick list scanning every unit.

The current line is shown big enough to read from a step away; the walk-ordered list, the
batch progress and one result line (green accepted, red rejected with a bell) sit below it.
Every code goes through the ordered scan lane of `ScanScreen`.
"""

from __future__ import annotations

import logging
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable, Digits, Footer, Header, ProgressBar, Static

from picker.app.sessions import ScanResult, ScanSession
from picker.domain.money import format_fen
from picker.domain.shortage import ShortReason
from picker.i18n import N_, _
from picker.ui import localize_bindings
from picker.ui.pick_view import PickView, read_pick_view
from picker.ui.scan_input import ScanInput
from picker.ui.scan_jobs import ShortJob
from picker.ui.scan_screen import fkey
from picker.ui.short_reason import ShortReasonScreen
from picker.ui.stage_screen import StageScreen, show_big
from picker.ui.units import quantity, unit_word

log = logging.getLogger(__name__)


class PickScreen(StageScreen[PickView]):
    """Pick one claimed batch: scan every unit, skip, short, undo; then on to packing."""

    CSS_PATH = "pick.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        fkey("f2", "skip", N_("Skip"), N_("Put this line at the end of the list"), "pick.skip"),
        fkey("f3", "short", N_("Short"), N_("The rest of this line is not there"), "pick.short"),
        fkey("f4", "undo", N_("Undo"), N_("Take back your last scan"), "pick.undo"),
        fkey("f5", "pack", N_("Pack"), N_("Go on to packing this batch"), "pick.pack"),
        fkey("escape", "back", N_("Back"), N_("Leave the batch; it stays yours"), "pick.back"),
    ]

    done: reactive[bool] = reactive(False, bindings=True)
    """Every line of the batch is picked or short: packing is next."""

    class PackOpened(Message, bubble=False):
        """A pack session on the same batch was opened, or `error` says why not."""

        def __init__(self, session: ScanSession | None, error: str = "") -> None:
            super().__init__()
            self.session = session
            self.error = error

    def __init__(self, session: ScanSession) -> None:
        super().__init__(session)
        localize_bindings(self)
        self.view: PickView | None = None
        """The pick list as last read."""

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="current"):
            with Horizontal(id="current-top"):
                yield Digits(id="location-big")
                yield Static(id="location", markup=False)
                yield Static(id="gap")
                yield Digits(id="done-count")
                yield Static("  ╱\n ╱\n╱", id="slash")
                yield Digits(id="needed-count")
                yield Static(id="unit", markup=False)
            yield Static(id="product", markup=False)
        yield Static(id="result", markup=False)
        with Horizontal(id="progress-bar"):
            yield Static(id="progress", markup=False)
            yield ProgressBar(id="bar", show_eta=False, show_percentage=True)
        yield Static(id="banner", markup=False)
        yield DataTable(id="lines", cursor_type="row", zebra_stripes=True)
        yield ScanInput(placeholder=_("Scan a product · type 12* first for 12 units"), id="scan")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = _("Pick {batch}", batch=self.session.batch_id)
        table = self.query_one("#lines", DataTable)
        table.can_focus = False
        for key, label in (
            ("mark", " "),
            ("location", N_("Location")),
            ("product", N_("Product")),
            ("qty", N_("Picked")),
            ("note", N_("Note")),
        ):
            table.add_column(_(label) if label.strip() else label, key=key)

    def load_view(self) -> PickView:
        return read_pick_view(self.session)

    def show_view(self, view: PickView) -> None:
        self.view = view
        cur = view.current
        show_big(self, "location", cur.location if cur else _("Every line is done"))
        hint = _("sold by weight: scan its scale label") if cur and cur.weighed else ""
        product = Content.styled(cur.name if cur else "", "bold")
        if hint:
            product += Content.styled("  " + hint, "$text-warning")
        self.query_one("#product", Static).update(product)
        self.query_one("#unit", Static).update(
            unit_word(cur.needed - cur.short, cur.unit) if cur else ""
        )
        self.query_one("#done-count", Digits).update(str(cur.picked) if cur else "")
        self.query_one("#needed-count", Digits).update(str(cur.needed - cur.short) if cur else "")
        self.query_one("#slash").display = cur is not None
        done_units, total_units = view.units
        self.query_one("#progress", Static).update(
            _(
                "{done}/{total} units · {lines}/{count} pick lines",
                done=done_units,
                total=total_units,
                lines=view.lines_done,
                count=len(view.lines),
            )
        )
        self.query_one("#bar", ProgressBar).update(total=max(total_units, 1), progress=done_units)
        self._fill_table(view)
        self.done = view.done

    def _fill_table(self, view: PickView) -> None:
        table = self.query_one("#lines", DataTable)
        table.clear()
        current = view.current
        for ln in view.lines:
            style = "bold" if ln is current else ("dim" if ln.remaining <= 0 else "")
            table.add_row(
                ln.mark(),
                Text(ln.location, style=style),
                Text(ln.name, style=style),
                Text(
                    quantity(ln.needed - ln.short, ln.unit, f"{ln.picked}/{ln.needed - ln.short}"),
                    style=style,
                    justify="right",
                ),
                Text(ln.note(), style="red" if ln.short else "yellow"),
                key=ln.sku,
            )
        if current is not None:
            table.move_cursor(row=view.lines.index(current), animate=False)

    def watch_done(self, done: bool) -> None:
        banner = self.query_one("#banner", Static)
        banner.display = done
        banner.update(_("Batch picked. Enter or F5: go on to packing") if done else "")

    def describe(self, result: ScanResult) -> str:
        if not result.accepted or result.kind == "undo":
            return super().describe(result)
        product = result.product or result.sku or ""
        raw = result.raw.upper()
        if raw.startswith("CMD-SKIP"):
            return _("skipped {product}: it is now at the end", product=product)
        if raw.startswith("CMD-SHORT"):
            return _(
                "{product}: {qty} {unit} short, {amount} refunded",
                product=product,
                qty=result.qty or 0,
                unit=unit_word(result.qty or 0, self.unit_of(result.sku)),
                amount=format_fen(result.refund_fen),
            )
        return super().describe(result)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "pack":
            return self.done
        return True

    def action_skip(self) -> None:
        self.submit("CMD-SKIP")

    def action_undo(self) -> None:
        self.submit("CMD-UNDO")

    def action_short(self) -> None:
        """Choose a reason; the rest of the line on screen is declared short with it."""
        current = self.view.current if self.view else None
        if current is None:
            self.show_failure(_("every line is done"))
            self.app.bell()
            return

        def chosen(choice: ShortReason | str | None) -> None:
            if isinstance(choice, ShortReason):
                self.submit(ShortJob(choice, current.sku))
            elif choice:
                self.submit(choice)  # a code scanned while the modal was open

        remaining = f"{quantity(current.remaining, current.unit)} {current.name}"
        self.app.push_screen(ShortReasonScreen(current.name, remaining), chosen)

    def action_back(self) -> None:
        self.dismiss()

    @on(ScanInput.BlankEntered)
    def _enter(self) -> None:
        if self.done:
            self.action_pack()

    def action_pack(self) -> None:
        """Open a pack session on this batch (in a worker) and switch to the pack screen."""
        if self.done and not self.pending:
            self._open_pack()

    @work(thread=True, exit_on_error=False, group="open-pack", exclusive=True)
    def _open_pack(self) -> None:
        s = self.session
        try:
            pack = s.at_stage("pack")
        except Exception as exc:  # e.g. a lead took the batch over: a red line, stay here
            log.exception("opening batch %s for packing failed", s.batch_id)
            self.post_message(self.PackOpened(None, str(exc) or type(exc).__name__))
            return
        finally:
            s.disconnect()  # this pool thread's connection
        self.post_message(self.PackOpened(pack))

    @on(PackOpened)
    def _pack_opened(self, message: PackOpened) -> None:
        from picker.ui.pack import PackScreen

        if message.session is None:
            self.show_failure(message.error)
            self.app.bell()
        else:
            self.app.switch_screen(PackScreen(message.session))
