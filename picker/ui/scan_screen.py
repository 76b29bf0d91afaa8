"""The ordered scan lane the picking screens share: `ScanScreen` (its jobs: `scan_jobs`).

`ScanScreen` runs the session on one dedicated thread worker fed by a FIFO queue, so the UI
never waits on the database (another terminal may hold the write lock for seconds) and
results come back in the order the codes were scanned. A screen made without a session
(loading, crating) opens it on that thread too, before the first job: codes scanned in the
meantime wait in the queue, and a session that cannot be opened is a red line. A key that
changes what the next code does (the loading screen's take-off) is one of the field's
`ordered_actions`: it is taken in the field's own key handler too
(`picker.ui.scan_input.ScanInput`), so it lands between the codes it was pressed between.
"""

from __future__ import annotations

import logging
import queue
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from picker.app.session import Session
from picker.errors import PickerError
from picker.i18n import N_, _
from picker.ui.devices import ScannerFeed, terminal_devices
from picker.ui.scan_input import GS, ScanInput
from picker.ui.scan_jobs import REFRESH, STOP, job_code

if TYPE_CHECKING:
    from picker.domain.scan_outcomes import ScanResult


log = logging.getLogger(__name__)
ViewT = TypeVar("ViewT")
SessionT = TypeVar("SessionT", bound=Session)


def fkey(key: str, action: str, description: str, tooltip: str, binding_id: str) -> Binding:
    """A footer key of a picking screen, with its id for keymaps (`pick.skip` → F2)."""
    shown = key.upper() if key.startswith("f") else key.capitalize()[:3]
    return Binding(key, action, description, tooltip=tooltip, key_display=shown, id=binding_id)


