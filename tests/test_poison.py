"""Poison input: one broken item or file is rejected and listed for the lead, the rest flows.

Half of a cut emoji (a lone surrogate), nesting deeper than the JSON decoder follows, fields of
hundreds of KiB, numbers of thousands of digits, objects where text belongs, bytes that are not
UTF-8: through `picker import`, `picker pull` against the feed stand-in, `picker watch` and the
stdin of `picker scan`, and as a property over arbitrary JSON-ish orders.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from picker.app.demo import DemoWarehouse, build_demo
from picker.app.warehouse import Warehouse
from picker.cli import main
from picker.domain.feed import order_item
from tests.conftest import csv_text, order_rows, save_small_catalog
from tests.test_feed import TOKEN, Pages, configure, fs, no_wait, serve

DEEP = "[" * 100_000 + "]" * 100_000
HUGE = "菜" * 200_000  # 600 KB of UTF-8: over the csv module's 128 KiB field limit


def run(*args: str, code: int = 0, stdin: bytes | None = None) -> str:
    result = CliRunner().invoke(main, ["--lang", "en", *args], input=stdin)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.output,
        result.exc_info,
    )
    assert result.exit_code == code, result.output
    return result.output


def item(order_no: str, **fields: Any) -> dict[str, Any]:
    """A good order of the small catalog as a JSON import item."""
    base: dict[str, Any] = {
        "order_no": order_no,
        "paid_at": "2022-04-12 08:15:00",
        "amount": "38.80",
        "payment_code": "QR01",
        "committee": "青平居委",
        "building": "12",
        "unit": "2",
        "room": "301",
        "name": "张三明",
        "phone": "13812345678",
        "status": "paid",
        "lines": [{"sku": "SKU0001", "qty": 1, "unit_price": "38.80"}],
    }
    return base | fields


def poisoned(order_no: str, field: str, text: str) -> str:
    """An order item's JSON text with `text` (JSON) as the value of `field`."""
    return json.dumps(item(order_no, **{field: "@P@"}), ensure_ascii=False).replace('"@P@"', text)


POISONS = {
    "surrogate": ("name", '"\\ud800"'),
    "surrogate_in_line": ("lines", '[{"sku": "SKU0001\\udc00", "qty": 1, "unit_price": "38.80"}]'),
    "deep": ("note", DEEP),
    "huge": ("note", json.dumps(HUGE, ensure_ascii=False)),
    "object": ("name", '{"a": 1}'),
    "array": ("building", "[1, 2]"),
    "digits": ("room", "1" * 5000),
    "too_many": ("amount", '"1e400"'),
}


def stored(wh: Warehouse) -> list[str]:
    return [r[0] for r in wh.db.conn.execute("SELECT order_no FROM orders ORDER BY 1")]


@pytest.fixture
def small_db(tmp_path: Path) -> Path:
    path = tmp_path / "w.db"
    wh = Warehouse(path)
    save_small_catalog(wh)
    wh.close()
    return path


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_import_rejects_each_poisoned_order_and_keeps_the_good_ones(
    small_db: Path, tmp_path: Path, suffix: str
) -> None:
    texts = [json.dumps(item("G001"), ensure_ascii=False)]
    for n, (field, text) in enumerate(POISONS.values(), start=1):
        texts.append(poisoned(f"P{n:03d}", field, text))
    texts.append(json.dumps(item("G002"), ensure_ascii=False))
    body = "[" + ",\n".join(texts) + "]" if suffix == ".json" else "\n".join(texts)
    f = tmp_path / f"poison{suffix}"
    f.write_text(body, encoding="utf-8")
    out = run("import", "--db", str(small_db), str(f), "--json", code=3)
    (report,) = json.loads(out)["files"]
    assert report["added"] == 2 and report["rejected_orders"] == len(POISONS)
    wh = Warehouse(small_db)
    assert stored(wh) == ["G001", "G002"]
    pending = wh.pending_rejects()
    assert sorted({r.order_no for r in pending}) == [f"P{n:03d}" for n in range(1, 9)]
    # Every reject is stored as text SQLite and a terminal can take, with a reason.
    for r in pending:
        r.raw.encode("utf-8")
        assert r.reason and all(v.encode("utf-8") for _k, v in r.params)
    names = [r[0] for r in wh.db.conn.execute("SELECT name FROM orders")]
    assert names == ["张三明", "张三明"]


