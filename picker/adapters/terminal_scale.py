"""The terminal's bench scale as its screens share it: polled a few times a second, the last
reading with the time it was read, and whether the item on the pan was recorded already.

One `TerminalScale` per terminal (the app keeps it), so "take it off before the next one"
holds when the packer leaves the pack screen and comes back. A reading is recordable only
while fresh: if the polling stops for any reason, what the scale said last is not weighed
again. Whatever a driver raises ends one poll, never the polling: it is logged, shown as the
scale's state, and the link is opened again with a growing pause.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import replace

from picker.adapters.devices import NoSuchCommand, Scale, TerminalDevices, open_scale
from picker.domain.retry import backoff
from picker.domain.scales import Reading, ScaleProtocolError, ScaleStatus, not_understood, silent
from picker.errors import PickerError
from picker.i18n import _
from printers.errors import PrinterError

log = logging.getLogger(__name__)

#: Seconds between two requests while the scale answers: a few readings a second.
POLL_SECONDS = 0.25
#: A reading older than this is not recorded (the polling should have replaced it 5 times).
FRESH_SECONDS = 1.5
#: The longest pause between two tries while the scale does not answer.
MAX_BACKOFF_SECONDS = 2.0
#: At most this on the pan counts as emptied (a crumb, a drifting zero); produce is heavier.
NEAR_ZERO_GRAMS = 5

#: Readings that are not the scale weighing: counted as failures for the backoff.
_FAILED = (ScaleStatus.SILENT, ScaleStatus.WRONG_PROTOCOL)


class TerminalScale:
    """The bench scale of one terminal: polling, the fresh reading, the take-it-off rule.

    `poll` and `run` are for one polling thread at a time (a second one waits its turn);
    `current`, `take`, `weighed` and `command` may be called from any thread.
    """

    def __init__(
        self,
        devices: TerminalDevices,
        *,
        opener: Callable[[TerminalDevices], Scale] = open_scale,
        clock: Callable[[], float] = time.monotonic,
        interval: float = POLL_SECONDS,
        fresh: float = FRESH_SECONDS,
        max_backoff: float = MAX_BACKOFF_SECONDS,
    ) -> None:
        self.devices = devices
        self.interval = interval
        self.fresh = fresh
        self.max_backoff = max_backoff
        self._opener = opener
        self._clock = clock
        self._scale: Scale | None = None
        self._io = threading.Lock()  # one request on the line at a time
        self._state = threading.Lock()  # the reading and the rule, between threads
        self._commands: queue.SimpleQueue[tuple[str, Callable[[str, bool], object]]] = (
            queue.SimpleQueue()
        )
        self._failures = 0
        self._reason = ""
        self.reading: Reading | None = None
        """The last reading, stamped with when it was read (None before the first)."""
        self.armed = True
        """False after a weighing until the pan is emptied: one item is never recorded twice."""

    def run(self, stop: threading.Event, changed: Callable[[Reading], object]) -> None:
        """Poll until `stop` is set, calling `changed` with each reading unlike the last."""
        last: Reading | None = None
        try:
            while not stop.is_set():
                reading = self.poll()
                if reading != last:
                    changed(reading)
                    last = reading
                stop.wait(self.pause())
        finally:
            self.close()

    def poll(self) -> Reading:
        """Ask the scale once (or run a queued zero or tare) and keep what it said.

        Never raises: a scale that cannot be reached or answers nonsense gives a reading
        that says so, and the next poll opens the link again.
        """
        with self._io:
            try:
                what, done = self._commands.get_nowait()
            except queue.Empty:
                reading = self._ask(lambda scale: scale.read())
            else:
                reading = self._run_command(what, done)
            self._failures = self._failures + 1 if reading.status in _FAILED else 0
        reading = replace(reading, at=self._clock())
        with self._state:
            self.reading = reading
            near_zero = reading.grams is not None and reading.grams <= NEAR_ZERO_GRAMS
            if reading.status in (ScaleStatus.ZERO, ScaleStatus.UNDER_ZERO) or near_zero:
                self.armed = True
        return reading

    def pause(self) -> float:
        """Seconds to wait before the next poll: the interval, doubled per failure in a row."""
        return backoff(self._failures + 1, self.interval, max(self.max_backoff, self.interval))

    def current(self) -> Reading | None:
        """The reading to show: the last one while fresh, else "no answer" (None: none yet)."""
        with self._state:
            reading = self.reading
        if reading is None or reading.at is None:
            return reading
        if self._clock() - reading.at > self.fresh:
            return silent(_("no reading for {seconds} s", seconds=f"{self.fresh:g}"))
        return reading

    def take(self) -> tuple[Reading, str]:
        """The reading to record now, and why it may not be ("" if it may).

        A reading the scale itself refuses (moving, below zero, silent, stale) is handed on
        with no refusal, so the session logs it with its reason; only weighing the same item
        twice is stopped here.
        """
        reading = self.current() or silent()
        with self._state:
            armed = self.armed
        if reading.accepted and not armed:
            return reading, _("that weight was recorded: take the item off before the next one")
        return reading, ""

    def weighed(self) -> None:
        """The current reading was recorded: wait for an empty pan before the next one."""
        with self._state:
            self.armed = False

    def command(self, what: str, done: Callable[[str, bool], object]) -> None:
        """Ask the scale to `zero` or `tare` at the next poll; `done(text, ok)` says how it went
        (called on the polling thread)."""
        self._commands.put((what, done))

    def close(self) -> None:
        """Release the scale's link (the next poll opens it again)."""
        with self._io:
            self._drop()

    def _run_command(self, what: str, done: Callable[[str, bool], object]) -> Reading:
        try:
            reading = self._ask(lambda scale: scale.zero() if what == "zero" else scale.tare())
        except NoSuchCommand as exc:  # nothing was sent: read the weight instead
            done(exc.message, False)
            return self._ask(lambda scale: scale.read())
        ok = reading.status is ScaleStatus.ZERO
        text = _("scale zeroed") if what == "zero" else _("scale tared")
        done(text if ok else reading.message() or text, ok)
        return reading

    def _ask(self, request: Callable[[Scale], Reading]) -> Reading:
        """One request; whatever goes wrong becomes the reading that says so, and is logged."""
        try:
            scale = self._scale or self._opener(self.devices)
            self._scale = scale
            reading = request(scale)
        except NoSuchCommand:
            raise
        except ScaleProtocolError as exc:
            reading = not_understood(exc)
            self._note(exc.message)
        except (PickerError, PrinterError) as exc:  # silent, unplugged, cannot be opened
            reading = silent(exc.message)
            self._note(exc.message)
        except Exception as exc:  # a driver's own error (termios.error, ...): log its traceback
            reading = silent(str(exc) or type(exc).__name__)
            self._note(reading.detail, exc)
            self._drop()
        else:
            if self._reason:
                log.info("scale of terminal %s answers again", self.devices.name)
                self._reason = ""
        return reading

    def _note(self, reason: str, exc: BaseException | None = None) -> None:
        """Log a failed poll: a warning when the reason changes, else a debug line."""
        level = logging.DEBUG if reason == self._reason else logging.WARNING
        log.log(level, "scale of terminal %s: %s", self.devices.name, reason, exc_info=exc)
        self._reason = reason

    def _drop(self) -> None:
        """Close and forget the scale's link; closing a device that went away may fail too."""
        scale, self._scale = self._scale, None
        if scale is None:
            return
        try:
            scale.close()
        except Exception:  # the device is gone: nothing is left to release
            log.debug("closing the scale of terminal %s failed", self.devices.name, exc_info=True)
