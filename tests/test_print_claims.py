"""Who sends a print job: atomic claims by named workers, and jobs whose outcome is unknown.

A worker killed after the printer took the bytes but before the job was marked done is
simulated by a transport that delivers the bytes and then raises `Killed` (a BaseException,
as a kill is: nothing in the worker catches it).
"""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from db import print_queue
from picker.app.warehouse import Warehouse
from picker.errors import Conflict
from printers import transport as transports
from printers.profile import PrinterProfile
from tests.test_print_queue import (
    NOW,
    net,
    pack_small_batch,
    printer_server,
    read_all,
    with_printers,
)

LATER = NOW.replace(minute=3)  # past the two minutes after which a `sending` job is stale


class Killed(BaseException):
    """The worker's process died (kill -9, power cut) right after the printer took the job."""


def kill_after_send(monkeypatch: pytest.MonkeyPatch) -> None:
    real = transports.open_transport

    def dying(*args: Any, **kwargs: Any) -> Any:
        transport = real(*args, **kwargs)
        send = transport.send

        def send_then_die(data: bytes) -> None:
            send(data)
            raise Killed

        transport.send = send_then_die
        return transport

    monkeypatch.setattr(transports, "open_transport", dying)


def job_row(wh: Warehouse, job_id: int) -> print_queue.JobRow:
    row = print_queue.get_job(wh.db, job_id)
    assert row is not None
    return row


@pytest.fixture
def packed(warehouse: Warehouse, tmp_path: Path) -> Warehouse:
    return pack_small_batch(warehouse, tmp_path)


