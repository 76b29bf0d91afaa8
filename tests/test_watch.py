"""The watch folder: files dropped by the back office are imported by the rules of
`picker import`, then moved to done/ or failed/ with a report beside them.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from picker.app.warehouse import Warehouse
from picker.cli import main
from picker.domain.feed import FeedConfig, WatchConfig
from picker.errors import InputError
from tests.conftest import csv_text, order_rows, save_small_catalog

EGGS = [("SKU0002", "鸡蛋 30枚", 1, "32.00")]


@pytest.fixture
def drop(tmp_path: Path) -> Path:
    folder = tmp_path / "drop"
    folder.mkdir()
    return folder


def put(folder: Path, name: str, text: str | bytes, age: float = 60.0) -> Path:
    """A file as the back office leaves it, last written `age` seconds ago."""
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    then = time.time() - age
    os.utime(path, (then, then))
    return path


def orders_in(wh: Warehouse) -> list[str]:
    return [r[0] for r in wh.db.conn.execute("SELECT order_no FROM orders ORDER BY order_no")]


def test_a_good_file_is_imported_and_moved_to_done_with_a_report(
    warehouse: Warehouse, drop: Path
) -> None:
    put(drop, "0412.csv", csv_text([*order_rows("A001"), *order_rows("A002", lines=EGGS)]))
    (f,) = warehouse.watch_folder_once(drop)
    assert (f.name, f.outcome) == ("0412.csv", "done")
    assert orders_in(warehouse) == ["A001", "A002"]
    assert not (drop / "0412.csv").exists()
    assert f.moved_to == drop / "done" / "0412.csv" and f.moved_to.exists()
    assert f.report_path == drop / "done" / "0412.csv.report.txt"
    report = f.report_path.read_text(encoding="utf-8")
    assert "0412.csv: 2 rows, added 2 orders (￥70.80), 0 already imported, 0 rejected." in report


def test_bad_rows_are_listed_as_file_line_reason(warehouse: Warehouse, drop: Path) -> None:
    rows = [*order_rows("A001"), *order_rows("A002", phone="123"), *order_rows("A003")]
    put(drop, "late.csv", csv_text(rows))
    (f,) = warehouse.watch_folder_once(drop)
    assert f.outcome == "done" and f.report is not None and f.report.added == 2
    assert f.report_path is not None
    lines = f.report_path.read_text(encoding="utf-8").splitlines()
    assert "late.csv:3: phone '123' is not an 11-digit mobile number" in lines
    assert [r.order_no for r in warehouse.pending_rejects()] == ["A002"]


def test_an_unreadable_file_goes_to_failed_with_the_reason(
    warehouse: Warehouse, drop: Path
) -> None:
    put(drop, "broken.json", '[{"order_no": "A001",')
    put(drop, "binary.csv", b"\x00\xff\xfe\x81\x00 not text")
    files = {f.name: f for f in warehouse.watch_folder_once(drop)}
    assert {f.outcome for f in files.values()} == {"failed"}
    assert (drop / "failed" / "broken.json").exists()
    report = (drop / "failed" / "broken.json.report.txt").read_text(encoding="utf-8")
    assert report.startswith("broken.json: not imported:") and "not valid JSON" in report
    assert "not UTF-8 or GBK" in files["binary.csv"].error
    assert orders_in(warehouse) == []


def test_a_file_still_being_written_is_left_for_the_next_round(
    warehouse: Warehouse, drop: Path
) -> None:
    path = put(drop, "now.csv", csv_text(order_rows("A001")), age=0)
    (f,) = warehouse.watch_folder_once(drop, settle_seconds=5)
    assert f.outcome == "waiting" and path.exists() and orders_in(warehouse) == []
    os.utime(path, (time.time() - 10, time.time() - 10))
    (f,) = warehouse.watch_folder_once(drop, settle_seconds=5)
    assert f.outcome == "done" and orders_in(warehouse) == ["A001"]


def test_a_file_that_grows_while_read_is_read_again_next_round(
    warehouse: Warehouse, drop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writer paused longer than the settle time: the first half was imported."""
    half = csv_text(order_rows("A001"))
    path = put(drop, "slow.csv", half)
    real = warehouse.imports.import_file

    def import_then_writer_continues(p: Path, **kw: Any) -> Any:
        report = real(p, **kw)
        with open(path, "a", encoding="utf-8") as f:
            f.write(csv_text(order_rows("A002", lines=EGGS)).split("\n", 1)[1])
        return report

    monkeypatch.setattr(warehouse.imports, "import_file", import_then_writer_continues)
    (f,) = warehouse.watch_folder_once(drop, settle_seconds=0)
    assert f.outcome == "waiting" and path.exists()
    monkeypatch.setattr(warehouse.imports, "import_file", real)
    (f,) = warehouse.watch_folder_once(drop, settle_seconds=0)
    assert f.outcome == "done" and f.report is not None
    assert (f.report.added, f.report.duplicates) == (1, 1)
    assert orders_in(warehouse) == ["A001", "A002"]


