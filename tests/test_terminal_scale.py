"""The terminal's scale as the screens use it: polling that survives anything a driver raises,
readings that go stale, the "take it off before the next one" rule, a flooding scale.

The scales are stand-ins on a pty (which the test can unplug and plug in again) or on
127.0.0.1; the polling runs on a thread as the pack screen runs it.
"""

from __future__ import annotations

import logging
import termios
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from picker.adapters.devices import DeviceAddress, Link, Scale, TerminalDevices, parse_address
from picker.adapters.terminal_scale import TerminalScale
from picker.domain.scales import Reading, ScaleStatus
from tests.standins import PtyPlug, StandInScale, serve_flood, serve_tcp

S = ScaleStatus


def short_timeout(devices: TerminalDevices) -> Scale:
    assert devices.scale is not None
    return Scale(devices.scale, devices.protocol, timeout=0.3)


def terminal(address: str, protocol: str = "toledo8217", **options: Any) -> TerminalScale:
    devices = TerminalDevices("T1", scale=parse_address(address), protocol=protocol)
    return TerminalScale(devices, opener=short_timeout, **options)


@contextmanager
def polling(scale: TerminalScale) -> Iterator[list[Reading]]:
    """Poll on a thread, as the pack screen does; yields the readings it reports."""
    seen: list[Reading] = []
    stop = threading.Event()
    thread = threading.Thread(target=scale.run, args=(stop, seen.append), daemon=True)
    thread.start()
    try:
        yield seen
    finally:
        stop.set()
        thread.join(10)
        assert not thread.is_alive()


