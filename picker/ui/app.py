"""The application object: sign-in and out, the idle time-out, global keys, help, palette.

Two modes: `signin` (always there) and `work`, made at sign-in from the operator's role
(the batch board for pickers, the routes of the day for drivers, the dashboard for shift
leads: `picker.ui.roles`) and removed at sign-out, so nothing of one operator's screens is
left for the next. While a shift lead is signed in, the configured feeds and watch folder
are polled (`picker.ui.feed`): new orders and exceptions come up as toasts. From start to
exit, signed in or not, the app sends the print jobs of its printers (`picker.ui.print_worker`).
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Mapping
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.binding import Binding, BindingType

from picker.domain.auth import SignedIn
from picker.domain.model import Role
from picker.i18n import N_, _
from picker.ui import localize_bindings
from picker.ui.help import HelpScreen, KeyedApp
from picker.ui.print_worker import PrintWorker
from picker.ui.roles import FIRST_SCREEN, SCREENS, screen_factory
from picker.ui.signin import SignInScreen
from picker.ui.widgets import role_label
from picker.ui.worker_log import LoggedWorkers

if TYPE_CHECKING:
    from picker.app.warehouse import Warehouse
    from picker.ui.feed import FeedPoller

__all__ = ["SCREENS", "HelpScreen", "PickerApp", "make_app"]

#: Set to 1 and the app exits right after its first frame (`scripts/bench.py` first_frame).
EXIT_AFTER_FIRST_FRAME = "PICKER_EXIT_AFTER_FIRST_FRAME"
#: Seconds between idle checks; the time-out itself is `idle_minutes` (config `[ui]`).
IDLE_CHECK_SECONDS = 5.0


class PickerApp(KeyedApp):
    """The warehouse terminal. Build it with `make_app`."""

    CSS_PATH = "app.tcss"
    DEFAULT_MODE = "signin"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "f1",
            "help",
            N_("Help"),
            tooltip=N_("Show the keys of this screen"),
            key_display="F1",
            id="app.help",
        ),
        Binding(
            "f10",
            "sign_out",
            N_("Sign out"),
            tooltip=N_("Sign out of this terminal"),
            key_display="F10",
            id="app.sign_out",
        ),
        Binding(
            "ctrl+q",
            "quit",
            N_("Quit"),
            tooltip=N_("Quit picker"),
            show=False,  # a shared terminal is signed out (F10), not quit; F1 lists it
            priority=True,
            id="app.quit",
        ),
        Binding(
            "ctrl+p",
            "command_palette",
            N_("Commands"),
            show=False,
            priority=True,
            key_display="^p",
            tooltip=N_("Search the commands of this screen"),
            id="app.command_palette",
        ),
    ]

    def __init__(
        self,
        warehouse: Warehouse,
        keymap: Mapping[str, str] | None = None,
        *,
        terminal: str | None = None,
        operator: SignedIn | None = None,
        screen: str | None = None,
        idle_clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self._workers = LoggedWorkers(self)  # failed workers keep their tracebacks in the log
        localize_bindings(self)
        self.warehouse = warehouse
        self.terminal = terminal or os.environ.get("PICKER_TERMINAL") or socket.gethostname()
        self.operator: SignedIn | None = None
        """Who is signed in at this terminal (None: the sign-in screen is showing)."""
        self.idle_clock = idle_clock
        self.idle_seconds = 60 * warehouse.settings.idle_minutes
        self.last_activity = idle_clock()
        self.feed_poller: FeedPoller | None = None
        """Polls the feeds while a shift lead is signed in (None: not polling)."""
        self.print_worker = PrintWorker(self, warehouse, self.terminal)
        """Sends this app's print jobs from mount to exit, whatever screen is open."""
        self._first_operator = operator
        self._first_screen = screen
        self.title = warehouse.settings.warehouse_name
        self.sub_title = warehouse.path.name
        self.add_mode(
            "signin", partial(SignInScreen, warehouse, self.terminal, self.idle_seconds / 60)
        )
        if keymap:
            self.set_keymap(dict(keymap))

    def on_mount(self) -> None:
        self.set_interval(IDLE_CHECK_SECONDS, self.check_idle_timeout)
        self.print_worker.start()
        if self._first_operator is not None:
            self.sign_in_as(self._first_operator)
        if os.environ.get(EXIT_AFTER_FIRST_FRAME) == "1":
            self.call_after_refresh(self.exit)

    async def on_event(self, event: events.Event) -> None:
        """Every key, click or scroll counts as activity for the idle time-out."""
        if isinstance(
            event, events.Key | events.MouseDown | events.MouseScrollDown | events.MouseScrollUp
        ):
            self.last_activity = self.idle_clock()
        await super().on_event(event)

    def on_sign_in_screen_signed_in(self, message: SignInScreen.SignedIn) -> None:
        self.sign_in_as(message.who)

    def sign_in_as(self, who: SignedIn) -> None:
        """Open the operator's first screen (`FIRST_SCREEN`); a lead's session polls the feeds."""
        self.operator = who
        self.last_activity = self.idle_clock()
        self.sub_title = f"{who.name} · {role_label(who.role)} · {self.terminal}"
        name = FIRST_SCREEN[who.role]
        if self._first_screen and who.role is Role.LEAD:
            name, self._first_screen = self._first_screen, None
        self.add_mode("work", partial(screen_factory, name, self.warehouse, who, self.terminal))
        self.switch_mode("work")
        if who.role is Role.LEAD:
            self.start_feed()

    def start_feed(self) -> None:
        """Poll the configured feeds and watch folder; nothing when none is configured."""
        from picker.ui.feed import FeedPoller

        if self.feed_poller is None:
            poller = FeedPoller(self, self.warehouse)
            self.feed_poller = poller if poller.start() is not None else None

    def stop_feed(self) -> None:
        """Stop polling (at sign-out and on exit); the worker ends at its next wait."""
        if self.feed_poller is not None:
            self.feed_poller.stop()
            self.feed_poller = None

    def on_unmount(self) -> None:
        self.stop_feed()
        self.print_worker.stop()

    async def sign_out(self, message: str = "") -> None:
        """Back to the sign-in screen; the operator's screens are closed."""
        if self.operator is None:
            return
        self.operator = None
        self.stop_feed()
        self.sub_title = self.warehouse.path.name
        await self.switch_mode("signin")
        await self.remove_mode("work")
        screen = self.screen
        if isinstance(screen, SignInScreen):
            screen.reset(message or _("Signed out."))

    async def action_sign_out(self) -> None:
        """Sign out now."""
        await self.sign_out()

    async def check_idle_timeout(self) -> None:
        """Sign out when nobody has touched the terminal for the idle time-out."""
        idle = self.idle_clock() - self.last_activity
        if self.operator is not None and self.idle_seconds and idle >= self.idle_seconds:
            minutes = f"{self.idle_seconds / 60:g}"
            await self.sign_out(_("Signed out after {minutes} idle minutes.", minutes=minutes))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "sign_out":
            return self.operator is not None
        return True


def make_app(
    warehouse: Warehouse,
    keymap: Mapping[str, str] | None = None,
    *,
    terminal: str | None = None,
    operator: SignedIn | None = None,
    screen: str | None = None,
    idle_clock: Callable[[], float] = time.monotonic,
) -> PickerApp:
    """The app on this warehouse; shared by `picker tui`, `picker serve` and the tests.

    `keymap` maps binding ids (e.g. `"orders.refresh"`) to keys (e.g. `"f5"`). `terminal`
    names this terminal in claims (default: env `PICKER_TERMINAL`, else the host name).
    `operator` starts signed in, on `screen` (a lead's: one of `SCREENS`) instead of the
    role's first screen; `idle_clock` is the idle time-out's monotonic clock. Tests use them.
    """
    return PickerApp(
        warehouse,
        keymap,
        terminal=terminal,
        operator=operator,
        screen=screen,
        idle_clock=idle_clock,
    )
