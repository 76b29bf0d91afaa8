"""Byte links to devices on a serial port or a TCP port, and the one parser of their addresses.

Printers, bench scales and scanners are all reached so. An address names a kind and where:

  serial:DEVICE[:BAUD[:FRAME]]   FRAME `8N1` (default), `7E1`, `7O1`, ... or N, E, O for
                                 8N1, 7E1, 7O1; e.g. serial:/dev/ttyUSB0:9600:E
  tcp:HOST:PORT                  a serial device server (raw TCP server mode)
  network:HOST[:PORT]            a network printer (port 9100 by default)
  usb:VID:PID                    a USB printer, ids in hex
  file:PATH                      a file or device node that takes a printer's bytes

Each user of addresses accepts only its kinds and explains them in its own words
(`parse_address` raises a bare `ValueError`). A `Link` moves bytes and nothing else; pyserial
is imported only when a serial device is opened.
"""

from __future__ import annotations

import contextlib
import re
import select
import socket
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Protocol

from printers.errors import DeviceClosed, DeviceError
from printers.i18n import _

__all__ = [
    "DEFAULT_BAUD", "DISCARD_LIMIT", "NETWORK_PORT", "Address", "DeviceClosed", "DeviceError",
    "Link", "SerialLink", "TcpLink", "open_link", "parse_address", "pyserial",
]  # fmt: skip

DEFAULT_BAUD = 9600
#: The port of a `network:` printer given without one (JetDirect, raw printing).
NETWORK_PORT = 9100
#: Bytes dropped at most before a request: a scale in continuous output never runs dry.
DISCARD_LIMIT = 65536
_FRAMES = {"N": (8, "N", 1), "E": (7, "E", 1), "O": (7, "O", 1)}
_FRAME = re.compile(r"([5-8])([NEOMS])([12])|([NEO])")


@dataclass(frozen=True, slots=True)
class Address:
    """Where a device is: a serial port with its line settings, a TCP host and port, a USB
    vendor and product, or a file."""

    kind: str
    target: str
    port: int = 0
    baud: int = DEFAULT_BAUD
    bytesize: int = 8
    parity: str = "N"
    stopbits: int = 1
    vendor: int = 0
    product: int = 0

    def __str__(self) -> str:
        match self.kind:
            case "tcp" | "network":
                host = f"[{self.target}]" if ":" in self.target else self.target
                return f"{self.kind}:{host}:{self.port}"
            case "usb":
                return f"usb:{self.vendor:04x}:{self.product:04x}"
            case "serial":
                frame = f"{self.bytesize}{self.parity}{self.stopbits}"
                return f"serial:{self.target}:{self.baud}:{frame}"
        return f"{self.kind}:{self.target}"


def parse_address(text: str, kinds: Collection[str]) -> Address:
    """An address of one of `kinds`; `ValueError` when it is malformed or of another kind."""
    kind, _sep, rest = text.strip().partition(":")
    if kind not in kinds or not rest:
        raise ValueError(text)
    match kind:
        case "tcp" | "network":
            host, port = _host_port(rest, None if kind == "tcp" else NETWORK_PORT)
            return Address(kind, host, port=port)
        case "serial":
            return _serial(rest)
        case "usb":
            vendor, product = rest.split(":")  # ValueError unless exactly two
            return Address("usb", rest, vendor=int(vendor, 16), product=int(product, 16))
        case "file":
            return Address("file", rest)
    raise ValueError(text)


def _host_port(rest: str, default: int | None) -> tuple[str, int]:
    """`HOST:PORT`, `[IPv6]:PORT`; with a `default`, also `HOST`, `[IPv6]` and a bare IPv6."""
    if rest.startswith("["):
        host, _sep, tail = rest[1:].partition("]")
        port_text = tail[1:] if tail.startswith(":") else None
    elif default is None or rest.count(":") == 1:
        host, _sep, port_text = rest.rpartition(":")
    else:
        host, port_text = rest, None
    if port_text is None and default is not None:
        port = default
    elif port_text and port_text.isdigit():
        port = int(port_text)
    else:
        raise ValueError(rest)
    if not host or not 0 < port < 65536:
        raise ValueError(rest)
    return host, port


def _serial(rest: str) -> Address:
    # Device paths may hold colons (/dev/serial/by-path/...-usb-0:2:1.0-port0): settings are
    # taken off the end only when they look like settings.
    parts = rest.split(":")
    frame = (8, "N", 1)
    if len(parts) > 1 and (m := _FRAME.fullmatch(parts[-1])):
        frame = _FRAMES[m[4]] if m[4] else (int(m[1]), m[2], int(m[3]))
        parts.pop()
    baud = DEFAULT_BAUD
    if len(parts) > 1 and parts[-1].isdigit():
        baud = int(parts.pop())
    device = ":".join(parts)
    if not device or baud <= 0:
        raise ValueError(rest)
    return Address("serial", device, baud=baud, bytesize=frame[0], parity=frame[1],
                   stopbits=frame[2])  # fmt: skip


