"""Printers that answer DLE EOT: a job waits while the paper is out (or the cover open), is
sent once the printer is ready, exactly once, and is never done while the printer says it
did not print. The printer is a stand-in on 127.0.0.1 that answers the four status queries.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from db import print_queue
from picker.app.warehouse import Warehouse
from picker.ui.printer_states import PrinterStates
from picker.ui.queue import QueueScreen
from picker.ui.queue_table import cells
from printers.errors import PrinterNotReady
from printers.status import QUERY, PrinterStatus
from printers.transport import open_transport
from tests.standins import PRINTER_ANSWERS, StatusPrinter, serve_printer, serve_pty
from tests.test_print_queue import NOW, net, pack_small_batch, with_printers
from tests.test_ui_pick import Harness, run_async, wait_for

LABELS = ["BGA003-1", "BGA001-1", "BGA001-2"]  # packing order, oldest job first


@pytest.fixture
def packed(warehouse: Warehouse, tmp_path: Path) -> Warehouse:
    return pack_small_batch(warehouse, tmp_path)


def at(seconds: float) -> object:
    return NOW + timedelta(seconds=seconds)


def states(wh: Warehouse) -> dict[str, str]:
    return {s.printer: s.state for s in wh.printer_states()}


@pytest.mark.parametrize(
    ("state", "blocking"),
    [
        ("ready", False),
        ("paper-near-end", False),
        ("paper-out", True),
        ("cover-open", True),
        ("offline", True),
    ],
)
def test_status_answers(state: str, blocking: bool) -> None:
    status = PrinterStatus.parse(PRINTER_ANSWERS[state])
    assert (status.state, status.blocking) == (state, blocking)
    assert bytes.fromhex("100401 100402 100403 100404") == QUERY


def test_an_answer_that_is_not_one_is_refused() -> None:
    with pytest.raises(ValueError):
        PrinterStatus.parse(b"\x12\x12\x12")
    with pytest.raises(ValueError):
        PrinterStatus.parse(b"abcd")


def test_paper_out_holds_the_jobs_and_they_print_exactly_once_when_ready(
    packed: Warehouse,
) -> None:
    printer = StatusPrinter("paper-out")
    with serve_printer(printer) as port:
        with_printers(packed, net("label1", port, status=True))
        outcomes = packed.run_print_worker_once(NOW)
        # The first job asked and was refused; the printer's other jobs wait behind it.
        assert [(o.target, o.status, o.attempts) for o in outcomes] == [("BGA003-1", "queued", 0)]
        assert "out of paper" in outcomes[0].reason
        assert printer.jobs == []
        jobs = {j.target: j for j in packed.print_jobs()}
        assert all(j.status == "queued" and "out of paper" in j.reason for j in jobs.values())
        assert states(packed) == {"label1": "paper-out"}
        # It asks again every few seconds, not on a growing backoff, and never prints.
        assert packed.run_print_worker_once(at(1)) == []
        assert [o.status for o in packed.run_print_worker_once(at(4))] == ["queued"]
        assert printer.jobs == [] and printer.queries == 2
        printer.state = "ready"  # a roll is loaded
        done = packed.run_print_worker_once(at(8))
        assert [(o.target, o.status, o.attempts) for o in done] == [(t, "done", 1) for t in LABELS]
        for later in (20, 60, 300):
            assert packed.run_print_worker_once(at(later)) == []
    assert printer.jobs == [print_queue.job_data(packed.db, o.id) for o in done]
    assert len(printer.jobs) == 3  # each label exactly once
    assert all(j.status == "done" and j.reason == "" for j in packed.print_jobs())
    assert states(packed) == {"label1": "ready"}


def test_paper_running_out_during_a_job_is_not_done_and_it_is_sent_again(
    packed: Warehouse,
) -> None:
    # Before the first job: ready; after it: out of paper (it did not print whole).
    printer = StatusPrinter("ready", script=["ready", "paper-out", "paper-out"])
    with serve_printer(printer) as port:
        with_printers(packed, net("label1", port, status=True))
        (first,) = packed.run_print_worker_once(NOW)
        assert (first.target, first.status, first.attempts) == ("BGA003-1", "queued", 1)
        assert "did not print whole" in first.reason
        row = print_queue.get_job(packed.db, first.id)
        assert row is not None and row.status == "queued" and row.done_at is None
        assert [o.status for o in packed.run_print_worker_once(at(4))] == ["queued"]
        done = packed.run_print_worker_once(at(8))  # the script is used up: ready again
    assert [(o.target, o.status) for o in done] == [(t, "done") for t in LABELS]
    assert [o.attempts for o in done] == [2, 1, 1]
    data = print_queue.job_data(packed.db, first.id)
    # Sent once into the empty printer, once whole; the others once each.
    assert printer.jobs.count(data) == 2 and len(printer.jobs) == 4


@pytest.mark.parametrize(
    ("state", "words"), [("cover-open", "cover of printer label1 is open"), ("offline", "offline")]
)
def test_cover_open_and_offline_hold_the_job_too(packed: Warehouse, state: str, words: str) -> None:
    printer = StatusPrinter(state)
    with serve_printer(printer) as port:
        with_printers(packed, net("label1", port, status=True))
        (held,) = packed.run_print_worker_once(NOW)
    assert held.status == "queued" and words in held.reason
    assert printer.jobs == [] and states(packed) == {"label1": state}


def test_paper_near_end_prints_and_warns_the_lead(packed: Warehouse) -> None:
    printer = StatusPrinter("paper-near-end")
    with serve_printer(printer) as port:
        with_printers(packed, net("label1", port, status=True))
        outcomes = packed.run_print_worker_once(NOW)
    assert [o.status for o in outcomes] == ["done"] * 3
    assert all("nearly finished" in o.warning for o in outcomes)
    (state,) = packed.printer_states()
    assert (state.state, state.message) == (
        "paper-near-end",
        "printer label1: the paper roll is nearly finished",
    )


def test_a_printer_that_does_not_answer_status_fails_as_before(packed: Warehouse) -> None:
    def mute(conn: object) -> None:  # takes the bytes, answers nothing
        import socket

        assert isinstance(conn, socket.socket)
        conn.settimeout(3)
        while conn.recv(4096):
            pass

    printer = StatusPrinter()
    printer.handle = mute  # type: ignore[method-assign]
    with serve_printer(printer) as port:
        packed.print_timeout = 0.3
        with_printers(packed, net("label1", port, status=True))
        (failed,) = packed.run_print_worker_once(NOW)
    assert failed.status == "failed" and "status queries" in failed.reason


def test_a_printer_without_status_is_not_asked(packed: Warehouse) -> None:
    printer = StatusPrinter("paper-out")  # would refuse, if it were asked
    with serve_printer(printer) as port:
        with_printers(packed, net("label1", port))
        outcomes = packed.run_print_worker_once(NOW)
    assert [o.status for o in outcomes] == ["done"] * 3
    assert printer.queries == 0 and packed.printer_states() == []


def test_a_serial_printer_is_asked_before_and_after_too() -> None:
    printer = StatusPrinter("paper-out")
    with serve_pty(printer.feed) as device:
        transport = open_transport(f"serial:{device}:9600", timeout=1, status=True)
        with pytest.raises(PrinterNotReady) as info:
            transport.send(b"JOB")
        assert info.value.reason == "paper-out" and not info.value.sent
        printer.state = "ready"
        transport.send(b"JOB")
    printer.end_job()
    assert printer.jobs == [b"JOB"] and printer.queries == 3


@run_async
async def test_the_queue_screen_shows_the_waiting_jobs_and_warns_the_lead(
    packed: Warehouse,
) -> None:
    printer = StatusPrinter("paper-out")
    with serve_printer(printer) as port:
        with_printers(packed, net("label1", port, status=True))
        packed.run_print_worker_once()  # the app's or a print server's worker
        app = Harness(lambda: QueueScreen(packed))
        async with app.run_test(size=(100, 24)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
            screen = app.screen
            line = screen.query_one(PrinterStates)
            await wait_for(pilot, lambda: bool(line.display))
            assert "printer label1 is out of paper: load a roll" in str(line.content)
            await wait_for(pilot, lambda: len(screen.jobs) == 3)  # type: ignore[attr-defined]
            states = {str(cells(j)[4]) for j in screen.jobs}  # type: ignore[attr-defined]
            assert states == {"waiting"}
            assert [n.message for n in app._notifications] == [
                "printer label1 is out of paper: load a roll"
            ]
    assert printer.jobs == []


@run_async
async def test_the_dashboard_warns_the_lead_of_a_printer_out_of_paper(packed: Warehouse) -> None:
    from picker.domain.auth import SignedIn
    from picker.domain.model import Role
    from picker.ui.dashboard import DashboardScreen

    printer = StatusPrinter("paper-out")
    with serve_printer(printer) as port:
        with_printers(packed, net("label1", port, status=True))
        packed.run_print_worker_once()
    lead = SignedIn("L01", "张班长", Role.LEAD)
    app = Harness(lambda: DashboardScreen(packed, lead, "T1"))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        line = app.screen.query_one(PrinterStates)
        await wait_for(pilot, lambda: bool(line.display))
        assert "printer label1 is out of paper: load a roll" in str(line.content)
        assert [n.message for n in app._notifications] == [
            "printer label1 is out of paper: load a roll"
        ]
    assert printer.jobs == []