@pytest.fixture
def crashed(packed: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """The oldest label job went out to `file1` and its worker died before marking it done."""
    with_printers(packed, PrinterProfile("file1", f"file:{tmp_path / 'labels.bin'}"))
    job = min(j.id for j in packed.print_jobs())
    kill_after_send(monkeypatch)
    with pytest.raises(Killed):
        packed.run_print_worker_once(NOW, worker="T1")
    monkeypatch.undo()
    assert job_row(packed, job).status == "sending"
    return job


def test_a_job_whose_worker_died_mid_send_is_held_not_sent_again(
    packed: Warehouse, crashed: int, tmp_path: Path
) -> None:
    out = tmp_path / "labels.bin"
    data = print_queue.job_data(packed.db, crashed)
    assert data is not None and out.read_bytes() == data
    # A live worker sees the stale job after two minutes: it holds it and sends the others.
    outcomes = packed.run_print_worker_once(LATER, worker="T2")
    assert [(o.id, o.status) for o in outcomes if o.id == crashed] == [(crashed, "held")]
    assert sorted(o.status for o in outcomes if o.id != crashed) == ["done", "done"]
    packed.run_print_worker_once(LATER.replace(minute=30), worker="T2")
    assert out.read_bytes().count(data) == 1
    held = job_row(packed, crashed)
    assert held.status == "held" and "may have printed" in held.reason
    sends = packed.print_sends(crashed)
    assert [(s.worker, s.reprint, s.outcome) for s in sends] == [("T1", False, "unknown")]
    with pytest.raises(Conflict, match="may have printed"):
        packed.retry_job(crashed)


def test_the_lead_resends_a_held_job_marked_as_a_reprint(
    packed: Warehouse, crashed: int, tmp_path: Path
) -> None:
    packed.run_print_worker_once(LATER, worker="T2")
    before = (tmp_path / "labels.bin").read_bytes()
    packed.resend_as_reprint(crashed)
    (outcome,) = packed.run_print_worker_once(LATER, worker="T2")
    assert (outcome.id, outcome.status) == (crashed, "done")
    again = (tmp_path / "labels.bin").read_bytes()[len(before) :]
    assert "补打".encode("gb18030") in again and "补打".encode("gb18030") not in before
    row = job_row(packed, crashed)
    assert (row.status, row.reprint) == ("done", True)
    # The database tells the sends apart: the first, unknown, and the 补打.
    sends = packed.print_sends(crashed)
    assert [(s.reprint, s.outcome) for s in sends] == [(False, "unknown"), (True, "done")]
    with pytest.raises(Conflict):
        packed.resend_as_reprint(crashed)


def test_the_lead_marks_a_held_job_printed(packed: Warehouse, crashed: int, tmp_path: Path) -> None:
    packed.run_print_worker_once(LATER, worker="T2")
    size = (tmp_path / "labels.bin").stat().st_size
    packed.mark_printed(crashed)
    assert packed.run_print_worker_once(LATER.replace(minute=40), worker="T2") == []
    assert (tmp_path / "labels.bin").stat().st_size == size
    row = job_row(packed, crashed)
    assert row.status == "done" and row.done_at is not None and not row.reprint
    assert [(s.reprint, s.outcome) for s in packed.print_sends(crashed)] == [(False, "done")]
    with pytest.raises(Conflict):
        packed.mark_printed(min(j.id for j in packed.print_jobs() if j.id != crashed))


def test_a_claim_names_its_worker_and_time(packed: Warehouse, tmp_path: Path) -> None:
    with_printers(packed, PrinterProfile("file1", f"file:{tmp_path / 'l.bin'}"))
    outcomes = packed.run_print_worker_once(NOW, worker="T7")
    assert len(outcomes) == 3
    stamp = NOW.isoformat(timespec="milliseconds")
    for job in packed.print_jobs():
        assert (job.status, job.claimed_by, job.claimed_at) == ("done", "T7", stamp)
        (send,) = packed.print_sends(job.id)
        assert (send.worker, send.printer, send.outcome, send.reprint) == (
            "T7",
            "file1",
            "done",
            False,
        )


def test_two_warehouses_racing_on_one_file_send_each_job_once(
    packed: Warehouse, tmp_path: Path
) -> None:
    with printer_server(read_all) as (port, received):
        profile = net("label1", port)
        with_printers(packed, profile)
        for _ in range(20):
            packed.queue_test_page("label1")
        others = [Warehouse(packed.path, packed.settings, packed.clock) for _ in range(2)]
        start = threading.Barrier(2)

        def work(wh: Warehouse, name: str) -> None:
            start.wait()
            try:
                while any(j.status != "done" for j in wh.print_jobs()):
                    wh.run_print_worker_once(NOW, worker=name)
            finally:
                wh.close()

        threads = [threading.Thread(target=work, args=(wh, f"W{i}")) for i, wh in enumerate(others)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    jobs = packed.print_jobs()
    assert len(jobs) == 23 and all(j.status == "done" for j in jobs)
    sent = Counter(print_queue.job_data(packed.db, j.id) for j in jobs)
    assert Counter(received) == sent
    sends = [s for j in jobs for s in packed.print_sends(j.id)]
    assert len(sends) == 23 and {s.outcome for s in sends} == {"done"}
    assert {s.worker for s in sends} <= {"W0", "W1"}


def test_an_apps_worker_leaves_jobs_for_printers_it_does_not_have(
    packed: Warehouse, tmp_path: Path
) -> None:
    with_printers(packed, PrinterProfile("doc", f"file:{tmp_path / 'd.bin'}", role="document"))
    manifest = packed.queue_document("manifest", "XY01")
    refunds = packed.queue_document("refunds", "XY01")
    with_printers(packed, PrinterProfile("file1", f"file:{tmp_path / 'l.bin'}"))
    # This terminal has a label printer only: the manifest is another one's to send.
    outcomes = packed.run_print_worker_once(NOW, worker="T1", own_printers_only=True)
    assert sorted(o.status for o in outcomes) == ["done"] * 3
    for job in (manifest, refunds):
        row = job_row(packed, job)
        assert (row.status, row.attempts, row.reason) == ("queued", 0, "")
