"""Use cases of printing: the print queue, on top of `Documents`.

Nothing here waits on a printer for the caller: `queue_document` only writes a job, and
`picker.app.print_worker.PrintWorker` is the one that talks to printers. Jobs queued without
bytes (packing queues bag labels by kind and target) are rendered for their printer when
first taken. A job the worker held (it may have printed) waits for the lead, who resends it
as a reprint (补打) or marks it printed.
"""

from __future__ import annotations

import db
from db import print_queue as jobs
from picker.app.context import Context, Service
from picker.app.documents import KINDS, Documents, role_of
from picker.domain.states import PrintJobState
from picker.errors import Conflict, InputError, NotFound
from picker.i18n import N_, _
from printers.document import PAPER_58, Document, Paper
from printers.errors import PrinterError
from printers.profile import PrinterProfile

__all__ = [
    "KINDS",
    "NO_PRINTER",
    "Printing",
    "render_bytes",
    "role_of",
]

#: Stored as the English key; readers show it through `_()`.
NO_PRINTER = N_("no printer configured")


class Printing(Service):
    """The print queue, of the documents `Documents` lays out."""

    def __init__(self, ctx: Context, documents: Documents) -> None:
        super().__init__(ctx)
        self.documents = documents

    def render(
        self,
        kind: str,
        target: str,
        fmt: str = "escpos",
        printer: str | None = None,
        reprint: bool = False,
        paper_size: Paper | None = None,
    ) -> bytes:
        """A document as bytes without queueing it: `escpos` for the printer (named, or the
        role's, or a 58 mm gb18030 default), `text` (UTF-8 preview) or `png`."""
        profile = self.documents.printer(kind, printer)
        paper_size = paper_size or (profile.paper if profile else PAPER_58)
        doc = self.documents.document(kind, target, reprint, paper_size)
        return render_bytes(doc, fmt, profile, paper_size)

    def queue_document(
        self, kind: str, target: str, printer: str | None = None, reprint: bool = False
    ) -> int:
        """Queue a document; returns the job id. The document is built now (so a bad target
        fails here, not in the worker) and rendered for its printer when one is configured;
        without one the job waits, queued, with the reason."""
        target = self.documents.canonical_target(kind, target, reprint)
        profile = self.documents.printer(kind, printer)
        data = None
        if profile is not None:
            doc = self.documents.document(kind, target, reprint, profile.paper)
            data = render_bytes(doc, "escpos", profile, profile.paper)
        else:
            self.documents.document(kind, target, reprint)
        with db.write(self.db):
            return jobs.insert_job(
                self.db,
                kind=kind,
                target=target,
                printer=profile.name if profile else "",
                reprint=reprint,
                data=data,
                reason="" if profile else NO_PRINTER,
                at=self.ctx.stamp(),
            )

    def reprint(self, kind: str, target: str, printer: str | None = None) -> int:
        """A new job printing the document again, marked 补打 on paper."""
        if kind == "test":
            return self.queue_test_page(target)
        return self.queue_document(kind, target, printer, reprint=True)

    def print_manifest(self, committee: str, printer: str | None = None) -> int:
        """Queue today's manifest of a committee: a new one for bags on no manifest yet, else
        the latest again (a reprint once it came out of a printer)."""
        target = self.documents.canonical_target("manifest", committee)
        again = jobs.was_printed(self.db, "manifest", target)
        return self.queue_document("manifest", target, printer, reprint=again)

    def queue_test_page(self, name: str) -> int:
        """Queue a printer's test page (Chinese, widths, barcode and QR checks)."""
        from printers.testpage import test_page

        profile = self.documents.printer("test", name)
        assert profile is not None
        data = render_bytes(test_page(profile, self.clock()), "escpos", profile, profile.paper)
        with db.write(self.db):
            return jobs.insert_job(
                self.db,
                kind="test",
                target=name,
                printer=name,
                reprint=False,
                data=data,
                reason="",
                at=self.ctx.stamp(),
            )

    def print_jobs(self, status: str | None = None, limit: int = 1000) -> list[jobs.JobRow]:
        """The queue, newest first."""
        return jobs.list_jobs(self.db, status, limit)

    def retry_job(self, job_id: int) -> None:
        """Send a queued or failed job at the next worker pass instead of after its backoff."""
        with db.write(self.db):
            job = jobs.get_job(self.db, job_id)
            if job is None:
                raise NotFound(_("no print job {id}", id=job_id))
            if job.status == PrintJobState.DONE:
                raise Conflict(_("job {id} was printed; reprint it instead", id=job_id))
            if job.status == PrintJobState.SENDING:
                raise Conflict(_("job {id} is being sent right now", id=job_id))
            if job.status == PrintJobState.HELD:
                raise Conflict(
                    _(
                        "job {id} may have printed: resend it as a reprint or mark it printed",
                        id=job_id,
                    )
                )
            jobs.retry_now(self.db, job_id, self.ctx.stamp())

    def resend_as_reprint(self, job_id: int) -> None:
        """Send a held job again, marked 补打 on paper (the lead found no copy of it)."""
        with db.write(self.db):
            job = self._held(job_id)
            # A test page has no 补打 mark: its bytes are sent as they are.
            jobs.resend_held(self.db, job.id, self.ctx.stamp(), render_again=job.kind != "test")

    def mark_printed(self, job_id: int) -> None:
        """Close a held job as printed (the lead found its copy at the printer)."""
        with db.write(self.db):
            jobs.mark_held_printed(self.db, self._held(job_id).id, self.ctx.stamp())

    def _held(self, job_id: int) -> jobs.JobRow:
        job = jobs.get_job(self.db, job_id)
        if job is None:
            raise NotFound(_("no print job {id}", id=job_id))
        if job.status != PrintJobState.HELD:
            raise Conflict(
                _("job {id} is not held; only a held job is resent or marked printed", id=job_id)
            )
        return job

    def print_sends(self, job_id: int) -> list[jobs.SendRow]:
        """Every send of a job, first first: worker, printer, reprint (补打) or not, outcome."""
        return jobs.sends(self.db, job_id)

    def printer_states(self) -> list[jobs.PrinterState]:
        """What each printer with status queries last said (ready, paper near end, ...)."""
        return jobs.printer_states(self.db)


def render_bytes(
    doc: Document, fmt: str, profile: PrinterProfile | None, paper_size: Paper
) -> bytes:
    """A document as `escpos` bytes, a `text` preview (UTF-8) or a `png` preview.

    A printing error (no Chinese font for a PNG or a raster printer) comes out as the
    `InputError` the command line and the screens show."""
    try:
        return _render(doc, fmt, profile, paper_size)
    except PrinterError as exc:
        raise InputError(exc.message) from exc


def _render(doc: Document, fmt: str, profile: PrinterProfile | None, paper_size: Paper) -> bytes:
    if fmt == "text":
        from printers.text import render_text

        encoding = profile.encoding if profile else "gb18030"
        return render_text(doc, paper_size, encoding).encode("utf-8")
    if fmt == "png":
        from printers.png import render_png

        return render_png(doc, paper_size, profile.encoding if profile else "gb18030")
    if fmt != "escpos":
        raise InputError(_("unknown format {name}; use escpos, text or png", name=fmt))
    from printers.escpos import render_escpos

    profile = profile or PrinterProfile("preview", "file:-", paper=paper_size)
    return render_escpos(doc, paper_size, profile)
