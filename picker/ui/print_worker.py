"""The running app sends print jobs by itself, whatever screen is open and whoever is signed in.

`PickerApp` starts a `PrintWorker` on mount: one thread worker (group "print-worker",
`exit_on_error=False`) that runs `Warehouse.run_print_worker_once` for this app's printers
(`own_printers_only`: jobs for printers configured elsewhere are left to the terminal or
print server that has them). It looks at the file every `POLL_SECONDS` and runs a pass as
soon as another connection committed (`data_version`: a bag closed, a reprint queued), and at
least every `PASS_SECONDS` so backoffs and printers waiting for paper come round. Claims are
atomic in the database, so any number of apps and `picker queue work --loop` can run at once.

A pass that raises is logged with its traceback and shown as a toast (once per distinct
error); the worker goes on. `stop()` ends it at its next wait; the app's exit cancels it too.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.worker import Worker, get_current_worker

from picker.i18n import _

if TYPE_CHECKING:
    from picker.app.warehouse import Warehouse

log = logging.getLogger(__name__)

#: Seconds between looks at the file's data version.
POLL_SECONDS = 0.5
#: Seconds between passes when nothing changed (retries after a backoff, paper put back).
PASS_SECONDS = 1.0


class PrintWorker:
    """Works the print queue in a thread worker of `app`, under `name` in the job's claims."""

    def __init__(self, app: App[Any], warehouse: Warehouse, terminal: str) -> None:
        self.app = app
        self.warehouse = warehouse
        self.name = f"{terminal}:{os.getpid()}"
        self.worker: Worker[None] | None = None
        self.stopped = threading.Event()
        """Set once the worker's thread has left its loop (and closed its connection)."""
        self._stop = threading.Event()
        self._last_error = ""

    def start(self) -> Worker[None]:
        """Start working the queue."""
        self._stop.clear()
        self.stopped.clear()
        self.worker = self.app.run_worker(
            self._run, name="print-worker", group="print-worker", thread=True,
            exit_on_error=False,
        )  # fmt: skip
        return self.worker

    def stop(self) -> None:
        """End the worker at its next wait (a send in progress finishes first). Call it on
        the app's thread."""
        self._stop.set()
        if self.worker is not None:
            self.worker.cancel()  # wakes its wait

    def _run(self) -> None:
        cancelled = get_current_worker().cancelled_event
        last_version: int | None = None
        next_pass = 0.0
        try:
            while not (self._stop.is_set() or cancelled.is_set()):
                version = self._version()  # None: the file cannot be read, no pass can work
                due = version != last_version or time.monotonic() >= next_pass
                if version is not None and due:
                    self._pass()
                    # Its own commits do not move this connection's version; others' during
                    # the pass do, and bring the next one.
                    last_version = version
                    next_pass = time.monotonic() + PASS_SECONDS
                cancelled.wait(POLL_SECONDS)
        finally:
            self.warehouse.close()  # this thread's connection
            self.stopped.set()

    def _version(self) -> int | None:
        try:
            return self.warehouse.data_version()
        except Exception as exc:
            # An unreadable file: the screens tell the operator; here it is logged once.
            self._report(exc, notify=False)
            return None

    def _pass(self) -> None:
        """One pass; what became of each job is in the queue (screen and `picker queue`)."""
        try:
            self.warehouse.run_print_worker_once(worker=self.name, own_printers_only=True)
        except Exception as exc:
            self._report(exc)
            return
        self._last_error = ""

    def _report(self, exc: Exception, *, notify: bool = True) -> None:
        """Log an error with its traceback and toast it, each once while it repeats."""
        text = _("The print queue failed: {error}", error=exc)
        if text == self._last_error:
            return
        self._last_error = text
        log.error("print worker: %s", exc, exc_info=exc)
        if notify:
            self._notify(text)

    def _notify(self, text: str) -> None:
        if self._stop.is_set() or not self.app.is_running:
            return
        try:
            self.app.call_from_thread(
                self.app.notify, text, title=_("Printing"), severity="error", timeout=15
            )
        except RuntimeError:
            self._stop.set()  # the app is closing: nobody is left to tell
