"""`picker pull`, `watch`, `feeds`, `resolve`: live intake from the command line.

Registered on `picker.cli.main` when `picker.cli` imports this module (its last line).
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from picker.app.intake import FeedState, PullReport
from picker.app.watch_folder import WatchedFile
from picker.cli.common import (
    EXIT_REJECTS,
    EXIT_USAGE,
    format_table,
    json_option,
    main,
    print_json,
    warehouse_options,
)
from picker.domain.cancellation import OUTCOME_LABELS
from picker.domain.feed import FeedConfig, next_poll, status_label
from picker.domain.importing import describe, reason_text
from picker.domain.money import format_fen
from picker.domain.states import FeedStatus, WatchOutcome
from picker.errors import InputError
from picker.i18n import _, _n

if TYPE_CHECKING:
    from picker.app.warehouse import Warehouse


def pull_json(r: PullReport) -> dict[str, Any]:
    return {
        "source": r.source,
        "status": r.status,
        "error": r.error,
        "pages": r.pages,
        "orders_added": r.orders_added,
        "amount_fen": r.amount_fen,
        "duplicates": r.duplicates,
        "events_received": r.events_received,
        "outcomes": dict(r.outcomes),
        "rejects": [
            {
                "source": rj.source,
                "line": rj.line,
                "order_no": rj.order_no,
                "reason": rj.reason,
                "message": reason_text(rj.reason, rj.params),
            }
            for rj in r.rejects
        ],
        "exceptions": [
            {"id": e["id"], "order_no": e["order_no"], "kind": e["kind"], "text": e["text"]}
            for e in r.exceptions
        ],
    }


def echo_pull(r: PullReport) -> None:
    for rj in r.rejects:
        click.secho(describe(rj), fg="red", err=True)
    click.echo(
        _n(
            "{source}: {added} new order ({amount}), {duplicates} already here, "
            "{rejected} rejected, {events}.",
            "{source}: {added} new orders ({amount}), {duplicates} already here, "
            "{rejected} rejected, {events}.",
            r.orders_added,
            source=r.source,
            added=r.orders_added,
            amount=format_fen(r.amount_fen),
            duplicates=r.duplicates,
            rejected=len(r.rejects),
            events=_n("{n} new event", "{n} new events", r.events_received, n=r.events_received),
        )
    )
    if r.outcomes:
        done = ", ".join(f"{_(OUTCOME_LABELS[k])} {n}" for k, n in sorted(r.outcomes.items()))
        click.echo(_("{source}: events: {outcomes}", source=r.source, outcomes=done))
    for e in r.exceptions:
        click.secho(_("for the lead: {text}", text=e["text"]), fg="yellow")
    if not r.ok and r.status != FeedStatus.STOPPED:
        click.secho(
            _(
                "{source}: the feed is unavailable ({error}); trying again later.",
                source=r.source,
                error=r.error,
            ),
            fg="yellow",
            err=True,
        )


@main.command()
@click.option("--once", is_flag=True, help="One round, then exit (for cron and scripts).")
@click.option("--source", "source", metavar="NAME", help="Only this feed ([feeds.NAME]).")
@json_option
@warehouse_options
def pull(wh: Warehouse, once: bool, source: str | None, as_json: bool) -> None:
    """Pull paid orders and refund/cancel events from the payment platform's feeds.

    Feeds are configured as [feeds.NAME] url, token and interval_seconds. Each page of
    orders lands in one transaction with its cursor, so an interrupted pull resumes where it
    stopped. Timeouts and server errors are retried with growing waits; a refused token
    stops with exit 2. Without --once it polls until Ctrl-C (--json: one line per round).
    With --once the exit code is 2 when a feed stayed unavailable, 3 when orders were rejected.

    \b
    Example:
      picker pull --once --source bank --db demo.db --config site.toml
    """
    feeds = [wh.feed_config(source)] if source else list(wh.settings.feeds)
    if not feeds:
        raise InputError(_("no feed configured: add [feeds.NAME] with url and token"))
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C ends the polling: no traceback
        _pull_rounds(wh, feeds, once, as_json)


def _pull_rounds(wh: Warehouse, feeds: list[FeedConfig], once: bool, as_json: bool) -> None:
    """Each feed at its own interval, backing off while it fails."""
    failures = {f.name: 0 for f in feeds}
    due = {f.name: 0.0 for f in feeds}
    while True:
        reports = []
        for f in feeds:
            if due[f.name] <= time.monotonic():
                r = wh.pull_once(f.name)
                failures[f.name] = 0 if r.ok else failures[f.name] + 1
                due[f.name] = time.monotonic() + next_poll(f.interval_seconds, failures[f.name])
                reports.append(r)
        if as_json and once:
            print_json([pull_json(r) for r in reports])
        elif as_json:
            for r in reports:
                click.echo(_json_line(pull_json(r)))
        else:
            for r in reports:
                echo_pull(r)
        if once:
            if any(not r.ok for r in reports):
                sys.exit(EXIT_USAGE)
            if any(r.rejects for r in reports):
                sys.exit(EXIT_REJECTS)
            return
        time.sleep(max(0.0, min(due.values()) - time.monotonic()))


def _json_line(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


def watched_json(f: WatchedFile) -> dict[str, Any]:
    r = f.report
    return {
        "name": f.name,
        "outcome": f.outcome,
        "error": f.error,
        "moved_to": str(f.moved_to) if f.moved_to else None,
        "report": str(f.report_path) if f.report_path else None,
        "rows": r.rows if r else 0,
        "added": r.added if r else 0,
        "duplicates": r.duplicates if r else 0,
        "rejected_orders": r.rejected_orders if r else 0,
        "amount_fen": r.amount_fen if r else 0,
    }


def echo_watched(f: WatchedFile) -> None:
    if f.outcome == WatchOutcome.WAITING:
        click.echo(_("{name}: still being written; next round.", name=f.name))
        return
    if f.outcome == WatchOutcome.FAILED:
        click.secho(_("{name}: not imported: {error}", name=f.name, error=f.error), fg="red")
        click.echo(_("moved to {path}", path=f.moved_to))
        return
    r = f.report
    assert r is not None
    for line in f.report_path.read_text(encoding="utf-8").splitlines() if f.report_path else []:
        click.echo(line)
    if r.rejects:
        message = _n(
            "{count} rejected row is listed in {path}",
            "{count} rejected rows are listed in {path}",
            len(r.rejects),
            count=len(r.rejects),
            path=f.report_path,
        )
        click.secho(message, fg="red", err=True)
    click.echo(_("moved to {path}", path=f.moved_to))


@main.command()
@click.option("--once", is_flag=True, help="One look at the folder, then exit.")
@click.option(
    "--folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder to watch (default: [watch] folder of the config file).",
)
@json_option
@warehouse_options
def watch(wh: Warehouse, once: bool, folder: Path | None, as_json: bool) -> None:
    """Import the bank exports the back office drops into a folder.

    Every CSV, JSON or JSONL file is imported with the rules of `picker import`, then moved
    to done/ (failed/ when it cannot be read) with NAME.report.txt beside it: the counts and
    every rejected row as FILE:LINE: reason. A file still being written waits for the next
    round. With --once: exit 2 when a file failed, 3 when rows were rejected.

    \b
    Example:
      picker watch --folder /srv/drop --db demo.db
    """
    config = wh.settings.watch
    interval = config.interval_seconds if config else 10.0
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C ends the watching: no traceback
        _watch_rounds(wh, folder, interval, once, as_json)


def _watch_rounds(
    wh: Warehouse, folder: Path | None, interval: float, once: bool, as_json: bool
) -> None:
    while True:
        files = wh.watch_folder_once(folder)
        if as_json:
            data = [watched_json(f) for f in files]
            if once:
                print_json(data)
            else:
                for item in data:
                    click.echo(_json_line(item))
        else:
            for f in files:
                echo_watched(f)
        if once:
            if any(f.outcome == WatchOutcome.FAILED for f in files):
                sys.exit(EXIT_USAGE)
            if any(f.report and f.report.rejects for f in files):
                sys.exit(EXIT_REJECTS)
            return
        time.sleep(interval)


@main.command()
@json_option
@warehouse_options
def feeds(wh: Warehouse, as_json: bool) -> None:
    """The feeds: status, last good pull, last error, events waiting; open exceptions.

    \b
    Example:
      picker feeds --db demo.db --config site.toml
    """
    states = wh.feed_status()
    exceptions = wh.order_exceptions()
    if as_json:
        print_json(
            {
                "feeds": [_state(s) for s in states],
                "exceptions": [
                    {k: e[k] for k in ("id", "order_no", "kind", "created_at", "text")}
                    for e in exceptions
                ],
            }
        )
        return
    headers = (_("Feed"), _("Status"), _("Last good pull"), _("Events waiting"), _("Last error"))
    table = [
        (s.name, status_label(s.status), s.last_ok_at or "-", str(s.open_events), s.last_error)
        for s in states
    ]
    click.echo(format_table(headers, table))
    for e in exceptions:
        click.secho(f"#{e['id']} {e['text']}", fg="yellow")


@main.command()
@click.argument("exception_id", metavar="ID", type=int)
@click.option("--lead", required=True, help="The shift lead's operator code.")
@warehouse_options
def resolve(wh: Warehouse, exception_id: int, lead: str) -> None:
    """Close an exception of `picker feeds` once dealt with. For a cancelled order's bags
    ("pull bag") that records them as pulled: off the truck, the unsigned manifest and
    their crate.

    \b
    Example:
      picker resolve 3 --lead L01
    """
    bags = wh.resolve_exception(exception_id, lead)
    click.echo(_("Exception {id} closed by {lead}.", id=exception_id, lead=lead))
    for bag in bags:
        click.echo(_("Bag {bag} pulled.", bag=bag))


def _state(s: FeedState) -> dict[str, Any]:
    return {
        "name": s.name,
        "url": s.url,
        "status": s.status,
        "last_ok_at": s.last_ok_at,
        "last_error": s.last_error,
        "open_events": s.open_events,
        "configured": s.configured,
    }
