"""`picker print`, `picker printers`, `picker queue`: thin commands over the print queue.

Registered on `picker.cli.main` when `picker.cli` imports this module (its last lines).
A command that queues a job runs the worker once, so the job is sent right away when the
printer is there; otherwise it stays queued and `picker queue work` (or the TUI) sends it.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from picker.app.print_worker import JobOutcome
from picker.app.printing import KINDS
from picker.cli.common import format_table, json_option, main, print_json, warehouse_options
from picker.domain.states import PrintJobState
from picker.i18n import N_, _, _n
from printers.document import PAPERS

if TYPE_CHECKING:
    from picker.app.warehouse import Warehouse

EXIT_PRINT_FAILED = 1

JOB_STATES: dict[str, str] = {
    PrintJobState.QUEUED: N_("queued"),
    PrintJobState.SENDING: N_("sending"),
    PrintJobState.DONE: N_("printed"),
    PrintJobState.FAILED: N_("failed"),
    PrintJobState.HELD: N_("held"),
}
FORMATS = {".txt": "text", ".png": "png"}


def _pass_down(group: click.Group) -> None:
    """Let `picker queue --db X work` mean `picker queue work --db X`, as for `picker --db X`."""
    ctx = click.get_current_context()
    # The group's own values already include `picker --db X` (default_map) and the env.
    shared = {k: v for k in ("db_path", "config_path") if (v := ctx.params.get(k)) is not None}
    ctx.default_map = {name: dict(shared) for name in group.commands}


def _state(status: str) -> str:
    return _(JOB_STATES.get(status, status))


def _report(outcome: JobOutcome | None, job_id: int) -> None:
    """One line on what became of a job this run; a failure in red, on stderr, exit 1."""
    if outcome is None:
        click.echo(_("Job {id} is queued.", id=job_id))
        return
    if outcome.status == PrintJobState.DONE:
        click.echo(_("Job {id} printed on {printer}.", id=job_id, printer=outcome.printer))
    elif outcome.status == PrintJobState.FAILED:
        click.secho(
            _(
                "Job {id} failed: {reason} It stays in the queue and is retried.",
                id=job_id,
                reason=outcome.reason,
            ),
            fg="red",
            err=True,
        )
        sys.exit(EXIT_PRINT_FAILED)
    else:
        click.echo(_("Job {id} is queued: {reason}", id=job_id, reason=_(outcome.reason)))


def _work_once(wh: Warehouse, job_id: int) -> None:
    outcomes = wh.run_print_worker_once()
    _report(next((o for o in outcomes if o.id == job_id), None), job_id)


@main.command(name="print")
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("target")
@click.option("--printer", help="Printer name from the config (default: by role).")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="Write the document to FILE (- for stdout) instead of queueing it.",
)
@click.option("--reprint", is_flag=True, help="A second copy: printed with 补打 on top.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["escpos", "text", "png"]),
    help="With --out: printer bytes, a text preview or a PNG preview (default: by suffix).",
)
@click.option("--paper", type=click.Choice(sorted(PAPERS)), help="With --out: 58 or 80 mm.")
@warehouse_options
def print_(
    wh: Warehouse,
    kind: str,
    target: str,
    printer: str | None,
    out: Path | None,
    reprint: bool,
    fmt: str | None,
    paper: str | None,
) -> None:
    """Print a document: label BAG, manifest COMMITTEE (or MANIFEST-ID), picklist BATCH, route
    ROUTE, refunds COMMITTEE, settlement COMMITTEE. Manifests, routes and refund lists are
    today's; add @YYYY-MM-DD for another day (for a settlement: the paid day, default all).
    A committee's manifest is a new one when it has packed bags on none yet, else its latest.

    Queues the job and sends it once; a printer that is off leaves it queued and retried.
    With --out the document is written to a file (ESC/POS bytes, .txt or .png preview).

    \b
    Example:
      picker print manifest 青平居委 --out manifest.txt
      picker print label BGA001-1 --reprint
    """
    if out is None:
        if fmt or paper:
            raise click.UsageError(_("--format and --paper need --out"))
        job_id = wh.queue_document(kind, target, printer, reprint)
        _work_once(wh, job_id)
        return
    fmt = fmt or FORMATS.get(out.suffix.lower(), "escpos")
    data = wh.render(kind, target, fmt, printer, reprint, PAPERS[paper] if paper else None)
    if str(out) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    out.write_bytes(data)
    size = len(data)
    click.echo(
        _n(
            "Wrote {path} ({size} byte).", "Wrote {path} ({size} bytes).", size, path=out, size=size
        ),
        err=True,
    )


@main.group(name="printers", invoke_without_command=True)
@json_option
@warehouse_options
def printers_(wh: Warehouse, as_json: bool) -> None:
    """The printers in the config file; `test NAME` prints a test page.

    \b
    Example:
      picker printers --config picker.toml
      picker printers test label1 --config picker.toml
    """
    _pass_down(printers_)
    if click.get_current_context().invoked_subcommand is None:
        _list_printers(wh, as_json)


def _list_printers(wh: Warehouse, as_json: bool) -> None:
    profiles = list(wh.settings.printers.values())
    if as_json:
        print_json(
            [
                {**dataclasses.asdict(p), "paper": p.paper.name, "columns": p.paper.columns}
                for p in profiles
            ]
        )
        return
    if not profiles:
        click.echo(_("No printers configured: add a [printers.NAME] table to the config file."))
        return
    headers = (_("Printer"), _("Role"), _("Paper"), _("Encoding"), _("Chinese"), _("Connection"))
    rows = [(p.name, p.role, p.paper.name, p.encoding, p.chinese, p.connection) for p in profiles]
    click.echo(format_table(headers, rows))


@printers_.command(name="list")
@json_option
@warehouse_options
def printers_list(wh: Warehouse, as_json: bool) -> None:
    """The printers in the config file: role, paper, encoding, Chinese mode, connection.

    \b
    Example:
      picker printers list --config picker.toml --json
    """
    _list_printers(wh, as_json)


@printers_.command(name="test")
@click.argument("name")
@warehouse_options
def printers_test(wh: Warehouse, name: str) -> None:
    """Print a test page: Chinese text and punctuation, the width ruler, a barcode and a QR.

    \b
    Example:
      picker printers test label1 --config picker.toml
    """
    _work_once(wh, wh.queue_test_page(name))


def _job_json(job: Any) -> dict[str, Any]:
    return dataclasses.asdict(job)


@main.group(name="queue", invoke_without_command=True)
@click.option(
    "--status",
    type=click.Choice(sorted(s.value for s in PrintJobState)),
    help="Only jobs in this state.",
)
@json_option
@warehouse_options
def queue_(wh: Warehouse, status: str | None, as_json: bool) -> None:
    """The print queue, newest first: state, attempts and why a job failed or is held.

    `queue retry ID` sends a failed job now; `queue work [--loop]` runs the print worker (a
    running app sends its own printers' jobs by itself). A held job's worker stopped while
    sending it, so it may have printed: look at the printer, then `queue resend ID` (again,
    marked 补打) or `queue done ID` (it did print).

    \b
    Example:
      picker queue --db demo.db --status failed
      picker queue retry 12 --db demo.db
    """
    _pass_down(queue_)
    if click.get_current_context().invoked_subcommand is not None:
        return
    found = wh.print_jobs(status)
    if as_json:
        print_json([_job_json(j) for j in found])
        return
    headers = (
        _("Job"),
        _("Document"),
        _("For"),
        _("Printer"),
        _("State"),
        _("Tries"),
        _("Time"),
        _("Reason"),
    )
    rows = [
        (
            str(j.id),
            j.kind + (" " + _("(reprint)") if j.reprint else ""),
            j.target,
            j.printer or "-",
            _state(j.status),
            str(j.attempts),
            j.updated_at[11:19],
            _(j.reason) if j.reason else "",
        )
        for j in found
    ]
    click.echo(format_table(headers, rows))


@queue_.command(name="retry")
@click.argument("job_id", metavar="ID", type=int)
@warehouse_options
def queue_retry(wh: Warehouse, job_id: int) -> None:
    """Send a failed or waiting job now instead of after its backoff.

    \b
    Example:
      picker queue retry 12 --db demo.db
    """
    wh.retry_job(job_id)
    _work_once(wh, job_id)


@queue_.command(name="resend")
@click.argument("job_id", metavar="ID", type=int)
@warehouse_options
def queue_resend(wh: Warehouse, job_id: int) -> None:
    """Send a held job (it may have printed) again, marked 补打 on paper.

    \b
    Example:
      picker queue resend 12 --db demo.db
    """
    wh.resend_as_reprint(job_id)
    _work_once(wh, job_id)


@queue_.command(name="done")
@click.argument("job_id", metavar="ID", type=int)
@warehouse_options
def queue_done(wh: Warehouse, job_id: int) -> None:
    """Close a held job as printed: its copy was found at the printer.

    \b
    Example:
      picker queue done 12 --db demo.db
    """
    wh.mark_printed(job_id)
    click.echo(_("Job {id} marked printed.", id=job_id))


@queue_.command(name="work")
@click.option("--loop", is_flag=True, help="Keep working the queue until Ctrl-C.")
@click.option(
    "--interval",
    default=1.0,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="Seconds between passes with --loop.",
)
@json_option
@warehouse_options
def queue_work(wh: Warehouse, loop: bool, interval: float, as_json: bool) -> None:
    """Send every due job once (or keep doing it with --loop), one line per job.

    \b
    Example:
      picker queue work --loop --db demo.db --config picker.toml
    """
    try:
        while True:
            for outcome in wh.run_print_worker_once():
                click.echo(_json_line(outcome) if as_json else _outcome_line(outcome))
            if not loop:
                return
            time.sleep(interval)
    except KeyboardInterrupt:
        return


def _outcome_line(o: JobOutcome) -> str:
    reason = _(o.reason) if o.reason else ""
    return f"{o.id} {o.kind} {o.target} {o.printer or '-'}: {_state(o.status)} {reason}".rstrip()


def _json_line(outcome: JobOutcome) -> str:
    import json

    return json.dumps(dataclasses.asdict(outcome), ensure_ascii=False)
