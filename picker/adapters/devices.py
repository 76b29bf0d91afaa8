"""Devices on the floor: bench scales and scanners on a serial port or behind a serial server.

Addresses, in the config file (`[terminals.NAME]`) and for `picker scan --from`:

  serial:DEVICE[:BAUD[:FRAME]]   FRAME `8N1` (default), `7E1`, `7O1`, ... or N, E, O for
                                 8N1, 7E1, 7O1; e.g. serial:/dev/ttyUSB0:9600:E
  tcp:HOST:PORT                  a serial device server (raw TCP server mode), e.g.
                                 tcp:192.168.1.60:4001

The links and the address parser are the printers' (`printers.link`); here `Scale` speaks a
protocol of `picker.domain.scales` over a link and turns "no reply in time" into
`ScaleSilent`, and `read_codes` cuts a scanner's stream into codes at CR or LF.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from picker.domain.scales import (
    PROTOCOLS,
    Reading,
    ScaleProtocol,
    ScaleProtocolError,
    bad_reply,
    protocol_named,
)
from picker.errors import InputError, PickerError
from picker.i18n import _
from printers import link
from printers.errors import DeviceClosed, DeviceError, PrinterError
from printers.link import Address, Link, SerialLink, TcpLink, open_link

__all__ = [
    "DeviceAddress", "DeviceClosed", "DeviceError", "Link", "NoSuchCommand", "Scale",
    "ScaleSilent", "SerialLink", "TcpLink", "TerminalDevices", "open_link", "open_scale",
    "parse_address", "parse_terminals", "read_codes",
]  # fmt: skip

#: Seconds a scale may take to answer one request before it counts as silent.
SCALE_TIMEOUT = 1.0
#: Seconds between two reads while a reply is coming in: it arrives in a few blocks instead
#: of a byte at a time, and a scale that never stops sending costs little.
READ_GAP = 0.02


class ScaleSilent(DeviceError):
    """The scale did not answer in time: switched off, unplugged or set to another protocol."""


class NoSuchCommand(DeviceError):
    """The scale's protocol has no such command (Toledo 8217 cannot tare): nothing was sent."""


#: Where a scale or a scanner is (`serial:` or `tcp:`).
DeviceAddress = Address


def parse_address(text: str) -> DeviceAddress:
    """`serial:DEVICE[:BAUD[:FRAME]]` or `tcp:HOST:PORT`; an `InputError` shows the forms."""
    try:
        return link.parse_address(text, ("serial", "tcp"))
    except ValueError:
        raise InputError(
            _(
                "bad device address {text!r}: use serial:DEVICE[:BAUD[:FRAME]] "
                "(e.g. serial:/dev/ttyUSB0:9600:N) or tcp:HOST:PORT",
                text=text,
            )
        ) from None


@dataclass(frozen=True, slots=True)
class TerminalDevices:
    """What is plugged into one terminal (`[terminals.NAME]` scale, protocol, scanner)."""

    name: str
    scale: DeviceAddress | None = None
    protocol: str = "toledo8217"
    scanner: DeviceAddress | None = None


def parse_terminals(table: Mapping[str, Any], source: str) -> dict[str, TerminalDevices]:
    """Terminals from the `[terminals]` table; a bad entry is an `InputError` naming it."""
    found = {}
    known = ("scale", "protocol", "scanner")
    for name, entry in table.items():

        def bad(error: str, name: str = str(name)) -> InputError:
            return InputError(
                _("config file {path}: terminal {name}: {error}", path=source, name=name,
                  error=error)
            )  # fmt: skip

        if not isinstance(entry, Mapping):
            raise bad(_("expected a table of settings"))
        unknown = sorted(set(entry) - set(known))
        if unknown:
            raise bad(_("unknown setting {key}; known: {known}", key=unknown[0],
                        known=", ".join(known)))  # fmt: skip
        values = {}
        for key in ("scale", "scanner"):
            if key in entry:
                try:
                    values[key] = parse_address(str(entry[key]))
                except InputError as exc:
                    raise bad(exc.message) from None
        protocol = str(entry.get("protocol", "toledo8217")).strip().lower()
        if protocol not in PROTOCOLS:
            raise bad(_("unknown scale protocol {name}; use one of {known}", name=protocol,
                        known=", ".join(PROTOCOLS)))  # fmt: skip
        found[str(name)] = TerminalDevices(str(name), protocol=protocol, **values)
    return found


