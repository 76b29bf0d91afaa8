"""Getting bytes to a printer: network (port 9100), file or device node, serial, USB.

A transport has one job: `send(data)` delivers all of it or raises `PrinterUnavailable`; a
job that fails part way counts as not printed (the queue retries it whole). Network printers
are connected per job, so a printer that was switched off and on needs no reconnect logic.
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import time
from collections.abc import Callable
from typing import Protocol

from printers.errors import PrinterConfigError, PrinterNotReady, PrinterUnavailable
from printers.i18n import _
from printers.link import Address, DeviceError, SerialLink, TcpLink, parse_address, pyserial
from printers.status import ANSWER_LENGTH, QUERY, PrinterStatus

#: How long to wait for a printer to close its end once it has every byte.
CLOSE_WAIT = 1.0
CHUNK = 16384


#: A parsed `connection` setting: network:HOST[:PORT], usb:VID:PID,
#: serial:DEVICE[:BAUD[:FRAME]], file:PATH (`printers.link` has the forms).
Connection = Address


def parse_connection(text: str) -> Connection:
    """Parse a connection setting; a `PrinterConfigError` says what a good one looks like."""
    try:
        return parse_address(text, ("network", "usb", "serial", "file"))
    except ValueError:
        raise PrinterConfigError(
            _(
                "bad printer connection {text!r}: use network:HOST:PORT, usb:VID:PID, "
                "serial:DEVICE[:BAUD] or file:PATH",
                text=text,
            )
        ) from None


class Transport(Protocol):
    def send(self, data: bytes) -> None:
        """Deliver every byte or raise `PrinterUnavailable`."""

    def close(self) -> None:
        """Release the device; sending again afterwards is an error."""


def open_transport(connection: str, timeout: float = 5.0, *, status: bool = False) -> Transport:
    """A transport for a connection setting. `status`: ask a network or serial printer for
    its status (DLE EOT 1-4) before and after each job: `PrinterNotReady` when it cannot
    print, and the last answer is kept in the transport's `last_status`."""
    conn = parse_connection(connection)
    match conn.kind:
        case "network":
            return NetworkTransport(conn, timeout, status=status)
        case "file":
            return FileTransport(conn)
        case "serial":
            return SerialTransport(conn, timeout, status=status)
    return UsbTransport(conn, timeout)