class ScanScreen(Screen[None], Generic[ViewT, SessionT]):
    """A screen that applies scans of one session in order, off the UI thread.

    Subclasses compose a `ScanInput`, read their view in `load_view` (worker thread) and
    show it in `show_view`, and show each outcome in `show_result` (UI thread). One made
    without a session opens it in `open_session` (worker thread).
    """

    #: The ScanInput's id in the subclass's compose.
    SCAN_INPUT_ID: ClassVar[str] = "scan"
    #: The lists here take no focus (the scan field keeps it): Home and End scroll them from
    #: the field. A scanner never sends either key, so the field loses nothing.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home", "list_edge(0)", N_("First row"), show=False, priority=True,
                tooltip=N_("Scroll the lists to the top"), id="scan.first"),
        Binding("end", "list_edge(1)", N_("Last row"), show=False, priority=True,
                tooltip=N_("Scroll the lists to the bottom"), id="scan.last"),
    ]  # fmt: skip

    class ScanApplied(Message, bubble=False):
        """The session applied one code (or short); `view` is set when the lane is idle."""

        def __init__(self, result: ScanResult, view: Any | None) -> None:
            super().__init__()
            self.result = result
            self.view = view

    class ScanFailed(Message, bubble=False):
        """A code could not be applied (e.g. the database stayed locked); `code` is None
        when reading the view failed."""

        def __init__(self, code: str | None, error: str) -> None:
            super().__init__()
            self.code = code
            self.error = error

    class ViewLoaded(Message, bubble=False):
        """The worker read the screen's view."""

        def __init__(self, view: Any) -> None:
            super().__init__()
            self.view = view

    class SessionOpened(Message, bubble=False):
        """The worker opened the session of a screen made without one."""

    class SessionFailed(Message, bubble=False):
        """The session was refused (an unknown route or operator): `error` says why."""

        def __init__(self, error: str) -> None:
            super().__init__()
            self.error = error

    def __init__(self, session: SessionT | None = None) -> None:
        super().__init__()
        self._session = session
        self._jobs: queue.SimpleQueue[object] = queue.SimpleQueue()
        self.pending = 0
        """Codes handed to the worker and not yet answered."""

    @property
    def session(self) -> SessionT:
        """The open session; `RuntimeError` before the worker opened it (`session_open`)."""
        if self._session is None:
            raise RuntimeError(f"{type(self).__name__}: the session is not open yet")
        return self._session

    @property
    def session_open(self) -> bool:
        """Whether the session is open (a screen made with one: always)."""
        return self._session is not None

    def on_mount(self) -> None:
        # Textual runs the on_mount of every class in the MRO: subclasses must not call super.
        self._lane()
        self.submit(REFRESH)
        self.scan_input.focus()
        if self._session is not None:
            self._start_devices()

    def _start_devices(self) -> None:
        devices = terminal_devices(self.session)
        if devices is not None and devices.scanner is not None:
            self.mount(ScannerFeed(devices.scanner))

    def on_unmount(self) -> None:
        self._jobs.put(STOP)  # the worker finishes what is queued first: nothing is lost

    def on_screen_resume(self) -> None:
        """Back from a modal (help, short reason): the scan field takes the keys again."""
        self.scan_input.focus()

    def action_list_edge(self, end: int) -> None:
        """Scroll every list on the screen to its top (0) or bottom (1)."""
        for table in self.query(DataTable):
            if end:
                table.scroll_end(animate=False)
            else:
                table.scroll_home(animate=False)

    @property
    def scan_input(self) -> ScanInput:
        return self.query_one(f"#{self.SCAN_INPUT_ID}", ScanInput)

    def submit(self, job: object) -> None:
        """Queue a code, a `ShortJob` or `REFRESH` for the worker; answers come in order."""
        if job is not REFRESH:
            self.pending += 1
        self._jobs.put(job)

    @on(ScanInput.Scanned)
    def _scanned(self, message: ScanInput.Scanned) -> None:
        message.stop()
        self.submit(self.job_for(message.code))

    @on(ScanInput.ActionPressed)
    async def _action_pressed(self, message: ScanInput.ActionPressed) -> None:
        message.stop()
        await self.run_action(message.action)

    @on(ScannerFeed.CodeRead)
    def _device_code(self, message: ScannerFeed.CodeRead) -> None:
        """A code from the terminal's serial or network scanner: the keyboard's lane."""
        message.stop()
        self.submit(self.job_for(message.code))

    def job_for(self, code: str) -> object:
        """What the lane does with a scanned code: scan it, unless a mode says otherwise."""
        return code

    @on(ScannerFeed.StateChanged)
    def _scanner_state(self, message: ScannerFeed.StateChanged) -> None:
        message.stop()
        self._result_line(message.ok, message.text)
        if not message.ok:
            self.app.bell()

    @work(thread=True, exit_on_error=False, group="scan", name="scan-lane")
    def _lane(self) -> None:
        """The one thread that talks to the session: FIFO, so results keep the scan order."""
        worker = get_current_worker()
        try:
            while True:
                try:
                    job = self._jobs.get(timeout=0.5)
                except queue.Empty:
                    if worker.is_cancelled:
                        return
                    continue
                if job is STOP:
                    return
                self._run(job)
        finally:
            self.disconnect()  # this thread's connection

    def _run(self, job: object) -> None:
        if self._session is None and not self._open(job):
            return
        if job is REFRESH:
            view = self._read_view()
            if view is not None:
                self.post_message(self.ViewLoaded(view))
            return
        try:
            self.before_scan()
            result = self.apply(job)
        except Exception as exc:  # a red line and a bell; the lane goes on with the next code
            log.exception("a scan failed")
            self.post_message(self.ScanFailed(job_code(job), str(exc) or type(exc).__name__))
            return
        view = self._read_view() if self._jobs.empty() else None
        self.post_message(self.ScanApplied(result, view))

    def _read_view(self) -> ViewT | None:
        try:
            return self.load_view()
        except Exception as exc:  # reported; the next scan reads the view again
            log.exception("reading the view after a scan failed")
            self.post_message(self.ScanFailed(None, str(exc) or type(exc).__name__))
            return None

    def _open(self, job: object) -> bool:
        """Open the session on the lane's thread before `job`, or say why not (a code scanned
        meanwhile is not saved); the next job tries again."""
        try:
            self._session = self.open_session()
        except Exception as exc:
            # A refusal (an unknown route or operator) is logged as such, anything else as a
            # fault; both with the traceback.
            refused = isinstance(exc, PickerError)
            log.log(logging.INFO if refused else logging.ERROR, "opening the session failed: %s",
                    exc, exc_info=exc)  # fmt: skip
            error = str(exc) or type(exc).__name__
            if job is REFRESH and refused:
                self.post_message(self.SessionFailed(error))
            else:
                code = None if job is REFRESH else job_code(job)
                self.post_message(self.ScanFailed(code, error))
            return False
        self.post_message(self.SessionOpened())
        return True

    def open_session(self) -> SessionT:
        """Open the session of a screen made without one. Worker thread (it reads)."""
        raise NotImplementedError

    def disconnect(self) -> None:
        """Close the lane thread's connection when the lane ends. A screen that opens its own
        session overrides it: the thread may hold a connection of a failed attempt."""
        if self._session is not None:
            self._session.disconnect()

    def apply(self, job: object) -> ScanResult:
        """Apply one job to the session. Worker thread."""
        return self.session.scan(str(job))

    def before_scan(self) -> None:
        """Read what a result will need once the scan has changed things. Worker thread."""

    def load_view(self) -> ViewT:
        """Read what the screen shows. Runs on the worker thread."""
        raise NotImplementedError

    def show_view(self, view: ViewT) -> None:
        """Show a freshly read view. Runs on the UI thread."""
        raise NotImplementedError

    def show_result(self, result: ScanResult) -> None:
        """Show one scan's outcome on the `#result` line: green accepted, red rejected."""
        self._result_line(result.accepted, self.describe(result))

    def show_failure(self, text: str) -> None:
        """A red line for something that did not happen (the caller rings the bell)."""
        self._result_line(False, text)

    def _result_line(self, ok: bool, text: str) -> None:
        line = self.query_one("#result", Static)
        line.remove_class("-armed")
        line.set_class(ok, "-accepted")
        line.set_class(not ok, "-rejected")
        line.update(("✓ " if ok else "✗ ") + text)

    def describe(self, result: ScanResult) -> str:
        """One line saying what a scan did, in the operator's words."""
        return result.message

    @on(ScanApplied)
    def _applied(self, message: ScanApplied) -> None:
        self.pending -= 1
        self.show_result(message.result)
        if not message.result.accepted:
            self.app.bell()
        if message.view is not None:
            self.show_view(message.view)

    @on(ViewLoaded)
    def _view_loaded(self, message: ViewLoaded) -> None:
        self.show_view(message.view)

    @on(SessionOpened)
    def _session_opened(self, message: SessionOpened) -> None:
        self._start_devices()
        self.refresh_bindings()  # keys that need the session (`check_action`)

    @on(SessionFailed)
    def _session_failed(self, message: SessionFailed) -> None:
        self.show_failure(message.error)
        self.app.bell()

    @on(ScanFailed)
    def _failed(self, message: ScanFailed) -> None:
        if message.code is None:
            text = _("Cannot read the warehouse: {error}", error=message.error)
        else:
            self.pending -= 1
            text = _(
                "{code} was not saved: {error}. Scan it again.",
                code=message.code.replace(GS, "␝"),
                error=message.error,
            )
            if self.session_open:  # else the next scan tries to open it again
                self.submit(REFRESH)
        self.show_failure(text)
        self.app.bell()
