"""Bench scales: the Toledo 8217 and SMA codecs, and real requests to stand-in scales on a
pty and on a 127.0.0.1 socket (stable, moving, negative, over capacity, zero, tare, silent).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from picker.adapters.devices import (
    DeviceAddress,
    DeviceError,
    Scale,
    ScaleSilent,
    TerminalDevices,
    parse_address,
)
from picker.app.config import load_settings
from picker.domain.scales import (
    PROTOCOLS,
    Reading,
    ScaleProtocolError,
    ScaleStatus,
    not_understood,
    parse_all,
    silent,
)
from picker.errors import InputError, PickerError
from tests.standins import PtyPlug, StandInScale, serve_flood, serve_pty, serve_tcp

TOLEDO, SMA = PROTOCOLS["toledo8217"], PROTOCOLS["sma"]
S = ScaleStatus


# the codecs, byte by byte


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (b"\x0201.234\r", Reading(1234, True, S.STABLE)),
        (b"\x0201234\r", Reading(1234, True, S.STABLE)),  # no decimal point: grams
        (b"\x0200.000\r", Reading(0, True, S.ZERO)),
        (b"\x02?10\r", Reading(None, False, S.MOTION)),  # 8217 byte 1 bit 0
        (b"\x02?01\r", Reading(None, True, S.UNDER_ZERO)),  # byte 2 bit 0
        (b"\x02?02\r", Reading(None, True, S.OVER_CAPACITY)),  # byte 2 bit 1
        (b"\x02?32\r", Reading(None, False, S.OVER_CAPACITY)),  # moving and over
        (b"\x02?20\r", Reading(0, True, S.ZERO)),  # byte 1 bit 1: at zero
        (b"\x02?40\r", Reading(None, False, S.ERROR, "RAM error")),
        (b"\x02?08\r", Reading(None, False, S.ERROR, "calibration error")),
        # one status byte: bit 6 always set, bit 5 net, bits 0-4 motion, over, under,
        # outside the zero range, centre of zero
        (b"\x02?A\r", Reading(None, False, S.MOTION)),  # gross
        (b"\x02?B\r", Reading(None, True, S.OVER_CAPACITY)),
        (b"\x02?D\r", Reading(None, True, S.UNDER_ZERO)),
        (b"\x02?P\r", Reading(0, True, S.ZERO)),
        (b"\x02?Q\r", Reading(None, False, S.MOTION)),  # moving about zero
        (b"\x02?E\r", Reading(None, False, S.UNDER_ZERO)),  # moving below zero
        (b"\x02?H\r", Reading(None, False, S.ERROR, "outside the zero range")),
        (b"\x02?L\r", Reading(None, True, S.UNDER_ZERO)),  # under and outside: under says more
        (b"\x02?a\r", Reading(None, False, S.MOTION, net=True)),
        (b"\x02?d\r", Reading(None, True, S.UNDER_ZERO, net=True)),
        (b"\x02?b\r", Reading(None, True, S.OVER_CAPACITY, net=True)),
        (b"\x02?p\r", Reading(0, True, S.ZERO, net=True)),
        (b"\x82?\xb1\xb0\x8d", Reading(None, False, S.MOTION)),  # 7E1 read as 8 bits
        (b"\x82?\xc1\x8d", Reading(None, False, S.MOTION)),  # one byte, 7E1 read as 8 bits
    ],
)
def test_toledo_8217_replies(frame: bytes, expected: Reading) -> None:
    assert parse_all(TOLEDO, [frame]) == [expected]


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (b"\n 1G      1.234kg \r", Reading(1234, True, S.STABLE)),
        (b"\n 1N      0.750kg \r", Reading(750, True, S.STABLE, net=True)),
        (b"\n 1GM     1.236kg \r", Reading(1236, False, S.MOTION)),
        (b"\nU1G     -0.015kg \r", Reading(-15, True, S.UNDER_ZERO)),
        (b"\nO1G     31.000kg \r", Reading(31000, True, S.OVER_CAPACITY)),
        (b"\nZ1G      0.000kg \r", Reading(0, True, S.ZERO)),
        (b"\n 1G       1250 g  \r", Reading(1250, True, S.STABLE)),
        (b"\n 1G      5.025lb \r", Reading(2279, True, S.STABLE)),
        (b"\nE1G  ----------kg \r", Reading(None, False, S.ERROR, "zero error")),
        (b"\nT1G  ----------kg \r", Reading(None, False, S.ERROR, "tare error")),
    ],
)
def test_sma_replies(frame: bytes, expected: Reading) -> None:
    assert parse_all(SMA, [frame]) == [expected]


def test_frames_split_across_reads_and_noise_before_them() -> None:
    chunks = [b"garbage\r\x02", b"01.", b"234\r\x02?", b"10\r"]
    assert parse_all(TOLEDO, chunks) == [
        Reading(1234, True, S.STABLE),
        Reading(None, False, S.MOTION),
    ]


@pytest.mark.parametrize("frame", [b"\n?\r", b"\n!\r", b"\nhello\r"])
def test_sma_unknown_command_and_garbage_are_protocol_errors(frame: bytes) -> None:
    with pytest.raises(ScaleProtocolError):
        parse_all(SMA, [frame])


@pytest.mark.parametrize(
    "frame",
    [b"\x02hello\r", b"\x02?\r", b"\x02?%\r", b"\x02?\x70\x30\r", b"\x02?0000\r"],
)
def test_toledo_garbage_is_a_protocol_error_naming_the_settings(frame: bytes) -> None:
    with pytest.raises(ScaleProtocolError, match="check protocol and baud rate"):
        parse_all(TOLEDO, [frame])


def test_a_protocol_error_becomes_a_reading_that_says_so() -> None:
    with pytest.raises(ScaleProtocolError) as caught:
        parse_all(TOLEDO, [b"\x02hello\r"])
    reading = not_understood(caught.value)
    assert (reading.status, reading.accepted, reading.reason) == (
        S.WRONG_PROTOCOL,
        False,
        "scale_protocol",
    )
    assert "check protocol and baud rate" in reading.message()
    assert reading.raw == "SCALE:wrong-protocol"


def test_only_a_steady_weight_above_zero_is_accepted() -> None:
    assert Reading(1234, True, S.STABLE).accepted
    refused = {
        Reading(1236, False, S.MOTION): "scale_motion",
        Reading(-15, True, S.UNDER_ZERO): "scale_under_zero",
        Reading(31000, True, S.OVER_CAPACITY): "scale_over_capacity",
        Reading(0, True, S.ZERO): "scale_empty",
        Reading(None, False, S.ERROR, "zero error"): "scale_error",
        silent(): "scale_silent",
    }
    assert {r: r.reason for r in refused} == refused
    assert not any(r.accepted for r in refused)
    assert Reading(1236, False, S.MOTION).raw == "SCALE:1236:motion"
    assert Reading(1234, True, S.STABLE).raw == "SCALE:1234"
    assert silent().raw == "SCALE:silent"
    assert "zero error" in Reading(None, False, S.ERROR, "zero error").message()


# real requests to stand-in scales


@contextmanager
def scale_on(kind: str, standin: StandInScale, timeout: float = 0.5) -> Iterator[Scale]:
    serve = serve_pty if kind == "pty" else serve_tcp
    with serve(standin.feed) as where:
        text = f"serial:{where}:9600:N" if kind == "pty" else f"tcp:127.0.0.1:{where}"
        scale = Scale(parse_address(text), standin.protocol, timeout=timeout)
        try:
            yield scale
        finally:
            scale.close()


@pytest.mark.parametrize("kind", ["pty", "tcp"])
@pytest.mark.parametrize("protocol", ["toledo8217", "sma"])
def test_stable_unstable_negative_and_over_capacity(kind: str, protocol: str) -> None:
    standin = StandInScale(protocol, grams=1234)
    with scale_on(kind, standin) as scale:
        assert scale.read() == Reading(1234, True, S.STABLE)
        standin.motion = True
        moving = scale.read()
        assert moving.status is S.MOTION and not moving.accepted
        standin.motion, standin.grams = False, -20
        assert scale.read().status is S.UNDER_ZERO
        standin.grams, standin.over = 40000, True
        assert scale.read().status is S.OVER_CAPACITY
        standin.over, standin.grams = False, 0
        assert scale.read().status is S.ZERO
    assert standin.requests == [b"W"] * 5  # one request per reading, nothing else


@pytest.mark.parametrize("kind", ["pty", "tcp"])
def test_toledo_zero_and_no_tare(kind: str) -> None:
    standin = StandInScale("toledo8217", grams=12)  # a crumb left on the pan
    with scale_on(kind, standin) as scale:
        assert scale.read() == Reading(12, True, S.STABLE)
        assert scale.zero().status is S.ZERO
        assert scale.read() == Reading(0, True, S.ZERO)
        standin.grams = 512
        assert scale.read() == Reading(500, True, S.STABLE)
        with pytest.raises(DeviceError, match="no tare command"):
            scale.tare()
    assert standin.requests == [b"W", b"Z", b"W", b"W"]


@pytest.mark.parametrize("kind", ["pty", "tcp"])
def test_sma_zero_tare_and_a_refused_zero(kind: str) -> None:
    standin = StandInScale("sma", grams=8)
    with scale_on(kind, standin) as scale:
        assert scale.zero().status is S.ZERO
        standin.grams = 208  # a 200 g box
        assert scale.tare() == Reading(0, True, S.ZERO, net=True)
        standin.grams = 1208
        assert scale.read() == Reading(1000, True, S.STABLE, net=True)  # net of the box
        standin.motion = True
        refused = scale.zero()
        assert refused.status is S.ERROR and refused.detail == "zero error"
    assert standin.requests == [b"Z", b"T", b"W", b"Z"]


@pytest.mark.parametrize("kind", ["pty", "tcp"])
@pytest.mark.parametrize("protocol", ["toledo8217", "sma"])
def test_a_scale_that_goes_silent_and_comes_back(kind: str, protocol: str) -> None:
    standin = StandInScale(protocol, grams=700)
    with scale_on(kind, standin, timeout=0.3) as scale:
        assert scale.read().accepted
        standin.silent = True
        with pytest.raises(ScaleSilent, match=r"did not answer within 0\.3 s"):
            scale.read()
        standin.silent = False
        assert scale.read() == Reading(700, True, S.STABLE)


def test_a_scale_set_to_the_other_protocol_says_so() -> None:
    standin = StandInScale("sma", grams=700)
    with serve_tcp(standin.feed) as port:
        scale = Scale(parse_address(f"tcp:127.0.0.1:{port}"), "toledo8217", timeout=0.3)
        with pytest.raises(ScaleSilent):  # an SMA scale ignores a bare `W`: no CR
            scale.read()
        scale.close()


def test_bytes_that_never_make_a_frame_are_a_protocol_error_not_silence() -> None:
    """A wrong baud rate or protocol: the scale answers, but with nothing parseable."""
    with serve_tcp(lambda data: b"\x7f\x13\xfe\x80 ~") as port:
        scale = Scale(parse_address(f"tcp:127.0.0.1:{port}"), "toledo8217", timeout=0.3)
        with pytest.raises(ScaleProtocolError, match="check protocol and baud rate"):
            scale.read()
        scale.close()


def test_an_unplugged_serial_scale_is_a_device_error_and_comes_back(tmp_path: Path) -> None:
    standin = StandInScale("toledo8217", grams=505)
    with PtyPlug(standin.feed, tmp_path / "ttyScale") as plug:
        scale = Scale(parse_address(f"serial:{plug.path}:9600:N"), "toledo8217", timeout=0.3)
        assert scale.read() == Reading(505, True, S.STABLE)
        plug.unplug()  # pyserial now raises termios.error (EIO) from reset_input_buffer
        with pytest.raises(DeviceError, match="stopped"):
            scale.read()
        standin.grams = 300
        plug.plug()
        assert scale.read() == Reading(300, True, S.STABLE)
        scale.close()


@pytest.mark.parametrize("frame", [b"\x0201.234\r", b"\x02\xff garbage without an end "])
def test_a_flooding_scale_does_not_hold_the_reader(frame: bytes) -> None:
    """A scale sending without pause: a read ends in its time-out and costs little CPU."""
    results: list[object] = []

    def read() -> None:
        try:
            results.append(scale.read())
        except PickerError as exc:
            results.append(exc)
        results.append(time.thread_time())

    with serve_flood(frame) as port:
        scale = Scale(parse_address(f"tcp:127.0.0.1:{port}"), "toledo8217", timeout=0.5)
        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(3)
        scale.close()
        assert not reader.is_alive(), "the read never ended"
    reading, cpu = results
    if frame.startswith(b"\x0201"):
        assert reading == Reading(1234, True, S.STABLE)
    else:
        assert isinstance(reading, ScaleProtocolError)
    assert isinstance(cpu, float) and cpu < 0.4  # a spinning read takes its whole 0.5 s


def test_an_unreachable_serial_server_is_a_device_error() -> None:
    with serve_tcp(lambda data: b"") as port:
        pass  # closed again: nothing listens there now
    scale = Scale(parse_address(f"tcp:127.0.0.1:{port}"), "sma", timeout=0.3)
    with pytest.raises(DeviceError, match=r"cannot reach tcp:127\.0\.0\.1"):
        scale.read()


# addresses and the config file


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("serial:/dev/ttyUSB0:9600:N", DeviceAddress("serial", "/dev/ttyUSB0")),
        ("serial:/dev/ttyUSB0", DeviceAddress("serial", "/dev/ttyUSB0")),
        (
            "serial:/dev/ttyS0:4800:E",
            DeviceAddress("serial", "/dev/ttyS0", baud=4800, bytesize=7, parity="E"),
        ),
        (
            "serial:/dev/ttyS0:19200:8O2",
            DeviceAddress("serial", "/dev/ttyS0", baud=19200, parity="O", stopbits=2),
        ),
        (
            "serial:/dev/serial/by-path/pci-0000:00:14.0-usb-0:2:1.0-port0:9600",
            DeviceAddress("serial", "/dev/serial/by-path/pci-0000:00:14.0-usb-0:2:1.0-port0"),
        ),
        ("tcp:127.0.0.1:4001", DeviceAddress("tcp", "127.0.0.1", port=4001)),
        ("tcp:[::1]:4001", DeviceAddress("tcp", "::1", port=4001)),
    ],
)
def test_device_addresses(text: str, expected: DeviceAddress) -> None:
    assert parse_address(text) == expected


@pytest.mark.parametrize("text", ["usb:1:2", "tcp:host", "tcp:host:0", "serial:", "ttyUSB0"])
def test_bad_device_addresses_say_what_is_expected(text: str) -> None:
    with pytest.raises(InputError, match="serial:DEVICE"):
        parse_address(text)


def test_terminals_in_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "picker.toml"
    config.write_text(
        """
        [terminals.T1]
        scale = "serial:/dev/ttyUSB0:9600:N"
        protocol = "toledo8217"
        scanner = "serial:/dev/ttyACM0"

        [terminals.PACK2]
        scale = "tcp:127.0.0.1:4001"
        protocol = "SMA"
        """,
        encoding="utf-8",
    )
    terminals = load_settings(config).terminals
    assert terminals["T1"] == TerminalDevices(
        "T1",
        scale=DeviceAddress("serial", "/dev/ttyUSB0"),
        protocol="toledo8217",
        scanner=DeviceAddress("serial", "/dev/ttyACM0"),
    )
    assert terminals["PACK2"].protocol == "sma" and terminals["PACK2"].scanner is None
    assert load_settings(None).terminals == {}


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ('scale = "com1"', "bad device address"),
        ('scale = "tcp:h:1"\nprotocol = "dibal"', "unknown scale protocol dibal"),
        ('scales = "tcp:h:1"', "unknown setting scales"),
    ],
)
def test_bad_terminal_settings_name_the_terminal(tmp_path: Path, table: str, words: str) -> None:
    config = tmp_path / "picker.toml"
    config.write_text(f"[terminals.T9]\n{table}\n", encoding="utf-8")
    with pytest.raises(InputError, match=f"terminal T9: {words}"):
        load_settings(config)