class NetworkTransport:
    """A raw TCP printer (JetDirect / port 9100), one connection per job."""

    def __init__(self, conn: Connection, timeout: float, *, status: bool = False) -> None:
        self.conn = conn
        self.timeout = timeout
        self.status = status
        self.last_status: PrinterStatus | None = None
        """What the printer last said about itself (with `status`)."""

    def send(self, data: bytes) -> None:
        where = str(self.conn)
        try:
            sock = TcpLink(self.conn, self.timeout).sock
        except DeviceError as exc:
            raise self._unreachable(exc.cause) from None
        with sock:
            try:
                if self.status:
                    self.last_status = ask_status(sock.sendall, _reader(sock), where)
                # Chunks: sendall's timeout covers the whole call, but a long raster job on
                # a slow printer is fine as long as it keeps taking data.
                for start in range(0, len(data), CHUNK):
                    sock.sendall(data[start : start + CHUNK])
                if self.status:
                    # Asked once the printer holds every byte: paper that ran out or a cover
                    # opened during the job means it did not print it whole.
                    self._await_taken(sock)
                    self.last_status = ask_status(sock.sendall, _reader(sock), where, sent=True)
                sock.shutdown(socket.SHUT_WR)
                self._await_delivery(sock)
            except TimeoutError:
                raise _stalled(where) from None
            except OSError:
                raise _dropped(where) from None

    def _unreachable(self, cause: BaseException | None) -> PrinterUnavailable:
        where = str(self.conn)
        if isinstance(cause, ConnectionRefusedError):
            return PrinterUnavailable(
                _(
                    "the printer at {where} refused the connection: is it on, is the port right?",
                    where=where,
                ),
                "refused",
            )
        if isinstance(cause, TimeoutError):
            return PrinterUnavailable(
                _(
                    "the printer at {where} did not answer within {seconds} s",
                    where=where,
                    seconds=self.timeout,
                ),
                "timeout",
            )
        error = cause.strerror if isinstance(cause, OSError) else cause
        return PrinterUnavailable(
            _("cannot reach the printer at {where}: {error}", where=where, error=error),
            "unreachable",
        )

    def _await_taken(self, sock: socket.socket) -> None:
        """Return once the printer acknowledged every byte sent (no FIN yet)."""
        left, progress_at = _unacked(sock), time.monotonic()
        while left:
            time.sleep(0.005)
            current = _unacked(sock)
            if current is None or current < left:
                left, progress_at = current, time.monotonic()
            elif time.monotonic() - progress_at > self.timeout:
                raise _stalled(str(self.conn))

    def _await_delivery(self, sock: socket.socket) -> None:
        """Return once the printer has acknowledged every byte; raise if it closes first or
        stops taking data for `timeout` seconds (paper out, jammed)."""
        where = str(self.conn)
        left = _unacked(sock)
        progress_at = time.monotonic()
        closed_wait_until = None
        while True:
            readable, _w, _x = select.select([sock], [], [], 0.02)
            if readable and not sock.recv(4096):
                # The printer closed its end. Fine if it took every byte (our FIN may be
                # unacknowledged for a moment: it counts 1); otherwise it dropped the job.
                deadline = time.monotonic() + 0.2
                while (left := _unacked(sock)) is not None and left > 1:
                    if time.monotonic() > deadline:
                        raise _dropped(where)
                    time.sleep(0.005)
                return
            now = time.monotonic()
            current = _unacked(sock)
            if current is None or current <= 1:
                # Everything acknowledged; give the printer a moment to close (a reset here
                # would still mean it threw the job away), then call it done.
                closed_wait_until = closed_wait_until or now + min(CLOSE_WAIT, self.timeout)
                if now >= closed_wait_until:
                    return
            elif left is None or current < left:
                left, progress_at = current, now
            elif now - progress_at > self.timeout:
                raise _stalled(where)

    def close(self) -> None:
        pass


def _unacked(sock: socket.socket) -> int | None:
    """Bytes sent but not yet acknowledged by the peer (Linux SIOCOUTQ); None elsewhere."""
    try:
        import fcntl
        import termios

        raw = fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0")
    except (ImportError, AttributeError, OSError):
        return None
    return int(struct.unpack("i", raw)[0])


def _dropped(where: str) -> PrinterUnavailable:
    return PrinterUnavailable(
        _(
            "the printer at {where} dropped the connection mid-job; the job was not printed",
            where=where,
        ),
        "dropped",
    )


def _stalled(where: str) -> PrinterUnavailable:
    return PrinterUnavailable(
        _(
            "the printer at {where} stopped taking data (out of paper, cover open or jammed?); "
            "the job was not printed",
            where=where,
        ),
        "stalled",
    )


def _reader(sock: socket.socket) -> Callable[[int], bytes]:
    def read(n: int) -> bytes:
        try:
            return sock.recv(n)
        except TimeoutError:
            return b""

    return read


def ask_status(
    write: Callable[[bytes], object], read: Callable[[int], bytes], where: str, sent: bool = False
) -> PrinterStatus:
    """Ask DLE EOT 1-4 and read the four answers; `PrinterNotReady` when the printer cannot
    print (`sent`: asked after the job, which therefore did not print whole)."""
    write(QUERY)
    answer = b""
    while len(answer) < ANSWER_LENGTH:
        chunk = read(ANSWER_LENGTH - len(answer))
        if not chunk:
            break
        answer += chunk
    try:
        status = PrinterStatus.parse(answer)
    except ValueError:
        raise PrinterUnavailable(
            _(
                "the printer at {where} does not answer status queries; set status = false "
                "for it in the config",
                where=where,
            ),
            "no-status",
        ) from None
    if status.blocking:
        raise PrinterNotReady(status, where, sent=sent)
    return status


