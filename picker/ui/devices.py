"""Devices of a terminal on screen: the bench scale's live weight and a serial/network scanner.

Both talk to their device on a thread worker only, never on the UI thread, and post what
they read as messages. `ScalePanel` shows the terminal's scale (`terminal_scale`, one
per app, shared by every screen that shows it) and polls it while on screen; the pack screen
asks it for the reading to record. `ScannerFeed` reads codes from a serial port or TCP
socket and posts them, in order, to the scan lane of its screen; it reconnects by itself
when the device goes away.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import work
from textual.app import App
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from picker.adapters.devices import (
    DeviceAddress,
    DeviceError,
    Link,
    TerminalDevices,
    open_link,
    read_codes,
)
from picker.adapters.terminal_scale import TerminalScale
from picker.domain.scales import Reading, ScaleStatus
from picker.i18n import _

#: Seconds before a scanner that went away is opened again.
RECONNECT_SECONDS = 2.0
#: Seconds between two looks at whether the reading shown went stale.
STALE_CHECK_SECONDS = 0.5

_SCALES: weakref.WeakKeyDictionary[App[Any], dict[TerminalDevices, TerminalScale]] = (
    weakref.WeakKeyDictionary()
)


def terminal_scale(app: App[Any], devices: TerminalDevices) -> TerminalScale:
    """The app's one `TerminalScale` for `devices`, made on first use and kept with the app,
    so what it knows (the item just recorded) outlives the screen that showed it."""
    scales = _SCALES.setdefault(app, {})
    if devices not in scales:
        scales[devices] = TerminalScale(devices)
    return scales[devices]


def terminal_devices(session: Any) -> TerminalDevices | None:
    """The devices configured for the session's terminal (`[terminals.NAME]`), if any."""
    settings = getattr(session, "settings", None)
    terminals = getattr(settings, "terminals", None) or {}
    found = terminals.get(getattr(session, "terminal", ""))
    return found if isinstance(found, TerminalDevices) else None


def format_grams(grams: int) -> str:
    """1234 -> "1.234 kg", -15 -> "-0.015 kg": how a bench scale shows it."""
    sign = "-" if grams < 0 else ""
    kg, g = divmod(abs(grams), 1000)
    return f"{sign}{kg}.{g:03d} kg"


