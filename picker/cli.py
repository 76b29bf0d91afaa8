"""The command line: thin click commands over `Warehouse`. Docstrings are the `--help`."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from picker.config import load_settings
from picker.errors import PickerError
from picker.floor import state_label
from picker.i18n import _, detect_language, set_language
from picker.importing import describe, reason_text
from picker.money import format_fen
from picker.warehouse import Warehouse

EXIT_OK, EXIT_USAGE, EXIT_REJECTS, EXIT_CONFLICT = 0, 2, 3, 4

F = TypeVar("F", bound=Callable[..., Any])


def warehouse_options(fn: F) -> F:
    """`--db` and `--config`, shared by every command; the command receives a `Warehouse`."""

    @click.option(
        "--db",
        "db_path",
        envvar="PICKER_DB",
        default="picker.db",
        show_default=True,
        type=click.Path(dir_okay=False, path_type=Path),
        help="Warehouse database file (env PICKER_DB).",
    )
    @click.option(
        "--config",
        "config_path",
        envvar="PICKER_CONFIG",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Settings file, TOML (env PICKER_CONFIG).",
    )
    @functools.wraps(fn)
    def wrapper(db_path: Path, config_path: Path | None, **kwargs: Any) -> Any:
        try:
            settings = load_settings(config_path)
            if settings.lang and not click.get_current_context().find_root().params.get("lang"):
                set_language(settings.lang)
            return fn(Warehouse(db_path, settings), **kwargs)
        except PickerError as exc:
            click.secho(_("error: {message}", message=exc.message), fg="red", err=True)
            sys.exit(exc.exit_code)

    return wrapper  # type: ignore[return-value]


def json_option(fn: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")(fn)


def _print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


class _Group(click.Group):
    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_paragraph()
        formatter.write_text(
            "Exit codes: 0 ok, 2 usage or unreadable input, 3 done with rejected rows, 4 conflict."
        )


@click.group(cls=_Group, invoke_without_command=True)
@click.option("--lang", help="Interface language: zh_CN (default) or en.")
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False),
    help="Warehouse database file for the app or any command.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="Settings file for the app or any command.",
)
@click.version_option(package_name="picker")
@click.pass_context
def main(
    ctx: click.Context, lang: str | None, db_path: str | None, config_path: str | None
) -> None:
    """picker: the warehouse side of community produce supply.

    With no command it opens the terminal app on the warehouse file.

    \b
    Example:
      picker demo --db demo.db && picker --db demo.db
    """
    try:
        set_language(detect_language(lang))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--lang") from None
    # `picker --db X import ...` and `picker import --db X ...` mean the same.
    shared = {k: v for k, v in (("db_path", db_path), ("config_path", config_path)) if v}
    if shared:
        ctx.default_map = {name: dict(shared) for name in main.commands}
    if ctx.invoked_subcommand is None:
        ctx.invoke(tui)


@main.command()
@click.option(
    "--terminal",
    envvar="PICKER_TERMINAL",
    default="",
    help="This terminal's name in claims (env PICKER_TERMINAL; default: the host name).",
)
@warehouse_options
def tui(wh: Warehouse, terminal: str) -> None:
    """Open the terminal app (the default when no command is given).

    It starts at sign-in: scan a badge, or type an operator code and PIN.

    \b
    Example:
      picker tui --db demo.db --terminal T3
    """
    from picker.ui.app import make_app

    make_app(wh, terminal=terminal or None).run()


@main.command()
@click.option(
    "--orders",
    default=12_000,
    show_default=True,
    type=click.IntRange(min=0),
    help="Paid orders to generate; 0 builds the catalog only.",
)
@click.option("--seed", default=2022, show_default=True, type=int, help="Random seed.")
@click.option(
    "--export-csv",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the orders as a bank export CSV.",
)
@json_option
@warehouse_options
def demo(wh: Warehouse, orders: int, seed: int, export_csv: Path | None, as_json: bool) -> None:
    """Build a demo warehouse: 3 subdistricts, 47 committees, ~60 products, N paid orders.

    The same seed always gives the same warehouse.

    \b
    Example:
      picker demo --db demo.db --orders 12000 --export-csv orders.csv
    """
    report = wh.build_demo(orders=orders, seed=seed, export_csv=export_csv)
    if as_json:
        _print_json(
            {
                "db": str(wh.path),
                "committees": report.committees,
                "products": report.products,
                "operators": report.operators,
                "orders": report.orders,
                "amount_fen": report.amount_fen,
                "csv_rows": report.csv_rows,
            }
        )
        return
    click.echo(
        _(
            "Demo warehouse {path}: {committees} committees, {products} products, "
            "{operators} operators, {orders} orders worth {amount}.",
            path=wh.path,
            committees=report.committees,
            products=report.products,
            operators=report.operators,
            orders=report.orders,
            amount=format_fen(report.amount_fen),
        )
    )
    if export_csv is not None:
        click.echo(
            _("Bank export written to {path} ({rows} rows).", path=export_csv, rows=report.csv_rows)
        )
    sample = ", ".join(f"{code}/{pin}" for code, pin in list(report.pins.items())[:3])
    click.echo(_("Sign in with operator/PIN, e.g. {sample}", sample=sample))


@main.command(name="import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the files and report; change nothing.")
@json_option
@warehouse_options
def import_(wh: Warehouse, files: tuple[Path, ...], dry_run: bool, as_json: bool) -> None:
    """Import paid orders from bank exports: CSV (UTF-8, UTF-8-BOM, GBK), JSON or JSONL.

    Each file lands in one transaction. Orders already imported are skipped; an order
    number seen before with other content is a conflict and is never overwritten. Bad rows
    are listed as FILE:LINE: reason and kept for the shift lead; then the exit code is 3.

    \b
    Example:
      picker import --db demo.db 0412-export.csv 0412-late.jsonl
    """
    reports = []
    show_progress = not as_json and sys.stderr.isatty()
    for path in files:
        if show_progress and path.is_file():
            with click.progressbar(length=100, label=str(path), file=sys.stderr) as bar:
                done = [0]

                # Reading is the first 90%; the bar fills once the file's transaction commits.
                def progress(at: int, total: int, bar: Any = bar, done: list[int] = done) -> None:
                    pct = at * 90 // max(total, 1)
                    bar.update(pct - done[0])
                    done[0] = pct

                reports.append(wh.import_file(path, dry_run=dry_run, progress=progress))
                bar.update(100 - done[0])
        else:
            reports.append(wh.import_file(path, dry_run=dry_run))
    if as_json:
        _print_json(
            {
                "dry_run": dry_run,
                "files": [
                    {
                        "source": r.source,
                        "rows": r.rows,
                        "added": r.added,
                        "duplicates": r.duplicates,
                        "conflicts": len(r.conflicts),
                        "rejected_orders": r.rejected_orders,
                        "amount_fen": r.amount_fen,
                        "seen_before": r.seen_before,
                        "rejects": [
                            {
                                "line": rj.line,
                                "order_no": rj.order_no,
                                "reason": rj.reason,
                                "message": reason_text(rj.reason, rj.params),
                            }
                            for rj in r.rejects
                        ],
                    }
                    for r in reports
                ],
            }
        )
    else:
        for r in reports:
            for rj in r.rejects:
                click.secho(describe(rj), fg="red", err=True)
            if r.seen_before and not r.added:
                click.echo(
                    _(
                        "{source}: this file was imported before ({when}); nothing added.",
                        source=r.source,
                        when=r.seen_before[1],
                    )
                )
            verb = _("would add") if r.dry_run else _("added")
            click.echo(
                _(
                    "{source}: {rows} rows, {verb} {added} orders ({amount}), "
                    "{duplicates} already imported, {rejected} rejected.",
                    source=r.source,
                    rows=r.rows,
                    verb=verb,
                    added=r.added,
                    amount=format_fen(r.amount_fen),
                    duplicates=r.duplicates,
                    rejected=r.rejected_orders,
                )
            )
    if any(r.rejects for r in reports):
        sys.exit(EXIT_REJECTS)


@main.command()
@click.option("--committee", help="Only this committee (name, alias or code).")
@json_option
@warehouse_options
def orders(wh: Warehouse, committee: str | None, as_json: bool) -> None:
    """Paid orders per committee: counts, lines and amounts, and counts per status.

    \b
    Example:
      picker orders --db demo.db --committee 青平居委 --json
    """
    rows = wh.order_summary(committee)
    if as_json:
        _print_json(
            [
                {
                    "code": r.code,
                    "committee": r.name,
                    "subdistrict": r.subdistrict,
                    "orders": r.orders,
                    "lines": r.lines,
                    "amount_fen": r.amount_fen,
                    "rejects_pending": r.rejects,
                    "by_status": r.by_status,
                }
                for r in rows
            ]
        )
        return
    headers = (
        _("Subdistrict"),
        _("Committee"),
        _("Orders"),
        _("Lines"),
        _("Amount"),
        _("Refunded"),
        _("Rejects"),
    )
    table = [
        (
            r.subdistrict,
            r.name,
            str(r.orders),
            str(r.lines),
            format_fen(r.amount_fen),
            str(r.by_status.get("refunded", 0)),
            str(r.rejects),
        )
        for r in rows
    ]
    total = (
        _("Total"),
        "",
        str(sum(r.orders for r in rows)),
        str(sum(r.lines for r in rows)),
        format_fen(sum(r.amount_fen for r in rows)),
        str(sum(r.by_status.get("refunded", 0) for r in rows)),
        str(sum(r.rejects for r in rows)),
    )
    click.echo(_format_table(headers, [*table, total]))


def _format_table(headers: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    """Columns aligned by display width (a Chinese character takes two cells)."""
    from unicodedata import east_asian_width

    def width(s: str) -> int:
        return sum(2 if east_asian_width(ch) in "WF" else 1 for ch in s)

    cols = [max(width(r[i]) for r in [headers, *rows]) for i in range(len(headers))]

    def fmt(row: tuple[str, ...]) -> str:
        cells = []
        for i, cell in enumerate(row):
            pad = " " * (cols[i] - width(cell))
            cells.append(pad + cell if i >= 2 else cell + pad)
        return "  ".join(cells).rstrip()

    return "\n".join([fmt(headers), *(fmt(r) for r in rows)])


@main.command()
@click.option("--max-orders", type=click.IntRange(min=1), help="Orders per batch at most.")
@click.option("--max-lines", type=click.IntRange(min=1), help="Order lines per batch at most.")
@click.option("--max-kg", type=click.FloatRange(min=0.1), help="Estimated kg per batch at most.")
@json_option
@warehouse_options
def batch(
    wh: Warehouse,
    max_orders: int | None,
    max_lines: int | None,
    max_kg: float | None,
    as_json: bool,
) -> None:
    """Plan picking batches for every paid order not yet in one, per committee.

    Caps default to the config file's [batching] section. Orders paid later go into new
    batches the next time; a released batch is never reopened.

    \b
    Example:
      picker batch --db demo.db --max-orders 30 --max-kg 120
    """
    from dataclasses import replace

    caps = wh.settings.batch_caps
    changes = {
        k: v
        for k, v in (("max_orders", max_orders), ("max_lines", max_lines), ("max_kg", max_kg))
        if v is not None
    }
    report = wh.plan_batches(replace(caps, **changes))  # type: ignore[arg-type]
    if as_json:
        _print_json({"batches": report.batches, "orders": report.orders})
        return
    click.echo(
        _(
            "Planned {batches} batches for {orders} orders.",
            batches=len(report.batches),
            orders=report.orders,
        )
    )


@main.command()
@click.option(
    "--status",
    type=click.Choice(["draft", "released", "claimed", "picking", "picked", "packed", "closed"]),
    help="Only batches in this state.",
)
@json_option
@warehouse_options
def batches(wh: Warehouse, status: str | None, as_json: bool) -> None:
    """List batches with their committee, size, holder and pick progress.

    \b
    Example:
      picker batches --db demo.db --status released
    """
    found = wh.batches(status)
    if as_json:
        _print_json(found)
        return
    headers = (
        _("Batch"),
        _("Committee"),
        _("Status"),
        _("Orders"),
        _("Lines"),
        _("Picked"),
        _("Holder"),
    )
    table = [
        (
            b["id"],
            b["committee_name"],
            state_label(b["status"]),
            str(b["orders"]),
            str(b["lines"]),
            f"{b['picked']}/{b['units'] - b['short']}",
            b["holder"] or "",
        )
        for b in found
    ]
    click.echo(_format_table(headers, table))


def operator_option(fn: F) -> F:
    return click.option("--operator", required=True, help="Operator code, e.g. P001.")(fn)


def terminal_option(fn: F) -> F:
    return click.option(
        "--terminal",
        envvar="PICKER_TERMINAL",
        default="",
        help="Terminal name (env PICKER_TERMINAL).",
    )(fn)


@main.command()
@click.argument("batch_id", metavar="BATCH")
@operator_option
@terminal_option
@json_option
@warehouse_options
def claim(wh: Warehouse, batch_id: str, operator: str, terminal: str, as_json: bool) -> None:
    """Claim a batch to pick it; claiming your own batch again resumes it.

    Exits 4, naming the holder, when someone else has it.

    \b
    Example:
      picker claim XY01-0412-01 --operator P001 --terminal T3
    """
    report = wh.claim(batch_id, operator, terminal)
    if as_json:
        _print_json(
            {
                "batch": report.batch,
                "holder": report.holder,
                "resumed": report.resumed,
                "status": report.status,
            }
        )
        return
    if report.resumed:
        click.echo(_("Resumed {batch}.", batch=report.batch))
    else:
        click.echo(_("Claimed {batch}.", batch=report.batch))


@main.command()
@click.argument("batch_id", metavar="BATCH")
@operator_option
@warehouse_options
def release(wh: Warehouse, batch_id: str, operator: str) -> None:
    """Give a claimed batch back to the floor; what was picked stays picked.

    \b
    Example:
      picker release XY01-0412-01 --operator P001
    """
    wh.release(batch_id, operator)
    click.echo(_("Released {batch}.", batch=batch_id))


@main.command()
@click.argument("batch_id", metavar="BATCH")
@click.option("--lead", required=True, help="The shift lead's operator code.")
@click.option("--to", "to", help="Give the batch to this operator instead of the lead.")
@terminal_option
@warehouse_options
def takeover(wh: Warehouse, batch_id: str, lead: str, to: str | None, terminal: str) -> None:
    """A shift lead takes a batch from whoever holds it (logged).

    \b
    Example:
      picker takeover XY01-0412-01 --lead L01 --to P007
    """
    wh.take_over(batch_id, lead, to, terminal)
    click.echo(_("{batch} is now held by {holder}.", batch=batch_id, holder=to or lead))


@main.command()
@click.argument("order_no", metavar="ORDER")
@click.option("--refunded", is_flag=True, help="The bank refunded it (default: cancelled).")
@click.option("--reason", default="", help="Why, for the record.")
@warehouse_options
def cancel(wh: Warehouse, order_no: str, refunded: bool, reason: str) -> None:
    """Cancel a paid order: refund what is not yet refunded, and never pack it.

    \b
    Example:
      picker cancel 20220412000123 --refunded --reason "resident left"
    """
    from picker.model import OrderStatus

    status = OrderStatus.REFUNDED if refunded else OrderStatus.CANCELLED
    fen = wh.cancel_order(order_no, status, reason)
    click.echo(
        _(
            "Order {order_no} is {status}; {amount} to refund.",
            order_no=order_no,
            status=state_label(status.value),
            amount=format_fen(fen),
        )
    )


@main.command()
@click.option("--batch", "batch_id", required=True, help="The batch being scanned.")
@operator_option
@terminal_option
@click.option("--stage", type=click.Choice(["pick", "pack"]), default="pick", show_default=True)
@warehouse_options
def scan(wh: Warehouse, batch_id: str, operator: str, terminal: str, stage: str) -> None:
    """Read codes from stdin, one per line, and apply them to a claimed batch.

    Each line is a code as a scanner sends it (`12*CODE` multiplies it), or
    `CMD-SHORT [REASON] [SKU]` (reasons: out-of-stock, damaged, not-found, quality).
    Writes one JSON object per line: code, outcome, reason, product, quantity, line and batch
    progress. Exits 3 when any code was rejected.

    \b
    Example:
      printf '6901234567892\\n12*6901234567908\\n' \\
        | picker scan --batch XY01-0412-01 --operator P001
    """
    session = wh.session(batch_id, operator, terminal, stage)
    rejected = 0
    for line in sys.stdin:
        code = line.strip()
        if not code:
            continue
        if code.upper().startswith("CMD-SHORT") and " " in code:
            parts = code.split()
            try:
                result = session.short(parts[1], parts[2] if len(parts) > 2 else None)
            except ValueError:
                result = session.scan(code)
        else:
            result = session.scan(code)
        rejected += not result.accepted
        click.echo(json.dumps(result.to_json(), ensure_ascii=False))
        sys.stdout.flush()
    if rejected:
        sys.exit(EXIT_REJECTS)


from picker import cli_accounts  # noqa: E402, F401  (registers its commands)
from picker import cli_feed  # noqa: E402, F401  (registers its commands)


@main.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Keep 127.0.0.1 unless the network is trusted.",
)
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="TCP port."
)
@warehouse_options
def serve(wh: Warehouse, host: str, port: int) -> None:
    """Serve the terminal app in a browser (textual-serve): one app process per browser tab.

    textual-serve has no authentication of its own: the app's sign-in (badge, or operator
    code and PIN) is the only gate, so it listens on 127.0.0.1 by default. Reach it from
    other machines through an SSH tunnel or a TLS reverse proxy, or bind --host 0.0.0.0
    only on a trusted warehouse network. Claims made in a tab carry the terminal name
    `web@HOST` unless PICKER_TERMINAL is set.

    \b
    Example:
      picker serve --db demo.db --port 8000   # then open http://127.0.0.1:8000
    """
    import os
    import shlex
    import socket

    from textual_serve.server import Server

    from picker.i18n import current_language

    params = click.get_current_context().params
    command = [sys.executable, "-m", "picker", "--lang", current_language()]
    command += ["--db", str(wh.path.resolve())]
    if params.get("config_path"):
        command += ["--config", str(Path(params["config_path"]).resolve())]
    os.environ.setdefault("PICKER_TERMINAL", f"web@{socket.gethostname()}")
    server = Server(
        shlex.join([*command, "tui"]), host=host, port=port, title=wh.settings.warehouse_name
    )
    server.serve()


from picker import cli_print  # noqa: E402, F401  (registers its commands)
from picker import cli_dispatch  # noqa: E402, F401  (registers its commands)