class FileTransport:
    """Appends jobs to a file or device node (/dev/usb/lp0, a capture file)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def send(self, data: bytes) -> None:
        try:
            with open(self.conn.target, "ab") as f:
                f.write(data)
                f.flush()
        except OSError as exc:
            raise PrinterUnavailable(
                _(
                    "cannot write to the printer {where}: {error}",
                    where=str(self.conn),
                    error=exc.strerror or exc,
                ),
                "unwritable",
            ) from None

    def close(self) -> None:
        pass


class SerialTransport:
    """A serial printer through pyserial, the port opened for each job."""

    def __init__(self, conn: Connection, timeout: float, *, status: bool = False) -> None:
        if pyserial() is None:
            raise PrinterUnavailable(
                _("install pyserial to print on {where}", where=str(conn)), "missing-module"
            )
        self.conn = conn
        self.timeout = timeout
        self.status = status
        self.last_status: PrinterStatus | None = None

    def send(self, data: bytes) -> None:
        where = str(self.conn)
        try:
            port = SerialLink(self.conn, self.timeout)
            try:
                if self.status:
                    self.last_status = ask_status(port.write, self._reader(port), where)
                port.write(data)
                if self.status:
                    reader = self._reader(port)
                    self.last_status = ask_status(port.write, reader, where, sent=True)
            finally:
                port.close()
        except DeviceError as exc:
            raise PrinterUnavailable(
                _("cannot reach the printer at {where}: {error}", where=where, error=exc.cause),
                "unreachable",
            ) from None

    def _reader(self, port: SerialLink) -> Callable[[int], bytes]:
        """Up to `n` bytes within the timeout, as `ask_status` reads (the rest is dropped)."""
        return lambda n: port.read(self.timeout)[:n]

    def close(self) -> None:
        pass


class UsbTransport:
    """A USB printer through pyusb and libusb (optional)."""

    def __init__(self, conn: Connection, timeout: float) -> None:
        try:
            import usb.core  # type: ignore[import-not-found,import-untyped,unused-ignore]
            import usb.util  # type: ignore[import-not-found,import-untyped,unused-ignore]
        except ImportError:
            raise PrinterUnavailable(
                _("install pyusb and libusb-1.0-0 to print on {where}", where=str(conn)),
                "missing-module",
            ) from None
        self.conn = conn
        self._usb = usb
        self.timeout = timeout

    def send(self, data: bytes) -> None:
        usb, where = self._usb, str(self.conn)
        try:
            device = usb.core.find(idVendor=self.conn.vendor, idProduct=self.conn.product)
            if device is None:
                raise PrinterUnavailable(
                    _("no USB printer {where} is plugged in", where=where), "unplugged"
                )
            with contextlib.suppress(NotImplementedError, usb.core.USBError):
                if device.is_kernel_driver_active(0):
                    device.detach_kernel_driver(0)
            device.set_configuration()
            interface = device.get_active_configuration()[(0, 0)]
            out = usb.util.find_descriptor(
                interface,
                custom_match=lambda e: (
                    usb.util.endpoint_direction(e.bEndpointAddress) == usb.util.ENDPOINT_OUT
                ),
            )
            written = out.write(data, timeout=int(self.timeout * 1000))
            usb.util.dispose_resources(device)
        except usb.core.NoBackendError:
            raise PrinterUnavailable(
                _("install pyusb and libusb-1.0-0 to print on {where}", where=where),
                "missing-module",
            ) from None
        except usb.core.USBError as exc:
            raise PrinterUnavailable(
                _("cannot reach the printer at {where}: {error}", where=where, error=exc),
                "unreachable",
            ) from None
        if written != len(data):
            raise _stalled(where)

    def close(self) -> None:
        pass
