"""One log file beside the database (or `--log`): errors keep their tracebacks there while a
person sees the short message."""

from __future__ import annotations

import asyncio
import logging
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from picker.app.warehouse import Warehouse
from picker.cli import main
from picker.domain.auth import SignedIn
from picker.domain.model import Role
from picker.logs import current_log, log_path_for, start_logging, stop_logging
from picker.ui.app import make_app
from tests.conftest import save_small_catalog


@pytest.fixture(autouse=True)
def _no_log_left_open() -> Iterator[None]:
    yield
    stop_logging()


@pytest.fixture
def small_db(tmp_path: Path) -> Path:
    path = tmp_path / "w.db"
    wh = Warehouse(path)
    save_small_catalog(wh)
    wh.close()
    return path


def test_a_refused_command_shows_one_line_and_logs_its_traceback(small_db: Path) -> None:
    result = CliRunner().invoke(
        main, ["--lang", "en", "--db", str(small_db), "claim", "B-NOPE", "--operator", "P404"]
    )
    assert result.exit_code == 2
    assert result.stderr == "error: unknown operator P404\n"
    assert "Traceback" not in result.output
    log = log_path_for(small_db).read_text(encoding="utf-8")
    assert "INFO picker.cli.common" in log and "unknown operator P404" in log
    assert "Traceback (most recent call last)" in log and "picker.errors.NotFound" in log
    assert current_log() is None  # closed when the command ended


def test_an_unexpected_error_is_logged_with_its_traceback_and_still_raised(
    small_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: Warehouse, committee: str | None = None) -> object:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Warehouse, "order_summary", broken)
    result = CliRunner().invoke(main, ["--db", str(small_db), "orders"])
    assert isinstance(result.exception, RuntimeError)  # output as before: Python's own report
    assert result.stderr == ""
    log = log_path_for(small_db).read_text(encoding="utf-8")
    assert "ERROR picker.cli.common" in log and "orders failed" in log
    assert "Traceback (most recent call last)" in log and "RuntimeError: disk on fire" in log
    assert "in broken" in log


def test_a_command_that_logs_nothing_leaves_no_file(small_db: Path) -> None:
    result = CliRunner().invoke(main, ["--lang", "en", "--db", str(small_db), "orders"])
    assert result.exit_code == 0
    assert not log_path_for(small_db).exists()


def test_the_log_option_names_the_file_and_it_is_private(small_db: Path, tmp_path: Path) -> None:
    chosen = tmp_path / "logs" / "picker.log"
    chosen.parent.mkdir()
    args = [
        "--lang",
        "en",
        "--log",
        str(chosen),
        "--db",
        str(small_db),
        "claim",
        "B-1",
        "--operator",
        "P404",
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert "unknown operator P404" in chosen.read_text(encoding="utf-8")
    assert not log_path_for(small_db).exists()
    assert stat.S_IMODE(chosen.stat().st_mode) == 0o600


def test_an_unusable_log_option_is_an_input_error(small_db: Path, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir" / "picker.log"
    result = CliRunner().invoke(
        main, ["--lang", "en", "--log", str(missing), "--db", str(small_db), "orders"]
    )
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: cannot write the log file {missing}: ")
    assert not missing.parent.exists()
    result = CliRunner().invoke(
        main, ["--lang", "en", "--log", str(tmp_path), "--db", str(small_db), "orders"]
    )
    assert result.exit_code == 2 and "'--log'" in result.stderr  # click refuses a directory


def test_start_logging_creates_an_owner_only_file_and_replaces_an_earlier_one(
    tmp_path: Path,
) -> None:
    first, second = tmp_path / "a.log", tmp_path / "b.log"
    start_logging(first)
    logging.getLogger("picker.test").info("into a")
    start_logging(second)
    logging.getLogger("picker.test").info("into b")
    logging.getLogger("picker.test").debug("below the level")
    stop_logging()
    assert "into a" in first.read_text() and "into b" not in first.read_text()
    assert "into b" in second.read_text() and "below the level" not in second.read_text()
    assert {stat.S_IMODE(p.stat().st_mode) for p in (first, second)} == {0o600}


def test_a_worker_that_fails_in_the_app_leaves_its_traceback_in_the_log(
    small_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: Warehouse, committee: str | None = None) -> object:
        raise RuntimeError("cannot read the summary")

    monkeypatch.setattr(Warehouse, "order_summary", broken)
    path = start_logging(tmp_path / "app.log")
    wh = Warehouse(small_db)
    lead = SignedIn("L01", "张班长", Role.LEAD)
    app = make_app(wh, operator=lead, screen="orders", terminal="T1")

    async def run() -> None:
        async with app.run_test(size=(120, 30)) as pilot:
            deadline = time.monotonic() + 20
            # The file is created with its first record: until then there is nothing to read.
            while not path.exists() or "cannot read the summary" not in path.read_text(
                encoding="utf-8"
            ):
                assert time.monotonic() < deadline, "the failed worker was not logged"
                await pilot.pause(0.05)

    try:
        asyncio.run(run())
    finally:
        wh.close()
    log = path.read_text(encoding="utf-8")
    assert "ERROR picker.ui.worker_log" in log and "orders-read" in log
    assert "Traceback (most recent call last)" in log and "in broken" in log


def test_a_refusal_in_a_worker_is_logged_at_info_anything_else_at_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from types import SimpleNamespace

    from textual.worker import WorkerState

    from picker.errors import Conflict
    from picker.ui.worker_log import log_failed_worker

    def failed(error: BaseException, state: WorkerState = WorkerState.ERROR) -> Any:
        try:
            raise error
        except BaseException as exc:
            return SimpleNamespace(state=state, error=exc, name="read", group="g", node=object())

    caplog.set_level(logging.INFO, logger="picker.ui.worker_log")
    log_failed_worker(failed(Conflict("taken by P002")))
    log_failed_worker(failed(KeyError("sku")))
    log_failed_worker(failed(ValueError("cancelled"), WorkerState.CANCELLED))
    levels = [(r.levelno, r.exc_info is not None) for r in caplog.records]
    assert levels == [(logging.INFO, True), (logging.ERROR, True)]
    assert "taken by P002" in caplog.records[0].getMessage()
