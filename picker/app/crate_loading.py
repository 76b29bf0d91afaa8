"""Loading by crate: one scan of a crate's committee label loads every bag in it.

Each bag not yet on this truck passes the checks of a bag scanned on its own
(`LoadSession.check_bag`); one bag that must not go refuses the whole crate, since the crate
goes on the truck whole. Bags of the crate already scanned onto this truck one by one are
left as they are, so a partly loaded crate is completed by scanning it. The crate's scan is
one row of the scan log (stage `load`, kind `crate`); every bag's load points to it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

import db
from db import crates as crate_rows
from db import dispatch as rows
from db import scan_log
from picker.app.context import Context
from picker.app.load_outcomes import STAGE, LoadRejected, LoadResult, load_reason_text
from picker.domain.states import CrateState, RouteState, ScanOutcome
from picker.errors import NotFound
from picker.i18n import _


class Truck(Protocol):
    """What crate loading needs of the loading session (`picker.app.loading.LoadSession`)."""

    ctx: Context
    route_id: str
    operator: str
    terminal: str

    def check_bag(
        self, route: rows.RouteRow, bag_id: str
    ) -> tuple[rows.BagRow, tuple[str, int]]: ...

    def loaded_onto(self, route: rows.RouteRow) -> None: ...

    def result(
        self,
        raw: str,
        accepted: bool,
        bag: rows.BagRow | None,
        scan_id: int,
        *,
        stop: int | None = None,
        reason: str = "",
        message: str = "",
    ) -> LoadResult: ...


def load_crate(session: Truck, raw: str, code: str) -> LoadResult:
    """Load the bags of crate `code` onto the session's route, or refuse it whole."""
    conn = session.ctx.db
    try:
        with db.write(conn):
            return _load(session, raw, code)
    except LoadRejected as exc:
        with db.write(conn):
            scan_id = _log(
                session, raw, ScanOutcome.REJECTED, code, exc.bag, exc.reason, exc.params
            )
        message = load_reason_text(exc.reason, exc.params)
        result = session.result(raw, False, exc.bag, scan_id, reason=exc.reason, message=message)
        return replace(result, kind="crate", crate=code)


def _load(session: Truck, raw: str, code: str) -> LoadResult:
    conn = session.ctx.db
    route = rows.get_route(conn, session.route_id)
    if route is None:
        raise NotFound(_("no route {route}", route=session.route_id))
    if route.status in (RouteState.DEPARTED, RouteState.DONE):
        raise LoadRejected("route_departed", route=route.name, crate=code)
    crate = crate_rows.latest(conn, code)
    if crate is None:
        raise LoadRejected("crate_unknown", crate=code)
    if crate.status != CrateState.CLOSED:
        raise LoadRejected("crate_open", crate=code)
    bags = crate_rows.bags_in(conn, crate.id)
    if not bags:
        raise LoadRejected("crate_empty", crate=code)
    todo = [b.bag for b in bags if b.route != route.id]
    if not todo:
        raise LoadRejected("crate_loaded", crate=code)
    checked = []
    for bag_id in todo:
        try:
            checked.append(session.check_bag(route, bag_id))
        except LoadRejected as exc:
            raise LoadRejected(exc.reason, exc.bag, **dict(exc.params), crate=code) from None
    first, stop = checked[0]
    scan_id = _log(session, raw, ScanOutcome.ACCEPTED, code, None, "", (("bags", str(len(todo))),))
    now = session.ctx.now()
    for bag, _stop in checked:
        rows.insert_load(
            conn,
            bag_id=bag.id,
            route_id=route.id,
            at=now,
            operator=session.operator,
            terminal=session.terminal,
            scan_id=scan_id,
        )
    session.loaded_onto(route)
    result = session.result(raw, True, first, scan_id, stop=stop[1])
    return replace(result, kind="crate", bag=None, household=None, crate=code, crate_bags=len(todo))


def _log(
    session: Truck,
    raw: str,
    outcome: str,
    code: str,
    bag: rows.BagRow | None,
    reason: str,
    params: tuple[tuple[str, str], ...],
) -> int:
    # As `LoadSession._log`, with the crate in params: the scan log has no column for it.
    extra = (("crate", code),) if "crate" not in dict(params) else ()
    return scan_log.log_bag_scan(
        session.ctx.db,
        bag,
        at=session.ctx.now(),
        operator=session.operator,
        terminal=session.terminal,
        stage=STAGE,
        raw=raw,
        outcome=outcome,
        kind="crate",
        reason=reason,
        params=(*params, *extra, ("load_route", session.route_id)),
    )
