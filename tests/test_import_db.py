"""Importing into a warehouse file: exactly once, conflicts, rejects kept, crash safety."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from db import store
from picker.app.warehouse import Warehouse
from tests.conftest import csv_text, order_rows

LINES = [("SKU0001", "蔬菜套餐A", 1, "38.80"), ("SKU0002", "鸡蛋 30枚", 2, "32.00")]


def write(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    path.write_bytes(csv_text(rows).encode(encoding))
    return path


def test_import_adds_orders_and_lines(warehouse: Warehouse, tmp_path: Path) -> None:
    f = write(tmp_path / "a.csv", [*order_rows("A001", lines=LINES), *order_rows("A002")])
    report = warehouse.import_file(f)
    assert (report.added, report.duplicates, report.rejects) == (2, 0, [])
    assert report.amount_fen == (3880 + 2 * 3200) + 3880
    assert store.count(warehouse.db, "orders") == 2
    assert store.count(warehouse.db, "order_lines") == 3


def test_reimport_adds_nothing_and_says_so(warehouse: Warehouse, tmp_path: Path) -> None:
    f = write(tmp_path / "a.csv", [*order_rows("A001", lines=LINES), *order_rows("A002")])
    warehouse.import_file(f)
    again = warehouse.import_file(f)
    assert (again.added, again.duplicates) == (0, 2)
    assert again.seen_before is not None and again.seen_before[0] == str(f)
    assert store.count(warehouse.db, "orders") == 2
    assert store.count(warehouse.db, "order_lines") == 3


def test_same_orders_in_another_encoding_are_duplicates(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    rows = order_rows("A001", lines=LINES)
    warehouse.import_file(write(tmp_path / "u.csv", rows))
    report = warehouse.import_file(write(tmp_path / "g.csv", rows, "gbk"))
    assert (report.added, report.duplicates, report.rejects) == (0, 1, [])


def test_changed_order_is_a_conflict_and_never_overwrites(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    warehouse.import_file(write(tmp_path / "a.csv", order_rows("A001", name="张三明")))
    changed = [*order_rows("A002"), *order_rows("A001", name="张三")]
    report = warehouse.import_file(write(tmp_path / "b.csv", changed))
    assert report.added == 1
    assert [(r.reason, r.order_no, r.line) for r in report.conflicts] == [("conflict", "A001", 3)]
    name = warehouse.db.execute("SELECT name FROM orders WHERE order_no = 'A001'").fetchone()[0]
    assert name == "张三明"
    assert [r.reason for r in warehouse.pending_rejects()] == ["conflict"]


def test_dry_run_changes_nothing(warehouse: Warehouse, tmp_path: Path) -> None:
    f = write(tmp_path / "a.csv", [*order_rows("A001"), *order_rows("A002", phone="1")])
    report = warehouse.import_file(f, dry_run=True)
    assert (report.added, len(report.rejects), report.dry_run) == (1, 1, True)
    assert store.count(warehouse.db, "orders") == 0
    assert store.count(warehouse.db, "import_rejects") == 0
    assert store.count(warehouse.db, "imports") == 0


def test_rejects_are_kept_once_and_resolved_by_a_corrected_file(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    bad = write(tmp_path / "bad.csv", [*order_rows("A001"), *order_rows("A002", phone="12")])
    warehouse.import_file(bad)
    warehouse.import_file(bad)
    pending = warehouse.pending_rejects()
    assert [(r.source, r.line, r.reason, r.order_no) for r in pending] == [
        (str(bad), 3, "bad_phone", "A002")
    ]
    assert pending[0].committee == "XY01"
    fixed = write(tmp_path / "fixed.csv", order_rows("A002"))
    assert warehouse.import_file(fixed).added == 1
    assert warehouse.pending_rejects() == []


def test_order_summary_per_committee(warehouse: Warehouse, tmp_path: Path) -> None:
    rows = [
        *order_rows("A001", lines=LINES),
        *order_rows("A002", status="已退款"),
        *order_rows("B001", committee="航运新村居委", code="QR02"),
        *order_rows("B002", committee="航运新村居委", code="QR02", phone="1"),
    ]
    warehouse.import_file(write(tmp_path / "a.csv", rows))
    summary = {r.code: r for r in warehouse.order_summary()}
    assert (summary["XY01"].orders, summary["XY01"].lines, summary["XY01"].amount_fen) == (
        1,
        2,
        3880 + 6400,
    )
    assert summary["XY01"].by_status == {"paid": 1, "refunded": 1}
    assert (summary["YP01"].orders, summary["YP01"].rejects) == (1, 1)
    only = warehouse.order_summary("航运新村居委")
    assert [r.code for r in only] == ["YP01"]


def _big_file(path: Path, orders: int) -> Path:
    rows: list[list[str]] = []
    for n in range(orders):
        rows.extend(order_rows(f"K{n:06d}", lines=LINES))
    return write(path, rows)


def test_a_process_killed_mid_import_leaves_none_of_the_file(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    """SIGKILL while the file's transaction is being written: nothing of it may remain."""
    orders = 40_000
    big = _big_file(tmp_path / "big.csv", orders)
    warehouse.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    wal = Path(f"{warehouse.path}-wal")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    killed_mid_write = 0
    for _attempt in range(3):
        base = wal.stat().st_size if wal.exists() else 0
        proc = subprocess.Popen(
            [sys.executable, "-m", "picker", "import", "--db", str(warehouse.path), str(big)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        # Uncommitted pages spill into the WAL long before the commit: kill then.
        while time.monotonic() < deadline and proc.poll() is None:
            if wal.exists() and wal.stat().st_size > base + 512 * 1024:
                break
            time.sleep(0.002)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        count = store.count(warehouse.db, "orders")
        assert count in (0, orders), f"a partial file landed: {count} orders"
        assert warehouse.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        if count == 0:
            killed_mid_write += 1
            break
    assert killed_mid_write, "never caught the import mid-transaction"
    assert store.count(warehouse.db, "order_lines") == 0
    assert store.count(warehouse.db, "imports") == 0
    # The same file imports whole afterwards.
    report = warehouse.import_file(big)
    assert (report.added, report.rejects) == (orders, [])
