"""The command line: thin click commands over `Warehouse`. Docstrings are the `--help`."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from picker.config import load_settings
from picker.errors import PickerError
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
@warehouse_options
def tui(wh: Warehouse) -> None:
    """Open the terminal app (the default when no command is given).

    \b
    Example:
      picker tui --db demo.db
    """
    from picker.ui.app import make_app

    make_app(wh).run()


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
        if show_progress:
            with click.progressbar(length=100, label=str(path), file=sys.stderr) as bar:
                done = [0]

                def progress(at: int, total: int, bar: Any = bar, done: list[int] = done) -> None:
                    pct = at * 100 // max(total, 1)
                    bar.update(pct - done[0])
                    done[0] = pct

                reports.append(wh.import_file(path, dry_run=dry_run, progress=progress))
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


def _format_table(headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
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
