"""Serial and network scanners: codes cut at CR/LF, resolved in order by `picker scan --from`
(a pty for the serial port, a socket on 127.0.0.1 for a serial server) and by the pick
screen of a terminal configured with a scanner.
"""

from __future__ import annotations

import json
import os
import select
import socket
import subprocess
import sys
import threading
import time
import tty
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from picker.adapters.devices import (
    DeviceAddress,
    DeviceClosed,
    TerminalDevices,
    parse_address,
    read_codes,
)
from picker.app.warehouse import Warehouse
from picker.cli import main
from picker.ui.devices import ScannerFeed
from picker.ui.pick import PickScreen
from tests.conftest import order_rows
from tests.test_floor import BUNDLE, EGGS, LINES_A, load, pork_label
from tests.test_ui_pick import Harness, idle, run_async, wait_for

ROOT = Path(__file__).resolve().parents[1]
#: CR, LF and CR LF endings, a GS1 code with its GS kept, and a rejected code among them.
CODES = [BUNDLE, "3*" + EGGS, "0000000000000", pork_label(498), pork_label(505)]
WIRE = f"{CODES[0]}\r{CODES[1]}\n{CODES[2]}\r\n{CODES[3]}\r{CODES[4]}\r".encode()


class FakeLink:
    """Chunks as a device hands them over, then the end."""

    where = "fake"

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks

    def read(self, timeout: float) -> bytes:
        if not self.chunks:
            raise DeviceClosed("closed")
        return self.chunks.pop(0)


def test_codes_are_cut_at_cr_or_lf_whatever_the_chunks() -> None:
    chunks = [WIRE[i : i + 7] for i in range(0, len(WIRE), 7)]
    assert list(read_codes(FakeLink(chunks))) == CODES  # type: ignore[arg-type]
    gs1 = b"]C10106901234567892\x1d10LOT7\r"
    assert list(read_codes(FakeLink([gs1]))) == ["]C10106901234567892\x1d10LOT7"]  # type: ignore[arg-type]
    assert list(read_codes(FakeLink([b"A\rB"]))) == ["A", "B"]  # type: ignore[arg-type]


def results(out: str) -> list[tuple[str, str]]:
    rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return [(r["code"], r["outcome"]) for r in rows]


@pytest.fixture
def batch(warehouse: Warehouse, tmp_path: Path) -> str:
    """青平居委: A001 (bundle, 2 eggs), A002 (1 egg), A003 (2 斤 pork, 欧阳小明); P001's."""
    rows = [
        *order_rows("A001", lines=LINES_A),
        *order_rows("A002", lines=[("SKU0002", "鸡蛋 30枚", 1, "32.00")], name="李四"),
        *order_rows("A003", lines=[("SKU0003", "猪肉", 2, "18.00")], name="欧阳小明"),
    ]
    load(warehouse, tmp_path, rows)
    (batch_id,) = warehouse.plan_batches().batches
    warehouse.claim(batch_id, "P001", "T1")
    return str(batch_id)


EXPECTED = [
    (BUNDLE, "accepted"),
    ("3*" + EGGS, "accepted"),
    ("0000000000000", "rejected"),
    (pork_label(498), "accepted"),
    (pork_label(505), "accepted"),
]


def test_picker_scan_from_a_serial_scanner(warehouse: Warehouse, batch: str) -> None:
    master, slave = os.openpty()
    tty.setraw(slave)
    device = os.ttyname(slave)
    command = [sys.executable, "-m", "picker", "--lang", "en", "scan", "--db",
               str(warehouse.path), "--batch", batch, "--operator", "P001", "--from",
               f"serial:{device}:9600"]  # fmt: skip
    proc = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stderr is not None and proc.stdout is not None
        ready = proc.stderr.readline()  # the port is open: what is sent now is read
        assert ready.startswith(f"Reading codes from serial:{device}"), ready
        for i in range(0, len(WIRE), 5):  # a slow serial line: a few bytes at a time
            os.write(master, WIRE[i : i + 5])
        lines = [proc.stdout.readline() for _code in CODES]
        os.close(master)  # unplugged: the command ends
        master = -1
        assert proc.wait(10) == 3  # one code was rejected
    finally:
        if master >= 0:
            os.close(master)
        os.close(slave)
        if proc.poll() is None:
            proc.kill()
    assert results("".join(lines)) == EXPECTED
    log = warehouse.scan_log(batch)
    assert [(r["raw"], r["outcome"]) for r in log] == EXPECTED


