"""The print queue: every job with its printer, state, attempts and the reason it failed.

The app sends the jobs whatever screen is open (`picker.ui.print_worker`); this screen reads
the queue in a thread worker when the file changed and the table (`picker.ui.queue_table`)
follows the jobs' states.
`r` retries a failed job now; `p` prints the highlighted document again. A held job may have
printed (its worker stopped mid-send): `s` sends it again marked 补打, `d` closes it as
printed once the lead has found its copy.
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
from textual.widgets import Footer, Header, Static
from textual.worker import Worker

from picker.app.warehouse import Warehouse
from picker.domain.states import PrintJobState
from picker.errors import PickerError
from picker.i18n import N_, _, _n
from picker.ui import localize_bindings
from picker.ui.live import VersionWatch
from picker.ui.printer_states import PrinterStates
from picker.ui.queue_table import COLUMNS, STATUS_LABELS, JobRow, cells
from picker.ui.widgets import LiveTable, MessageLine, PromptScreen, bind

log = logging.getLogger(__name__)


class QueueScreen(Screen[None]):
    """Print jobs, newest first, as the app's print worker and others work them."""

    CSS_PATH = "queue.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        bind("r", "retry", N_("Retry"), N_("Send the highlighted failed job again now"),
             "queue.retry"),
        bind("p", "reprint", N_("Reprint"), N_("Print the highlighted document again"),
             "queue.reprint"),
        bind("s", "resend", N_("Resend 补打"),
             N_("Send the highlighted held job again, marked 补打"), "queue.resend"),
        bind("d", "printed", N_("Printed"),
             N_("The highlighted held job did print: close it"), "queue.printed"),
        bind("l", "label", N_("Label"), N_("Print a bag label again"), "queue.label"),
        bind("escape", "back", N_("Back"), N_("Back to the dashboard"), "queue.back"),
    ]  # fmt: skip

    class JobsLoaded(Message):
        """A worker read the jobs."""

        def __init__(self, jobs: list[JobRow]) -> None:
            super().__init__()
            self.jobs = jobs

    class ActionDone(Message):
        """A retry or reprint was queued (`ok`) or refused."""

        def __init__(self, text: str, ok: bool) -> None:
            super().__init__()
            self.text = text
            self.ok = ok

    def __init__(self, warehouse: Warehouse) -> None:
        super().__init__()
        localize_bindings(self)
        self.warehouse = warehouse
        self.jobs: list[JobRow] = []
        """The jobs as last read, newest first."""
        self._watch = VersionWatch()
        self._working: Worker[None] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield LiveTable(COLUMNS, id="jobs")
        yield Static("", id="queue-totals", markup=False)
        yield PrinterStates(id="printer-states")
        yield MessageLine()
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(LiveTable).focus()
        self.tick(force=True)
        self.set_interval(self.warehouse.settings.refresh_seconds, self.tick)

    def tick(self, force: bool = False) -> None:
        """Read the jobs if the file changed (or `force`), unless the last read is still on."""
        if self._working is None or self._working.is_finished:
            self._working = self._work(force)

    @work(thread=True, exit_on_error=False, group="queue-work")
    def _work(self, force: bool) -> None:
        wh = self.warehouse
        if self._watch.changed(wh.data_version()) or force:
            self.post_message(self.JobsLoaded(list(wh.print_jobs())))
            self.post_message(PrinterStates.Loaded(wh.printer_states()))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failing round is a red line (once per distinct error); the timer goes on."""
        if event.worker.group == "queue-work" and event.worker.error is not None:
            text = _("The print queue failed: {error}", error=event.worker.error)
            if self.query_one(MessageLine).text != text:
                self.query_one(MessageLine).error(text)

    @on(JobsLoaded)
    def _loaded(self, message: JobsLoaded) -> None:
        self.jobs = message.jobs
        self.query_one(LiveTable).show({str(j.id): cells(j) for j in self.jobs})
        counts = {s: sum(j.status == s for j in self.jobs) for s in STATUS_LABELS}
        self.query_one("#queue-totals", Static).update(
            _n(
                "{total} job: {queued} waiting, {done} printed, {failed} failed,"
                " {held} held (may have printed)",
                "{total} jobs: {queued} waiting, {done} printed, {failed} failed,"
                " {held} held (may have printed)",
                len(self.jobs),
                total=len(self.jobs),
                queued=counts[PrintJobState.QUEUED] + counts[PrintJobState.SENDING],
                done=counts[PrintJobState.DONE],
                failed=counts[PrintJobState.FAILED],
                held=counts[PrintJobState.HELD],
            )
        )

    @on(PrinterStates.Loaded)
    def _printers_loaded(self, message: PrinterStates.Loaded) -> None:
        self.query_one(PrinterStates).show(message.states)

    @on(LiveTable.RowHighlighted, "#jobs")
    def _highlighted(self) -> None:
        """The highlighted job's reason in full (the table shows its start)."""
        job = self.selected()
        line = self.query_one(MessageLine)
        if job is not None and job.reason and not line.has_class("-error"):
            line.info(_("Job {id}: {reason}", id=job.id, reason=_(job.reason)))

    def selected(self) -> JobRow | None:
        """The highlighted job."""
        key = self.query_one(LiveTable).selected_key()
        return next((j for j in self.jobs if str(j.id) == key), None)

    def action_retry(self) -> None:
        """Send the highlighted failed job again now."""
        job = self.selected()
        if job is None:
            return
        wh, job_id = self.warehouse, job.id

        def retry() -> str:
            wh.retry_job(job_id)
            return _("Job {id} queued again.", id=job_id)

        self._act(retry)

    def action_resend(self) -> None:
        """Send the highlighted held job again, marked 补打 on paper."""
        job = self.selected()
        if job is not None:
            wh, job_id = self.warehouse, job.id

            def resend() -> str:
                wh.resend_as_reprint(job_id)
                return _("Job {id} is sent again, marked 补打.", id=job_id)

            self._act(resend)

    def action_printed(self) -> None:
        """Close the highlighted held job as printed."""
        job = self.selected()
        if job is not None:
            wh, job_id = self.warehouse, job.id

            def printed() -> str:
                wh.mark_printed(job_id)
                return _("Job {id} marked printed.", id=job_id)

            self._act(printed)

    def action_reprint(self) -> None:
        """A new job printing the highlighted document again."""
        job = self.selected()
        if job is not None:
            self._act(
                lambda: _(
                    "Reprint queued as job {id}.", id=self.warehouse.reprint(job.kind, job.target)
                )
            )

    def action_label(self) -> None:
        """Ask for a bag id (scan the label) and print that label again."""

        def chosen(bag: str | None) -> None:
            if bag:
                wh = self.warehouse
                self._act(
                    lambda: _(
                        "Label {bag} queued again (job {id}).", bag=bag, id=wh.reprint("label", bag)
                    )
                )

        self.app.push_screen(
            PromptScreen(_("Reprint a label"), _("Bag id (scan the label):")), chosen
        )

    def action_back(self) -> None:
        """Back to the dashboard."""
        self.dismiss()

    @work(thread=True, exit_on_error=False, group="queue-act")
    def _act(self, job: Callable[[], str]) -> None:
        try:
            self.post_message(self.ActionDone(job(), True))
        except PickerError as exc:
            self.post_message(self.ActionDone(exc.message, False))
        except Exception as exc:  # a database failure: a red line, not a crash
            log.exception("an action on the print queue failed")
            self.post_message(self.ActionDone(_("Failed: {error}", error=exc), False))

    @on(ActionDone)
    def _done(self, message: ActionDone) -> None:
        self.query_one(MessageLine).outcome(message.text, message.ok)
        self.tick(force=True)
