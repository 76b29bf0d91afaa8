"""Benchmarks of the warehouse's hot paths. Run through `scripts/bench` (it sets up .venv).

    scripts/bench                         100,000 orders, 3 rounds, a table
    scripts/bench --orders 20000 --repeat 1
    scripts/bench --json                  machine-readable
    scripts/bench --markdown              a table for the README
    scripts/bench --only import           one figure (repeatable)

Figures (see BENCHES):

import     `Warehouse(db).import_file(csv)`: decode, parse, validate every row against the
           catalog, classify new / duplicate / conflict, insert, commit. What `picker import`
           does to a bank export.
baseline   The bare cost of the same work without the checks: `csv.reader`, group rows by
           order number, one `executemany` per table in one transaction, on a connection
           opened with the same settings (`db.connect`: WAL, synchronous=FULL, foreign keys).
           Minimal conversions: amount to fen, paid time as written.

plan       `picker.domain.batching.plan` over 120,000 orders of the demo (Batchable values built
           outside the timing; only `plan()` is timed). Target: 1 s or less.
walk       The demo's 12,000 orders planned with the default caps; for every batch, the walking
           distance picking it once in walk order against picking its orders one by one
           (`layout.batch_walk_ratio` on the demo layout). Reports the ratio as the mean
           over batches and for the median batch. Target: 0.5x or less. The seconds are the
           distance computation's.

render_label     `printers.escpos.render_escpos` of a bag label (committee at 2x, address, masked
           name and phone, counts, a short-pick line, CODE128, date, cut) for 58 mm paper in
           GBK: the ESC/POS bytes of 1,000 different labels, mean per label. Target: 1 ms.
render_manifest  A 500-household committee manifest on 80 mm paper, built by the real builder
           (`picker.paper.sheets.manifest`: pages, masked names, items, shortages, and on every
           page its subtotal, signature line and QR) and rendered to ESC/POS, mean of 5.
           Target: 50 ms.
           The label figure builds its documents outside the timing; neither uses the CSV.

first_frame  Process start to first frame, in an 80×24 pseudo-terminal: `picker --db BIG.db`
           (the sign-in screen) against a bare Textual app showing a Static, interleaved, best
           of 3 each per round. BIG.db is the demo with 120,000 orders, planned, built once and
           kept in the workdir. Both exit right after their first frame (the app honours
           PICKER_EXIT_AFTER_FIRST_FRAME=1); the frame must have been drawn. Target: 1.3x.

pod        Proof-of-delivery decoding on the shared barcode corpus (../shared/testdata/barcodes,
           per its manifest.csv): `picker.adapters.pod.decode_symbols` (variants until a code reads)
           against plain `pyzbar.decode(Image.open(p))`, all symbologies. A success is the
           expected payload among the decoded (every line for `all-lines`, nothing for `none`).
           Reports both counts and rates and the mean and worst ms per image of ours; ours
           reading fewer than plain, or no corpus, is a failed check.

plan and walk do not use the CSV: their own order counts are in their titles, and they are not
checked against the CSV's orders and lines; they check their own results instead (every order
in exactly one batch, one committee per batch, caps kept). A bench may report extra named
figures (`Run.figures`) and targets (`Bench.targets`); a missed target is reported, not failed.

Every round starts from its own copy of one catalog-only warehouse file, so every run starts
equal. Rounds alternate between the figures; the best (min) and the median are reported, and
the ratio import / baseline. After the runs both warehouses must hold the same orders, lines,
amount and quantities, and the import must have rejected nothing; otherwise exit 1.

To add a figure: write `def bench_x(ctx: Context) -> Run`, timing only the work itself, and
add `Bench("x", "what it measures", bench_x)` to BENCHES.
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a file: make the repo's packages importable
    sys.path.insert(0, str(ROOT))

import db  # noqa: E402
from picker.app import demo as demo_module  # noqa: E402
from picker.app.demo_export import export_csv  # noqa: E402
from picker.app.warehouse import Warehouse  # noqa: E402
from picker.domain.batching import Batchable, Caps, PlannedBatch, order_grams, plan  # noqa: E402
from picker.domain.importing import DEFAULT_HEADERS, STATUS_WORDS  # noqa: E402
from picker.domain.layout import Geometry, batch_walk_ratio  # noqa: E402
from picker.domain.model import Address  # noqa: E402
from picker.paper.sheets import Household as ManifestHousehold  # noqa: E402
from picker.paper.sheets import ItemLine, Manifest  # noqa: E402
from picker.paper.sheets import manifest as build_manifest  # noqa: E402
from printers.document import (  # noqa: E402
    PAPER_58,
    PAPER_80,
    Align,
    Barcode,
    Columns,
    Cut,
    Document,
    Rule,
    Text,
)
from printers.escpos import render_escpos  # noqa: E402
from printers.profile import PrinterProfile  # noqa: E402


@dataclass
class Context:
    """What every bench function gets: the prepared inputs and a place for its files."""

    workdir: Path
    catalog_db: Path  # catalog-only warehouse; copy it, never write to it
    csv_path: Path
    orders: int  # orders in the CSV
    rows: int  # CSV data rows (= order lines)
    seed: int
    _runs: int = 0

    def fresh_db(self, name: str) -> Path:
        """A new copy of the catalog-only warehouse for one run."""
        self._runs += 1
        path = self.workdir / f"run-{name}-{self._runs}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(self.catalog_db, path)
        return path


@dataclass
class Run:
    """One measurement: seconds of work, and what the work produced (for the checks)."""

    seconds: float
    orders: int
    lines: int
    rejects: int = 0
    #: Anything to compare between figures after the runs, e.g. stored totals.
    check: dict[str, Any] = field(default_factory=dict)
    #: Extra named figures, reported beside the seconds (their median over the rounds).
    figures: dict[str, float] = field(default_factory=dict)
    #: What the bench found wrong with its own result (makes the run fail).
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Bench:
    name: str
    title: str
    fn: Callable[[Context], Run]
    #: False: the bench does not work on the CSV; its orders and lines are not checked against it.
    uses_csv: bool = True
    #: (figure, most it may be): "best_s" or a name in `Run.figures`.
    targets: tuple[tuple[str, float], ...] = ()


def _remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _stored(path: Path) -> dict[str, Any]:
    """What a warehouse file holds, to compare figures that should store the same orders."""
    conn = sqlite3.connect(path)
    try:
        orders, amount = conn.execute("SELECT count(*), sum(amount_fen) FROM orders").fetchone()
        lines, qty, line_fen = conn.execute(
            "SELECT count(*), sum(qty), sum(qty * unit_price_fen) FROM order_lines"
        ).fetchone()
        grams = conn.execute("SELECT sum(ordered_grams) FROM order_lines").fetchone()[0]
    finally:
        conn.close()
    return {
        "orders": orders,
        "lines": lines,
        "amount_fen": amount,
        "qty": qty,
        "line_fen": line_fen,
        "ordered_grams": grams,
    }


def bench_import(ctx: Context) -> Run:
    path = ctx.fresh_db("import")
    gc.collect()
    t0 = time.perf_counter()
    wh = Warehouse(path)
    report = wh.import_file(ctx.csv_path)
    seconds = time.perf_counter() - t0
    wh.close()
    check = _stored(path)
    _remove_db(path)
    return Run(seconds, report.added, check["lines"], len(report.rejects), check)


_ORDER_SQL = (
    "INSERT INTO orders (order_no, paid_at, amount_fen, payment_code, committee, community,"
    " building, unit, room, name, phone, note, status, import_id)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_LINE_SQL = (
    "INSERT INTO order_lines (order_no, line_no, sku, qty, unit_price_fen, ordered_grams)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)


def _fen(text: str) -> int:
    return round(float(text) * 100)


def bench_baseline(ctx: Context) -> Run:
    path = ctx.fresh_db("baseline")
    status_of = {word: status.value for word, status in STATUS_WORDS.items()}
    gc.collect()
    t0 = time.perf_counter()
    conn = db.connect(path)
    q = conn.conn.execute
    committees = dict(q("SELECT name, code FROM committees").fetchall())
    grams_of = dict(q("SELECT sku, unit_grams FROM products WHERE weighed").fetchall())
    with open(ctx.csv_path, encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        col = {DEFAULT_HEADERS[fld][0]: fld for fld in DEFAULT_HEADERS}
        at = {col[name]: i for i, name in enumerate(header) if name in col}
        groups: dict[str, list[list[str]]] = {}
        i_no = at["order_no"]
        for row in reader:
            rows = groups.get(row[i_no])
            if rows is None:
                groups[row[i_no]] = [row]
            else:
                rows.append(row)
    (
        i_paid,
        i_amount,
        i_code,
        i_comm,
        i_community,
        i_bldg,
        i_unit,
        i_room,
        i_name,
        i_phone,
        i_note,
        i_status,
        i_sku,
        i_qty,
        i_price,
    ) = (
        at[f]
        for f in (
            "paid_at",
            "amount",
            "payment_code",
            "committee",
            "community",
            "building",
            "unit",
            "room",
            "name",
            "phone",
            "note",
            "status",
            "sku",
            "qty",
            "unit_price",
        )
    )
    orders = []
    lines = []
    for order_no, rows in groups.items():
        r = rows[0]
        orders.append(
            (
                order_no,
                r[i_paid],
                _fen(r[i_amount]),
                r[i_code],
                committees[r[i_comm]],
                r[i_community],
                r[i_bldg],
                r[i_unit],
                r[i_room],
                r[i_name],
                r[i_phone],
                r[i_note],
                status_of[r[i_status]],
                None,
            )
        )
        for n, r in enumerate(rows, start=1):
            sku = r[i_sku]
            qty = int(r[i_qty])
            grams = grams_of.get(sku)
            lines.append((order_no, n, sku, qty, _fen(r[i_price]), qty * grams if grams else None))
    with db.write(conn):
        conn.conn.executemany(_ORDER_SQL, orders)
        conn.conn.executemany(_LINE_SQL, lines)
    seconds = time.perf_counter() - t0
    conn.close()
    check = _stored(path)
    _remove_db(path)
    return Run(seconds, len(orders), len(lines), 0, check)


PLAN_ORDERS = 120_000
WALK_ORDERS = 12_000


@cache
def _demo(orders: int, seed: int) -> demo_module.DemoWarehouse:
    return demo_module.build_demo(orders=orders, seed=seed)


@cache
def _batchables(orders: int, seed: int) -> tuple[Batchable, ...]:
    demo = _demo(orders, seed)
    products = {p.sku: p for p in demo.products}
    return tuple(
        Batchable(
            o.order_no,
            o.committee,
            o.paid_at,
            len(o.lines),
            order_grams(((ln.sku, ln.qty, ln.ordered_grams) for ln in o.lines), products),
        )
        for o in demo.orders
    )


def _plan_problems(
    orders: Sequence[Batchable], caps: Caps, batches: list[PlannedBatch]
) -> list[str]:
    """Every order in exactly one batch of its own committee, in paid order; caps kept."""
    by_no = {o.order_no: o for o in orders}
    planned = [no for b in batches for no in b.order_nos]
    problems = []
    if sorted(planned) != sorted(by_no):
        problems.append(f"{len(planned)} orders planned, {len(by_no)} given (or not each once)")
        return problems
    for b in batches:
        members = [by_no[no] for no in b.order_nos]
        if {o.committee for o in members} != {b.committee}:
            problems.append(f"a batch of {b.committee} mixes committees")
        if [(o.paid_at, o.order_no) for o in members] != sorted(
            (o.paid_at, o.order_no) for o in members
        ):
            problems.append(f"a batch of {b.committee} is not in paid order")
        over = (
            len(members) > caps.max_orders
            or b.lines > caps.max_lines
            or b.grams > caps.max_kg * 1000
        )
        if over and len(members) > 1:
            problems.append(f"a batch of {b.committee} breaks a cap: {b}")
    return problems[:10]


def bench_plan(ctx: Context) -> Run:
    orders = _batchables(PLAN_ORDERS, ctx.seed)
    caps = Caps()
    gc.collect()
    t0 = time.perf_counter()
    batches = plan(orders, caps)
    seconds = time.perf_counter() - t0
    lines = sum(o.lines for o in orders)
    figures = {
        "batches": len(batches),
        "orders_per_batch": round(len(orders) / len(batches), 1),
        "kg_per_batch": round(sum(b.grams for b in batches) / len(batches) / 1000, 1),
    }
    problems = _plan_problems(orders, caps, batches)
    return Run(seconds, len(orders), lines, figures=figures, problems=problems)


def bench_walk(ctx: Context) -> Run:
    demo = _demo(WALK_ORDERS, ctx.seed)
    orders = _batchables(WALK_ORDERS, ctx.seed)
    batches = plan(orders, Caps())
    products = {p.sku: p for p in demo.products}
    locations = {loc.code: loc for loc in demo.locations}
    geometry = Geometry.of(demo.locations)
    skus = {o.order_no: [ln.sku for ln in o.lines] for o in demo.orders}
    gc.collect()
    t0 = time.perf_counter()
    walks = [
        batch_walk_ratio([skus[no] for no in b.order_nos], products, locations, geometry)
        for b in batches
    ]
    seconds = time.perf_counter() - t0
    ratios = [batch / one_by_one for batch, one_by_one in walks]
    figures = {
        "batches": len(batches),
        "ratio_mean": round(statistics.fmean(ratios), 3),
        "ratio_median": round(statistics.median(ratios), 3),
        "ratio_total": round(sum(w[0] for w in walks) / sum(w[1] for w in walks), 3),
        "m_per_batch": round(statistics.fmean(w[0] for w in walks), 1),
        "m_one_by_one_per_batch": round(statistics.fmean(w[1] for w in walks), 1),
    }
    problems = _plan_problems(orders, Caps(), batches)
    return Run(
        seconds, len(orders), sum(o.lines for o in orders), figures=figures, problems=problems
    )


SCAN_LOG_ROWS = 1_000_000
SCANS = 2_000


@cache
def _scan_floor(workdir: Path, seed: int) -> tuple[Path, str, list[str]]:
    """A demo warehouse with 1M scans already logged, a batch claimed, and codes to scan."""
    path = workdir / "scan-floor.db"
    _remove_db(path)
    wh = Warehouse(path)
    wh.build_demo(orders=2_000, seed=seed)
    wh.plan_batches()
    batch_id = wh.batches("released")[0]["id"]
    wh.claim(batch_id, "P001", "bench")
    conn = wh.db.conn
    filler = (
        (
            "2022-04-12T08:00:00.000+08:00",
            "P002",
            "T9",
            "FILLER",
            "pick",
            "6901234567892",
            "product",
            "SKU0001",
            1,
            None,
            None,
            None,
            "accepted",
            "",
            "",
        )
        for _ in range(SCAN_LOG_ROWS)
    )
    with db.write(wh.db):
        conn.executemany(
            "INSERT INTO scan_log (at, operator, terminal, batch, stage, raw, kind, sku, qty,"
            " grams, order_no, bag, outcome, reason, params) VALUES"
            " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            filler,
        )
    catalog = wh.catalog()
    codes = []
    for line in wh.session(batch_id, "P001", "bench").pick_lines():
        product = catalog.products[line.sku]
        units = [b.code for b in product.barcodes if b.pack_qty == 1]
        if units and not product.weighed:
            codes.append(units[0])
    wh.close()
    return path, batch_id, codes


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def bench_scan(ctx: Context) -> Run:
    """Scan service time through ScanSession.scan (the TUI's path), next to a bare commit."""
    path, batch_id, codes = _scan_floor(ctx.workdir, ctx.seed)
    wh = Warehouse(path)
    session = wh.session(batch_id, "P001", "bench")
    bare_path = ctx.workdir / "bare-commit.db"
    _remove_db(bare_path)
    bare = sqlite3.connect(bare_path, isolation_level=None)
    bare.execute("PRAGMA journal_mode = WAL")
    bare.execute("PRAGMA synchronous = FULL")
    bare.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, at TEXT, raw TEXT)")
    scan_ms: list[float] = []
    bare_ms: list[float] = []
    accepted = 0
    gc.collect()
    t0 = time.perf_counter()
    for i in range(SCANS):
        # A pick and its undo, alternately: every scan is a real, accepted write.
        code = codes[(i // 2) % len(codes)] if i % 2 == 0 else "CMD-UNDO"
        start = time.perf_counter()
        result = session.scan(code)
        scan_ms.append((time.perf_counter() - start) * 1000)
        accepted += result.accepted
        start = time.perf_counter()
        bare.execute("BEGIN")
        bare.execute("INSERT INTO t (at, raw) VALUES (?, ?)", ("now", code))
        bare.execute("COMMIT")
        bare_ms.append((time.perf_counter() - start) * 1000)
    seconds = time.perf_counter() - t0
    logged = wh.db.conn.execute("SELECT count(*) FROM scan_log").fetchone()[0]
    bare.close()
    wh.close()
    p99, base_p99 = _percentile(scan_ms, 0.99), _percentile(bare_ms, 0.99)
    figures = {
        "p50_ms": round(_percentile(scan_ms, 0.5), 3),
        "p99_ms": round(p99, 3),
        "bare_p50_ms": round(_percentile(bare_ms, 0.5), 3),
        "bare_p99_ms": round(base_p99, 3),
        "p99_ratio": round(p99 / base_p99, 2),
        "logged_scans": logged,
    }
    problems = [] if accepted == SCANS else [f"{SCANS - accepted} scans were rejected"]
    return Run(seconds, 0, 0, figures=figures, problems=problems)


LABELS = 1_000
MANIFEST_ROWS = 500
MANIFEST_RENDERS = 5
_SURNAMES = "张王李赵刘陈杨黄周吴"


def _bench_label(i: int) -> Document:
    """A typical bag label, as the label document will hold one."""
    bag = f"BG20220412{i:06d}-{i % 3 + 1}"
    return Document(
        "label",
        bag,
        (
            Text("盈浦街道航运新村居委", Align.CENTER, bold=True, width=2, height=2),
            Text(f"航运新村 {i % 40 + 1}号楼 {i % 4 + 1}单元 {i % 30 + 101}室", Align.CENTER),
            Text(f"{_SURNAMES[i % 10]}*明  138****{i % 10_000:04d}", bold=True),
            Columns(
                (f"共 {i % 9 + 1} 件", f"第 {i % 3 + 1}/3 袋"), (0, 0), (Align.LEFT, Align.RIGHT)
            ),
            Text("缺货：鸡蛋 30枚 ×1 退￥32.00", bold=True) if i % 7 == 0 else Rule(),
            Barcode(bag),
            Text("2022-04-12 08:15", Align.CENTER),
            Cut(),
        ),
    )


def _bench_manifest(rows: int) -> Manifest:
    """The data of a committee manifest of `rows` households, some short, for the real builder."""
    households = tuple(
        ManifestHousehold(
            order_no=f"20220412{i:06d}",
            address=Address(str(i // 60 + 1), str(i // 20 % 3 + 1), str(i % 20 + 101), "航运新村"),
            name=f"{_SURNAMES[i % 10]}三明",
            phone=f"139{i:08d}",
            bags=i % 3 + 1,
            items=(
                ItemLine("蔬菜套餐A", 1, "份"),
                ItemLine("鸡蛋 30枚", 2, "盒", short=1 if i % 25 == 0 else 0),
                ItemLine("猪肉", 2, "斤"),
            ),
            refund_fen=3200 if i % 25 == 0 else 0,
        )
        for i in range(rows)
    )
    return Manifest(
        manifest_id="MF-YP02-20220412-1",
        committee="盈浦街道航运新村第二居民委员会",
        subdistrict="盈浦街道",
        contact_name="李梅",
        contact_phone="13900002222",
        address="航运路5弄128号居委会办公室",
        route="线路3",
        stop_order=2,
        day=date(2022, 4, 12),
        households=households,
        warehouse="青浦保供仓",
    )


def _render_problems(out: bytes, name: str) -> list[str]:
    """What a rendered document lacks: Chinese mode, the code, the cut."""
    missing = [what for what, mark in _RENDER_MARKS.items() if mark not in out]
    return [f"{name}: no {what} in the ESC/POS bytes" for what in missing]


_RENDER_MARKS = {"FS & (Chinese mode)": b"\x1c&", "cut": b"\x1dV"}


def bench_render_label(ctx: Context) -> Run:
    printer = PrinterProfile("bench", "file:/dev/null", PAPER_58, encoding="gbk")
    labels = [_bench_label(i) for i in range(LABELS)]
    render_escpos(labels[0], PAPER_58, printer)  # first call pays the imports
    gc.collect()
    t0 = time.perf_counter()
    outputs = [render_escpos(label, PAPER_58, printer) for label in labels]
    seconds = time.perf_counter() - t0
    problems = _render_problems(outputs[-1], "label")
    if b"\x1dkI" not in outputs[-1]:
        problems.append("label: the CODE128 is not a native barcode on 58 mm")
    figures = {
        "per_label_ms": round(seconds * 1000 / LABELS, 4),
        "bytes_per_label": round(sum(map(len, outputs)) / LABELS),
    }
    return Run(seconds, LABELS, 0, figures=figures, problems=problems)


def bench_render_manifest(ctx: Context) -> Run:
    """The real manifest builder and ESC/POS renderer: data in, printer bytes out."""
    printer = PrinterProfile("bench", "file:/dev/null", PAPER_80, encoding="gbk", role="document")
    data = _bench_manifest(MANIFEST_ROWS)
    render_escpos(build_manifest(_bench_manifest(3), PAPER_80), PAPER_80, printer)
    gc.collect()
    t0 = time.perf_counter()
    for _ in range(MANIFEST_RENDERS):
        out = render_escpos(build_manifest(data, PAPER_80), PAPER_80, printer)
    seconds = time.perf_counter() - t0
    figures = {
        "per_manifest_ms": round(seconds * 1000 / MANIFEST_RENDERS, 3),
        "bytes": len(out),
    }
    return Run(
        seconds, MANIFEST_ROWS, 0, figures=figures, problems=_render_problems(out, "manifest")
    )


FIRST_FRAME_ORDERS = 120_000
FIRST_FRAME_TRIES = 3
#: A bare Textual app that exits after its first frame, the yardstick of `first_frame`.
_BARE_APP = """
from textual.app import App
from textual.widgets import Static


class Bare(App):
    def compose(self):
        yield Static("bare textual app")

    def on_mount(self):
        self.call_after_refresh(self.exit)


Bare().run()
"""


@cache
def _first_frame_db(workdir: Path, seed: int) -> Path:
    """The 120k-order demo warehouse, built once and kept in the workdir between runs."""
    path = workdir / f"first-frame-{FIRST_FRAME_ORDERS}-seed{seed}.db"
    if not path.exists():
        building = workdir / f"{path.name}.building"
        _remove_db(building)
        log(f"building {FIRST_FRAME_ORDERS:,} demo orders for first_frame (kept in {path})")
        wh = Warehouse(building)
        wh.build_demo(orders=FIRST_FRAME_ORDERS, seed=seed)
        wh.plan_batches()
        wh.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        wh.close()
        building.rename(path)
        _remove_db(building)
    return path


def _until_exit(argv: list[str], marker: bytes) -> float:
    """Seconds from spawning `argv` in an 80×24 pseudo-terminal until it exits.

    The process must exit by itself right after its first frame; the frame must contain
    `marker`, so a crash at start-up is not taken for a fast start.
    """
    import fcntl
    import pty
    import select
    import struct
    import subprocess
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "PICKER_EXIT_AFTER_FIRST_FRAME": "1"}
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
    )
    os.close(slave)
    output = bytearray()
    deadline = t0 + 60
    while time.perf_counter() < deadline:
        ready, _, _ = select.select([master], [], [], 0.01)
        if ready:
            try:
                chunk = os.read(master, 1 << 16)
            except OSError:  # EIO: the child has closed the terminal
                chunk = b""
            output += chunk
            if not chunk:
                break
        elif proc.poll() is not None:
            break
    proc.wait(timeout=max(deadline - time.perf_counter(), 1))
    seconds = time.perf_counter() - t0
    os.close(master)
    if proc.returncode != 0 or marker not in output:
        tail = bytes(output[-300:]).decode(errors="replace")
        raise RuntimeError(f"{argv[-1]} exited {proc.returncode} without its frame: {tail!r}")
    return seconds


def bench_first_frame(ctx: Context) -> Run:
    """Process start to first frame: `picker --db BIG.db` (sign-in) against a bare app."""
    big = _first_frame_db(ctx.workdir, ctx.seed)
    bare = ctx.workdir / "bare_textual_app.py"
    bare.write_text(_BARE_APP, encoding="utf-8")
    picker = [sys.executable, "-m", "picker", "--db", str(big)]
    bare_app = [sys.executable, str(bare)]
    picker_s, bare_s = [], []
    for _ in range(FIRST_FRAME_TRIES):  # interleaved, so a busy moment hits both
        bare_s.append(_until_exit(bare_app, b"bare textual app"))
        picker_s.append(_until_exit(picker, b"OP-P001"))
    best, base = min(picker_s), min(bare_s)
    figures = {
        "picker_s": round(best, 3),
        "bare_s": round(base, 3),
        "ratio": round(best / base, 2),
    }
    return Run(best, FIRST_FRAME_ORDERS, 0, figures=figures)


POD_CORPUS = ROOT.parent / "shared" / "testdata" / "barcodes"


def _pod_found(decoded: list[bytes], expected: bytes, match: str) -> bool:
    if match == "none":
        return not decoded
    if match == "all-lines":
        return all(line in decoded for line in expected.splitlines() if line)
    return expected in decoded


def bench_pod(ctx: Context) -> Run:
    """Decode rate and time per image of the POD decoder next to plain pyzbar."""
    from PIL import Image
    from pyzbar import pyzbar

    from picker.adapters.pod import decode_symbols

    if not (POD_CORPUS / "manifest.csv").exists():
        return Run(0.0, 0, 0, problems=[f"no corpus at {POD_CORPUS}"])
    with (POD_CORPUS / "manifest.csv").open(encoding="utf-8", newline="") as f:
        corpus = [
            (POD_CORPUS / r["file"], (POD_CORPUS / r["expected_file"]).read_bytes(), r["match"])
            for r in csv.DictReader(f)
        ]
    ours = plain = 0
    ours_ms: list[float] = []
    plain_ms: list[float] = []
    for path, expected, match in corpus:
        with Image.open(path) as im:
            im.load()
            t0 = time.perf_counter()
            decoded = [d.data for d in pyzbar.decode(im)]
            plain_ms.append((time.perf_counter() - t0) * 1000)
        plain += _pod_found(decoded, expected, match)
        t0 = time.perf_counter()
        symbols = decode_symbols(path).symbols
        ours_ms.append((time.perf_counter() - t0) * 1000)
        ours += _pod_found([s.data for s in symbols], expected, match)
    n = len(corpus)
    figures = {
        "images": n,
        "ours": ours,
        "plain": plain,
        "ours_rate": round(ours / n, 3),
        "plain_rate": round(plain / n, 3),
        "ours_ms_mean": round(statistics.fmean(ours_ms), 1),
        "ours_ms_max": round(max(ours_ms), 1),
        "plain_ms_mean": round(statistics.fmean(plain_ms), 1),
    }
    problems = [] if ours >= plain else [f"POD decoder read {ours}, plain pyzbar {plain}"]
    return Run(sum(ours_ms) / 1000, n, 0, figures=figures, problems=problems)


BENCHES: list[Bench] = [
    Bench("import", "picker import (parse, validate, insert)", bench_import),
    Bench("baseline", "csv.reader + executemany", bench_baseline),
    Bench(
        "plan",
        f"plan batches for {PLAN_ORDERS:,} orders (plan() only)",
        bench_plan,
        uses_csv=False,
        targets=(("best_s", 1.0),),
    ),
    Bench(
        "walk",
        f"batch walk / one-by-one walk, {WALK_ORDERS:,} demo orders",
        bench_walk,
        uses_csv=False,
        targets=(("ratio_mean", 0.5), ("ratio_median", 0.5)),
    ),
    Bench(
        "scan",
        f"{SCANS:,} scans (pick, undo) on a log of {SCAN_LOG_ROWS:,}; bare INSERT+COMMIT beside",
        bench_scan,
        uses_csv=False,
        targets=(("p99_ms", 3.0), ("p99_ratio", 3.0)),
    ),
    Bench(
        "render_label",
        f"ESC/POS bytes of {LABELS:,} bag labels (58 mm, GBK, CODE128)",
        bench_render_label,
        uses_csv=False,
        targets=(("per_label_ms", 1.0),),
    ),
    Bench(
        "render_manifest",
        f"build + ESC/POS of a {MANIFEST_ROWS}-household manifest (80 mm), x{MANIFEST_RENDERS}",
        bench_render_manifest,
        uses_csv=False,
        targets=(("per_manifest_ms", 50.0),),
    ),
    Bench(
        "first_frame",
        f"process start to first frame: picker on {FIRST_FRAME_ORDERS:,} orders / bare Textual",
        bench_first_frame,
        uses_csv=False,
        targets=(("ratio", 1.3),),
    ),
    Bench(
        "pod",
        "POD photo decoding: shared barcode corpus, ours / plain pyzbar",
        bench_pod,
        uses_csv=False,
    ),
]
#: (numerator, denominator): ratios reported when both figures ran.
RATIOS: list[tuple[str, str]] = [("import", "baseline")]


def machine_info() -> dict[str, Any]:
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count()
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "sqlite": sqlite3.sqlite_version,
        "cpu_count": os.cpu_count(),
        "cpus_usable": affinity,
        "cpu": _cpu_model(),
        "platform": platform.platform(),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def prepare(workdir: Path, orders: int, seed: int) -> tuple[Context, dict[str, float]]:
    workdir.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    catalog_db = workdir / f"catalog-seed{seed}.db"
    _remove_db(catalog_db)
    t0 = time.perf_counter()
    wh = Warehouse(catalog_db)
    wh.build_demo(orders=0, seed=seed)
    # Leave one self-contained file to copy: no -wal beside it.
    wh.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    wh.close()
    timings["catalog"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    demo = demo_module.build_demo(orders=orders, seed=seed)
    timings["generate"] = time.perf_counter() - t0
    csv_path = workdir / f"orders-{orders}-seed{seed}.csv"
    t0 = time.perf_counter()
    rows = export_csv(demo, csv_path)
    timings["export_csv"] = time.perf_counter() - t0
    ctx = Context(workdir, catalog_db, csv_path, len(demo.orders), rows, seed)
    return ctx, timings


def summarize(bench: Bench, runs: list[Run], ctx: Context) -> dict[str, Any]:
    times = [r.seconds for r in runs]
    best, median = min(times), statistics.median(times)
    # A CSV figure counts the CSV (what it had to do); the others count their own input.
    orders = ctx.orders if bench.uses_csv else runs[-1].orders
    rows = ctx.rows if bench.uses_csv else runs[-1].lines
    figures = {name: statistics.median(r.figures[name] for r in runs) for name in runs[-1].figures}
    summary: dict[str, Any] = {
        "title": bench.title,
        "runs": [round(t, 4) for t in times],
        "best_s": round(best, 4),
        "median_s": round(median, 4),
        "rows_per_s": round(rows / best) if best else None,
        "orders_per_s": round(orders / best) if best else None,
        "orders": runs[-1].orders,
        "lines": runs[-1].lines,
        "rejects": max(r.rejects for r in runs),
    }
    if figures:
        summary["figures"] = figures
    if bench.targets:
        known = {**figures, "best_s": best}
        summary["targets"] = {
            name: {"max": limit, "value": known[name], "met": known[name] <= limit}
            for name, limit in bench.targets
        }
    return summary


def verify(ctx: Context, results: dict[str, list[Run]]) -> list[str]:
    """Problems found: every figure must have stored every order and line, the same way."""
    problems: list[str] = []
    uses_csv = {b.name: b.uses_csv for b in BENCHES}
    for name, runs in results.items():
        for i, run in enumerate(runs, start=1):
            problems.extend(f"{name} run {i}: {problem}" for problem in run.problems)
            if not uses_csv.get(name, True):
                continue
            if run.rejects:
                problems.append(f"{name} run {i}: {run.rejects} rejects (expected 0)")
            if (run.orders, run.lines) != (ctx.orders, ctx.rows):
                problems.append(
                    f"{name} run {i}: {run.orders} orders / {run.lines} lines, the CSV has"
                    f" {ctx.orders} / {ctx.rows}"
                )
    checks = {name: runs[-1].check for name, runs in results.items() if runs[-1].check}
    if len(checks) > 1:
        (first, reference), *others = checks.items()
        for name, check in others:
            for key in sorted(set(reference) | set(check)):
                if reference.get(key) != check.get(key):
                    problems.append(
                        f"{name} stored {key}={check.get(key)}, {first} {reference.get(key)}"
                    )
    return problems


def human(report: dict[str, Any]) -> str:
    m, p = report["machine"], report["params"]
    out = [
        f"python {m['python']} ({m['implementation']}), sqlite {m['sqlite']}, "
        f"{m['cpu_count']} cpus ({m['cpus_usable']} usable), {m['cpu']}",
        f"{p['orders']:,} orders, {p['rows']:,} CSV rows ({p['csv_mb']} MB), seed {p['seed']}, "
        f"{p['repeat']} round(s); setup: "
        + ", ".join(f"{k} {v:.2f}s" for k, v in report["setup_s"].items()),
        "",
        f"{'figure':<10} {'best s':>8} {'median s':>9} {'rows/s':>10} {'orders/s':>10}  "
        f"{'rejects':>7}  what",
    ]
    for name, r in report["benches"].items():
        out.append(
            f"{name:<10} {r['best_s']:>8.3f} {r['median_s']:>9.3f} {r['rows_per_s']:>10,} "
            f"{r['orders_per_s']:>10,}  {r['rejects']:>7}  {r['title']}"
        )
    for name, ratio in report["ratios"].items():
        out.append(f"ratio {name}: {ratio['best']:.2f}x best, {ratio['median']:.2f}x median")
    for name, r in report["benches"].items():
        if "figures" in r:
            out.append(f"{name}: " + ", ".join(f"{k} {_num(v)}" for k, v in r["figures"].items()))
        if "targets" in r:
            out.append(f"{name} targets: {_targets(r['targets'])}")
    out.append(
        "checks: ok"
        if not report["problems"]
        else "checks FAILED:\n  " + "\n  ".join(report["problems"])
    )
    return "\n".join(out)


def _num(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


def _targets(targets: dict[str, dict[str, Any]]) -> str:
    return ", ".join(
        f"{name} {_num(round(t['value'], 3))} <= {_num(t['max'])} "
        + ("met" if t["met"] else "MISSED")
        for name, t in targets.items()
    )


def markdown(report: dict[str, Any]) -> str:
    m, p = report["machine"], report["params"]
    out = [
        f"Import figures on {p['orders']:,} orders ({p['rows']:,} CSV rows), best of "
        f"{p['repeat']}; "
        f"Python {m['python']}, SQLite {m['sqlite']}, {m['cpu_count']} CPUs ({m['cpu']}).",
        "",
        "| figure | best (s) | median (s) | rows/s | orders/s |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, r in report["benches"].items():
        out.append(
            f"| {name}: {r['title']} | {r['best_s']:.2f} | {r['median_s']:.2f} "
            f"| {r['rows_per_s']:,} | {r['orders_per_s']:,} |"
        )
    for name, ratio in report["ratios"].items():
        out.append(f"| ratio {name} | {ratio['best']:.2f}x | {ratio['median']:.2f}x | | |")
    extra = [(name, r) for name, r in report["benches"].items() if "figures" in r or "targets" in r]
    if extra:
        out += ["", "| figure | figures | targets |", "| --- | --- | --- |"]
        for name, r in extra:
            figures = ", ".join(f"{k} {_num(v)}" for k, v in r.get("figures", {}).items())
            out.append(f"| {name} | {figures} | {_targets(r.get('targets', {}))} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    names = [b.name for b in BENCHES]
    ap = argparse.ArgumentParser(
        prog="scripts/bench",
        description="Import benchmark: picker's import against a bare csv+executemany baseline.",
        epilog=f"figures: {', '.join(f'{b.name} ({b.title})' for b in BENCHES)}",
    )
    ap.add_argument("--orders", type=int, default=100_000, help="orders in the CSV (100,000)")
    ap.add_argument("--repeat", type=int, default=3, help="rounds per figure (3)")
    ap.add_argument("--seed", type=int, default=2022, help="demo seed (2022)")
    ap.add_argument(
        "--only",
        action="append",
        choices=names,
        metavar="NAME",
        help=f"run only this figure (repeatable): {', '.join(names)}",
    )
    ap.add_argument(
        "--workdir",
        type=Path,
        default=ROOT / "bench-out",
        help="where the CSV and the warehouse copies go (bench-out/)",
    )
    ap.add_argument("--json", action="store_true", help="print JSON instead of the table")
    ap.add_argument("--markdown", action="store_true", help="print a markdown table")
    args = ap.parse_args(argv)
    if args.orders < 1 or args.repeat < 1:
        ap.error("--orders and --repeat must be 1 or more")
    selected = [b for b in BENCHES if not args.only or b.name in args.only]

    log(f"preparing {args.orders:,} orders (seed {args.seed}) in {args.workdir}")
    ctx, setup = prepare(args.workdir, args.orders, args.seed)
    log(
        f"{ctx.orders:,} orders, {ctx.rows:,} rows; "
        + ", ".join(f"{k} {v:.2f}s" for k, v in setup.items())
    )

    results: dict[str, list[Run]] = {b.name: [] for b in selected}
    for round_no in range(1, args.repeat + 1):
        # Alternate the figures; start each round with a different one.
        shift = (round_no - 1) % len(selected)
        for bench in selected[shift:] + selected[:shift]:
            run = bench.fn(ctx)
            results[bench.name].append(run)
            log(f"round {round_no}/{args.repeat} {bench.name}: {run.seconds:.3f}s")

    benches = {b.name: summarize(b, results[b.name], ctx) for b in selected}
    ratios = {
        f"{a}/{b}": {
            "best": round(benches[a]["best_s"] / benches[b]["best_s"], 3),
            "median": round(benches[a]["median_s"] / benches[b]["median_s"], 3),
        }
        for a, b in RATIOS
        if a in benches and b in benches
    }
    report = {
        "machine": machine_info(),
        "params": {
            "orders": ctx.orders,
            "rows": ctx.rows,
            "seed": ctx.seed,
            "repeat": args.repeat,
            "csv_mb": round(ctx.csv_path.stat().st_size / 1e6, 1),
        },
        "setup_s": {k: round(v, 3) for k, v in setup.items()},
        "benches": benches,
        "ratios": ratios,
        "problems": verify(ctx, results),
    }
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    if args.markdown:
        print(markdown(report))
    if not args.json and not args.markdown:
        print(human(report))
    if report["problems"]:
        for problem in report["problems"]:
            log(f"check failed: {problem}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
