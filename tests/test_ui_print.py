"""The running app's print worker, and jobs held for the lead on the queue screen.

The app sends jobs by itself from its start, on any screen; a pass that fails is logged and
shown, and the worker goes on; it stops with the app.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from db import print_queue
from picker.app.warehouse import Warehouse
from picker.ui.queue import QueueScreen
from picker.ui.signin import SignInScreen
from tests.test_print_claims import Killed, kill_after_send
from tests.test_ui import run_async, wait_for
from tests.test_ui_flow import HY, LEAD, Clock, app_on, clock, pack_whole, rows_of, wh, with_printer

__all__ = ["clock", "wh"]  # fixtures


def status(wh: Warehouse, job: int) -> str:
    row = print_queue.get_job(wh.db, job)
    assert row is not None
    return row.status


@run_async
async def test_a_running_app_prints_by_itself_on_any_screen(
    tmp_path: Path, wh: Warehouse, clock: Clock
) -> None:
    pack_whole(wh, HY)
    out = tmp_path / "printer.bin"
    printing = with_printer(wh, f"file:{out}")
    first = printing.print_manifest("YP01")
    app = app_on(printing, clock)  # nobody signed in: the sign-in screen
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: status(wh, first) == "done", 10)
        assert isinstance(app.screen, SignInScreen)
        # Another terminal queues a reprint: the app sees the file change and sends it.
        other = with_printer(wh, f"file:{out}")
        second = other.reprint("manifest", "YP01")
        other.close()
        await wait_for(pilot, lambda: status(wh, second) == "done", 10)
        sends = [s for job in (first, second) for s in wh.print_sends(job)]
        assert [(s.worker.split(":")[0], s.reprint) for s in sends] == [
            ("T1", False),
            ("T1", True),
        ]
        assert app.is_running
    assert app.print_worker.stopped.wait(5)
    assert out.read_bytes().count("补打".encode("gb18030")) == 1
    # The labels have no printer here: left queued for a terminal that has one.
    assert {j.status for j in wh.print_jobs() if j.kind == "label"} == {"queued"}


@run_async
async def test_a_failing_pass_is_logged_and_shown_and_the_worker_goes_on(
    tmp_path: Path,
    wh: Warehouse,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pack_whole(wh, HY)
    printing = with_printer(wh, f"file:{tmp_path / 'printer.bin'}")
    job = printing.print_manifest("YP01")
    real = printing.run_print_worker_once
    calls: list[int] = []

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("disk I/O error")
        return real(*args, **kwargs)

    monkeypatch.setattr(printing, "run_print_worker_once", flaky)
    app = app_on(printing, clock)
    with caplog.at_level(logging.ERROR):
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: status(wh, job) == "done", 10)
            assert app.is_running
            assert [n.message for n in app._notifications] == [
                "The print queue failed: disk I/O error"
            ]
    assert "disk I/O error" in caplog.text and "Traceback" in caplog.text


def held_jobs(printing: Warehouse, clock: Clock, count: int) -> list[int]:
    """`count` manifests whose worker died right after the printer took them."""
    jobs = []
    for _ in range(count):
        jobs.append(printing.print_manifest("YP01"))
        with pytest.MonkeyPatch.context() as patch:
            kill_after_send(patch)
            with pytest.raises(Killed):
                printing.run_print_worker_once(worker="dead")
    clock.advance(180)
    return jobs


@run_async
async def test_the_lead_resends_one_held_job_as_a_reprint_and_marks_another_printed(
    tmp_path: Path, wh: Warehouse, clock: Clock
) -> None:
    pack_whole(wh, HY)
    out = tmp_path / "printer.bin"
    printing = with_printer(wh, f"file:{out}")
    jobs = first, second = held_jobs(printing, clock, 2)
    size = out.stat().st_size
    app = app_on(printing, clock, operator=LEAD, screen="queue")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        await wait_for(
            pilot, lambda: [rows_of(app).get(str(j), ("",) * 5)[4] for j in jobs] == ["held"] * 2
        )
        assert out.stat().st_size == size  # nothing sent again by itself
        assert screen.selected().id == second  # type: ignore[union-attr]
        await pilot.press("s")  # resend as 补打
        await wait_for(pilot, lambda: rows_of(app)[str(second)][4] == "printed")
        assert rows_of(app)[str(second)][1] == "manifest (reprint)"
        await pilot.press("down")
        assert screen.selected().id == first  # type: ignore[union-attr]
        await pilot.press("d")  # it did print
        await wait_for(pilot, lambda: rows_of(app)[str(first)][4] == "printed")
        await pilot.press("d")
        await wait_for(pilot, lambda: "not held" in str(screen.query_one("MessageLine").text))
    assert [(s.reprint, s.outcome) for s in wh.print_sends(second)] == [
        (False, "unknown"),
        (True, "done"),
    ]
    assert [(s.reprint, s.outcome) for s in wh.print_sends(first)] == [(False, "done")]
    assert out.read_bytes()[size:].count("补打".encode("gb18030")) == 1
