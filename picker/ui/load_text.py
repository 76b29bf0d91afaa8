"""What the loading screen says about its route, about a scan and about a departure."""

from __future__ import annotations

from picker.app.loading import LoadResult
from picker.domain.routing import Route, route_state
from picker.i18n import _, _n

#: The scan log's kind of a take-off; the screen marks its results so.
UNLOAD = "unload"


def route_info(route: Route) -> str:
    """The route's name and id, its truck and driver, and its state, on three lines."""
    driver = route.driver_name or route.driver or "-"
    state = route_state(route.status)
    if route.orders_behind:
        n = route.orders_behind
        state += " · " + _n("{n} order not packed", "{n} orders not packed", n, n=n)
    truck = _("Truck {truck} · driver {driver}", truck=route.truck or "-", driver=driver)
    return f"{route.name}  {route.id}\n{truck}\n{state}"


def load_line(result: LoadResult) -> str:
    """One line for a load scan: where the bag (or crate) goes and the stop's count."""
    if not result.accepted:
        return result.message
    loaded, total = result.line or (0, 0)
    text = _(
        "{bag} → stop {stop} {committee}  {loaded}/{total}",
        bag=result.bag
        or _n(
            "{crate} ({bags} bag)",
            "{crate} ({bags} bags)",
            result.crate_bags,
            crate=result.crate,
            bags=result.crate_bags,
        ),
        stop=result.stop or "?",
        committee=result.committee_name or "",
        loaded=loaded,
        total=total,
    )
    if result.stage_done:
        text += "  " + _("every bag of the route is loaded")
    elif result.progress[0] == result.progress[1]:
        # Every bag on board, yet orders are not packed or a crate is open: not done.
        orders, crates = result.orders_behind, result.crates_open
        text += "  " + _(
            "every packed bag is loaded; still behind: {orders}, {crates}",
            orders=_n("{n} order not packed", "{n} orders not packed", orders, n=orders),
            crates=_n("{n} crate open", "{n} crates open", crates, n=crates),
        )
    return text


def take_off_line(result: LoadResult) -> str:
    """One line for a bag taken off the truck (or why it was not)."""
    if not result.accepted:
        return _("Not taken off: {reason}", reason=result.message)
    loaded, total = result.line or (0, 0)
    return _(
        "{bag} taken off ← stop {stop} {committee}  {loaded}/{total}",
        bag=result.bag or result.raw,
        stop=result.stop or "?",
        committee=result.committee_name or "",
        loaded=loaded,
        total=total,
    )


def departure_text(route: Route) -> str:
    """`R20220412-1 线路1 departed at 10:32: 40/42 bags.`, and the override if there was one."""
    text = _(
        "{route} {name} departed at {at}: {loaded}/{total} bags.",
        route=route.id,
        name=route.name,
        at=(route.departed_at or "")[11:16],
        loaded=route.loaded,
        total=route.total,
    )
    if route.override_by:
        why = _(
            "Override by {lead}: {reason}", lead=route.override_by, reason=route.override_reason
        )
        text += " " + why
    return text
