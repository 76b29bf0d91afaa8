"""Stand-in devices for the suite: bench scales, a status-answering printer, a scanner.

They speak the real protocols over the real transports the app uses: a pty (`os.openpty`,
the app opens the slave like any serial port) or a TCP socket on 127.0.0.1. Each serves from
a daemon thread; the test changes what is on the pan (or in the printer) between requests.
"""

from __future__ import annotations

import os
import select
import socket
import threading
import tty
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

STX, CR, LF = b"\x02", b"\r", b"\n"

#: DLE EOT 1, 2, 3, 4 answers per printer state (see printers/status.py).
PRINTER_ANSWERS = {
    "ready": b"\x12\x12\x12\x12",
    "paper-near-end": b"\x12\x12\x12\x1e",
    "paper-out": b"\x1a\x32\x12\x7e",
    "cover-open": b"\x1a\x16\x12\x12",
    "offline": b"\x1a\x12\x12\x12",
}


@dataclass
class StandInScale:
    """A bench scale: `grams` on the pan, `motion`, `over` capacity, `silent` (no answers).

    A Toledo 8217 stand-in answers the two-byte status record, or with `one_status_byte` the
    one-byte record many scales send (bit 6 always set, bit 5 net).
    """

    protocol: str
    grams: int = 0
    motion: bool = False
    over: bool = False
    silent: bool = False
    one_status_byte: bool = False
    zero_offset: int = 0
    tare: int = 0
    requests: list[bytes] = field(default_factory=list)
    _pending: bytearray = field(default_factory=bytearray)

    @property
    def gross(self) -> int:
        return self.grams - self.zero_offset

    def feed(self, data: bytes) -> bytes:
        """Bytes from the host in, the scale's answers out."""
        self._pending += data
        out = b""
        while self._pending:
            if self.protocol == "toledo8217":
                request = bytes(self._pending[:1])
                del self._pending[:1]
                if request in (CR, LF):
                    continue
            else:
                end = self._pending.find(CR)
                if end < 0:
                    break
                request = bytes(self._pending[:end]).lstrip(LF)
                del self._pending[: end + 1]
            self.requests.append(request)
            if not self.silent:
                out += self.answer(request)
        return out

    def answer(self, request: bytes) -> bytes:
        if self.protocol == "toledo8217":
            return self._toledo(request)
        return self._sma(request)

    def _toledo(self, request: bytes) -> bytes:
        if request == b"Z" and not self.motion:
            self.zero_offset = self.grams
        s1 = 0x30 | (0x01 if self.motion else 0) | (0x02 if self.gross == 0 else 0)
        s2 = 0x30 | (0x01 if self.gross < 0 else 0) | (0x02 if self.over else 0)
        status = STX + b"?" + bytes([s1, s2]) + CR
        if self.one_status_byte:
            one = 0x40 | (s1 & 0x01) | (s2 & 0x02) | (0x04 if s2 & 0x01 else 0)
            status = STX + b"?" + bytes([one | (0x10 if self.gross == 0 else 0)]) + CR
        if request != b"W":
            return status
        if self.motion or self.over or self.gross < 0:
            return status
        return STX + f"{self.gross / 1000:06.3f}".encode() + CR

    def _sma(self, request: bytes) -> bytes:
        command = request.decode()
        if command == "Z":
            if self.motion:
                return LF + b"E1G " + b" " + b"----------" + b"kg " + CR
            self.zero_offset, self.tare = self.grams, 0
        elif command == "T":
            self.tare = self.gross
        elif command == "C":
            self.tare = 0
        elif command not in ("W", "S"):
            return LF + b"?" + CR
        net = self.gross - self.tare
        s = "O" if self.over else "U" if net < 0 else "Z" if net == 0 else " "
        mode = "N" if self.tare else "G"
        m = "M" if self.motion else " "
        return LF + f"{s}1{mode}{m} {net / 1000:>10.3f}kg ".encode() + CR


