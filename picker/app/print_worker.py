"""The print worker: sends the queue's due jobs to their printers, one pass at a time.

A running TUI app calls `run_print_worker_once` in a thread worker from its start
(`picker.ui.print_worker`), the CLI once per command, and `picker queue work --loop` keeps
calling it as a headless print server.

A job is `queued` → `sending` → `done`, or `failed` with the reason and a next attempt after
a backoff (2 s, 4 s, 8 s … at most 60 s); it is never dropped. A job is `done` only once the
transport took every byte and closed cleanly. A worker claims a job atomically, under its
name; a job still `sending` after `STALE_SENDING` lost its worker somewhere between taking
and finishing it, so the paper may have come out: it is `held` for the lead, who resends it
as a reprint (补打) or marks it printed. It is never sent again unmarked.

A printer with status queries (`status = true`) that says it cannot print (paper out, cover
open, offline) before or after a job sends the job back to `queued` with that reason; it is
asked again every few seconds and the job is sent once it is ready.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import db
from db import print_queue as jobs
from picker.app.context import Context, Service
from picker.app.documents import Documents
from picker.app.printing import NO_PRINTER, render_bytes
from picker.domain import retry
from picker.domain.states import PrintJobState
from picker.errors import InputError, PickerError
from picker.i18n import N_, _
from printers.errors import PrinterError, PrinterNotReady
from printers.profile import PrinterProfile
from printers.status import state_text, status_detail

#: A `sending` job not finished after this long lost its worker (killed, crashed, hung): held.
STALE_SENDING = timedelta(minutes=2)
BACKOFF_FIRST, BACKOFF_CAP = 2.0, 60.0
#: How often a job waiting for its printer (paper out, cover open) asks it again.
HOLD_POLL = timedelta(seconds=3)
#: Stored as the English key; readers show it through `_()`.
HELD = N_(
    "The worker stopped while sending it: it may have printed. Look for it at the printer,"
    " then resend it as a reprint (补打) or mark it printed."
)


def default_worker() -> str:
    """The name a worker claims jobs under when none is given: host and process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after `attempts` failed ones: 2 s, 4 s, 8 s … 60 s."""
    return timedelta(seconds=retry.backoff(max(attempts, 1), BACKOFF_FIRST, BACKOFF_CAP))


@dataclass(frozen=True, slots=True)
class JobOutcome:
    """What one pass of the worker did with one job."""

    id: int
    kind: str
    target: str
    printer: str
    status: str
    reason: str = ""
    attempts: int = 0
    #: Something the lead should see although the job printed (paper near its end).
    warning: str = ""


class PrintWorker(Service):
    """Sends due print jobs, renders those queued without bytes, and holds the stale."""

    #: Seconds a printer may take to answer or to take data before the attempt fails.
    print_timeout: float = 5.0

    def __init__(self, ctx: Context, documents: Documents) -> None:
        super().__init__(ctx)
        self.documents = documents

    def run_print_worker_once(
        self,
        now: datetime | None = None,
        *,
        worker: str | None = None,
        own_printers_only: bool = False,
    ) -> list[JobOutcome]:
        """Send every due job once, oldest first; returns what happened to each.

        Jobs are claimed under `worker` (default: host and process). A job left `sending`
        for `STALE_SENDING` is held for the lead instead of being sent again. With
        `own_printers_only` (a terminal's app) jobs for printers this configuration lacks
        are left to the worker that has them, untouched.

        A printer that fails is not tried again in the same pass: its later jobs wait for
        the next one, so a dead printer costs one timeout per pass, not one per job.
        """
        now = now or self.clock()
        worker = worker or default_worker()
        stamp = self.ctx.stamp(now)
        outcomes = self._hold_stale(now)
        failed: set[str] = set()
        # printer -> why it holds its jobs (paper out, ...): they wait for the same next ask,
        # so they stay in order behind the first.
        waiting: dict[str, str] = {}
        hold_until = self.ctx.stamp(now + HOLD_POLL)
        for job in jobs.due_jobs(self.db, stamp):
            try:
                profile = self.documents.printer(job.kind, job.printer or None)
            except InputError as exc:
                if not own_printers_only:
                    outcomes.append(self._fail(job, job.printer, exc.message, now, count=True))
                continue
            if profile is None:
                if own_printers_only:
                    # Say why a fresh job waits, but never over another worker's outcome.
                    if not (job.reason or job.attempts or job.printer):
                        with db.write(self.db):
                            jobs.note_unassigned(self.db, job.id, NO_PRINTER)
                    continue
                if job.reason != NO_PRINTER or job.status != PrintJobState.QUEUED:
                    with db.write(self.db):
                        jobs.wait(self.db, job.id, NO_PRINTER, None, stamp)
                outcomes.append(_outcome(job, "", PrintJobState.QUEUED, NO_PRINTER, job.attempts))
                continue
            send = None
            if profile.name not in failed:
                with db.write(self.db):
                    send = jobs.claim(self.db, job.id, profile.name, worker, stamp)
            if send is None:
                reason = waiting.get(profile.name)
                if reason and job.status == PrintJobState.QUEUED:
                    with db.write(self.db):
                        jobs.note_waiting(self.db, job.id, reason, hold_until)
                continue
            outcomes.append(self._send(job, send, profile, now))
            # Failed, or waiting for paper: keep the order.
            if outcomes[-1].status != PrintJobState.DONE:
                failed.add(profile.name)
            if outcomes[-1].status == PrintJobState.QUEUED:
                waiting[profile.name] = outcomes[-1].reason
        return outcomes

    def _hold_stale(self, now: datetime) -> list[JobOutcome]:
        """Hold the jobs whose worker stopped mid-send: the printer may have taken them."""
        before = self.ctx.stamp(now - STALE_SENDING)
        stale = jobs.stale_jobs(self.db, before)
        if not stale:  # the usual case: no write lock taken
            return []
        with db.write(self.db):
            return [
                _outcome(job, job.printer, PrintJobState.HELD, HELD, job.attempts)
                for job in stale
                if jobs.hold_stale(self.db, job.id, before, HELD, self.ctx.stamp(now))
            ]

    def _send(
        self, job: jobs.JobRow, send: int, profile: PrinterProfile, now: datetime
    ) -> JobOutcome:
        from printers.transport import open_transport

        attempts = job.attempts + 1
        try:
            data = jobs.job_data(self.db, job.id)
            if data is None:
                doc = self.documents.document(job.kind, job.target, job.reprint, profile.paper)
                data = render_bytes(doc, "escpos", profile, profile.paper)
                with db.write(self.db):
                    jobs.set_data(self.db, job.id, data, self.ctx.stamp(now))
            transport = open_transport(
                profile.connection, self.print_timeout, status=profile.status
            )
            try:
                transport.send(data)
            finally:
                transport.close()
        except PrinterNotReady as exc:
            return self._hold(job, send, profile.name, exc, now, attempts)
        except (PickerError, PrinterError) as exc:
            return self._fail(job, profile.name, exc.message, now, attempts=attempts, send=send)
        except (OSError, ValueError) as exc:
            # A renderer's ValueError is a bug, but it must fail the job, not the TUI's worker.
            return self._fail(job, profile.name, str(exc), now, attempts=attempts, send=send)
        status = getattr(transport, "last_status", None)
        warning = ""
        with db.write(self.db):
            jobs.finish(self.db, job.id, send, self.ctx.stamp())
            if status is not None:
                warning = state_text(status.state, profile.name) if status.paper_near_end else ""
                message = warning or state_text("ready", profile.name)
                jobs.set_printer_state(
                    self.db, profile.name, status.state, message, self.ctx.stamp()
                )
        return replace(
            _outcome(job, profile.name, PrintJobState.DONE, "", attempts), warning=warning
        )

    def _hold(
        self,
        job: jobs.JobRow,
        send: int,
        printer: str,
        exc: PrinterNotReady,
        now: datetime,
        attempts: int,
    ) -> JobOutcome:
        """The printer cannot print: the job waits, queued, and asks again in `HOLD_POLL`."""
        reason = state_text(exc.reason, printer, status_detail(exc.status))
        if exc.sent:
            reason += " " + _("The job did not print whole: it is sent again once it is ready.")
        at = self.ctx.stamp()
        with db.write(self.db):
            retry_at = self.ctx.stamp(now + HOLD_POLL)
            jobs.hold(self.db, job.id, send, reason, retry_at, at, counted=exc.sent)
            jobs.set_printer_state(self.db, printer, exc.reason, reason, at)
        return _outcome(
            job, printer, PrintJobState.QUEUED, reason, attempts if exc.sent else attempts - 1
        )

    def _fail(
        self,
        job: jobs.JobRow,
        printer: str,
        reason: str,
        now: datetime,
        *,
        attempts: int | None = None,
        count: bool = False,
        send: int | None = None,
    ) -> JobOutcome:
        """Record a failed attempt (of `send`, when the job was claimed) and when to try
        again."""
        attempts = attempts if attempts is not None else job.attempts + int(count)
        retry_at = self.ctx.stamp(now + backoff(attempts))
        with db.write(self.db):
            if count:
                jobs.count_attempt(self.db, job.id, self.ctx.stamp(now))
            jobs.fail(self.db, job.id, reason, retry_at, self.ctx.stamp(), send)
        return _outcome(job, printer, PrintJobState.FAILED, reason, attempts)


def _outcome(job: jobs.JobRow, printer: str, status: str, reason: str, tries: int) -> JobOutcome:
    return JobOutcome(job.id, job.kind, job.target, printer, status, reason, tries)