class ScalePanel(Static):
    """One line: the scale's weight now, whether it is steady, and what Enter will record."""

    DEFAULT_CSS = """
    ScalePanel { height: 1; padding: 0 1; background: $boost; text-style: bold; }
    ScalePanel.-ok { color: $text-success; background: $success-muted; }
    ScalePanel.-wait { color: $text-warning; background: $warning-muted; }
    ScalePanel.-bad { color: $text-error; background: $error-muted; }
    """

    class ReadingChanged(Message, bubble=False):
        """The poller read something other than last time, or the last reading went stale."""

        def __init__(self, reading: Reading) -> None:
            super().__init__()
            self.reading = reading

    class CommandDone(Message):
        """A zero or tare finished (`ok`) or was refused; `text` says which."""

        def __init__(self, text: str, ok: bool) -> None:
            super().__init__()
            self.text = text
            self.ok = ok

    def __init__(
        self,
        devices: TerminalDevices,
        *,
        scale: TerminalScale | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id, markup=False)
        self.devices = devices
        self._scale = scale
        self._stop = threading.Event()
        self.reading: Reading | None = None
        """The reading shown (None until the scale first answered or timed out)."""
        self.item = ""
        """What Enter would weigh now, as shown (product and done/needed); "" for nothing."""

    @property
    def scale(self) -> TerminalScale:
        """The terminal's scale (the app's, unless one was given)."""
        if self._scale is None:
            self._scale = terminal_scale(self.app, self.devices)
        return self._scale

    @property
    def armed(self) -> bool:
        """False after a weighing until the pan is emptied (kept by the terminal's scale)."""
        return self.scale.armed

    def on_mount(self) -> None:
        self.reading = self.scale.current()
        self._show()
        self.set_interval(STALE_CHECK_SECONDS, self._check_stale)
        self._poll()

    def on_unmount(self) -> None:
        self._stop.set()

    def command(self, what: str) -> None:
        """Ask the scale to `zero` or `tare` between two readings."""
        self.scale.command(what, lambda text, ok: self.post_message(self.CommandDone(text, ok)))

    def take(self) -> tuple[Reading, str]:
        """The reading to record now, and why it may not be ("" if it may): see
        `TerminalScale.take` (a stale reading is handed on as "no answer")."""
        return self.scale.take()

    def weighed(self) -> None:
        """The current reading was recorded: wait for an empty pan before the next one."""
        self.scale.weighed()
        self._show()

    def set_item(self, item: str) -> None:
        """What the next weighing is for (shown on the line)."""
        self.item = item
        self._show()

    @work(thread=True, exit_on_error=False, group="scale", name="scale-poll")
    def _poll(self) -> None:
        """The one thread that talks to the scale while the panel is on screen."""
        self.scale.run(self._stop, lambda reading: self.post_message(self.ReadingChanged(reading)))

    def _check_stale(self) -> None:
        """Show "no answer" when the polling has not renewed the reading in time."""
        reading = self.scale.current()
        if reading is not None and reading != self.reading:
            self.post_message(self.ReadingChanged(reading))

    def on_scale_panel_reading_changed(self, message: ReadingChanged) -> None:
        self.reading = message.reading
        self._show()

    def _show(self) -> None:
        reading = self.reading
        text = Text("⚖ ")
        if reading is None:
            text.append(_("waiting for the scale…"))
            state = "-wait"
        elif reading.status is ScaleStatus.SILENT:
            text.append(_("the scale does not answer: scan the item's scale label instead"))
            if reading.detail:
                text.append(" · " + reading.detail)
            state = "-bad"
        elif reading.status is ScaleStatus.WRONG_PROTOCOL:
            text.append(reading.detail)  # says which reply, and to check protocol and baud
            state = "-bad"
        else:
            if reading.grams is not None:
                text.append(format_grams(reading.grams) + "  ")
            if reading.accepted and self.armed:
                text.append("✓ " + _("steady"))
                if self.item:
                    text.append(" · " + _("Enter: weigh {item}", item=self.item))
                state = "-ok"
            elif reading.accepted:
                text.append(_("recorded: take the item off the scale"))
                state = "-wait"
            else:
                text.append(reading.message())
                state = "-wait" if reading.status is not ScaleStatus.ERROR else "-bad"
        for name in ("-ok", "-wait", "-bad"):
            self.set_class(name == state, name)
        self.update(text)


class ScannerFeed(Widget):
    """Reads a serial or network scanner on a thread and posts its codes, in order."""

    DEFAULT_CSS = "ScannerFeed { display: none; }"

    class CodeRead(Message):
        """The scanner sent one code (its CR or LF taken off)."""

        def __init__(self, code: str) -> None:
            super().__init__()
            self.code = code

    class StateChanged(Message):
        """The scanner was lost (`ok` False, with why) or is back."""

        def __init__(self, text: str, ok: bool) -> None:
            super().__init__()
            self.text = text
            self.ok = ok

    def __init__(
        self,
        address: DeviceAddress,
        *,
        retry: float = RECONNECT_SECONDS,
        opener: Callable[[DeviceAddress, float], Link] = open_link,
    ) -> None:
        super().__init__()
        self.address = address
        self.retry = retry
        self._opener = opener
        self._stop = threading.Event()

    def on_mount(self) -> None:
        self._read()

    def on_unmount(self) -> None:
        self._stop.set()

    @work(thread=True, exit_on_error=False, group="scanner", name="scanner-feed")
    def _read(self) -> None:
        where, lost = str(self.address), ""
        while not self._stop.is_set():
            try:
                link = self._opener(self.address, self.retry)
            except DeviceError as exc:
                if exc.message != lost:
                    lost = exc.message
                    self.post_message(self.StateChanged(self._lost(lost), False))
                self._stop.wait(self.retry)
                continue
            if lost:
                lost = ""
                self.post_message(
                    self.StateChanged(_("scanner {where} is back", where=where), True)
                )
            try:
                for code in read_codes(link, self._stop):
                    self.post_message(self.CodeRead(code))
                if not self._stop.is_set():
                    lost = _("{where} closed the connection", where=where)
            except DeviceError as exc:
                lost = exc.message
            finally:
                link.close()
            if lost:
                self.post_message(self.StateChanged(self._lost(lost), False))
            self._stop.wait(self.retry)

    def _lost(self, error: str) -> str:
        return _("scanner: {error}; trying again, the keyboard works meanwhile", error=error)
