"""The routes' and stops' tables: columns, a route's cells, what keeps a stop open.

Shared by the lead's routes screen, the dock's board and the loading screen.
"""

from __future__ import annotations

from rich.text import Text

from picker.domain.routing import Route, Stop, route_state
from picker.i18n import N_, _, _n

ROUTE_COLUMNS = (
    ("route", N_("Route"), False),
    ("truck", N_("Truck"), False),
    ("driver", N_("Driver"), False),
    ("status", N_("Status"), False),
    ("bags", N_("Bags"), True),
)
STOP_COLUMNS = (
    ("stop", N_("Stop"), True),
    ("committee", N_("Committee"), False),
    ("address", N_("Address"), False),
    ("bags", N_("Loaded"), True),
    ("note", N_("Note"), False),
)

#: The loading screen's stops: (column key, header).
LOAD_STOP_COLUMNS = (
    ("stop", N_("Stop")),
    ("committee", N_("Committee")),
    ("bags", N_("Loaded")),
    ("note", N_("Note")),
)


def route_cells(r: Route) -> tuple[str, ...]:
    driver = r.driver_name or r.driver or "-"
    return (r.name, r.truck or "-", driver, route_state(r.status), f"{r.loaded}/{r.total}")


def stop_note(missing: int, open_bags: int, unpacked: int, unbatched: int = 0) -> str:
    """What still keeps a stop from being complete, shortest first."""
    notes = []
    if missing:
        notes.append(_("{n} to load", n=missing))
    if open_bags:
        notes.append(_("{n} still open", n=open_bags))
    if unpacked + unbatched:
        n = unpacked + unbatched
        notes.append(_n("{n} order not packed", "{n} orders not packed", n, n=n))
    return " · ".join(notes)


def load_stop_cells(s: Stop) -> tuple[Text, ...]:
    """A stop's row on the loading screen; dimmed once all its bags are on the truck."""
    style = "dim" if s.total and s.loaded == s.total else ""
    return (
        Text(str(s.stop_order), justify="right"),
        Text(s.name, style=style),
        Text(f"{s.loaded}/{s.total}", style=style, justify="right"),
        Text(stop_note(s.missing, s.open_bags, s.unpacked, s.unbatched), style="yellow"),
    )
