"""States are enums: the schema's CHECKs, the code and the CLI choices agree on their values."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path

import pytest
from click.testing import CliRunner

from db.connection import connect
from picker.cli import main
from picker.domain.feed import EventKind
from picker.domain.model import OrderStatus, Role
from picker.domain.states import (
    BagState,
    BatchState,
    CrateState,
    PrintJobState,
    RefundKind,
    RejectStatus,
    RouteState,
    ScanOutcome,
    SendOutcome,
)

#: Every column whose CHECK lists allowed strings, and the enum that names its values.
STATE_COLUMNS: dict[tuple[str, str], type[StrEnum]] = {
    ("operators", "role"): Role,
    ("orders", "status"): OrderStatus,
    ("import_rejects", "status"): RejectStatus,
    ("batches", "status"): BatchState,
    ("bags", "status"): BagState,
    ("refunds", "kind"): RefundKind,
    ("scan_log", "outcome"): ScanOutcome,
    ("print_jobs", "status"): PrintJobState,
    ("print_sends", "outcome"): SendOutcome,
    ("routes", "status"): RouteState,
    ("order_events", "kind"): EventKind,
    ("crates", "status"): CrateState,
}

_CHECK_IN = re.compile(r"CHECK\s*\(\s*(\w+)\s+IN\s*\(([^()]*)\)\s*\)", re.IGNORECASE)
_STRING = re.compile(r"'((?:[^']|'')*)'")


def string_checks(schema: dict[str, str]) -> dict[tuple[str, str], set[str]]:
    """The allowed strings of each `CHECK (column IN ('a', 'b'))`, by table and column.

    CHECKs over numbers (`reprint IN (0, 1)`) hold no string and are left out.
    """
    found: dict[tuple[str, str], set[str]] = {}
    for table, sql in schema.items():
        for column, listed in _CHECK_IN.findall(sql):
            values = {v.replace("''", "'") for v in _STRING.findall(listed)}
            if values:
                found[(table, column)] = values
    return found


@pytest.fixture(scope="module")
def live_schema(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The CREATE TABLE text of every table of a freshly migrated database."""
    db = connect(tmp_path_factory.mktemp("schema") / "w.db")
    try:
        rows = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall()
    finally:
        db.conn.close()
    return {name: sql for name, sql in rows if sql}


def test_the_parser_reads_a_check_and_skips_numeric_ones() -> None:
    schema = {
        "t": "CREATE TABLE t (s TEXT CHECK (s IN ('a', 'it''s')),"
        " r INTEGER CHECK (r IN (0, 1)), k TEXT NOT NULL CHECK (k IN\n ('x')))"
    }
    assert string_checks(schema) == {("t", "s"): {"a", "it's"}, ("t", "k"): {"x"}}


def test_every_state_check_has_an_enum_and_no_enum_lacks_its_check(
    live_schema: dict[str, str],
) -> None:
    assert set(string_checks(live_schema)) == set(STATE_COLUMNS)


@pytest.mark.parametrize(
    ("table", "column"), sorted(STATE_COLUMNS), ids=lambda v: v if isinstance(v, str) else ""
)
def test_each_state_check_allows_exactly_the_enum_values(
    live_schema: dict[str, str], table: str, column: str
) -> None:
    enum = STATE_COLUMNS[(table, column)]
    assert string_checks(live_schema)[(table, column)] == {s.value for s in enum}


def test_a_check_that_differs_from_its_enum_is_found() -> None:
    """The comparison above can fail: a schema with one state more or less does not match."""
    wider = "CREATE TABLE bags (status TEXT CHECK (status IN ('open', 'closed', 'lost')))"
    narrower = "CREATE TABLE bags (status TEXT CHECK (status IN ('open')))"
    for sql in (wider, narrower):
        assert string_checks({"bags": sql})[("bags", "status")] != {s.value for s in BagState}


def test_enum_members_are_stored_and_compared_as_their_text(tmp_path: Path) -> None:
    """Members go to SQLite as plain text and read back equal to the member."""
    db = connect(tmp_path / "w.db", migrate=False)
    try:
        db.execute("CREATE TABLE t (s TEXT CHECK (s IN ('open', 'closed')))")
        db.execute("INSERT INTO t VALUES (?)", [BagState.CLOSED])
        assert db.execute("SELECT s, typeof(s) FROM t").fetchall() == [("closed", "text")]
        (got,) = db.execute("SELECT s FROM t WHERE s = ?", [BagState.CLOSED]).fetchone()
    finally:
        db.conn.close()
    assert got == BagState.CLOSED
    assert type(got) is str


@pytest.mark.parametrize(
    ("args", "enum"),
    [
        (["batches"], BatchState),
        (["crate", "list"], CrateState),
        (["queue"], PrintJobState),
    ],
    ids=["batches", "crate-list", "queue"],
)
def test_a_wrong_state_choice_is_refused_with_the_valid_ones(
    tmp_path: Path, args: list[str], enum: type[StrEnum]
) -> None:
    result = CliRunner().invoke(
        main, ["--lang", "en", *args, "--db", str(tmp_path / "w.db"), "--status", "bogus"]
    )
    assert result.exit_code == 2, result.output
    assert "'bogus' is not one of" in result.output
    listed = re.findall(r"'([a-z]+)'", result.output.split("is not one of", 1)[1])
    assert sorted(listed) == sorted(s.value for s in enum)
    assert not (tmp_path / "w.db").exists()


@pytest.mark.parametrize(
    ("args", "state"),
    [
        (["batches"], BatchState.RELEASED),
        (["crate", "list"], CrateState.CLOSED),
        (["queue"], PrintJobState.HELD),
    ],
    ids=["batches", "crate-list", "queue"],
)
def test_every_valid_state_choice_is_taken(tmp_path: Path, args: list[str], state: StrEnum) -> None:
    result = CliRunner().invoke(
        main, ["--lang", "en", *args, "--db", str(tmp_path / "w.db"), "--status", state.value]
    )
    assert result.exit_code == 0, result.output
