"""States are enums: the schema's CHECKs, the code and the CLI choices agree on their values."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path

import pytest
from click.testing import CliRunner

from db.connection import connect
from picker.cli import main
from picker.domain.cancellation import Outcome
from picker.domain.feed import EventKind
from picker.domain.model import OrderStatus, Role
from picker.domain.states import (
    BagState,
    BatchState,
    CrateState,
    FeedStatus,
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


#: State columns without a CHECK whose values an enum still names.
UNCHECKED_STATE_COLUMNS: dict[tuple[str, str], type[StrEnum]] = {
    ("order_events", "outcome"): Outcome,
    ("feed_sources", "status"): FeedStatus,
}
ROOT = Path(__file__).resolve().parent.parent
_COLUMN = r"(?:(\w+)\.)?(status|outcome|kind|role)\b"
_COMPARED = re.compile(_COLUMN + r"\s*(?:=|<>|!=)\s*'([^']*)'", re.IGNORECASE)
_LISTED = re.compile(_COLUMN + r"\s+(?:NOT\s+)?IN\s*\(\s*('[^()]*')\s*\)", re.IGNORECASE)
_TABLE = re.compile(r"\b(?:FROM|JOIN|UPDATE|INTO)\s+(\w+)(?:\s+(?:AS\s+)?(\w+))?", re.IGNORECASE)
_NOT_ALIAS = {"where", "on", "set", "join", "left", "inner", "group", "order", "limit", "values"}


def sql_texts(source: str) -> Iterator[tuple[int, str]]:
    """Each string literal of a module, f-strings with `?` for their fields."""
    tree = ast.parse(source)
    inside_f = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = (v.value if isinstance(v, ast.Constant) else "?" for v in node.values)
            yield node.lineno, "".join(str(p) for p in parts)
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in inside_f
        ):
            yield node.lineno, node.value


def stray_states(source: str) -> list[str]:
    """Quoted states in SQL text that their column's enum does not have.

    A qualified column (`b.status`) is looked up through the statement's aliases; a bare one
    may belong to any table the statement names. Columns no enum names are not checked.
    """
    columns = STATE_COLUMNS | UNCHECKED_STATE_COLUMNS
    found = []
    for line, text in sql_texts(source):
        hits = [(m[1], m[2], [m[3]]) for m in _COMPARED.finditer(text)]
        hits += [(m[1], m[2], re.findall(r"'([^']*)'", m[3])) for m in _LISTED.finditer(text)]
        if not hits:
            continue
        aliases: dict[str, str] = {}
        for table, alias in _TABLE.findall(text):
            aliases[table] = table
            if alias and alias.lower() not in _NOT_ALIAS:
                aliases[alias] = table
        for qualifier, column, values in hits:
            tables = {aliases.get(qualifier, "?")} if qualifier else set(aliases.values())
            enums = [columns[(t, column)] for t in tables if (t, column) in columns]
            if not enums:
                continue
            allowed = {s.value for e in enums for s in e}
            found += [f"line {line}: {column} = '{v}'" for v in values if v not in allowed]
    return found


def test_stray_states_finds_a_state_no_enum_has() -> None:
    source = (
        'Q = ("SELECT b.id FROM bags b JOIN orders o ON o.order_no = b.order_no"\n'
        "     \" WHERE b.status = 'lost' AND o.status IN ('paid', 'refnded')\")\n"
        "R = f\"UPDATE print_jobs SET status = 'queued' WHERE id = {1} AND status = 'gone'\"\n"
        "S = \"SELECT 1 FROM print_jobs WHERE kind = 'label'\"\n"
    )
    assert stray_states(source) == [
        "line 1: status = 'lost'",
        "line 1: status = 'refnded'",
        "line 3: status = 'gone'",
    ]


def test_states_written_into_sql_text_are_enum_values() -> None:
    """SQL may still spell a state out (a partial index needs the literal); it must be one the
    column's enum has, so that a renamed or dropped state cannot linger in a query."""
    sources = [*ROOT.glob("db/*.py"), *ROOT.glob("picker/**/*.py"), *ROOT.glob("scripts/*.py")]
    stray = [
        f"{path.relative_to(ROOT)} {problem}"
        for path in sorted(sources)
        if path.name != "migrations.py"
        for problem in stray_states(path.read_text(encoding="utf-8"))
    ]
    assert len(sources) > 100
    assert stray == []


def test_every_state_has_its_label() -> None:
    """A state added to an enum must also get the words people read for it."""
    from picker.app.accounts import KIND_TEXT
    from picker.cli.printing import JOB_STATES
    from picker.domain.feed import STATUS_LABELS as FEED_LABELS
    from picker.domain.routing import ROUTE_STATES
    from picker.domain.states import STATE_LABELS
    from picker.paper.lists import REFUND_KINDS
    from picker.ui.queue import STATUS_LABELS as QUEUE_LABELS
    from picker.ui.shortages import KIND_LABELS

    assert set(BatchState) | set(OrderStatus) <= set(STATE_LABELS)
    assert set(JOB_STATES) == set(QUEUE_LABELS) == set(PrintJobState)
    assert set(ROUTE_STATES) == set(RouteState)
    assert set(FEED_LABELS) == set(FeedStatus)
    assert set(KIND_TEXT) == set(REFUND_KINDS) == set(KIND_LABELS) == set(RefundKind)