def test_an_object_given_as_text_is_rejected_not_stored_as_its_repr(
    small_db: Path, tmp_path: Path
) -> None:
    f = tmp_path / "obj.json"
    f.write_text(poisoned("A001", "name", '{"a": 1}').join("[]"), encoding="utf-8")
    out = run("import", "--db", str(small_db), str(f), code=3)
    assert "recipient is a JSON object, not text" in out
    assert stored(Warehouse(small_db)) == []


@pytest.mark.parametrize("body", [DEEP, '{"orders": ' + DEEP + "}", "[" + DEEP + "]"])
def test_a_json_file_nested_too_deep_is_a_clean_message(
    small_db: Path, tmp_path: Path, body: str
) -> None:
    f = tmp_path / "deep.json"
    f.write_text(body, encoding="utf-8")
    result = CliRunner().invoke(main, ["--lang", "en", "import", "--db", str(small_db), str(f)])
    assert result.exit_code in (2, 3), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_huge_csv_field_rejects_its_order_only(small_db: Path, tmp_path: Path) -> None:
    rows = [*order_rows("A001"), *order_rows("A002", note=HUGE), *order_rows("A003")]
    f = tmp_path / "huge.csv"
    f.write_text(csv_text(rows), encoding="utf-8")
    out = run("import", "--db", str(small_db), str(f), code=3)
    assert "huge.csv:3: note is 200000 characters long (at most" in out
    assert stored(Warehouse(small_db)) == ["A001", "A003"]


def put(folder: Path, name: str, text: str) -> None:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    then = time.time() - 60
    os.utime(path, (then, then))


def test_watch_moves_a_file_with_a_huge_field_on_and_imports_the_later_ones(
    small_db: Path, tmp_path: Path
) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    put(drop, "a-huge.csv", csv_text([*order_rows("A001", note=HUGE), *order_rows("A002")]))
    put(drop, "b-deep.json", "[" + DEEP + "]")
    put(drop, "c-later.csv", csv_text(order_rows("C001")))
    run("watch", "--once", "--folder", str(drop), "--db", str(small_db), code=3)
    assert stored(Warehouse(small_db)) == ["A002", "C001"]
    done = sorted(p.name for p in (drop / "done").iterdir() if not p.name.endswith(".txt"))
    assert done == ["a-huge.csv", "b-deep.json", "c-later.csv"]
    report = (drop / "done" / "a-huge.csv.report.txt").read_text(encoding="utf-8")
    assert "a-huge.csv:2: note is 200000 characters long" in report
    run("watch", "--once", "--folder", str(drop), "--db", str(small_db))  # nothing left


@pytest.fixture(scope="module")
def demo() -> DemoWarehouse:
    return build_demo(orders=120)


def test_pull_rejects_poisoned_items_and_the_rest_of_the_feed_flows(
    tmp_path: Path, demo: DemoWarehouse
) -> None:
    wh = Warehouse(tmp_path / "feed.db")
    wh.build_demo(orders=0)
    with serve(demo, fs.Faults(poison=7, duplicates=3), hold=True) as server:
        configure(wh, server.url)
        for _ in range(12):
            server.release(20)
            report = wh.pull_once("plat", sleep=no_wait)
            assert report.ok, report.error
        bad = server.poisoned
        events = server.events()
    good = sorted(o.order_no for o in demo.orders if o.order_no not in bad)
    assert stored(wh) == good and len(good) < len(demo.orders)
    pending = wh.pending_rejects()
    assert [r.reason for r in pending].count("conflict") == 0
    # Each poisoned order once, with its number, however often its page was sent again.
    order_rejects = [r for r in pending if "/orders?" in r.source]
    poisoned_orders = sorted(o.order_no for o in demo.orders if o.order_no in bad)
    assert sorted(r.order_no for r in order_rejects) == poisoned_orders
    event_rejects = [r for r in pending if "/events?" in r.source]
    assert len(event_rejects) == len([e for e in events if e.event_id in bad]) > 0
    assert wh.feed_status()[0].status == "ok"
    wh.close()


def test_pull_on_the_command_line_with_poison_exits_3_not_a_traceback(
    tmp_path: Path, demo: DemoWarehouse
) -> None:
    with serve(demo, fs.Faults(poison=5)) as server:
        db_path = tmp_path / "cli.db"
        run("demo", "--db", str(db_path), "--orders", "0")
        cfg = tmp_path / "site.toml"
        cfg.write_text(
            f'[feeds.plat]\nurl = "{server.url}"\ntoken = "{TOKEN}"\nmax_attempts = 1\n',
            encoding="utf-8",
        )
        opts = ["--db", str(db_path), "--config", str(cfg)]
        out = run("pull", "--once", *opts, code=3)
        assert f"plat: {120 - 24} new orders" in out
        feeds = json.loads(run("feeds", "--json", *opts))
        assert feeds["feeds"][0]["status"] == "ok"
        assert "0 new orders" in run("pull", "--once", *opts)  # past them for good