def test_picker_scan_from_a_network_scanner(warehouse: Warehouse, batch: str) -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def scanner() -> None:
        conn, _addr = server.accept()
        with conn:
            for i in range(0, len(WIRE), 9):
                conn.sendall(WIRE[i : i + 9])
                time.sleep(0.01)

    thread = threading.Thread(target=scanner, daemon=True)
    thread.start()
    port = server.getsockname()[1]
    result = CliRunner().invoke(
        main,
        ["--lang", "en", "scan", "--db", str(warehouse.path), "--batch", batch,
         "--operator", "P001", "--from", f"tcp:127.0.0.1:{port}"],
    )  # fmt: skip
    thread.join(5)
    server.close()
    assert result.exit_code == 3, result.output
    assert results(result.stdout) == EXPECTED


def test_picker_scan_from_a_device_that_is_not_there(warehouse: Warehouse, batch: str) -> None:
    result = CliRunner().invoke(
        main,
        ["--lang", "en", "scan", "--db", str(warehouse.path), "--batch", batch,
         "--operator", "P001", "--from", "serial:/dev/no-such-scanner"],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "cannot open serial:/dev/no-such-scanner" in result.output


@run_async
async def test_a_terminal_with_a_network_scanner_feeds_the_pick_screen(
    warehouse: Warehouse, batch: str
) -> None:
    sent = threading.Event()
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def scanner() -> None:
        conn, _addr = server.accept()
        with conn:
            conn.sendall(WIRE)  # a burst: all five codes at once
            sent.set()
            select.select([conn], [], [], 10)  # hold on until the screen goes

    threading.Thread(target=scanner, daemon=True).start()
    address = parse_address(f"tcp:127.0.0.1:{server.getsockname()[1]}")
    warehouse.settings = replace(
        warehouse.settings, terminals={"T1": TerminalDevices("T1", scanner=address)}
    )
    app = Harness(lambda: PickScreen(warehouse.session(batch, "P001", "T1")))
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))
            await wait_for(pilot, sent.is_set)
            await wait_for(pilot, lambda: len(warehouse.scan_log(batch)) == len(CODES))
            await idle(pilot)
            assert len(app.screen.query(ScannerFeed)) == 1
            assert app.bells == 1  # the unknown code
    finally:
        server.close()
    assert [(r["raw"], r["outcome"]) for r in warehouse.scan_log(batch)] == EXPECTED


@run_async
async def test_a_scanner_that_is_not_plugged_in_is_a_red_line_not_a_crash(
    warehouse: Warehouse, batch: str
) -> None:
    address = DeviceAddress("serial", "/dev/no-such-scanner")
    warehouse.settings = replace(
        warehouse.settings, terminals={"T1": TerminalDevices("T1", scanner=address)}
    )
    app = Harness(lambda: PickScreen(warehouse.session(batch, "P001", "T1")))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))
        await wait_for(
            pilot, lambda: "no-such-scanner" in str(app.screen.query_one("#result").content)
        )
        assert "the keyboard works meanwhile" in str(app.screen.query_one("#result").content)
        await idle(pilot)
        app.screen.submit(BUNDLE)  # the keyboard's lane still works
        await idle(pilot)
    assert [r["raw"] for r in warehouse.scan_log(batch)] == [BUNDLE]
