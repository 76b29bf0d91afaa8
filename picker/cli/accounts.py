"""`picker settle`, `picker audit`, `picker stats`: thin commands over `Warehouse`.

Registered on `picker.cli.main` when `picker.cli` imports this module (its last line).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from picker.app.accounts import (
    KIND_TEXT,
    STATE_TEXT,
    missing_pages_text,
    problem_text,
    state_text,
)
from picker.cli.common import (
    EXIT_REJECTS,
    format_table,
    json_option,
    main,
    print_json,
    warehouse_options,
)
from picker.domain.audit import AuditReport, EndState, OpenReason
from picker.domain.kpi import Kpis, Rate, Ratio
from picker.domain.money import format_fen
from picker.domain.settlement import COUNTED, SettlementRow
from picker.domain.states import RefundKind
from picker.i18n import _, _n

if TYPE_CHECKING:
    from picker.app.warehouse import Warehouse


def day_option(fn: Any) -> Any:
    return click.option(
        "--day", metavar="YYYY-MM-DD", help="Only this day (Asia/Shanghai); default: all."
    )(fn)


def row_json(row: SettlementRow) -> dict[str, Any]:
    """A settlement row with its derived amounts; money in fen."""
    data: dict[str, Any] = {"code": row.code, "name": row.name}
    if row.subdistrict:
        data["subdistrict"] = row.subdistrict
    data.update({name: getattr(row, name) for name in COUNTED})
    data.update(
        refunds_fen=row.refunds_fen,
        net_fen=row.net_fen,
        open_fen=row.open_fen,
        open_orders=row.open_orders,
    )
    return data


def _money_headers() -> tuple[str, ...]:
    return (
        _("Orders"),
        _("Paid"),
        _(KIND_TEXT[RefundKind.SHORT]),
        _(KIND_TEXT[RefundKind.UNDERWEIGHT]),
        _(KIND_TEXT[RefundKind.CANCEL]),
        _("Net"),
        _("Delivered"),
        _("Open"),
    )


def _amounts(row: SettlementRow) -> tuple[int, ...]:
    return (
        row.paid_fen,
        row.short_fen,
        row.underweight_fen,
        row.cancel_fen,
        row.net_fen,
        row.delivered_fen,
        row.open_fen,
    )


def _money_cells(row: SettlementRow) -> tuple[str, ...]:
    return (str(row.orders), *(format_fen(a) for a in _amounts(row)))


def _write_csv(path: Path, rows: list[tuple[str, SettlementRow]]) -> None:
    """UTF-8 with a BOM, so Excel on a Chinese Windows opens it right; amounts in yuan."""
    headers = (
        _("Section"),
        _("Code"),
        _("Name of the committee or code"),
        _("Subdistrict"),
        *_money_headers(),
    )
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(headers)
        for section, row in rows:
            yuan = [format_fen(a, symbol="").replace(",", "") for a in _amounts(row)]
            writer.writerow([section, row.code, row.name, row.subdistrict, row.orders, *yuan])


@main.command()
@day_option
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the rows to this CSV file (UTF-8 with BOM, amounts in yuan).",
)
@json_option
@warehouse_options
def settle(wh: Warehouse, day: str | None, csv_path: Path | None, as_json: bool) -> None:
    """Settlement per committee (按居委分账) and per payment code.

    Paid is every order the bank collected money for, refunded later or not. Refunds are
    split into shortage, under-weight and cancellation; net = paid − refunds; delivered is
    the net of orders whose bags were all signed for; open = net − delivered. --day takes
    the orders paid that day. The rows are checked against the payments and refunds summed
    straight from the tables; exits 3 if a single fen does not add up.

    \b
    Example:
      picker settle --db demo.db --day 2022-04-12 --csv settlement.csv
    """
    if as_json and csv_path:
        raise click.UsageError(_("choose one of --json and --csv"))
    s = wh.settlement(day)
    if as_json:
        print_json(
            {
                "day": s.day,
                "reconciled": s.reconciled,
                "mismatches": [
                    {"check": c, "expected_fen": e, "found_fen": f} for c, e, f in s.mismatches
                ],
                "ledger": {
                    "payments_fen": s.ledger.payments_fen,
                    "refunds_fen": s.ledger.refunds_fen,
                },
                "committees": [row_json(r) for r in s.committees],
                "payment_codes": [row_json(r) for r in s.payment_codes],
                "total": row_json(s.total),
            }
        )
    elif csv_path:
        sections = [
            *((_("committee"), r) for r in s.committees),
            *((_("payment code"), r) for r in s.payment_codes),
            (_("Total"), s.total),
        ]
        _write_csv(csv_path, sections)
        click.echo(_("Settlement written to {path}.", path=csv_path))
    else:
        total = (_("Total"), "", *_money_cells(s.total))
        heads = _money_headers()
        committees = [(r.subdistrict, r.name, *_money_cells(r)) for r in s.committees]
        click.echo(format_table((_("Subdistrict"), _("Committee"), *heads), [*committees, total]))
        click.echo()
        codes = [(r.code, r.name, *_money_cells(r)) for r in s.payment_codes]
        click.echo(
            format_table((_("Payment code"), _("Name of the code"), *heads), [*codes, total])
        )
    if not s.reconciled:
        for check, expected, found in s.mismatches:
            click.secho(
                _(
                    "does not add up: {check}: expected {expected}, found {found}",
                    check=check,
                    expected=format_fen(expected),
                    found=format_fen(found),
                ),
                fg="red",
                err=True,
            )
        sys.exit(EXIT_REJECTS)
    if not as_json:
        click.echo(
            _(
                "Reconciled: payments {paid} − refunds {refunds} = {net}, to the fen.",
                paid=format_fen(s.ledger.payments_fen),
                refunds=format_fen(s.ledger.refunds_fen),
                net=format_fen(s.total.net_fen),
            )
        )


def audit_json(report: AuditReport) -> dict[str, Any]:
    return {
        "day": report.day,
        "clean": report.clean,
        "counts": report.counts(),
        "problems": [
            {
                "order_no": o.order_no,
                "committee": o.committee,
                "states": list(o.states),
                "problems": [
                    {"problem": p, "params": dict(params), "message": problem_text(p, params)}
                    for p, params in o.problems
                ],
            }
            for o in report.failing
        ],
        "open": [
            {
                "order_no": o.order_no,
                "committee": o.committee,
                "reason": o.reason,
                "net_fen": o.net_fen,
                "detail": dict(o.detail),
            }
            for o in report.orders
            if o.state is EndState.OPEN and not o.problems
        ],
        "to_unpack": [{"order_no": no, "bag": bag} for no, bag in report.to_unpack],
        "unsigned_pages": [
            {
                "manifest": p.manifest,
                "committee": p.committee,
                "pages": p.pages,
                "missing": list(p.missing),
                "message": missing_pages_text(p),
            }
            for p in report.unsigned_pages
        ],
    }


@main.command(name="audit")
@day_option
@click.option("--open", "list_open", is_flag=True, help="Also list every open order.")
@click.option("--closing", is_flag=True, help="Closing the day: open orders fail too.")
@json_option
@warehouse_options
def audit_(wh: Warehouse, day: str | None, list_open: bool, closing: bool, as_json: bool) -> None:
    """The 漏单 audit: every paid order in exactly one end state.

    End states: delivered (all bags signed for), refunded in full (cancelled, refunded or
    every line short), or open with the reason: not batched, waiting for a picker, being
    picked or packed, packed not loaded, loaded not delivered. Open orders are normal during
    the day and do not fail the audit (with --closing they do).

    It fails (exit 3) on inconsistencies, listed per order: two end states or none, an order
    in two batches or in another committee's batch, a bag on a route that does not stop at
    its committee or on another committee's manifest, bags of a cancelled order on their way,
    refunds over the paid amount, a packed order whose bag count is not its n; and a manifest
    signed in part: some of its pages came back signed, others not (listed by page). Exit 0
    means every paid order is accounted for.

    \b
    Example:
      picker audit --db demo.db --day 2022-04-12 --json
    """
    report = wh.audit(day)
    counts = report.counts()
    still_open = counts[EndState.OPEN]
    failed = not report.clean or (closing and still_open > 0)
    if as_json:
        print_json(audit_json(report))
        sys.exit(EXIT_REJECTS if failed else 0)
    reasons = ", ".join(f"{_(STATE_TEXT[r])} {counts[r]}" for r in OpenReason if counts[r])
    click.echo(
        _n(
            "{orders} order: {delivered} delivered, {refunded} refunded in full, "
            "{open} open ({reasons}).",
            "{orders} orders: {delivered} delivered, {refunded} refunded in full, "
            "{open} open ({reasons}).",
            len(report.orders),
            orders=len(report.orders),
            delivered=counts[EndState.DELIVERED],
            refunded=counts[EndState.REFUNDED],
            open=still_open,
            reasons=reasons or "-",
        )
    )
    if list_open or (closing and still_open):
        for o in report.orders:
            if o.state is EndState.OPEN and not o.problems:
                click.echo(f"{o.order_no}  {o.committee}  {state_text(o)}")
    for no, bag in report.to_unpack:
        click.secho(_("{order_no}: cancelled, unpack bag {bag}", order_no=no, bag=bag), fg="yellow")
    for o in report.failing:
        for problem, params in o.problems:
            click.secho(
                f"{o.order_no}  {o.committee}  {problem_text(problem, params)}", fg="red", err=True
            )
    for proof in report.unsigned_pages:
        click.secho(missing_pages_text(proof), fg="red", err=True)
    if report.clean:
        click.secho(_("Every paid order accounted for."), fg="green")
    else:
        count = len(report.failing)
        if count or not report.unsigned_pages:
            message = _n("{count} order with problems.", "{count} orders with problems.", count)
            click.secho(message.format(count=count), fg="red")
        if report.unsigned_pages:
            click.secho(
                _n(
                    "{count} manifest with pages not signed for.",
                    "{count} manifests with pages not signed for.",
                    len(report.unsigned_pages),
                    count=len(report.unsigned_pages),
                ),
                fg="red",
            )
    if failed:
        sys.exit(EXIT_REJECTS)


def _rate_json(r: Rate) -> dict[str, Any]:
    per_hour = None if r.per_hour is None else round(r.per_hour, 2)
    return {
        "operator": r.operator,
        "name": r.name,
        "done": r.done,
        "active_seconds": round(r.active_seconds),
        "per_hour": per_hour,
    }


def _ratio_json(r: Ratio) -> dict[str, Any]:
    rate = None if r.rate is None else round(r.rate, 4)
    return {"key": r.key, "name": r.name, "part": r.part, "whole": r.whole, "rate": rate}


def stats_json(k: Kpis) -> dict[str, Any]:
    return {
        "day": k.day,
        "lines_per_hour": [_rate_json(r) for r in k.lines_per_hour],
        "bags_per_hour": [_rate_json(r) for r in k.bags_per_hour],
        "rejects": _ratio_json(k.rejects),
        "rejects_by_operator": [_ratio_json(r) for r in k.rejects_by_operator],
        "reject_reasons": [{"reason": r, "count": n} for r, n in k.reject_reasons],
        "short_by_product": [_ratio_json(r) for r in k.short_by_product],
        "short_by_committee": [_ratio_json(r) for r in k.short_by_committee],
        "scans_per_hour": [
            {"hour": h.hour, "accepted": h.accepted, "rejected": h.rejected}
            for h in k.scans_per_hour
        ],
    }


def _pct(r: Ratio) -> str:
    return "-" if r.rate is None else f"{r.rate:.1%}"


def _per_hour(r: Rate) -> str:
    return _("— (too short)") if r.too_short or r.per_hour is None else f"{r.per_hour:.1f}"


@main.command()
@day_option
@json_option
@warehouse_options
def stats(wh: Warehouse, day: str | None, as_json: bool) -> None:
    """KPIs from the scan log: lines and bags per hour, reject and short rates.

    Active time is the gaps between an operator's scans at a stage, gaps over 5 minutes left
    out; under 15 minutes of it the rate is shown as too short. Lines per hour: distinct
    pick lines (batch, product) a picker picked a unit of or declared short. Bags per hour:
    closed bags, credited to whoever scanned their last item. Reject rate: rejected / all
    scans, every stage. Short rate: short units / needed units of the batches picked.

    \b
    Example:
      picker stats --db demo.db --day 2022-04-12 --json
    """
    k = wh.stats(day)
    if as_json:
        print_json(stats_json(k))
        return
    heads = (_("Operator"), _("Done"), _("Active hours"), _("Per hour"))
    for title, rates in (
        (_("Lines per hour"), k.lines_per_hour),
        (_("Bags per hour"), k.bags_per_hour),
    ):
        click.secho(title, bold=True)
        table = [
            (f"{r.operator} {r.name}", str(r.done), f"{r.active_seconds / 3600:.2f}", _per_hour(r))
            for r in rates
        ]
        click.echo(format_table(heads, table) if table else "-")
    click.secho(_("Reject rate"), bold=True)
    ops = [(f"{r.key} {r.name}", str(r.part), str(r.whole), _pct(r)) for r in k.rejects_by_operator]
    total = (_("Total"), str(k.rejects.part), str(k.rejects.whole), _pct(k.rejects))
    click.echo(format_table((_("Operator"), _("Rejected"), _("Scans"), _("Rate")), [*ops, total]))
    for title, first, ratios in (
        (_("Short rate per product"), _("Product"), k.short_by_product),
        (_("Short rate per committee"), _("Committee"), k.short_by_committee),
    ):
        click.secho(title, bold=True)
        table = [(r.name, str(r.part), str(r.whole), _pct(r)) for r in ratios]
        heads = (first, _("Short units"), _("Needed"), _("Rate"))
        click.echo(format_table(heads, table) if table else "-")