def test_scan_stdin_with_bytes_that_are_not_utf8_rejects_that_line_and_goes_on(
    small_db: Path, tmp_path: Path
) -> None:
    f = tmp_path / "a.csv"
    f.write_text(csv_text(order_rows("A001")), encoding="utf-8")
    run("import", "--db", str(small_db), str(f))
    (batch_id,) = json.loads(run("batch", "--db", str(small_db), "--json"))["batches"]
    run("claim", batch_id, "--db", str(small_db), "--operator", "P001")
    out = run(
        "scan",
        "--db",
        str(small_db),
        "--batch",
        batch_id,
        "--operator",
        "P001",
        stdin=b"69012\xff\xfe34567892\n6901234567892\n",
        code=3,
    )
    lines = [json.loads(line) for line in out.splitlines()]
    assert [r["outcome"] for r in lines] == ["rejected", "accepted"]
    assert lines[1]["code"] == "6901234567892"


json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(st.characters(codec=None, exclude_categories=()), max_size=12),
    st.sampled_from(["\ud800", "\udfff张", "38.80", "1", "13812345678", "青平居委", "QR01"]),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)
FIELDS = [*item("X").keys(), "商品", "sku", "qty", "unit_price", "product"]


@st.composite
def orders_ish(draw: st.DrawFn) -> str:
    """The JSON text of something like an order: some fields good, some anything at all."""
    base = item(draw(st.sampled_from(["O1", "O2", "O3", "\ud800", ""])))
    texts = {k: json.dumps(v) for k, v in base.items()}
    for key in draw(st.lists(st.sampled_from(FIELDS), max_size=4)):
        texts[key] = draw(
            st.one_of(
                json_values.map(json.dumps),
                st.sampled_from([DEEP, "9" * 5000, json.dumps(HUGE), '"x\\ud83d"']),
            )
        )
    if draw(st.booleans()):
        return draw(json_values.map(json.dumps))
    return "{" + ", ".join(f"{json.dumps(k)}: {v}" for k, v in texts.items()) + "}"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items=st.lists(orders_ish(), min_size=1, max_size=4), jsonl=st.booleans())
def test_arbitrary_orders_never_crash_import_or_pull(items: list[str], jsonl: bool) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        wh = Warehouse(Path(tmp) / "p.db")
        save_small_catalog(wh)
        path = Path(tmp) / ("x.jsonl" if jsonl else "x.json")
        path.write_text("\n".join(items) if jsonl else "[" + ",".join(items) + "]", "utf-8")
        report = wh.import_file(path)
        # Each item is stored or rejected with a reason (items are numbered from 1).
        assert report.rows == len(items)
        assert report.added + len({r.line for r in report.rejects}) == len(items)
        assert all(r.reason and r.line for r in report.rejects)
        assert len(stored(wh)) == report.added
        configure(wh, "http://127.0.0.1:1")
        page = '{"items": [' + ",".join(items) + '], "next": "1"}'
        feed = _RawPages(page)
        pulled = wh.pull_once("plat", transport=feed, sleep=no_wait)
        assert pulled.ok
        lines = {r.line for r in pulled.rejects}
        assert pulled.orders_added + pulled.duplicates + len(lines) == len(items)
        assert len(stored(wh)) == report.added + pulled.orders_added
        wh.close()


class _RawPages(Pages):
    """One page of orders given as JSON text."""

    def __init__(self, orders: str) -> None:
        super().__init__({})
        self.orders = orders

    def get(self, kind: str, after: str, limit: int) -> bytes:
        if kind == "orders" and after == "":
            return self.orders.encode("utf-8", "surrogatepass")
        return b'{"items": []}'


def test_an_order_item_still_round_trips(demo: DemoWarehouse, tmp_path: Path) -> None:
    """The checks let every good order through."""
    names = {c.code: c.name for c in demo.committees}
    f = tmp_path / "all.json"
    f.write_text(json.dumps([order_item(o, names[o.committee]) for o in demo.orders]), "utf-8")
    wh = Warehouse(tmp_path / "rt.db")
    wh.build_demo(orders=0)
    report = wh.import_file(f)
    assert report.added == len(demo.orders) and not report.rejects
    wh.close()
