"""The floor: batches, claims, cancellations and scans from stdin."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

import click

from picker.cli.common import (
    EXIT_REJECTS,
    format_table,
    json_option,
    main,
    operator_option,
    print_json,
    terminal_option,
    warehouse_options,
)
from picker.domain.money import format_fen
from picker.domain.states import BatchState, state_label
from picker.i18n import _, _n

if TYPE_CHECKING:
    from picker.app.warehouse import Warehouse


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
        print_json({"batches": report.batches, "orders": report.orders})
        return
    click.echo(
        _n(
            "Planned {batches} batch for {orders}.",
            "Planned {batches} batches for {orders}.",
            len(report.batches),
            batches=len(report.batches),
            orders=_n("{n} order", "{n} orders", report.orders, n=report.orders),
        )
    )


@main.command()
@click.option(
    "--status",
    type=click.Choice([s.value for s in BatchState]),
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
        print_json(found)
        return
    headers = (
        _("Batch"),
        _("Committee"),
        _("Status"),
        _("Orders"),
        _("Order lines"),
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
    click.echo(format_table(headers, table))


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
        print_json(
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
    from picker.domain.model import OrderStatus

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
@click.option(
    "--from",
    "source",
    metavar="DEVICE",
    help="Read codes from a scanner instead of stdin: serial:/dev/ttyUSB0[:BAUD[:FRAME]] "
    "or tcp:HOST:PORT.",
)
@warehouse_options
def scan(
    wh: Warehouse, batch_id: str, operator: str, terminal: str, stage: str, source: str | None
) -> None:
    """Read codes from stdin (or a scanner), one per line, and apply them to a claimed batch.

    Each line is a code as a scanner sends it (`12*CODE` multiplies it), or
    `CMD-SHORT [REASON] [SKU]` (reasons: out-of-stock, damaged, not-found, quality).
    Writes one JSON object per line: code, outcome, reason, product, quantity, line and batch
    progress. With --from, codes end at CR or LF and reading stops when the device closes
    (or Ctrl-C). Exits 3 when any code was rejected.

    \b
    Example:
      printf '6901234567892\\n12*6901234567908\\n' \\
        | picker scan --batch XY01-0412-01 --operator P001
      picker scan --batch XY01-0412-01 --operator P001 --from serial:/dev/ttyACM0
    """
    session = wh.session(batch_id, operator, terminal, stage)
    rejected = 0
    for line in _codes(source):
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


def _codes(source: str | None) -> Iterator[str]:
    """Lines of stdin, or the codes a serial or network scanner sends until it closes."""
    if source is None:
        # Bytes that are not UTF-8 (a scanner in the wrong mode) are one rejected code, not
        # the end of the stream; the escapes keep them readable in the scan log.
        for raw in sys.stdin.buffer:
            yield raw.decode("utf-8", "backslashreplace")
        return
    from picker.adapters.devices import open_link, parse_address, read_codes

    address = parse_address(source)
    link = open_link(address)
    try:
        # On stderr, so the JSON on stdout stays clean; says the device is open and read.
        click.echo(_("Reading codes from {device}; Ctrl-C to stop.", device=address), err=True)
        yield from read_codes(link)
    except KeyboardInterrupt:
        return
    finally:
        link.close()
