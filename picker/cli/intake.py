"""Orders in: the demo warehouse, bank exports, the overview per committee."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from picker.cli.common import (
    EXIT_REJECTS,
    format_table,
    json_option,
    main,
    print_json,
    warehouse_options,
)
from picker.domain.importing import describe, reason_text
from picker.domain.model import OrderStatus
from picker.domain.money import format_fen
from picker.i18n import _, _n

if TYPE_CHECKING:
    from picker.app.warehouse import Warehouse


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
        print_json(
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
            "Demo warehouse {path}: {committees}, {products}, {operators}, "
            "{orders} worth {amount}.",
            path=wh.path,
            committees=_n(
                "{n} committee", "{n} committees", report.committees, n=report.committees
            ),
            products=_n("{n} product", "{n} products", report.products, n=report.products),
            operators=_n("{n} operator", "{n} operators", report.operators, n=report.operators),
            orders=_n("{n} order", "{n} orders", report.orders, n=report.orders),
            amount=format_fen(report.amount_fen),
        )
    )
    if export_csv is not None:
        click.echo(
            _n(
                "Bank export written to {path} ({rows} row).",
                "Bank export written to {path} ({rows} rows).",
                report.csv_rows or 0,
                path=export_csv,
                rows=report.csv_rows,
            )
        )
    # One of each role: a picker's badge signs in alone, a lead also needs the PIN.
    firsts: dict[str, str] = {}
    for code, pin in report.pins.items():
        firsts.setdefault(code[:1], f"{code}/{pin}")
    sample = ", ".join(firsts.values())
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
        print_json(
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
                _n(
                    "{source}: {rows} row, {verb} {added}, "
                    "{duplicates} already imported, {rejected} rejected.",
                    "{source}: {rows} rows, {verb} {added}, "
                    "{duplicates} already imported, {rejected} rejected.",
                    r.rows,
                    source=r.source,
                    rows=r.rows,
                    verb=verb,
                    added=_n(
                        "{n} order ({amount})",
                        "{n} orders ({amount})",
                        r.added,
                        n=r.added,
                        amount=format_fen(r.amount_fen),
                    ),
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
        print_json(
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
        _("Order lines"),
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
            str(r.by_status.get(OrderStatus.REFUNDED, 0)),
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
        str(sum(r.by_status.get(OrderStatus.REFUNDED, 0) for r in rows)),
        str(sum(r.rejects for r in rows)),
    )
    click.echo(format_table(headers, [*table, total]))
