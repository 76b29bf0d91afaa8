"""The command line as scripts and operators use it: help, exit codes, JSON, the demo loop."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from picker.cli import COMMAND_MODULES, load_all, main
from tests.conftest import csv_text, order_rows, save_small_catalog


def run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, ["--lang", "en", *args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def all_commands() -> list[str]:
    load_all()
    return sorted(main.commands)


def test_every_command_is_in_the_lazy_map() -> None:
    """`picker.cli.COMMAND_MODULES` must name the module of every registered command."""
    load_all()
    found = {
        name: cmd.callback.__module__.rsplit(".", 1)[1]
        for name, cmd in main.commands.items()
        if cmd.callback
    }
    assert found == COMMAND_MODULES


@pytest.mark.parametrize("name", all_commands())
def test_every_command_has_help_with_an_example(name: str) -> None:
    out = run(name, "--help")
    assert "Example:" in out
    assert "picker " in out.split("Example:")[1]
    command = main.commands[name]
    assert command.help, f"{name} has no docstring"
    if name != "tui":
        assert any(isinstance(p, click.Option) and p.name == "db_path" for p in command.params)


def test_top_level_help_lists_the_commands_and_exit_codes() -> None:
    out = run("--help")
    for name in ("demo", "import", "orders"):
        assert name in out
    assert "Exit codes" in out


@pytest.fixture
def small_db(tmp_path: Path) -> Path:
    from picker.app.warehouse import Warehouse

    path = tmp_path / "w.db"
    wh = Warehouse(path)
    save_small_catalog(wh)
    wh.close()
    return path


def test_import_exit_codes_and_file_line_reasons(small_db: Path, tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text(csv_text(order_rows("A001")), encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(csv_text([*order_rows("A002"), *order_rows("A003", phone="1")]))
    assert "added 1 order (" in run("import", "--db", str(small_db), str(good))
    out = run("import", "--db", str(small_db), str(bad), code=3)
    assert f"{bad}:3: phone '1' is not an 11-digit mobile number" in out
    again = run("import", "--db", str(small_db), str(good))
    assert "imported before" in again and "added 0 orders" in again
    assert run("import", "--db", str(small_db), str(tmp_path / "missing.csv"), code=2)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x81\x00\x81")
    assert "not UTF-8 or GBK" in run("import", "--db", str(small_db), str(binary), code=2)


def test_import_json_output_and_dry_run(small_db: Path, tmp_path: Path) -> None:
    f = tmp_path / "a.csv"
    f.write_text(csv_text([*order_rows("A001"), *order_rows("A002", committee="火星")]))
    out = run("import", "--db", str(small_db), "--dry-run", "--json", str(f), code=3)
    report = json.loads(out)
    assert report["dry_run"] is True
    (file_report,) = report["files"]
    assert (file_report["added"], file_report["rejected_orders"]) == (1, 1)
    assert file_report["rejects"][0]["reason"] == "unknown_committee"
    listing = json.loads(run("orders", "--db", str(small_db), "--json"))
    assert sum(r["orders"] for r in listing) == 0


def test_orders_table_and_filter(small_db: Path, tmp_path: Path) -> None:
    f = tmp_path / "a.csv"
    f.write_text(csv_text([*order_rows("A001"), *order_rows("A002")]))
    run("import", "--db", str(small_db), str(f))
    out = run("orders", "--db", str(small_db), "--committee", "青平")
    assert "青平居委" in out and "航运新村居委" not in out
    assert "￥77.60" in out
    run("orders", "--db", str(small_db), "--committee", "nowhere", code=2)


def test_chinese_is_the_default_language(small_db: Path) -> None:
    result = CliRunner().invoke(main, ["orders", "--db", str(small_db)])
    assert result.exit_code == 0
    assert "居委" in result.output and "合计" in result.output


def test_db_option_before_the_command(small_db: Path) -> None:
    assert "青平居委" in run("--db", str(small_db), "orders")


def test_demo_refuses_a_file_that_holds_a_warehouse(small_db: Path) -> None:
    out = run("demo", "--db", str(small_db), "--orders", "0", code=2)
    assert "already holds a warehouse" in out


def test_demo_export_imports_back_into_a_catalog_only_warehouse(tmp_path: Path) -> None:
    """The acceptance loop: demo + export, then import into catalog-only, same per committee."""
    full, empty, export = tmp_path / "full.db", tmp_path / "empty.db", tmp_path / "x.csv"
    run("demo", "--db", str(full), "--orders", "12000", "--export-csv", str(export))
    run("demo", "--db", str(empty), "--orders", "0")
    report = json.loads(run("import", "--db", str(empty), "--json", str(export)))
    assert report["files"][0]["added"] == 12000
    assert report["files"][0]["rejects"] == []
    before = json.loads(run("orders", "--db", str(full), "--json"))
    after = json.loads(run("orders", "--db", str(empty), "--json"))
    assert len(before) == 47

    def key(rows: list[dict]) -> dict[str, tuple]:
        return {r["code"]: (r["orders"], r["lines"], r["amount_fen"]) for r in rows}

    assert key(after) == key(before)
    assert sum(r["orders"] for r in after) == 12000
    again = json.loads(run("import", "--db", str(empty), "--json", str(export)))
    assert (again["files"][0]["added"], again["files"][0]["duplicates"]) == (0, 12000)


def test_demo_is_deterministic_in_the_database(tmp_path: Path) -> None:
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    run("demo", "--db", str(a), "--orders", "300", "--seed", "5")
    run("demo", "--db", str(b), "--orders", "300", "--seed", "5")
    from db import connect

    def dump(path: Path) -> list[tuple]:
        conn = connect(path).conn
        return conn.execute(
            "SELECT o.order_no, o.paid_at, o.amount_fen, o.committee, o.name, l.sku, l.qty"
            " FROM orders o JOIN order_lines l USING (order_no) ORDER BY 1, l.line_no"
        ).fetchall()

    assert dump(a) == dump(b)
    assert len(dump(a)) > 300


@pytest.fixture
def planned(small_db: Path, tmp_path: Path) -> Path:
    f = tmp_path / "a.csv"
    f.write_text(
        csv_text(
            [*order_rows("A001"), *order_rows("A002", lines=[("SKU0002", "鸡蛋 30枚", 2, "32.00")])]
        )
    )
    run("import", "--db", str(small_db), str(f))
    return small_db


def test_batch_claim_scan_over_the_command_line(planned: Path) -> None:
    db = str(planned)
    plan = json.loads(run("batch", "--db", db, "--json"))
    assert plan["orders"] == 2
    (batch_id,) = plan["batches"]
    listed = json.loads(run("batches", "--db", db, "--status", "released", "--json"))
    assert [b["id"] for b in listed] == [batch_id]
    claimed = json.loads(run("claim", batch_id, "--db", db, "--operator", "P001", "--json"))
    assert claimed == {"batch": batch_id, "holder": "P001", "resumed": False, "status": "claimed"}
    out = run("claim", batch_id, "--db", db, "--operator", "P002", "--terminal", "T2", code=4)
    assert "held by P001" in out
    result = CliRunner().invoke(
        main,
        ["--lang", "en", "scan", "--db", db, "--batch", batch_id, "--operator", "P001"],
        input="6901234567892\n2*6901234567908\n6901234567893\n\nCMD-SHORT damaged\n",
    )
    assert result.exit_code == 3, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [(r["code"], r["outcome"], r["reason"]) for r in lines] == [
        ("6901234567892", "accepted", ""),
        ("2*6901234567908", "accepted", ""),
        ("6901234567893", "rejected", "bad_check_digit"),
        ("CMD-SHORT damaged", "rejected", "wrong_status"),
    ]
    assert lines[1]["line"] == [2, 2] and lines[1]["progress"] == [3, 3]
    assert lines[1]["stage_done"] is True
    status = json.loads(run("batches", "--db", db, "--json"))[0]["status"]
    assert status == "picked"


def test_release_takeover_and_cancel_commands(planned: Path) -> None:
    db = str(planned)
    (batch_id,) = json.loads(run("batch", "--db", db, "--json"))["batches"]
    run("claim", batch_id, "--db", db, "--operator", "P001")
    assert "only a shift lead" in run("takeover", batch_id, "--db", db, "--lead", "P002", code=4)
    assert "P002" in run("takeover", batch_id, "--db", db, "--lead", "L01", "--to", "P002")
    assert "not held by P001" in run("release", batch_id, "--db", db, "--operator", "P001", code=4)
    run("release", batch_id, "--db", db, "--operator", "P002")
    out = run("cancel", "A002", "--db", db, "--refunded", "--reason", "moved")
    assert "￥64.00" in out
    assert "already" in run("cancel", "A002", "--db", db, code=4)
    assert "no order" in run("cancel", "NOPE", "--db", db, code=2)


def test_tables_align_chinese_and_combining_text_by_the_cells_it_takes() -> None:
    from picker.cli.common import format_table

    rows = [("苹果", "cafe\u0301", "1"), ("apple", "x", "12")]
    text = format_table(("名称", "商品", "数量"), rows)
    header, first, second = text.splitlines()
    # Chinese takes two cells, a combining accent none: the third column ends in one place.
    assert header == "名称   商品  数量"
    assert first == "苹果   cafe\u0301     1"
    assert second == "apple  x       12"