@contextmanager
def serve_tcp(respond: Callable[[bytes], bytes]) -> Iterator[int]:
    """A device on 127.0.0.1 (a serial server's raw TCP port); yields the port."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    stop = threading.Event()

    def run() -> None:
        conns: list[socket.socket] = []
        try:
            while not stop.is_set():
                readable, _w, _x = select.select([server, *conns], [], [], 0.05)
                for sock in readable:
                    if sock is server:
                        conns.append(server.accept()[0])
                        continue
                    try:
                        data = sock.recv(4096)
                    except OSError:
                        data = b""
                    if not data:
                        conns.remove(sock)
                        sock.close()
                    elif answer := respond(data):
                        sock.sendall(answer)
        finally:
            for sock in conns:
                sock.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(5)
        server.close()


@contextmanager
def serve_pty(respond: Callable[[bytes], bytes]) -> Iterator[str]:
    """A serial device on a pty; yields the path the app opens (its slave side)."""
    master, slave = os.openpty()
    tty.setraw(slave)  # no CR/LF translation, as on a real serial line
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            readable, _w, _x = select.select([master], [], [], 0.05)
            if not readable:
                continue
            try:
                data = os.read(master, 4096)
            except OSError:  # nobody has the slave open right now
                stop.wait(0.05)
                continue
            if answer := respond(data):
                os.write(master, answer)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield os.ttyname(slave)
    finally:
        stop.set()
        thread.join(5)
        os.close(master)
        os.close(slave)


class PtyPlug:
    """A serial device on a pty behind a fixed path (a symlink, as udev names a USB adapter).

    `unplug()` closes the pty, so the app's open port fails (EIO) as an unplugged adapter's
    does; `plug()` puts a new pty behind the same path. Use it as a context manager.
    """

    def __init__(self, respond: Callable[[bytes], bytes], path: Path) -> None:
        self.respond = respond
        self.path = path
        self._fds: tuple[int, int] | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PtyPlug:
        self.plug()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self.unplug()

    def plug(self) -> None:
        """A new pty behind `path`."""
        master, slave = os.openpty()
        tty.setraw(slave)
        fresh = self.path.with_name(self.path.name + ".new")
        fresh.unlink(missing_ok=True)
        fresh.symlink_to(os.ttyname(slave))
        os.replace(fresh, self.path)
        with self._lock:
            self._fds = (master, slave)

    def unplug(self) -> None:
        """Close the pty: the app's port now fails with EIO."""
        with self._lock:  # never while the server thread is in select() or read() on it
            fds, self._fds = self._fds, None
        for fd in fds or ():
            os.close(fd)

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                master = self._fds[0] if self._fds else -1
                data = b""
                if master >= 0 and select.select([master], [], [], 0.02)[0]:
                    try:
                        data = os.read(master, 4096)
                    except OSError:  # nobody has the slave open right now
                        data = b""
                if data and (answer := self.respond(data)):
                    os.write(master, answer)
            self._stop.wait(0.002)  # lets unplug() take the lock


@contextmanager
def serve_flood(frame: bytes) -> Iterator[int]:
    """A scale on 127.0.0.1 that sends `frame` over and over, as fast as the socket takes it,
    whatever it is asked (a scale left in continuous output, or a babbling line); yields the
    port."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    server.settimeout(0.1)
    stop = threading.Event()
    block = frame * max(1, 65536 // len(frame))

    def run() -> None:
        while not stop.is_set():
            try:
                conn, _addr = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(0.1)
                while not stop.is_set():
                    try:
                        conn.send(block)
                    except TimeoutError:
                        continue
                    except OSError:
                        break

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(5)
        server.close()


@dataclass
class StatusPrinter:
    """A port-9100 printer answering DLE EOT 1-4: `state`, or the next of `script` per query.

    Bytes that are not status queries are the job; each connection's job is recorded.
    """

    state: str = "ready"
    script: list[str] = field(default_factory=list)
    jobs: list[bytes] = field(default_factory=list)
    queries: int = 0
    _now: str = "ready"
    _job: bytearray = field(default_factory=bytearray)
    _carry: bytes = b""

    def _answer(self, n: int) -> bytes:
        if n == 1:  # the first of four: the state is fixed for the whole query
            self.queries += 1
            self._now = self.script.pop(0) if self.script else self.state
        return bytes([PRINTER_ANSWERS[self._now][n - 1]])

    def feed(self, data: bytes) -> bytes:
        """Bytes from the host in, status answers out; the rest is kept as the job."""
        data, self._carry = self._carry + data, b""
        out, i = b"", 0
        while i < len(data):
            if data[i] == 0x10 and i + 2 >= len(data):  # a query may be split: wait
                self._carry = data[i:]
                break
            if data[i] == 0x10 and data[i + 1] == 0x04 and 1 <= data[i + 2] <= 4:
                out += self._answer(data[i + 2])
                i += 3
                continue
            self._job.append(data[i])
            i += 1
        return out

    def end_job(self) -> None:
        """The connection ended: what it carried besides queries was one job."""
        job, self._job, self._carry = bytes(self._job) + self._carry, bytearray(), b""
        if job:
            self.jobs.append(job)

    def handle(self, conn: socket.socket) -> None:
        """One connection: answer queries as they come, keep the rest as the job."""
        conn.settimeout(5)
        while True:
            try:
                chunk = conn.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            if answer := self.feed(chunk):
                conn.sendall(answer)
        self.end_job()


@contextmanager
def serve_printer(printer: StatusPrinter) -> Iterator[int]:
    """The stand-in printer on 127.0.0.1, one connection at a time; yields the port."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    server.settimeout(0.1)
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            try:
                conn, _addr = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                printer.handle(conn)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(5)
        server.close()