def until(condition: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def showing(scale: TerminalScale, status: ScaleStatus, grams: int | None = None) -> bool:
    reading = scale.current()
    return reading is not None and reading.status is status and reading.grams in (grams, None)


def test_unplugged_mid_poll_shows_the_error_refuses_and_recovers(tmp_path: Path) -> None:
    standin = StandInScale("toledo8217", grams=505)
    with PtyPlug(standin.feed, tmp_path / "ttyScale") as plug:
        scale = terminal(f"serial:{plug.path}:9600:N", interval=0.05, max_backoff=0.3)
        with polling(scale) as seen:
            until(lambda: showing(scale, S.STABLE, 505))
            assert scale.take() == (scale.current(), "")
            plug.unplug()
            until(lambda: showing(scale, S.SILENT))
            lost = scale.current()
            assert lost is not None and "stopped" in lost.detail  # the driver's reason
            reading, refusal = scale.take()
            assert not reading.accepted and reading.reason == "scale_silent"
            assert refusal == ""  # the session logs it as refused, with its reason
            standin.grams = 300
            plug.plug()
            until(lambda: showing(scale, S.STABLE, 300))
            reading, refusal = scale.take()
            assert (reading.grams, reading.accepted, refusal) == (300, True, "")
    assert seen[0].grams == 505 and seen[-1].grams == 300
    assert any(r.status is S.SILENT for r in seen)


class FailingLink:
    """A link whose every call raises what a misbehaving driver raised (not a DeviceError)."""

    where = "serial:/dev/ttyFAKE"

    def __init__(self, errors: list[BaseException]) -> None:
        self.errors = errors

    def write(self, data: bytes) -> None:
        pass

    def read(self, timeout: float) -> bytes:
        return b"\x0201.000\r"

    def discard_input(self) -> None:
        if self.errors:
            raise self.errors.pop(0)

    def close(self) -> None:
        pass


def test_any_exception_is_one_failed_poll_logged_and_the_next_one_tries_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    errors: list[BaseException] = [
        termios.error(5, "Input/output error"),
        UnicodeDecodeError("ascii", b"\xff", 0, 1, "ordinal not in range(128)"),
        ValueError("I/O operation on closed file"),
    ]
    opened: list[FailingLink] = []

    def opener(address: DeviceAddress, timeout: float) -> Link:
        opened.append(FailingLink(errors))
        return opened[-1]

    address = parse_address("serial:/dev/ttyFAKE")
    devices = TerminalDevices("T1", scale=address)
    scale = TerminalScale(devices, opener=lambda d: Scale(address, d.protocol, 0.3, opener))
    with caplog.at_level(logging.WARNING, logger="picker.adapters.terminal_scale"):
        polls = [scale.poll() for _ in range(4)]
    assert [r.status for r in polls] == [S.SILENT, S.SILENT, S.SILENT, S.STABLE]
    assert "Input/output error" in polls[0].detail
    assert "ordinal not in range" in polls[1].detail
    assert polls[3].grams == 1000
    assert len(opened) == 4  # the link is opened again after each failure
    assert "Input/output error" in caplog.text and "Traceback" in caplog.text


def test_backoff_grows_while_the_scale_fails_and_resets_when_it_answers() -> None:
    standin = StandInScale("sma", grams=700, silent=True)
    with serve_tcp(standin.feed) as port:
        scale = terminal(f"tcp:127.0.0.1:{port}", "sma", interval=0.1, max_backoff=0.8)
        assert scale.pause() == 0.1
        pauses = []
        for _ in range(4):
            assert scale.poll().status is S.SILENT
            pauses.append(scale.pause())
        assert pauses == [0.2, 0.4, 0.8, 0.8]
        standin.silent = False
        assert scale.poll().accepted
        assert scale.pause() == 0.1
        scale.close()


def test_a_reading_is_recordable_only_while_fresh() -> None:
    now = [100.0]
    standin = StandInScale("toledo8217", grams=505)
    with serve_tcp(standin.feed) as port:
        scale = terminal(f"tcp:127.0.0.1:{port}", clock=lambda: now[0], fresh=1.5)
        assert scale.current() is None
        assert scale.take()[0].status is S.SILENT  # nothing read yet
        read = scale.poll()
        assert read.at == 100.0 and read.accepted
        now[0] = 101.4
        assert scale.take() == (read, "")
        now[0] = 101.6  # the poller stopped answering since: never record what it last said
        stale, refusal = scale.take()
        assert (stale.status, stale.accepted, refusal) == (S.SILENT, False, "")
        assert stale.raw == "SCALE:silent"
        assert scale.current() == stale
        scale.close()


def test_take_it_off_before_the_next_one_lives_in_the_terminals_scale() -> None:
    standin = StandInScale("toledo8217", grams=495)
    with serve_tcp(standin.feed) as port:
        scale = terminal(f"tcp:127.0.0.1:{port}")
        assert scale.poll().accepted and scale.armed
        scale.weighed()
        assert scale.poll().accepted  # still on the pan
        reading, refusal = scale.take()
        assert reading.grams == 495 and refusal.startswith("that weight was recorded")
        standin.grams = 3  # a crumb left on the empty pan counts as empty
        scale.poll()
        assert scale.armed
        scale.weighed()
        standin.grams = 0
        scale.poll()
        assert scale.armed
        standin.grams = 505
        assert scale.poll().accepted and scale.take() == (scale.current(), "")
        scale.close()


def test_a_scale_set_to_another_protocol_says_check_protocol_and_baud_rate() -> None:
    with serve_tcp(lambda data: b"\x02hello\r") as port:
        scale = terminal(f"tcp:127.0.0.1:{port}")
        reading = scale.poll()
        assert reading.status is S.WRONG_PROTOCOL and not reading.accepted
        assert "check protocol and baud rate" in reading.detail
        assert scale.pause() > scale.interval
        scale.close()


def test_a_gross_mode_toledo_status_is_shown_by_name() -> None:
    standin = StandInScale("toledo8217", grams=505, motion=True, one_status_byte=True)
    with serve_tcp(standin.feed) as port:
        scale = terminal(f"tcp:127.0.0.1:{port}")
        assert scale.poll() == Reading(None, False, S.MOTION)
        standin.motion, standin.over = False, True
        assert scale.poll().status is S.OVER_CAPACITY
        standin.over, standin.grams = False, -20
        assert scale.poll().status is S.UNDER_ZERO
        standin.grams = 505
        assert scale.poll() == Reading(505, True, S.STABLE)
        scale.close()


@pytest.mark.parametrize("frame", [b"\x0201.234\r", b"\x02\xff garbage without an end "])
def test_a_flooding_scale_does_not_spin_a_core(frame: bytes) -> None:
    """CPU time of the polling thread over 2 s against a scale sending without pause.

    A spinning poller burns ~1.6 s of its 2 s; a well-behaved one a few hundredths. The bound
    is loose so that a loaded machine cannot fail it."""
    cpu: list[float] = []
    with serve_flood(frame) as port:
        scale = terminal(f"tcp:127.0.0.1:{port}", interval=0.25, max_backoff=1.0)
        stop = threading.Event()
        seen: list[Reading] = []

        def run() -> None:
            scale.run(stop, seen.append)
            cpu.append(time.thread_time())

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        time.sleep(2)
        stop.set()
        thread.join(5)
    assert not thread.is_alive()
    expected = S.STABLE if frame.startswith(b"\x0201") else S.WRONG_PROTOCOL
    assert seen and seen[0].status is expected
    print(f"poll thread CPU over 2 s, flooded with {frame[:8]!r}...: {cpu[0]:.3f} s")
    assert cpu[0] < 0.5
