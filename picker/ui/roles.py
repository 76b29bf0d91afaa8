"""What each role works on: the first screen after sign-in, and the screens to start on.

Screens are imported when first opened, so the sign-in screen's first frame does not wait
for them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from picker.domain.model import Role

if TYPE_CHECKING:
    from textual.screen import Screen

    from picker.app.warehouse import Warehouse
    from picker.domain.auth import SignedIn

#: The screens an operator can start on (`make_app(..., screen=...)`): module, class, and
#: whether it takes (warehouse, operator, terminal) or the warehouse only.
SCREENS = {
    "board": ("picker.ui.home", "HomeScreen", True),
    "dashboard": ("picker.ui.dashboard", "DashboardScreen", True),
    "dock": ("picker.ui.dock", "DockScreen", True),
    "orders": ("picker.ui.orders", "OrdersScreen", False),
    "queue": ("picker.ui.queue", "QueueScreen", False),
}
#: Where each role starts: the lead's dashboard, a driver's routes, a picker's batch board.
FIRST_SCREEN = {Role.LEAD: "dashboard", Role.DRIVER: "dock", Role.PICKER: "board"}


def screen_factory(name: str, warehouse: Warehouse, who: SignedIn, terminal: str) -> Screen[Any]:
    """A new screen of `SCREENS` for this operator."""
    module, cls, per_operator = SCREENS[name]
    screen = getattr(importlib.import_module(module), cls)
    return screen(warehouse, who, terminal) if per_operator else screen(warehouse)