class Scale:
    """A bench scale: ask for a reading, zero or tare it. One thread at a time.

    The link is opened on first use and again after a failure, so a scale switched off and
    on (or a serial server restarted) comes back by itself.
    """

    def __init__(
        self,
        address: DeviceAddress,
        protocol: ScaleProtocol | str,
        timeout: float = SCALE_TIMEOUT,
        opener: Callable[[DeviceAddress, float], Link] = open_link,
    ) -> None:
        self.address = address
        self.protocol = protocol_named(protocol) if isinstance(protocol, str) else protocol
        self.timeout = timeout
        self._opener = opener
        self._link: Link | None = None

    def read(self) -> Reading:
        """The weight now; `ScaleSilent` when the scale does not answer in time."""
        return self._ask(self.protocol.weigh)

    def zero(self) -> Reading:
        """Zero the scale (empty pan); the scale refuses while moving."""
        return self._ask(self._command(self.protocol.zero, _("zero")))

    def tare(self) -> Reading:
        """Tare what is on the scale (a box); not every protocol has it."""
        return self._ask(self._command(self.protocol.tare, _("tare")))

    def _command(self, request: bytes | None, what: str) -> bytes:
        if request is None:
            raise NoSuchCommand(
                _(
                    "the {protocol} protocol has no {command} command: use the scale's key",
                    protocol=self.protocol.name,
                    command=what,
                )
            )
        return request

    def _ask(self, request: bytes) -> Reading:
        noise = b""
        try:
            link = self._link or self._opener(self.address, self.timeout)
            self._link = link
            link.discard_input()
            link.write(request)
            buffer = bytearray()
            deadline = time.monotonic() + self.timeout
            while (left := deadline - time.monotonic()) > 0:
                chunk = link.read(left)
                noise = noise or chunk
                buffer += chunk
                frames = self.protocol.frames(buffer)
                if frames:
                    return self.protocol.parse(frames[0])
                if chunk:
                    time.sleep(min(READ_GAP, max(left, 0)))
        except (PickerError, PrinterError) as exc:
            if not isinstance(exc, ScaleProtocolError):  # a wrong reply: the link is fine
                self.close()
            raise
        except Exception:
            self.close()  # whatever a driver raised, the next request starts afresh
            raise
        self.close()  # reopened on the next request: a restarted serial server needs it
        if noise:  # it sends, but nothing of its protocol: another protocol or baud rate
            raise bad_reply(self.protocol.name, noise)
        raise ScaleSilent(
            _(
                "the scale on {where} did not answer within {seconds} s",
                where=str(self.address),
                seconds=f"{self.timeout:g}",
            )
        )

    def close(self) -> None:
        """Release the link; the next request opens it again."""
        if self._link is not None:
            link, self._link = self._link, None
            link.close()


def open_scale(devices: TerminalDevices, timeout: float = SCALE_TIMEOUT) -> Scale:
    """The terminal's scale (it must have one)."""
    if devices.scale is None:
        raise DeviceError(_("terminal {name} has no scale configured", name=devices.name))
    return Scale(devices.scale, devices.protocol, timeout)


def read_codes(link: Link, stop: threading.Event | None = None, poll: float = 0.2) -> Iterator[str]:
    """Codes from a scanner's byte stream, in order: each ends at CR or LF (CRLF counts once).

    Runs until the device closes (then a last unterminated code is still given) or `stop`
    is set. Bytes are decoded as UTF-8; GS (GS1 FNC1) and other controls are kept.
    """
    pending = bytearray()
    closed = False
    while not closed and (stop is None or not stop.is_set()):
        try:
            chunk = link.read(poll)
        except DeviceClosed:
            closed, chunk = True, b""
        pending += chunk
        while (cut := _first_end(pending)) >= 0:
            code, pending[:] = bytes(pending[:cut]), pending[cut + 1 :]
            if code:
                yield code.decode("utf-8", "replace")
    if closed and pending.strip():
        yield bytes(pending).decode("utf-8", "replace")


def _first_end(data: bytearray) -> int:
    ends = [i for i in (data.find(b"\r"), data.find(b"\n")) if i >= 0]
    return min(ends) if ends else -1