def test_the_same_name_twice_keeps_both_files(warehouse: Warehouse, drop: Path) -> None:
    put(drop, "daily.csv", csv_text(order_rows("A001")))
    warehouse.watch_folder_once(drop)
    put(drop, "daily.csv", csv_text(order_rows("A001")))
    (f,) = warehouse.watch_folder_once(drop)
    assert f.moved_to == drop / "done" / "daily.2.csv"
    assert f.report_path is not None
    assert "this file was imported before" in f.report_path.read_text(encoding="utf-8")
    assert (drop / "done" / "daily.csv").exists()


def test_other_files_are_left_alone(warehouse: Warehouse, drop: Path) -> None:
    put(drop, "readme.txt", "hello")
    put(drop, ".~lock.0412.csv#", "x")
    (drop / "sub.csv").mkdir()
    assert warehouse.watch_folder_once(drop) == []
    assert sorted(p.name for p in drop.iterdir()) == [".~lock.0412.csv#", "readme.txt", "sub.csv"]


def test_no_folder_configured_is_a_clear_error(warehouse: Warehouse, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"\[watch\] folder"):
        warehouse.watch_folder_once()
    with pytest.raises(InputError, match="is not a folder"):
        warehouse.watch_folder_once(tmp_path / "nope")


def test_the_configured_folder_and_settle_time_are_used(warehouse: Warehouse, drop: Path) -> None:
    warehouse.settings = replace(warehouse.settings, watch=WatchConfig(drop, settle_seconds=3600))
    put(drop, "a.jsonl", json.dumps({"order_no": "X"}) + "\n", age=60)
    assert [f.outcome for f in warehouse.watch_folder_once()] == ["waiting"]


def test_an_event_waiting_for_its_order_is_applied_when_the_file_brings_it(
    warehouse: Warehouse, drop: Path
) -> None:
    """A cancel from the feed, its order only in the back office's file."""

    class OneCancel:
        def get(self, kind: str, after: str, limit: int) -> bytes:
            items = [{"id": "E1", "order_no": "A001", "kind": "cancel"}] if kind == "events" else []
            return json.dumps({"items": items, "next": "1"}).encode()

    feed = FeedConfig("plat", "http://127.0.0.1:1")
    warehouse.settings = replace(warehouse.settings, feeds=(feed,))
    warehouse.pull_once("plat", transport=OneCancel())
    assert warehouse.order_events()[0]["outcome"] == "unknown-order"
    put(drop, "0412.csv", csv_text(order_rows("A001")))
    warehouse.watch_folder_once(drop)
    assert warehouse.order_events()[0]["outcome"] == "cancelled"
    status = warehouse.db.conn.execute("SELECT status FROM orders WHERE order_no = 'A001'")
    assert status.fetchone()[0] == "cancelled"


def run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, ["--lang", "en", *args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def test_watch_once_on_the_command_line(tmp_path: Path, drop: Path) -> None:
    db_path = tmp_path / "cli.db"
    wh = Warehouse(db_path)
    save_small_catalog(wh)
    wh.close()
    opts = ["--db", str(db_path), "--folder", str(drop)]
    put(drop, "ok.csv", csv_text(order_rows("A001")))
    out = run("watch", "--once", *opts)
    assert "ok.csv: 1 row, added 1 order (" in out and "done/ok.csv" in out
    put(drop, "bad.csv", csv_text(order_rows("A002", phone="1")))
    out = run("watch", "--once", *opts, code=3)
    assert "bad.csv:2: phone '1'" in out
    put(drop, "worse.json", "{")
    data = json.loads(run("watch", "--once", "--json", *opts, code=2))
    assert data[0]["outcome"] == "failed" and data[0]["moved_to"].endswith("failed/worse.json")
    cfg = tmp_path / "site.toml"
    cfg.write_text(f'[watch]\nfolder = "{drop}"\n', encoding="utf-8")
    assert run("watch", "--once", "--db", str(db_path), "--config", str(cfg)) == ""
