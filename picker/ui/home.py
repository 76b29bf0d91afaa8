"""The batch board, a picker's home: my batch first, the next released one, who holds what.

Enter on the highlighted batch claims it (or resumes it when it is mine) in a thread worker
and opens the pick screen (the pack screen for a picked batch). Someone else taking it
first is a red line naming them. Shift leads reach the same board from the dashboard and
can also take a batch over or give it to someone else; others are refused with a reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static
from textual.worker import Worker

from picker.auth import SignedIn
from picker.errors import PickerError
from picker.floor import state_label
from picker.i18n import N_, _
from picker.model import Role
from picker.overview import BoardBatch
from picker.ui import localize_bindings
from picker.ui.widgets import (
    LiveTable,
    MessageLine,
    PromptScreen,
    VersionWatch,
    bind,
    hide_from_footer,
    require_lead,
)
from picker.warehouse import Warehouse

if TYPE_CHECKING:
    from picker.sessions import ScanSession

#: (column key, header, numeric)
COLUMNS = (
    ("batch", N_("Batch"), False),
    ("committee", N_("Committee"), False),
    ("orders", N_("Orders"), True),
    ("lines", N_("Lines"), True),
    ("picked", N_("Picked"), True),
    ("status", N_("Status"), False),
    ("holder", N_("Holder"), False),
)
LEAD_ONLY = ("home.take_over", "home.reassign")


def cells(b: BoardBatch) -> tuple[str, ...]:
    """A batch's cells as text, in `COLUMNS` order."""
    holder = f"{b.holder_name} {b.terminal}".strip() if b.holder else ""
    return (
        b.id,
        b.committee_name,
        str(b.orders),
        str(b.lines),
        f"{b.picked}/{b.units - b.short}",
        state_label(b.status),
        holder,
    )


class HomeScreen(Screen[None]):
    """Batches that can be claimed or resumed, mine first."""

    CSS_PATH = "home.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", N_("Claim / resume"), priority=True, id="home.open",
                tooltip=N_("Claim the highlighted batch, or go on with yours")),
        bind("n", "claim_next", N_("Next batch"), N_("Claim the next released batch"),
             "home.next"),
        bind("x", "release", N_("Release"), N_("Give your highlighted batch back to the floor"),
             "home.release"),
        bind("c", "crates", N_("Crates"), N_("Put packed bags into their committee's crates"),
             "home.crates"),
        bind("t", "take_over", N_("Take over"),
             N_("Take the highlighted batch yourself (shift lead)"), "home.take_over"),
        bind("a", "reassign", N_("Reassign"),
             N_("Give the highlighted batch to another operator (shift lead)"), "home.reassign"),
        bind("r", "refresh", N_("Refresh"), N_("Read the batches again now"), "home.refresh",
             show=False),
        bind("escape", "back", N_("Back"), N_("Back to the dashboard"), "home.back"),
    ]  # fmt: skip

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
        """The board as last read, in the order shown."""
        self.loaded = False
        self._watch = VersionWatch()
        self._reading: Worker[None] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(_("Loading…"), id="mine", markup=False)
        yield LiveTable(COLUMNS, id="board")
        yield MessageLine()
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(LiveTable).focus()
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

    def order_board(self, batches: list[BoardBatch]) -> list[BoardBatch]:
        """Mine first, then released ones (the next to claim on top), then picked ones
        waiting for a packer, then what others hold."""
        me = self.operator.code

        def rank(b: BoardBatch) -> tuple[int, str]:
            if b.holder == me:
                return 0, b.id
            if b.holder is None:
                return (1 if b.status == "released" else 2), b.id
            return 3, b.id

        return sorted(batches, key=rank)

    @on(BoardLoaded)
    def _loaded(self, message: BoardLoaded) -> None:
        self.batches = self.order_board(message.batches)
        self.query_one(LiveTable).show({b.id: cells(b) for b in self.batches})
        self.loaded = True
        self.query_one("#mine", Static).update(self._banner())

    def _banner(self) -> str:
        mine = [b for b in self.batches if b.holder == self.operator.code]
        waiting = [b for b in self.batches if b.status == "released" and not b.holder]
        if mine:
            b = mine[0]
            return _(
                "Your batch {batch} ({committee}, {status}, {picked}/{units} picked):"
                " Enter to go on.",
                batch=b.id,
                committee=b.committee_name,
                status=state_label(b.status),
                picked=b.picked,
                units=b.units - b.short,
            )
        if waiting:
            return _(
                "{count} batches waiting. Enter claims {batch} ({committee}).",
                count=len(waiting),
                batch=waiting[0].id,
                committee=waiting[0].committee_name,
            )
        return _("No batch is waiting. New ones appear here when the shift lead plans them.")

    def selected(self) -> BoardBatch | None:
        """The highlighted batch."""
        key = self.query_one(LiveTable).selected_key()
        return next((b for b in self.batches if b.id == key), None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            return self.pushed
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
            self._run(lambda: self._claim(batch.id))

    def action_claim_next(self) -> None:
        """Claim the next released batch, wherever the cursor is."""
        waiting = [b for b in self.batches if b.status == "released" and not b.holder]
        if not waiting:
            self.query_one(MessageLine).error(_("No batch is waiting."))
        elif self._may_claim():
            self._run(lambda: self._claim(waiting[0].id))

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

        def release() -> str:
            wh.release(batch_id, me)
            return _("Released {batch}.", batch=batch_id)

        self._run(release)

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

        def job() -> str:
            wh.take_over(batch_id, lead, to, terminal)
            return _("{batch} is now held by {holder}.", batch=batch_id, holder=to or lead)

        self._run(job)

    def action_crates(self) -> None:
        """The crating screen: packed bags into committee crates, labels on close."""
        from picker.ui.crates import CrateScreen

        self.app.push_screen(CrateScreen(self.warehouse, self.operator.code, self.terminal))

    def action_refresh(self) -> None:
        """Read the board now."""
        self.refresh_board(force=True)

    def action_back(self) -> None:
        """Back to the dashboard."""
        self.dismiss()

    def _claim(self, batch_id: str) -> tuple[str, ScanSession]:
        """Claim (or resume) and open a session; runs in the worker."""
        report, session = self.warehouse.open_batch(batch_id, self.operator.code, self.terminal)
        verb = _("Resumed {batch}.") if report.resumed else _("Claimed {batch}.")
        return verb.format(batch=batch_id), session

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
