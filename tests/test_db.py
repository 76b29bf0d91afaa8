"""The database spine: migrations, connection settings, the write-lock helper."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

import db
from db import store
from db.migrations import MIGRATIONS


def test_migrations_create_the_schema_on_an_empty_file(tmp_path: Path) -> None:
    conn = db.connect(tmp_path / "new.db")
    tables = set(conn.table_names())
    assert {
        "subdistricts",
        "committees",
        "committee_aliases",
        "payment_codes",
        "payment_code_committees",
        "locations",
        "products",
        "barcodes",
        "operators",
        "orders",
        "order_lines",
        "imports",
        "import_rejects",
        "settings",
    } <= tables
    assert [m.name for m in MIGRATIONS.applied(conn)] == [m.name for m in MIGRATIONS._migrations]


def test_migrations_rerun_is_a_no_op(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    first = db.connect(path, migrate=False)
    assert db.migrate(first) == [m.name for m in MIGRATIONS._migrations]
    first.execute("INSERT INTO subdistricts (code, name) VALUES ('XY', '夏阳街道')")
    first.close()
    again = db.connect(path, migrate=False)
    assert db.migrate(again) == []
    assert store.count(again, "subdistricts") == 1
    assert len(MIGRATIONS.applied(again)) == len(MIGRATIONS._migrations)


def test_every_connection_has_the_settings_the_design_asks_for(tmp_path: Path) -> None:
    conn = db.connect(tmp_path / "w.db").conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_foreign_keys_are_enforced(tmp_path: Path) -> None:
    conn = db.connect(tmp_path / "w.db")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO committees (code, name, subdistrict) VALUES ('C', 'c', 'nope')")


def test_write_rolls_back_on_error(tmp_path: Path) -> None:
    conn = db.connect(tmp_path / "w.db")
    with pytest.raises(RuntimeError), db.write(conn):
        conn.execute("INSERT INTO subdistricts (code, name) VALUES ('XY', '夏阳街道')")
        raise RuntimeError("boom")
    assert store.count(conn, "subdistricts") == 0
    assert not conn.conn.in_transaction


def test_sqlite_utils_writes_nest_inside_write(tmp_path: Path) -> None:
    conn = db.connect(tmp_path / "w.db")
    with pytest.raises(RuntimeError), db.write(conn):
        conn["subdistricts"].insert({"code": "XY", "name": "夏阳街道"})
        raise RuntimeError("boom")
    assert store.count(conn, "subdistricts") == 0


def test_a_connection_refuses_other_threads(tmp_path: Path) -> None:
    import threading

    conn = db.connect(tmp_path / "w.db")
    errors: list[BaseException] = []

    def use() -> None:
        try:
            conn.execute("SELECT 1")
        except sqlite3.ProgrammingError as exc:
            errors.append(exc)

    t = threading.Thread(target=use)
    t.start()
    t.join()
    assert errors, "a connection must stay in the thread that opened it"


def _bump(path: str, times: int) -> None:
    conn = db.connect(path)
    for _ in range(times):
        with db.write(conn):
            value = int(store.get_setting(conn, "counter") or "0")
            store.set_setting(conn, "counter", str(value + 1))


def test_read_then_write_under_many_processes_loses_nothing(tmp_path: Path) -> None:
    path = str(tmp_path / "w.db")
    db.connect(path).close()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_bump, args=(path, 50)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert all(p.exitcode == 0 for p in procs)
    assert store.get_setting(db.connect(path), "counter") == "200"


def _open(path: str) -> None:
    db.connect(path).close()


def test_processes_opening_a_new_file_at_once_migrate_once(tmp_path: Path) -> None:
    path = str(tmp_path / "race.db")
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_open, args=(path,)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    assert len(MIGRATIONS.applied(db.connect(path))) == len(MIGRATIONS._migrations)


def test_the_scan_log_is_append_only(tmp_path: Path) -> None:
    conn = db.connect(tmp_path / "w.db")
    conn.execute(
        "INSERT INTO scan_log (at, operator, stage, raw, outcome) VALUES ('t', 'P1', 'pick', 'x',"
        " 'rejected')"
    )
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE scan_log SET outcome = 'accepted'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM scan_log")
    assert store.count(conn, "scan_log") == 1
