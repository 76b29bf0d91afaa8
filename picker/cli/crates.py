"""`picker crate open|add|move|close|list|check`: thin commands over the crates of `Warehouse`.

Registered on `picker.cli.main` when `picker.cli` imports this module. A crate's label is
queued when it closes; `picker print crate CR-XY01-0001 [--reprint]` prints it (again).
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import click

from picker.app.crates import CrateInfo
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
from picker.domain.states import CrateState
from picker.i18n import _
from picker.paper.crates import crate_number

if TYPE_CHECKING:
    from picker.app.warehouse import Warehouse


@main.group(name="crate")
@warehouse_options
def crate_(wh: Warehouse) -> None:
    """Crates (周转筐): a committee's closed bags consolidated under one committee label.

    \b
    Example:
      picker crate open --committee 青平居委 --operator P001
      picker crate add CR-XY01-0001 BGA001-1 BGA002-1 --operator P001
      picker crate close CR-XY01-0001 --operator P001
    """
    # `picker crate --db X open` and `picker --db X crate open` mean `picker crate open --db X`.
    ctx = click.get_current_context()
    shared = {k: v for k in ("db_path", "config_path") if (v := ctx.params.get(k)) is not None}
    ctx.default_map = {name: dict(shared) for name in crate_.commands}


def _summary(c: CrateInfo) -> str:
    state = _("filling") if c.status == CrateState.OPEN else _("sealed")
    values = {
        "crate": c.code,
        "committee": c.committee_name,
        "state": state,
        "k": c.k,
        "bags": len(c.bags),
        "max": c.max_bags,
        "kg": f"{c.grams / 1000:.1f}",
    }
    if c.n is None:  # the committee's crate count is not final yet
        return _("{crate} {committee}: {state}, crate {k}, {bags}/{max} bags, {kg} kg", **values)
    return _(
        "{crate} {committee}: {state}, crate {k} of {n}, {bags}/{max} bags, {kg} kg",
        n=c.n,
        **values,
    )


def _show(c: CrateInfo | None, as_json: bool) -> None:
    if as_json:
        print_json(c.to_json() if c else None)
    elif c is not None:
        click.echo(_summary(c))


@crate_.command(name="open")
@click.argument("crate", required=False)
@click.option("--committee", help="A new crate for this committee (code, name or alias).")
@operator_option
@terminal_option
@json_option
@warehouse_options
def crate_open(
    wh: Warehouse,
    crate: str | None,
    committee: str | None,
    operator: str,
    terminal: str,
    as_json: bool,
) -> None:
    """Open crate CRATE (a reusable crate's id), or a new one numbered for --committee.

    An open crate is taken up as it is; a crate from an earlier day is filled anew once its
    bags went on a truck.

    \b
    Example:
      picker crate open CR-XY01-0007 --operator P001 --json
    """
    if bool(crate) == bool(committee):
        raise click.UsageError(_("give a CRATE id or --committee, not both"))
    _show(wh.open_crate(crate, committee=committee, operator=operator, terminal=terminal), as_json)


@crate_.command(name="add")
@click.argument("crate")
@click.argument("bags", nargs=-1)
@operator_option
@terminal_option
@warehouse_options
def crate_add(
    wh: Warehouse, crate: str, bags: tuple[str, ...], operator: str, terminal: str
) -> None:
    """Put bags into CRATE: the BAGS given, or bag labels read from stdin, one per line.

    Writes one JSON object per bag: outcome, reason, message, crate, its bag count, and the
    crate closed when the bag filled it (its label is queued). A bag that does not fit goes
    into a new crate, or with `[crates] auto_ids = false` waits for one: bags still waiting
    at the end are named on stderr. A bag of another committee, an open or loaded bag, or a
    bag in another crate is refused. Either way the exit code is 3.

    \b
    Example:
      printf 'BGA001-1\\nBGA002-1\\n' | picker crate add CR-XY01-0001 --operator P001
    """
    session = wh.crate_session(operator, terminal)
    opened = session.scan(crate)
    if not opened.accepted:
        click.echo(json.dumps(opened.to_json(), ensure_ascii=False))
        sys.exit(EXIT_REJECTS)
    rejected = 0
    for code in bags or (line.strip() for line in sys.stdin):
        if not code:
            continue
        result = session.scan(code)
        rejected += not result.accepted
        click.echo(json.dumps(result.to_json(), ensure_ascii=False))
        sys.stdout.flush()
    if session.waiting:
        # A bag that did not fit waits for a crate this run will not scan: say which.
        waiting = " ".join(session.waiting)
        click.echo(_("bags still waiting for a crate: {bags}", bags=waiting), err=True)
    if rejected or session.waiting:
        sys.exit(EXIT_REJECTS)


@crate_.command(name="move")
@click.argument("bag")
@click.argument("crate", required=False)
@click.option("--out", "take_out", is_flag=True, help="Take the bag out of its crate.")
@operator_option
@terminal_option
@json_option
@warehouse_options
def crate_move(
    wh: Warehouse,
    bag: str,
    crate: str | None,
    take_out: bool,
    operator: str,
    terminal: str,
    as_json: bool,
) -> None:
    """Move BAG into the open CRATE from the crate it is in, or with --out take it out.

    The move is logged with where the bag came from; a closed crate it left has its label
    printed again (补打) with the new bag count.

    \b
    Example:
      picker crate move BGA002-1 CR-XY01-0002 --operator L01
    """
    if bool(crate) == take_out:
        raise click.UsageError(_("give the CRATE to move the bag into, or --out"))
    _show(wh.move_bag(bag, crate, operator, terminal), as_json)
    if take_out and not as_json:
        click.echo(_("{bag} is in no crate now.", bag=bag))


@crate_.command(name="close")
@click.argument("crate")
@operator_option
@terminal_option
@json_option
@warehouse_options
def crate_close(wh: Warehouse, crate: str, operator: str, terminal: str, as_json: bool) -> None:
    """Close CRATE by hand and queue its committee label; an empty crate is given up.

    \b
    Example:
      picker crate close CR-XY01-0001 --operator P001
    """
    closed = wh.close_crate(crate, operator, terminal)
    _show(closed, as_json)
    if closed is None and not as_json:
        click.echo(_("{crate} was empty: given up, nothing printed.", crate=crate))


@crate_.command(name="list")
@click.option("--day", metavar="YYYY-MM-DD", help="Only crates of this day.")
@click.option("--committee", help="Only this committee's crates.")
@click.option(
    "--status", type=click.Choice([s.value for s in CrateState]), help="Only crates in this state."
)
@json_option
@warehouse_options
def crate_list(
    wh: Warehouse, day: str | None, committee: str | None, status: str | None, as_json: bool
) -> None:
    """Crates with their committee, k of n, bags, weight, route and bags loaded.

    \b
    Example:
      picker crate list --day 2022-04-12 --committee 青平居委 --json
    """
    found = wh.crates(day, committee, status)
    if as_json:
        print_json([c.to_json() for c in found])
        return
    headers = (_("Crate"), _("Committee"), _("k/n"), _("Bags"), _("kg"), _("Route"), _("Loaded"))
    rows = [
        (
            c.code,
            c.committee_name,
            crate_number(c.k, c.n) + ("" if c.status == CrateState.CLOSED else "*"),
            f"{len(c.bags)}/{c.max_bags}",
            f"{c.grams / 1000:.1f}",
            c.route_name or "-",
            f"{c.loaded}/{len(c.bags)}",
        )
        for c in found
    ]
    click.echo(format_table(headers, rows) if rows else _("No crates."))


@crate_.command(name="check")
@click.argument("route")
@json_option
@warehouse_options
def crate_check(wh: Warehouse, route: str, as_json: bool) -> None:
    """What does not match between a route's crates and its committees' packed orders:
    open or empty crates, bags in no crate, bags missing or extra. Exits 3 when any.

    \b
    Example:
      picker crate check 线路1 --json
    """
    problems = wh.crate_problems(route)
    if as_json:
        print_json(
            [
                {
                    "problem": p.problem.value,
                    "committee": p.committee,
                    "crate": p.crate,
                    "bag": p.bag,
                    "message": p.message,
                }
                for p in problems
            ]
        )
    elif not problems:
        click.echo(_("The crates match the packed orders."))
    else:
        for p in problems:
            click.secho(p.message, fg="yellow")
    if problems:
        sys.exit(EXIT_REJECTS)