class Link(Protocol):
    """A byte pipe to one device."""

    where: str

    def write(self, data: bytes) -> None:
        """Send every byte or raise `DeviceError`."""

    def read(self, timeout: float) -> bytes:
        """What arrived within `timeout` seconds (b"" if nothing); `DeviceClosed` at the end."""

    def discard_input(self) -> None:
        """Drop whatever arrived and was not read (a late reply to an earlier request)."""

    def close(self) -> None:
        """Release the device."""


class TcpLink:
    """A raw TCP connection: a serial device server, or a network printer for one job."""

    def __init__(self, address: Address, timeout: float) -> None:
        self.where = str(address)
        try:
            self.sock = socket.create_connection((address.target, address.port), timeout)
        except OSError as exc:
            raise DeviceError(
                _("cannot reach {where}: {error}", where=self.where, error=exc.strerror or exc),
                exc,
            ) from None

    def write(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError as exc:
            raise self._closed(exc) from None

    def read(self, timeout: float) -> bytes:
        try:
            readable, _w, _x = select.select([self.sock], [], [], max(timeout, 0))
            if not readable:
                return b""
            data = self.sock.recv(4096)
        except (OSError, ValueError) as exc:
            raise self._closed(exc) from None
        if not data:
            raise DeviceClosed(_("{where} closed the connection", where=self.where))
        return data

    def _closed(self, exc: BaseException) -> DeviceClosed:
        return DeviceClosed(
            _("{where} closed the connection: {error}", where=self.where, error=exc), exc
        )

    def discard_input(self) -> None:
        dropped = 0
        while dropped < DISCARD_LIMIT and (chunk := self.read(0)):
            dropped += len(chunk)

    def close(self) -> None:
        self.sock.close()


def pyserial() -> Any | None:
    """The pyserial module, or None when it is not installed."""
    try:
        import serial  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        return None
    return serial


class SerialLink:
    """A serial port (USB adapter, RS-232, a USB-CDC scanner or printer) through pyserial."""

    def __init__(self, address: Address, timeout: float) -> None:
        self.where = str(address)
        serial = pyserial()
        if serial is None:  # pragma: no cover - pyserial is a dependency
            raise DeviceError(_("install pyserial to use {where}", where=self.where))
        self._errors: tuple[type[BaseException], ...] = (serial.SerialException, OSError)
        try:  # pyserial lets termios.error (not an OSError) out of a port that went away
            import termios

            self._errors += (termios.error,)
        except ImportError:  # pragma: no cover - not on Windows
            pass
        try:
            self.port = serial.Serial(
                address.target,
                address.baud,
                bytesize=address.bytesize,
                parity=address.parity,
                stopbits=address.stopbits,
                timeout=timeout,
                write_timeout=timeout,
            )
        except self._errors as exc:
            raise DeviceError(
                _("cannot open {where}: {error}", where=self.where, error=exc), exc
            ) from None

    def write(self, data: bytes) -> None:
        try:
            self.port.write(data)
            self.port.flush()
        except self._errors as exc:
            raise self._stopped(exc) from None

    def read(self, timeout: float) -> bytes:
        try:
            self.port.timeout = max(timeout, 0)
            data = bytes(self.port.read(1))
            if data and self.port.in_waiting:
                data += bytes(self.port.read(min(self.port.in_waiting, 4096)))
        except self._errors as exc:
            # pyserial reports a pty whose other side closed, or an unplugged adapter, so.
            raise self._stopped(exc) from None
        return data

    def _stopped(self, exc: BaseException) -> DeviceClosed:
        return DeviceClosed(_("{where} stopped: {error}", where=self.where, error=exc), exc)

    def discard_input(self) -> None:
        try:
            self.port.reset_input_buffer()
        except self._errors as exc:
            raise self._stopped(exc) from None

    def close(self) -> None:
        with contextlib.suppress(*self._errors):  # a port that went away has nothing to free
            self.port.close()


def open_link(address: Address, timeout: float = 2.0) -> Link:
    """A link to a serial or TCP device; `DeviceError` says why it cannot be opened."""
    if address.kind in ("tcp", "network"):
        return TcpLink(address, timeout)
    return SerialLink(address, timeout)
