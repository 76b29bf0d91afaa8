"""`picker routes`, `missing`, `assign`, `load`, `depart`, `pod`: thin commands over `Warehouse`.

Registered on `picker.cli.main` when `picker.cli` imports this module (its last line).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from picker.cli.common import (
    EXIT_REJECTS,
    F,
    format_table,
    json_option,
    main,
    operator_option,
    print_json,
    terminal_option,
    warehouse_options,
)
from picker.domain.routing import route_state
from picker.domain.states import BagState
from picker.i18n import _

if TYPE_CHECKING:
    from picker.app.warehouse import Warehouse


def day_option(fn: F) -> F:
    return click.option(
        "--day", metavar="YYYY-MM-DD", help="The routes of this day (default: today)."
    )(fn)


@main.command()
@day_option
@json_option
@warehouse_options
def routes(wh: Warehouse, day: str | None, as_json: bool) -> None:
    """The day's routes with their stops and bags loaded / expected.

    The first time a day's routes are asked for they are planned from the committees'
    configured route and stop order; after that they stay as the shift lead arranged them.

    \b
    Example:
      picker routes --db demo.db --json
    """
    plan = wh.plan_routes(day)
    found = wh.routes(plan.day)
    if as_json:
        print_json([r.to_json() for r in found])
        return
    headers = (_("Stop"), _("Committee"), _("Address"), _("Loaded"), _("Missing"))
    for r in found:
        driver = f"{r.driver_name} ({r.driver})" if r.driver else "-"
        click.secho(
            _(
                "{route} {name}: {status}, truck {truck}, driver {driver}, {loaded}/{total} bags",
                route=r.id,
                name=r.name,
                status=route_state(r.status),
                truck=r.truck or "-",
                driver=driver,
                loaded=r.loaded,
                total=r.total,
            ),
            bold=True,
        )
        table = [
            (str(s.stop_order), s.name, s.address, f"{s.loaded}/{s.total}", str(s.missing))
            for s in r.stops
        ]
        click.echo(format_table(headers, table) if table else _("(no stops)"))
        click.echo()
    if plan.unrouted:
        click.secho(
            _("On no route: {committees}", committees=", ".join(plan.unrouted)), fg="yellow"
        )


@main.command()
@click.argument("route")
@json_option
@warehouse_options
def missing(wh: Warehouse, route: str, as_json: bool) -> None:
    """What stays behind on a route, per stop (ROUTE: id, name or number of today's): bags
    not loaded, paid orders not packed or not batched, crate problems. `depart` refuses
    while anything is listed, unless a shift lead gives the reason.

    \b
    Example:
      picker missing 线路1 --db demo.db
    """
    stops = wh.missing(route)
    if as_json:
        print_json(
            [
                {
                    "stop": s.stop_order,
                    "committee": s.committee,
                    "name": s.name,
                    "unpacked_orders": s.unpacked,
                    "unbatched_orders": s.unbatched,
                    "open_crates": list(s.open_crates),
                    "crate_problems": [p.message for p in s.crates],
                    "bags": [
                        {
                            "bag": b.bag,
                            "order_no": b.order_no,
                            "address": b.address,
                            "status": b.status,
                        }
                        for b in s.bags
                    ],
                }
                for s in stops
            ]
        )
        return
    if not stops:
        click.echo(_("Nothing stays behind: every bag is loaded, every order packed."))
    for s in stops:
        click.secho(f"{s.stop_order}. {s.name}: {s.summary()}", bold=True)
        for b in s.bags:
            note = _(" (still open)") if b.status == BagState.OPEN else ""
            click.echo(f"   {b.bag}  {b.address}{note}")
        for problem in s.crates:  # `picker crate check` lists them as JSON
            click.secho(f"   {problem.message}", fg="yellow")


@main.command()
@click.argument("committee")
@click.argument("route")
@click.option(
    "--stop", "stop_order", type=click.IntRange(min=1), help="Stop number (default last)."
)
@warehouse_options
def assign(wh: Warehouse, committee: str, route: str, stop_order: int | None) -> None:
    """Put a committee on a route of its day, taking it off the route it was on.

    \b
    Example:
      picker assign 青平居委 线路2 --stop 1 --db demo.db
    """
    found = wh.assign(committee, route, stop_order)
    order = ", ".join(f"{s.stop_order}. {s.name}" for s in found.stops)
    click.echo(f"{found.id} {found.name}: {order}")


@main.command()
@click.option("--route", "route", required=True, help="Route id, or name or number of today's.")
@operator_option
@terminal_option
@warehouse_options
def load(wh: Warehouse, route: str, operator: str, terminal: str) -> None:
    """Read bag labels from stdin, one per line, and load them onto a route's truck.

    Writes one JSON object per line: code, outcome, reason, message, bag, order, committee,
    stop, stop and route progress. A bag of another route, an unknown bag, a bag loaded
    already, an open bag or a code that is not a bag label is rejected. Exits 3 when any
    code was rejected.

    \b
    Example:
      printf 'BG20220412000001-1\\n' | picker load --route 线路1 --operator D01
    """
    session = wh.load_session(route, operator, terminal)
    rejected = 0
    for line in sys.stdin:
        code = line.strip()
        if not code:
            continue
        result = session.scan(code)
        rejected += not result.accepted
        click.echo(json.dumps(result.to_json(), ensure_ascii=False))
        sys.stdout.flush()
    if rejected:
        sys.exit(EXIT_REJECTS)


@main.command()
@click.argument("bags", nargs=-1, required=True, metavar="BAG...")
@click.option("--route", "route", required=True, help="Route id, or name or number of today's.")
@operator_option
@terminal_option
@warehouse_options
def unload(wh: Warehouse, bags: tuple[str, ...], route: str, operator: str, terminal: str) -> None:
    """Take bags back off a truck that has not left, e.g. a household that stays behind whole.

    Writes one JSON object per bag, as `picker load` does. Exits 3 when any was refused.

    \b
    Example:
      picker unload BG20220412000001-1 BG20220412000001-2 --route 线路1 --operator D01
    """
    session = wh.load_session(route, operator, terminal)
    results = [session.unload(bag) for bag in bags]
    for result in results:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False))
    if not all(r.accepted for r in results):
        sys.exit(EXIT_REJECTS)


@main.command()
@click.argument("route")
@operator_option
@click.option(
    "--override", "override", help="Why the truck goes with anything left behind (leads only)."
)
@json_option
@warehouse_options
def depart(wh: Warehouse, route: str, operator: str, override: str | None, as_json: bool) -> None:
    """Mark a route departed. With anything left behind (`picker missing`: bags not loaded,
    orders not packed, crate problems) it exits 4, however few bags are on board, unless a
    shift lead gives the reason with --override (kept on the route: who, when, why).

    \b
    Example:
      picker depart 线路1 --operator L01 --override "A003 packed for the next run"
    """
    found = wh.depart(route, operator, override)
    if as_json:
        print_json(found.to_json())
        return
    click.echo(
        _(
            "{route} {name} departed at {at}: {loaded}/{total} bags.",
            route=found.id,
            name=found.name,
            at=found.departed_at,
            loaded=found.loaded,
            total=found.total,
        )
    )
    if found.override_by:
        click.secho(
            _(
                "Override by {lead}: {reason}",
                lead=found.override_by,
                reason=found.override_reason,
            ),
            fg="yellow",
        )


@main.command()
@click.argument("images", nargs=-1, required=True, type=click.Path(path_type=Path))
@json_option
@warehouse_options
def pod(wh: Warehouse, images: tuple[Path, ...], as_json: bool) -> None:
    """Proof of delivery: read the manifest QR on photos of signed manifests.

    Each manifest read is marked delivered, with the photo's path kept. A page of a long
    manifest (its QR names the page) is recorded as signed, and the manifest is delivered
    when every page is; the pages still to come back are listed in yellow. A photo is tried
    as it is, then in grayscale, bordered, sharpened, thresholded, scaled, rotated and
    inverted before it is given up. Files with no readable manifest code are listed;
    then the exit code is 3.

    \b
    Example:
      picker pod --db demo.db photos/*.jpg
    """
    results = wh.proof_of_delivery(images)
    if as_json:
        print_json([r.to_json() for r in results])
    else:
        for r in results:
            if r.ok and r.missing:
                click.secho(r.message, fg="yellow")
            elif r.ok:
                click.echo(r.message)
            else:
                click.secho(r.message, fg="red", err=True)
    if any(not r.ok for r in results):
        sys.exit(EXIT_REJECTS)
