"""The batch board, a picker's home: my batch first, the next released one, who holds what.

The find field owns the keys, as on the picking screens. A scanned or typed batch id opens
that batch (claim, or resume when it is mine) or is refused with the reason; other text
narrows the board to the committees whose name or code holds it, live, and Esc clears it.
Enter on an empty field (or on a narrowed board) opens the highlighted batch. Opening runs
in a thread worker and shows the pick screen (the pack screen for a picked batch); someone
else taking it first is a red line naming them. Shift leads reach the same board from the
dashboard and can also take a batch over or give it to someone else; others are refused
with a reason. The other actions are function keys, so that typing never triggers them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Header, Static
from textual.worker import Worker

from picker.app.overview import BoardBatch
from picker.app.warehouse import Warehouse
from picker.domain.auth import SignedIn
from picker.domain.model import Role
from picker.domain.states import BatchState
from picker.errors import PickerError
from picker.i18n import _
from picker.ui import board_actions as actions
from picker.ui import localize_bindings
from picker.ui.board import COLUMNS, KEYS, LEAD_ONLY, banner, cells, order_board
from picker.ui.board_find import FindInput, is_batch_id, matches
from picker.ui.live import VersionWatch
from picker.ui.widgets import (
    LiveTable,
    MessageLine,
    PromptScreen,
    RowsFooter,
    hide_from_footer,
    require_lead,
)

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from picker.app.sessions import ScanSession


class HomeScreen(Screen[None]):
    """Batches that can be claimed or resumed, mine first."""

    CSS_PATH = "home.tcss"
    BINDINGS: ClassVar[list[BindingType]] = KEYS

    class BoardLoaded(Message):
        """A worker read the board."""

        def __init__(self, batches: list[BoardBatch]) -> None:
            super().__init__()
            self.batches = batches

    class ActionDone(Message):
        """A claim, release or take-over finished: `ok` or not, and the session to open."""

        def __init__(self, text: str, ok: bool, session: ScanSession | None = None) -> None:
            super().__init__()
            self.text = text
            self.ok = ok
            self.session = session

    def __init__(
        self, warehouse: Warehouse, operator: SignedIn, terminal: str, pushed: bool = False
    ) -> None:
        super().__init__()
        localize_bindings(self)
        if operator.role is not Role.LEAD:
            hide_from_footer(self, LEAD_ONLY)
        self.warehouse = warehouse
        self.operator = operator
        self.terminal = terminal
        self.pushed = pushed
        self.batches: list[BoardBatch] = []
        """The board as last read, in the order shown (before the filter)."""
        self.filter_text = ""
        """Only batches whose committee (name or code) or id holds this are shown."""
        self.loaded = False
        self._watch = VersionWatch()
        self._reading: Worker[None] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(_("Loading…"), id="mine", markup=False)
        yield FindInput(placeholder=_("Scan a batch, or type a committee to filter"), id="find")
        yield LiveTable(COLUMNS, id="board")
        yield MessageLine()
        yield RowsFooter(1)

    def on_mount(self) -> None:
        self.query_one(LiveTable).can_focus = False  # the find field keeps the keys
        self.query_one(FindInput).focus()
        self.refresh_board(force=True)
        self.set_interval(self.warehouse.settings.refresh_seconds, self.refresh_board)

    def on_screen_resume(self) -> None:
        """Back from the pick screen or a prompt: read the board again."""
        if self.loaded:
            self.refresh_board(force=True)

    def refresh_board(self, force: bool = False) -> None:
        """Read the board in a worker; unless `force`, only if someone committed."""
        if force or (self.is_current and (self._reading is None or self._reading.is_finished)):
            self._reading = self._read(force)

    @work(thread=True, exit_on_error=False, group="home-read")
    def _read(self, force: bool) -> None:
        wh = self.warehouse
        if self._watch.changed(wh.data_version()) or force:
            self.post_message(self.BoardLoaded(wh.board()))

    @on(BoardLoaded)
    def _loaded(self, message: BoardLoaded) -> None:
        self.batches = order_board(message.batches, self.operator.code)
        self._show()
        self.loaded = True
        self.query_one("#mine", Static).update(banner(self.batches, self.operator.code))

    def shown(self) -> list[BoardBatch]:
        """The batches on screen: the board narrowed by the filter."""
        return [b for b in self.batches if matches(b, self.filter_text)]

    def _show(self) -> None:
        self.query_one(LiveTable).show({b.id: cells(b) for b in self.shown()})

    @on(FindInput.Changed, "#find")
    def _typed(self, event: FindInput.Changed) -> None:
        self.filter_text = event.value.strip()
        self._show()

    @on(FindInput.Scanned, "#find")
    def _scanned(self, event: FindInput.Scanned) -> None:
        """A batch id opens that batch; a filter opens the highlighted one of what it shows."""
        event.stop()
        code = event.code.strip()
        if is_batch_id(code):
            if self._may_claim():
                wh, me, terminal = self.warehouse, self.operator.code, self.terminal
                self._run(lambda: actions.open_scanned(wh, code.upper(), me, terminal))
        elif not self.shown():
            self.query_one(MessageLine).error(_("No batch matches {text}.", text=code))
        else:
            self.action_open()

    @on(FindInput.BlankEntered)
    def _blank(self, event: FindInput.BlankEntered) -> None:
        event.stop()
        self.action_open()

    def action_cursor(self, delta: int) -> None:
        """Highlight the batch above or below; the find field keeps the keys."""
        table = self.query_one(LiveTable)
        if table.row_count:
            table.move_cursor(row=max(0, min(table.cursor_row + delta, table.row_count - 1)))

    def action_cursor_edge(self, end: int) -> None:
        """Highlight the first (0) or the last (1) batch; the find field keeps the keys."""
        table = self.query_one(LiveTable)
        if table.row_count:
            table.move_cursor(row=table.row_count - 1 if end else 0)

    def selected(self) -> BoardBatch | None:
        """The highlighted batch."""
        key = self.query_one(LiveTable).selected_key()
        return next((b for b in self.batches if b.id == key), None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            return self.pushed or bool(self.query_one(FindInput).value)
        return True

    @on(LiveTable.RowSelected, "#board")
    def _row_selected(self, event: LiveTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        """Claim the highlighted batch, or go on with it when it is already mine."""
        batch = self.selected()
        if batch is None:
            self.query_one(MessageLine).error(_("No batch to claim."))
        elif self._may_claim():
            self._claim(batch.id)

    def action_claim_next(self) -> None:
        """Claim the next released batch, wherever the cursor is."""
        waiting = [b for b in self.batches if b.status == BatchState.RELEASED and not b.holder]
        if not waiting:
            self.query_one(MessageLine).error(_("No batch is waiting."))
        elif self._may_claim():
            self._claim(waiting[0].id)

    def _may_claim(self) -> bool:
        if self.operator.role is Role.DRIVER:
            self.query_one(MessageLine).error(_("Only pickers and shift leads claim batches."))
            return False
        return True

    def action_release(self) -> None:
        """Give my highlighted batch back; what was picked stays picked."""
        batch = self.selected()
        if batch is None:
            return
        wh, batch_id, me = self.warehouse, batch.id, self.operator.code
        self._run(lambda: actions.release(wh, batch_id, me))

    def _lead_batch(self, refusal: str) -> BoardBatch | None:
        """The highlighted batch, if a shift lead is signed in; else a red line."""
        batch = self.selected()
        return batch if batch and require_lead(self, self.operator, refusal) else None

    def action_take_over(self) -> None:
        """A shift lead takes the highlighted batch from whoever holds it."""
        batch = self._lead_batch(_("Only a shift lead can take over a batch."))
        if batch is not None:
            self._take_over(batch.id, None)

    def action_reassign(self) -> None:
        """A shift lead gives the highlighted batch to another operator."""
        batch = self._lead_batch(_("Only a shift lead can reassign a batch."))
        if batch is None:
            return
        batch_id = batch.id

        def chosen(code: str | None) -> None:
            if code:
                self._take_over(batch_id, code.upper())

        prompt = PromptScreen(_("Reassign {batch}", batch=batch_id), _("Operator code:"))
        self.app.push_screen(prompt, chosen)

    def _take_over(self, batch_id: str, to: str | None) -> None:
        wh, lead, terminal = self.warehouse, self.operator.code, self.terminal
        self._run(lambda: actions.take_over(wh, batch_id, lead, to, terminal))

    def action_crates(self) -> None:
        """The crating screen: packed bags into committee crates, labels on close."""
        from picker.ui.crates import CrateScreen

        self.app.push_screen(CrateScreen(self.warehouse, self.operator.code, self.terminal))

    def action_refresh(self) -> None:
        """Read the board now."""
        self.refresh_board(force=True)

    def action_back(self) -> None:
        """Clear the filter; with none, back to the dashboard."""
        find = self.query_one(FindInput)
        if find.value:
            find.value = ""
        elif self.pushed:
            self.dismiss()

    def _claim(self, batch_id: str) -> None:
        wh, me, terminal = self.warehouse, self.operator.code, self.terminal
        self._run(lambda: actions.claim(wh, batch_id, me, terminal))

    def _run(self, job: Callable[[], str | tuple[str, ScanSession]]) -> None:
        self.query_one(MessageLine).info(_("Working…"))
        self._act(job)

    @work(thread=True, exit_on_error=False, group="home-act")
    def _act(self, job: Callable[[], str | tuple[str, ScanSession]]) -> None:
        try:
            result = job()
        except PickerError as exc:
            self.post_message(self.ActionDone(exc.message, False))
        except Exception as exc:  # the database is unreadable or locked: a red line
            log.exception("an action on the batch board failed")
            self.post_message(
                self.ActionDone(_("Cannot read the warehouse: {error}", error=exc), False)
            )
        else:
            text, session = result if isinstance(result, tuple) else (result, None)
            self.post_message(self.ActionDone(text, True, session))

    @on(ActionDone)
    def _done(self, message: ActionDone) -> None:
        self.query_one(MessageLine).outcome(message.text, message.ok)
        self.refresh_board(force=True)
        session = message.session
        if session is not None:
            from picker.ui.pack import PackScreen
            from picker.ui.pick import PickScreen

            screen = PackScreen if session.stage.value == "pack" else PickScreen
            self.app.push_screen(screen(session))
