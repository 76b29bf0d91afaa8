"""A whole working day through the real terminal. Run it through `scripts/day`.

A private tmux server runs three picker apps at 80x24 on one warehouse file, in Chinese: the
shift lead (班长), a picker (拣货员) and a driver (司机). They are driven with keys as people
would drive them; scanners are bursts of `send-keys -l CODE` + Enter, many codes in one tmux
call. Screens are awaited by polling `capture-pane` for the text a person would wait for.

The day: a catalog-only demo warehouse; the lead imports the bank's export of three
committees' paid orders and plans batches; the picker signs in by badge, opens each batch by
scanning its id on the board (it must open that batch), picks every line (unit and case codes,
`N*` scans, one scale label per household's portion of weighed goods, which must complete its
line by weight, one portion 60 g under; one unit declared short), packs every household by
scanning (`N*` too: the bags must be exactly the household's plan, all n of them there from
its first item); labels print by themselves within seconds, with no print-queue screen open.
The lead gives the routes a driver and a truck; the packer puts one committee's bags into
crates of 4 (F2, then the bags as one burst: full crates close and the next opens by
itself; F3 closes the last). The lead prints the manifests, then imports a late order,
paid after packing. The driver loads 线路1 bag by bag (a bag of 线路2 is refused on the way):
its F8 asks for a shift lead, since the late order stays behind, and Esc leaves the truck
where it is; the lead scans their badge at the dock, types the PIN and the reason, and the
truck leaves with the decision on the route. 线路2 is loaded crate by crate and departs. The
late order cannot follow (a committee is on one route a day, and that route has left): the
lead cancels it, refunded in full (`picker cancel`). The signed manifests' photos prove
delivery; the settlement screen, then `picker audit --closing` and `picker settle`.

Every check is strict: a step that does not come out as it must fails the day, naming the
step with its screen. Where the app has a defect the day cannot pass otherwise, it notes a
deviation with the screen and goes on where a person would too (each such place is marked
`# defect:`; there are none at present). Exit 0: the day closed clean; 1: a step failed; 3:
the day closed clean but with deviations from the intended behaviour.

The standard library only, and `picker.domain.packing` (pure rules, standard library) for the bag
plan the bags are checked against: the day reads the warehouse file with sqlite3, as anyone
may, and runs picker as a command (`sys.executable -m picker` with this repository on
PYTHONPATH).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from picker.domain.packing import BagCapacity, BagGoods, BagPlan, plan_bags  # noqa: E402  (pure rules)

CAPTURES = ROOT / "docs" / "day"
#: The committees served today: two on 线路1, one on 线路2 (about 40 orders).
COMMITTEES = ("青平居委", "塘郁居委", "夏阳湖居委")
#: Orders the bank's demo export holds for the whole district; today's are filtered from it.
DISTRICT_ORDERS = 500
LEAD, PICKER, DRIVER = "L01", "P001", "D01"
TRUCK = "沪D5K327"
#: Grams under the ordered weight on one scale label: an under-weight refund.
UNDER_GRAMS = 60
#: What a household bag holds (`[packing]`): more households get bags k of n.
BAG_MAX_ITEMS, BAG_MAX_GRAMS = 6, 8000
#: Bags a crate holds (`[crates]`): small, so that a committee fills more than one.
CRATE_BAGS = 4
#: The committee whose bags go into crates (the only stop of 线路2: loaded crate by crate).
CRATED = "夏阳湖居委"
#: A paid order of this committee comes in after packing; its truck leaves without it.
LATE_COMMITTEE = "塘郁居委"
LATE_ORDER = "20220412009001"
LATE_PAID = "2022-04-12 11:48:09"
#: Why the lead lets 线路1 go without it, and why it is then cancelled and refunded.
LATE_REASON = "迟到订单，车不等"
CANCEL_REASON = "迟到订单未能随车配送，已联系居民退款"
#: Codes per tmux call (one call's command line has a length limit).
BURST = 60
#: Seconds between keys a person presses one after the other.
KEY_GAP = 0.15
#: How long printing may take by itself (no print-queue screen open anywhere).
PRINT_WAIT = 10.0


class DayFailed(Exception):
    """A step did not come out as it must; `screen` is what the terminal showed."""

    def __init__(self, message: str, screen: str = "") -> None:
        super().__init__(message)
        self.screen = screen


@dataclass
class Terminal:
    """One picker app in its tmux session, as the person at it sees and types."""

    socket: str
    name: str

    def tmux(self, *args: str) -> str:
        """Run a tmux command on the day's private server."""
        done = subprocess.run(
            ["tmux", "-u", "-L", self.socket, *args], capture_output=True, text=True, check=False
        )
        if done.returncode:
            raise DayFailed(f"tmux {args[0]} failed: {done.stderr.strip()}")
        return done.stdout

    def screen(self) -> str:
        """The screen as text."""
        return self.tmux("capture-pane", "-p", "-t", self.name)

    def press(self, *keys: str) -> None:
        """Keys by their tmux names (Enter, Escape, F3, Down, a letter), a moment apart as a
        person presses them: an Enter right behind a Down can be taken before the Down moved
        the table's cursor (the screen's Enter binding runs first)."""
        for i, key in enumerate(keys):
            if i:
                time.sleep(KEY_GAP)
            self.tmux("send-keys", "-t", self.name, key)

    def type(self, text: str) -> None:
        """Type text as it is, then Enter."""
        self.tmux("send-keys", "-t", self.name, "-l", text)
        self.press("Enter")

    def cursor_row(self) -> int:
        """The row of the terminal's cursor: the app keeps it in the focused field."""
        return int(self.tmux("display-message", "-p", "-t", self.name, "#{cursor_y}"))

    def fill(self, text: str, timeout: float = 10.0) -> None:
        """Type into a form's field and Enter, then wait, as a person watches the cursor,
        until it moves on to the next field before typing there."""
        row = self.cursor_row()
        self.type(text)
        end = time.monotonic() + timeout
        while self.cursor_row() == row:
            if time.monotonic() > end:
                raise DayFailed(f"Enter after {text!r} did not move on", self.screen())
            time.sleep(0.1)

    def scan(self, codes: list[str]) -> None:
        """Codes as a scanner sends them: each code and its Enter, back to back."""
        for at in range(0, len(codes), BURST):
            keys: list[str] = []
            for code in codes[at : at + BURST]:
                keys += ["send-keys", "-t", self.name, "-l", code, ";"]
                keys += ["send-keys", "-t", self.name, "Enter", ";"]
            self.tmux(*keys)

    def wait_for(self, what: str | re.Pattern[str], timeout: float = 30.0) -> str:
        """The screen once it shows `what` (text or pattern); DayFailed after `timeout`."""
        found = (lambda s: what in s) if isinstance(what, str) else (lambda s: bool(what.search(s)))
        return self.wait_until(
            found, repr(what if isinstance(what, str) else what.pattern), timeout
        )

    def settled(self, quiet: float = 0.6, timeout: float = 15.0) -> str:
        """The screen once it has not changed for `quiet` seconds (results of a burst keep
        coming for a moment after the scan log has them)."""
        end = time.monotonic() + timeout
        last, since = self.screen(), time.monotonic()
        while time.monotonic() - since < quiet and time.monotonic() < end:
            time.sleep(0.1)
            now = self.screen()
            if now != last:
                last, since = now, time.monotonic()
        return last

    def wait_until(self, ok: Callable[[str], bool], what: str, timeout: float = 30.0) -> str:
        """The screen once `ok(screen)`; DayFailed naming `what` after `timeout` seconds."""
        end = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if ok(screen):
                return screen
            if time.monotonic() > end:
                raise DayFailed(
                    f"the {self.name} screen did not show {what} in {timeout:g} s", screen
                )
            time.sleep(0.2)


def run_picker(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """`picker ARGS` in `cwd`; DayFailed when it fails and `check`."""
    cmd = [sys.executable, "-m", "picker", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, check=False)
    if check and done.returncode:
        raise DayFailed(
            f"picker {' '.join(args)} exited {done.returncode}:\n{done.stdout}{done.stderr}"
        )
    return done


@dataclass
class WarehouseFile:
    """The warehouse file as read with sqlite3, and picker run as a command on it."""

    workdir: Path

    @property
    def path(self) -> Path:
        return self.workdir / "wh.db"

    def picker(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """`picker ARGS --db wh.db --config picker.toml`; DayFailed when it fails and `check`."""
        return run_picker(
            self.workdir, *args, "--db", "wh.db", "--config", "picker.toml", check=check
        )

    def rows(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        """Rows of a query, read fresh (a connection per query sees every commit)."""
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=10)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def value(self, sql: str, *params: object) -> Any:
        """The first column of the first row of a query."""
        return self.rows(sql, *params)[0][0]


def ean13(digits12: str) -> str:
    """Complete 12 digits with their EAN-13 check digit."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits12)))
    return digits12 + str(-total % 10)


def scale_label(plu: str, grams: int) -> str:
    """The label a 21-prefix weighing scale prints: 21 PPPPP WWWWW C (weight in grams)."""
    return ean13(f"21{int(plu):05d}{grams:05d}")


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    weighed: bool
    unit_grams: int
    tolerance_grams: int
    plu: str | None
    unit_code: str | None
    case: tuple[str, int] | None


def load_products(wh: WarehouseFile) -> dict[str, Product]:
    """The catalog as the goods on the shelves carry it: unit and case codes, PLUs."""
    unit: dict[str, str] = {}
    case: dict[str, tuple[str, int]] = {}
    for code, sku, pack in wh.rows("SELECT code, sku, pack_qty FROM barcodes ORDER BY code"):
        if pack == 1:
            unit.setdefault(sku, code)
        else:
            case.setdefault(sku, (code, pack))
    return {
        sku: Product(sku, name, bool(weighed), grams, tolerance, plu, unit.get(sku), case.get(sku))
        for sku, name, weighed, grams, tolerance, plu in wh.rows(
            "SELECT sku, name, weighed, unit_grams, tolerance_grams, plu FROM products"
        )
    }


@dataclass
class Deviation:
    step: str
    text: str
    capture: str


@dataclass
class Day:
    """The day's state: the terminals, what was captured, what deviated."""

    wh: WarehouseFile
    socket: str
    captures: Path
    lead: Terminal = field(init=False)
    picker: Terminal = field(init=False)
    driver: Terminal = field(init=False)
    step: str = "set-up"
    shots: list[str] = field(default_factory=list)
    deviations: list[Deviation] = field(default_factory=list)
    #: Paid orders in today's bank export, and the lead's PIN.
    orders: int = 0
    pin: str = ""
    #: Bags labelled, routes departed; the closing audit's verdict, the settlement's total.
    bags: int = 0
    routes: int = 0
    audit: str = ""
    total: dict[str, int] = field(default_factory=dict)
    #: Captures taken once in the day (the first pick screen, ...), by name.
    taken: set[str] = field(default_factory=set)
    #: The label of each weighed portion, by (order, line): picking and packing scan it.
    labels: dict[tuple[str, int], str] = field(default_factory=dict)
    #: The one portion weighed under its ordered weight (order, line).
    underweight: tuple[str, int] | None = None
    #: The crates of CRATED, by code.
    crates: list[str] = field(default_factory=list)
    #: What the late order refunded when cancelled (fen); the commands' output, as printed.
    cancelled: int = 0
    cli: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lead = Terminal(self.socket, "lead")
        self.picker = Terminal(self.socket, "picker")
        self.driver = Terminal(self.socket, "driver")

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Name the step for failure messages and print it as it starts."""
        self.step = name
        print(f"day: {name}", flush=True)
        yield

    def capture(self, term: Terminal, name: str) -> str:
        """Keep the screen, once settled, as NN-name.txt; returns the file name."""
        file = f"{len(self.shots) + 1:02d}-{name}.txt"
        (self.captures / file).write_text(term.settled())
        self.shots.append(file)
        return file

    def capture_once(self, term: Terminal, name: str) -> None:
        """The first time the day comes here, keep the screen as NN-name.txt."""
        if name not in self.taken:
            self.taken.add(name)
            self.capture(term, name)

    def deviate(self, term: Terminal, name: str, text: str, shot: str = "") -> None:
        """Note where the app did not do what it is meant to, with the screen (now, or the
        capture `shot` taken when it first showed)."""
        file = shot or self.capture(term, f"deviation-{name}")
        self.deviations.append(Deviation(self.step, text, file))
        print(f"day:   DEVIATION: {text} (screen: {file})", flush=True)

    def scan_and_wait(self, term: Terminal, codes: list[str], timeout: float = 60.0) -> None:
        """Scan a burst and wait until every code is in the scan log: each code gets a row
        (a scan that fills several bags or opens a crate gets more), and codes apply in the
        order scanned, so the burst is done once the log has its last code as often as the
        burst holds it."""
        since = int(self.wh.value("SELECT coalesce(max(id), 0) FROM scan_log"))
        last, times = codes[-1], codes.count(codes[-1])
        term.scan(codes)
        end = time.monotonic() + timeout
        while True:
            (logged, of_last), *_ = self.wh.rows(
                "SELECT count(*), coalesce(sum(raw = ?), 0) FROM scan_log"
                " WHERE terminal = ? AND id > ?",
                last,
                term.name,
                since,
            )
            if logged >= len(codes) and of_last >= times:
                return
            if time.monotonic() > end:
                raise DayFailed(
                    f"sent {len(codes)} codes, the scan log has {logged}", term.screen()
                )
            time.sleep(0.2)

    def rejected_since(self, terminal: str, since: int) -> list[tuple[str, str]]:
        return [
            (raw, reason)
            for raw, reason in self.wh.rows(
                "SELECT raw, reason FROM scan_log WHERE terminal = ? AND id > ?"
                " AND outcome = 'rejected' ORDER BY id",
                terminal,
                since,
            )
        ]


def start_terminals(day: Day) -> None:
    """Three apps in their own 80x24 tmux sessions; a finished app leaves its last screen."""
    for term in (day.lead, day.picker, day.driver):
        app = (
            f"{shlex.quote(sys.executable)} -m picker --db wh.db --config picker.toml"
            f' tui --terminal {term.name}; echo "[picker exited with $?]"; sleep 86400'
        )
        term.tmux("-f", "/dev/null", "new-session", "-d", "-s", term.name, "-x", "80", "-y", "24",
                  "-c", str(day.wh.workdir), app)  # fmt: skip
    for term in (day.lead, day.picker, day.driver):
        term.wait_for("请扫工牌", timeout=60)


def prepare(day: Day) -> None:
    """The bank's export of today's committees, the catalog-only warehouse, the config."""
    work, wh = day.wh.workdir, day.wh
    (work / "picker.toml").write_text(
        "[packing]\n"
        f"bag_max_items = {BAG_MAX_ITEMS}          # more households get bags k of n\n"
        f"bag_max_kg = {BAG_MAX_GRAMS / 1000:g}\n\n"
        "[crates]\n"
        f"max_bags = {CRATE_BAGS}               # a committee fills more than one\n\n"
        "[printers.label1]\n"
        f'connection = "file:{work / "label1.prn"}"\n'
        'paper = "58"\nrole = "label"\n\n'
        "[printers.doc1]\n"
        f'connection = "file:{work / "doc1.prn"}"\n'
        'paper = "80"\nrole = "document"\n'
    )
    # The bank's side: a day of the whole district, exported; today's committees taken from it.
    district = work / "district.csv"
    run_picker(work, "demo", "--db", "district.db", "--orders", str(DISTRICT_ORDERS),
               "--export-csv", str(district))  # fmt: skip
    export = work / "bank-export.csv"
    with (
        district.open(encoding="utf-8-sig", newline="") as src,
        export.open("w", encoding="utf-8-sig", newline="") as out,
    ):
        rows = csv.reader(src)
        header = next(rows)
        col = header.index("居委")
        writer = csv.writer(out)
        writer.writerow(header)
        kept = [row for row in rows if row[col] in COMMITTEES]
        writer.writerows(kept)
        orders = {row[0] for row in kept}
    day.orders = len(orders)
    # A household of LATE_COMMITTEE pays late in the morning, for what a neighbour bought:
    # the bank's second export, which comes in when packing is done.
    first = next(row[0] for row in kept if row[col] == LATE_COMMITTEE)
    with (work / "bank-export-late.csv").open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for row in kept:
            if row[0] == first:
                late = dict(zip(header, row, strict=True))
                late |= {"订单号": LATE_ORDER, "支付时间": LATE_PAID, "室号": "1302"}
                writer.writerow([late[h] for h in header])
    shown = wh.picker("demo", "--orders", "0").stdout
    pin = re.search(rf"\b{LEAD}/(\d{{4}})\b", shown)
    if not pin:
        raise DayFailed(f"picker demo did not print the PIN of {LEAD}:\n{shown}")
    day.pin = pin.group(1)


def sign_in(day: Day) -> None:
    lead = day.lead
    lead.type(f"OP-{LEAD}")
    lead.wait_for("请输入密码")
    day.capture(lead, "signin-lead-pin")
    lead.type(day.pin)
    lead.wait_for("排批次")
    day.picker.type(f"OP-{PICKER}")
    day.picker.wait_for("领取/继续")


def import_and_plan(day: Day) -> None:
    """The lead imports the bank export (i) and plans batches (p)."""
    lead, orders = day.lead, day.orders
    lead.press("i")
    lead.wait_for("银行导出文件")
    lead.type("bank-export.csv")  # the app runs in the work dir
    lead.wait_for(re.compile(rf"新增 {orders}(?!\d)"))  # the line is cut at 80 columns
    imported = day.wh.value("SELECT count(*) FROM orders")
    if imported != orders:
        raise DayFailed(f"{imported} orders imported of {orders}", lead.screen())
    lead.press("p")
    lead.wait_for("个拣货批次")
    day.capture(lead, "dashboard-planned")
    (day.underweight,) = day.wh.rows(
        "SELECT l.order_no, l.line_no FROM order_lines l JOIN products p USING (sku)"
        " WHERE p.weighed AND l.qty = 1 ORDER BY l.order_no LIMIT 1"
    )


def portion_labels(day: Day, batch: str, products: dict[str, Product]) -> dict[str, list[str]]:
    """Weighed goods come in one portion per household, weighed and labelled with its weight
    (one portion of the day 60 g under): per sku, the labels of the batch's portions."""
    labels: dict[str, list[str]] = {}
    for order_no, line_no, sku, qty in day.wh.rows(
        "SELECT l.order_no, l.line_no, l.sku, l.qty FROM order_lines l"
        " JOIN batch_orders b USING (order_no) WHERE b.batch = ? ORDER BY l.order_no, l.line_no",
        batch,
    ):
        p = products[sku]
        if p.weighed:
            assert p.plu is not None
            under = UNDER_GRAMS if day.underweight == (order_no, line_no) else 0
            labels.setdefault(sku, []).append(scale_label(p.plu, qty * p.unit_grams - under))
            day.labels[order_no, line_no] = labels[sku][-1]
    return labels


def pick_codes(day: Day, batch: str, products: dict[str, Product], hold: str | None) -> list[str]:
    """The batch's codes in walk order: a case code where whole cases fit, `N*` for several
    units, the label of every weighed portion. One unit of `hold` is left on the shelf."""
    labels = portion_labels(day, batch, products)
    out: list[str] = []
    for sku, needed in day.wh.rows(
        "SELECT sku, needed FROM pick_lines WHERE batch = ? ORDER BY walk_seq", batch
    ):
        p = products[sku]
        if p.weighed:
            out += labels[sku]
            continue
        needed -= sku == hold
        if p.case and needed >= p.case[1]:
            out += [p.case[0]] * (needed // p.case[1])
            needed %= p.case[1]
        assert p.unit_code is not None
        if needed:
            out.append(f"{needed}*{p.unit_code}" if needed > 1 else p.unit_code)
    return out


def claim(day: Day, batch: str) -> str:
    """The picker scans a batch's id on the board; the batch the pick screen opened."""
    picker = day.picker
    picker.wait_for(batch)
    picker.type(batch)
    pick_screen = re.compile(r"拣货 (\S+-\d{4}-\d{2})(?s:.*)\d+/\d+ 件")
    m = pick_screen.search(picker.wait_for(pick_screen))
    assert m
    opened = m.group(1)
    if opened != batch:
        raise DayFailed(f"scanned batch {batch} on the board, it opened {opened}", picker.screen())
    holder = day.wh.value("SELECT holder FROM batches WHERE id = ?", batch)
    if holder != PICKER:
        raise DayFailed(f"{batch} opened, but it is held by {holder}", picker.screen())
    return opened


def pick(day: Day, batch: str, products: dict[str, Product], short: bool) -> bool:
    """Scan every unit of the batch; with `short`, the last unit of one line is not there:
    F3 and reason 1 (缺货) declare it short. Returns whether a line went short."""
    picker = day.picker
    hold = None
    if short:
        lines = day.wh.rows("SELECT sku FROM pick_lines WHERE batch = ? AND needed >= 2", batch)
        hold = next((sku for (sku,) in lines if not products[sku].weighed), None)
    codes = pick_codes(day, batch, products, hold)
    half = len(codes) // 2
    day.scan_and_wait(picker, codes[:half])
    day.capture_once(picker, "pick-mid")
    day.scan_and_wait(picker, codes[half:])
    open_weighed = [
        (sku, needed, picked, grams)
        for sku, needed, picked, grams in day.wh.rows(
            "SELECT sku, needed, picked, grams_picked FROM pick_lines WHERE batch = ?"
            " AND picked + short < needed",
            batch,
        )
        if products[sku].weighed
    ]
    if open_weighed:
        # Every portion's label is on the line: its weight completes it, with no second label.
        listed = ", ".join(
            f"{products[sku].name} {picked}/{needed} after labels for {grams} g"
            for sku, needed, picked, grams in open_weighed
        )
        raise DayFailed(
            f"{batch}: weighed lines wait for another label after every portion's: {listed}",
            picker.screen(),
        )
    if hold:
        name = products[hold].name
        picker.wait_for(f"┃ {name}")  # F3 declares the line on screen short
        picker.settled()
        picker.press("F3")
        picker.wait_for(f"报缺：{name}")
        picker.press("Enter")
        picker.wait_for(f"{name} 报缺 1")
        day.capture(picker, "pick-short")
    screen = picker.wait_for("本批拣货完成", timeout=20)
    status = day.wh.value("SELECT status FROM batches WHERE id = ?", batch)
    if status != "picked":
        raise DayFailed(f"the screen says picked, the batch is {status}", screen)
    return hold is not None


#: A household's lines still to pack: (line_no, sku, units left).
OPEN_LINES = (
    "SELECT l.line_no, l.sku, l.qty - coalesce(s.short_qty, 0) - coalesce(p.qty, 0)"
    " FROM order_lines l"
    " LEFT JOIN line_shorts s USING (order_no, line_no)"
    " LEFT JOIN packed_lines p USING (order_no, line_no)"
    " WHERE l.order_no = ? AND l.qty - coalesce(s.short_qty, 0) - coalesce(p.qty, 0) > 0"
    " ORDER BY l.line_no"
)


def pack_codes(day: Day, order_no: str, products: dict[str, Product]) -> list[str]:
    """What goes into the household's bags: `N*` for several units, each weighed portion's
    label (printed when it was weighed for picking)."""
    codes: list[str] = []
    for line_no, sku, left in day.wh.rows(OPEN_LINES, order_no):
        p = products[sku]
        if p.weighed:
            codes.append(day.labels[order_no, line_no])
        else:
            assert p.unit_code is not None
            codes.append(f"{left}*{p.unit_code}" if left > 1 else p.unit_code)
    return codes


HOUSEHOLD = re.compile(r"· 订单 (\d+)")


def pack(day: Day, batch: str, products: dict[str, Product]) -> None:
    """Household by household as the screen shows them: scan its items into its bags. For
    a household of several bags, its first item alone first: every bag of its plan must be
    there from then on (a printed "1 of 2" never points at a bag that is not there)."""
    picker = day.picker
    picker.press("Enter")  # packing is next
    picker.wait_for(f"打包 {batch}")
    done: set[str] = set()

    def moved_on(screen: str) -> bool:
        m = HOUSEHOLD.search(screen)
        return "本批已全部打包" in screen or (m is not None and m.group(1) not in done)

    while True:
        screen = picker.wait_until(moved_on, "the next household or 本批已全部打包")
        m = HOUSEHOLD.search(screen)
        if "本批已全部打包" in screen or m is None:
            break
        order_no = m.group(1)
        codes = pack_codes(day, order_no, products)
        plan = bag_plan(day, order_no, products)
        since = int(day.wh.value("SELECT coalesce(max(id), 0) FROM scan_log"))
        if plan.n > 1 and len(codes) > 1:
            day.scan_and_wait(picker, codes[:1])
            made = day.wh.rows("SELECT k, n FROM bags WHERE order_no = ? ORDER BY k", order_no)
            if made != [(k, plan.n) for k in range(1, plan.n + 1)]:
                raise DayFailed(
                    f"household {order_no}: after its first item the bags (k, n) are {made},"
                    f" the plan has {plan.n}",
                    picker.screen(),
                )
            codes = codes[1:]
        day.scan_and_wait(picker, codes)
        done.add(order_no)
        left = day.wh.rows(OPEN_LINES, order_no)
        if left:
            rejected = day.rejected_since(picker.name, since)
            raise DayFailed(
                f"household {order_no}: still to pack {left} (line, sku, units) after {codes};"
                f" rejected: {rejected}",
                picker.screen(),
            )
        if "pack" not in day.taken:
            picker.wait_until(moved_on, "the next household")
            day.capture_once(picker, "pack")
    status = day.wh.value("SELECT status FROM batches WHERE id = ?", batch)
    if status != "packed":
        raise DayFailed(f"the screen says packed, the batch is {status}", screen)
    check_bags(day, batch, products)
    picker.press("Escape")
    picker.wait_for("领取/继续")


def bag_plan(day: Day, order_no: str, products: dict[str, Product]) -> BagPlan:
    """The household's bags as planned from its whole order (less what went short): the
    pure rule of `packing`, with a weighed unit planned at its most (tolerance over)."""
    goods: dict[str, BagGoods] = {}
    for sku, qty, short in day.wh.rows(
        "SELECT l.sku, l.qty, coalesce(s.short_qty, 0) FROM order_lines l"
        " LEFT JOIN line_shorts s USING (order_no, line_no) WHERE l.order_no = ?",
        order_no,
    ):
        p = products[sku]
        grams = p.unit_grams + (p.tolerance_grams if p.weighed else 0)
        units = qty - short + (goods[sku].units if sku in goods else 0)
        goods[sku] = BagGoods(sku, units, grams, together=p.weighed)
    return plan_bags(list(goods.values()), BagCapacity(BAG_MAX_ITEMS, BAG_MAX_GRAMS))


def check_bags(day: Day, batch: str, products: dict[str, Product]) -> None:
    """Every household got exactly the bags of its plan: bags 1..n of the same n, closed,
    each holding what the plan puts in it (the scan log says what went into which bag), and
    none over the caps (items, a weighed pack counting one; grams, unless one thing alone is
    heavier)."""
    bad: list[str] = []
    for (order_no,) in day.wh.rows(
        "SELECT order_no FROM batch_orders WHERE batch = ? ORDER BY order_no", batch
    ):
        plan = bag_plan(day, order_no, products)
        bags = day.wh.rows(
            "SELECT k, n, items, status FROM bags WHERE order_no = ? ORDER BY k", order_no
        )
        want = [(k, plan.n, plan.items(k), "closed") for k in range(1, plan.n + 1)]
        held: dict[int, dict[str, int]] = {}
        grams: dict[int, int] = {}
        for k, sku, qty, weighed_grams in day.wh.rows(
            "SELECT b.k, s.sku, sum(s.qty), sum(coalesce(s.grams, 0)) FROM scan_log s"
            " JOIN bags b ON b.id = s.bag WHERE s.stage = 'pack' AND s.order_no = ?"
            " AND s.outcome = 'accepted' AND s.kind IN ('product', 'weighed', 'undo')"
            " GROUP BY b.k, s.sku",
            order_no,
        ):
            if qty:
                held.setdefault(k, {})[sku] = qty
            p = products[sku]
            grams[k] = grams.get(k, 0) + (weighed_grams if p.weighed else qty * p.unit_grams)
        planned = {k: plan.planned(k) for k in range(1, plan.n + 1) if plan.planned(k)}
        # A weighed line's pack (one scale label) is one item in its bag.
        things = {
            k: sum(1 if products[sku].weighed else qty for sku, qty in inside.items())
            for k, inside in held.items()
        }
        over = [
            f"bag {k}: {things.get(k, 0)} items, {grams.get(k, 0)} g"
            for k, _n, _units, _status in bags
            if things.get(k, 0) > BAG_MAX_ITEMS
            or (grams.get(k, 0) > BAG_MAX_GRAMS and things.get(k, 0) > 1)
        ]
        if bags != want or held != planned or over:
            bad.append(
                f"{order_no}: bags (k, n, items, status) {bags}, planned {want};"
                f" contents {held}, planned {planned}; over the caps: {over}"
            )
    if bad:
        raise DayFailed(f"{batch}: bags not as planned:\n" + "\n".join(bad), day.picker.screen())


def pick_and_pack(day: Day) -> None:
    """The picker takes the batches from the top of the pile (the last printed first); each
    batch's bag labels come out of the printer by themselves while the next one is taken."""
    products = load_products(day.wh)
    shorted = False
    while True:
        waiting = [b for (b,) in day.wh.rows(
            "SELECT id FROM batches WHERE status = 'released' ORDER BY id DESC")]  # fmt: skip
        if not waiting:
            return
        if "board" not in day.taken:
            day.picker.wait_for(f"{len(waiting)} 个批次待领取")
            day.capture_once(day.picker, "board")
        with day.stage(f"claim {waiting[0]}"):
            batch = claim(day, waiting[0])
        with day.stage(f"pick {batch}"):
            shorted = pick(day, batch, products, short=not shorted) or shorted
        with day.stage(f"pack {batch}"):
            pack(day, batch, products)
        with day.stage(f"print the bag labels of {batch}"):
            printed(day, "label")


def jobs_left(day: Day, kind: str) -> int:
    return int(
        day.wh.value("SELECT count(*) FROM print_jobs WHERE kind = ? AND status != 'done'", kind)
    )


#: Seconds from a job's queueing to its being printed, or to now while it is not.
JOB_AGE = (
    "(julianday(coalesce(CASE WHEN status = 'done' THEN done_at END, 'now'))"
    " - julianday(created_at)) * 86400"
)


def printed(day: Day, kind: str) -> None:
    """Every job of the kind printed by itself within PRINT_WAIT seconds of being queued:
    the apps print while they run, whatever screen is open (no one opens the print queue
    all day)."""
    while True:
        late = day.wh.rows(
            f"SELECT target, status, reason, round({JOB_AGE}, 1) FROM print_jobs"
            f" WHERE kind = ? AND {JOB_AGE} > ? ORDER BY id LIMIT 5",
            kind,
            PRINT_WAIT,
        )
        if late:
            raise DayFailed(
                f"{kind} jobs not printed within {PRINT_WAIT:g} s of being queued, with no"
                f" print-queue screen open (target, status, reason, seconds): {late}",
                day.lead.screen(),
            )
        if not jobs_left(day, kind):
            return
        time.sleep(0.2)


def code128_payloads(escpos: bytes) -> list[str]:
    """The data of every native CODE128 barcode (`GS k 73 n {B…{C…`) in a printer's bytes."""
    out = []
    at = escpos.find(b"\x1dkI")
    while at >= 0:
        data = escpos[at + 4 : at + 4 + escpos[at + 3]]
        text, mode, i = "", "B", 0
        while i < len(data):
            if data[i : i + 1] == b"{" and i + 1 < len(data) and chr(data[i + 1]) in "ABC":
                mode, i = chr(data[i + 1]), i + 2
                continue
            text += f"{data[i]:02d}" if mode == "C" else chr(data[i])
            i += 1
        out.append(text)
        at = escpos.find(b"\x1dkI", at + 4)
    return out


def printed_codes(day: Day) -> list[str]:
    """The Code128 payloads the label printer printed, in order."""
    return code128_payloads((day.wh.workdir / "label1.prn").read_bytes())


def check_labels(day: Day) -> int:
    """The label printer printed exactly one label per closed bag and one per closed crate,
    its id in the barcode, and nothing else."""
    labels = printed_codes(day)
    bags = [b for (b,) in day.wh.rows("SELECT id FROM bags WHERE status = 'closed' ORDER BY id")]
    crates = [c for (c,) in day.wh.rows(
        "SELECT code FROM crates WHERE status = 'closed' ORDER BY code")]  # fmt: skip
    if sorted(labels) != sorted(bags + crates):
        extra = sorted(set(labels) - set(bags) - set(crates))
        missing = sorted(set(bags + crates) - set(labels))
        raise DayFailed(
            f"{len(labels)} labels for {len(bags)} bags and {len(crates)} crates; without a"
            f" label: {missing[:5]}, labels of nothing or twice:"
            f" {extra[:5] or len(labels) - len(set(labels))}"
        )
    return len(bags)


def crating(day: Day) -> None:
    """The packer puts CRATED's closed bags into its crates on the crating screen (F4 on
    the board): F2 for a new crate, then the bags as one burst from the scanner. A crate
    closes by itself when full and the next bag opens the next one; F3 closes the last."""
    picker, wh = day.picker, day.wh
    (code,) = wh.rows("SELECT code FROM committees WHERE name = ?", CRATED)[0]
    bags = [b for (b,) in wh.rows(
        "SELECT b.id FROM bags b JOIN orders o USING (order_no)"
        " WHERE o.committee = ? AND b.status = 'closed' ORDER BY b.id", code)]  # fmt: skip
    picker.press("F4")
    picker.wait_for("扫描周转筐标签，或按 F2 新开一筐")
    picker.press("F2")
    picker.wait_for("新筐：请扫描第一个袋子")
    day.scan_and_wait(picker, bags)
    last = len(bags) - (len(bags) - 1) // CRATE_BAGS * CRATE_BAGS
    picker.wait_for(f"{bags[-1]} → ")
    day.capture(picker, "crates")
    picker.press("F3")
    picker.wait_for("已封筐：正在打印标签")
    crates = wh.rows(
        "SELECT c.code, c.seq, c.status, count(b.bag), group_concat(b.bag) FROM crates c"
        " LEFT JOIN crate_bags b ON b.crate = c.id WHERE c.committee = ?"
        " GROUP BY c.id ORDER BY c.seq",
        code,
    )
    want = -(-len(bags) // CRATE_BAGS)
    sizes = [CRATE_BAGS] * (want - 1) + [last]
    inside = sorted(b for *_c, held in crates for b in (held or "").split(","))
    if [(seq, status, n) for _code, seq, status, n, _b in crates] != [
        (k, "closed", size) for k, size in enumerate(sizes, start=1)
    ] or inside != bags:
        raise DayFailed(
            f"{len(bags)} bags of {CRATED} in crates (code, k, status, bags) "
            f"{[c[:4] for c in crates]}; wanted {want} closed crates of {sizes} bags",
            picker.screen(),
        )
    day.crates = [c[0] for c in crates]
    printed(day, "crate")
    codes = printed_codes(day)
    if any(codes.count(c) != 1 for c in day.crates):
        raise DayFailed(f"crate labels printed: {[c for c in codes if c in day.crates]}")
    picker.press("Escape")
    picker.wait_for("领取/继续")


def manifests(day: Day) -> None:
    """The lead highlights each committee on the dashboard and prints its manifest (m)."""
    lead = day.lead
    order = [code for (code,) in day.wh.rows(
        "SELECT code FROM committees ORDER BY subdistrict, code")]  # fmt: skip
    names = dict(day.wh.rows("SELECT code, name FROM committees"))
    ours = [c for c in order if names[c] in COMMITTEES]
    at = 0  # the dashboard opens on its first row
    for code in ours:
        row = order.index(code)
        lead.press(*["Down"] * (row - at), "m")
        at = row
        lead.wait_for(f"{names[code]} 的交接单已排队打印")
    lead.press(*["Up"] * at)  # back to the first row
    printed(day, "manifest")


def late_order(day: Day) -> None:
    """The bank's second export: one order paid after packing. The lead imports it (i); no
    batch is planned for it, the trucks are at the dock."""
    lead = day.lead
    lead.press("i")
    lead.wait_for("银行导出文件")
    lead.type("bank-export-late.csv")
    lead.wait_for(re.compile(r"新增 1(?!\d)"))
    got = day.wh.rows(
        "SELECT status, (SELECT count(*) FROM batch_orders b WHERE b.order_no = o.order_no)"
        " FROM orders o WHERE order_no = ?",
        LATE_ORDER,
    )
    if got != [("paid", 0)]:
        raise DayFailed(f"late order {LATE_ORDER} is {got} after its import", lead.screen())
    day.orders += 1
    day.capture(lead, "dashboard-late-order")


def routes(day: Day) -> list[tuple[str, str]]:
    """The lead gives each route with bags today a driver (v) and a truck (t); (id, name)."""
    lead = day.lead
    lead.press("t")
    lead.wait_for("线路1")
    all_routes = day.wh.rows("SELECT id, name FROM routes ORDER BY id")
    ours = day.wh.rows(
        "SELECT DISTINCT r.id, r.name FROM routes r JOIN route_stops s ON s.route = r.id"
        " JOIN orders o ON o.committee = s.committee ORDER BY r.id"
    )
    at = 0
    for route, name in ours:
        row = all_routes.index((route, name))
        lead.press(*["]"] * (row - at), "v")
        at = row
        lead.wait_for(f"{name} 的司机")
        lead.press("Down", "Enter")  # the first driver, after "(no driver)"
        lead.wait_for(f"{name}：已设置司机")
        lead.press("t")
        lead.wait_for(f"{name} 的车辆")
        lead.type(TRUCK)
        lead.wait_for(f"{name}：车辆 {TRUCK}")
        got = day.wh.rows("SELECT driver, truck FROM routes WHERE id = ?", route)
        if got != [(DRIVER, TRUCK)]:
            raise DayFailed(f"{name}: driver and truck are {got}", lead.screen())
    day.capture(lead, "routes")
    lead.press("Escape")
    lead.wait_for("排批次")
    return ours


def bags_of_route(day: Day, route: str) -> list[str]:
    return [b for (b,) in day.wh.rows(
        "SELECT b.id FROM bags b JOIN orders o USING (order_no)"
        " JOIN route_stops s ON s.committee = o.committee WHERE s.route = ? ORDER BY b.id",
        route,
    )]  # fmt: skip


def route_of(day: Day, committee_name: str) -> str:
    return str(day.wh.value(
        "SELECT s.route FROM route_stops s JOIN committees c ON c.code = s.committee"
        " WHERE c.name = ?", committee_name))  # fmt: skip


ALL_LOADED = "本线路全部装完"
PACKED_LOADED = "已打包的袋都已装车"


def load_and_depart(day: Day, ours: list[tuple[str, str]]) -> None:
    """The driver loads each route: bag by bag, or crate by crate where its committee's bags
    are in crates, and sends the truck off (F8)."""
    driver = day.driver
    driver.type(f"OP-{DRIVER}")
    driver.wait_for("你的线路")
    day.capture(driver, "dock")
    crated, late = route_of(day, CRATED), route_of(day, LATE_COMMITTEE)
    for i, (route, name) in enumerate(ours):
        with day.stage(f"load {name}"):
            # The driver's routes come first, in order; the cursor stays on the one just loaded.
            driver.press(*["Down"] * min(i, 1), "Enter")
            driver.wait_for(f"装车 {name}")
            bags = bags_of_route(day, route)
            # The crates' labels as they came out of the printer.
            codes = [c for c in printed_codes(day) if c in day.crates] if route == crated else bags
            # On the first truck, a bag of the next route by mistake: it must be refused.
            stray = bags_of_route(day, ours[1][0])[:1] if i == 0 and len(ours) > 1 else []
            since = int(day.wh.value("SELECT coalesce(max(id), 0) FROM scan_log"))
            day.scan_and_wait(driver, stray + codes)
            screen = driver.wait_for(re.compile(f"{ALL_LOADED}|{PACKED_LOADED}"))
            loaded = [b for (b,) in day.wh.rows(
                "SELECT bag FROM bag_loads WHERE route = ? ORDER BY bag", route)]  # fmt: skip
            if loaded != bags:
                raise DayFailed(f"{name}: loaded {len(loaded)} of {len(bags)} bags", screen)
            refused = day.rejected_since(driver.name, since)
            if refused != [(b, "wrong_route") for b in stray]:
                raise DayFailed(f"refused {refused}, not only {stray} (wrong route)", screen)
            said = ALL_LOADED if ALL_LOADED in screen else PACKED_LOADED
            if said != (PACKED_LOADED if route == late else ALL_LOADED):
                raise DayFailed(f"{name}: every bag on board, the screen says {said}", screen)
            day.capture(driver, f"load-{i + 1}")
        with day.stage(f"depart {name}"):
            if route == late:
                depart_with_lead(day, route, name)
            else:
                driver.press("F8")
                driver.wait_for(f"{name} 现在发车吗")
                driver.press("Enter")
            screen = driver.wait_for(re.compile(r"于 \d\d:\d\d 发车"))
            day.capture(driver, f"departed-{i + 1}")
            status = day.wh.value("SELECT status FROM routes WHERE id = ?", route)
            if status != "departed":
                raise DayFailed(f"{name} is {status} after departing", screen)
            driver.press("Escape")
            driver.wait_for("你的线路")


def depart_with_lead(day: Day, route: str, name: str) -> None:
    """The late order stays behind: the driver's F8 asks for a shift lead, and Esc leaves the
    truck where it is. The lead comes to the dock, scans their badge, types the PIN and the
    reason; the truck leaves with the decision on the route, and the order stays open."""
    driver = day.driver
    asks = f"{name} 发车：由班长决定"
    driver.press("F8")
    screen = driver.wait_for(asks)
    behind = screen[screen.find("将留下") :]
    if LATE_COMMITTEE not in behind or "1 单未分批" not in behind:
        raise DayFailed(f"the departure modal does not name 1 order of {LATE_COMMITTEE}", screen)
    day.capture(driver, "depart-asks-lead")
    driver.press("Escape")
    screen = driver.wait_for("未发车：有货留下，需由班长决定")
    status = day.wh.value("SELECT status FROM routes WHERE id = ?", route)
    if status == "departed":
        raise DayFailed(f"{name} departed without a lead's decision", screen)
    driver.press("F8")
    driver.wait_for(asks)
    driver.fill(f"OP-{LEAD}")  # the lead's badge at the dock, then the PIN
    driver.fill(day.pin)
    driver.tmux("send-keys", "-t", driver.name, "-l", LATE_REASON)
    driver.wait_for(LATE_REASON)
    day.capture(driver, "depart-lead-decides")
    driver.press("Enter")
    driver.wait_for(re.compile(rf"于 \d\d:\d\d 发车.*班长 {LEAD}"))
    got = day.wh.rows("SELECT override_by, override_reason FROM routes WHERE id = ?", route)
    if got != [(LEAD, LATE_REASON)]:
        raise DayFailed(f"{name} departed with the decision {got}", driver.screen())
    left = day.wh.rows(
        "SELECT o.status, count(b.id) FROM orders o LEFT JOIN bags b USING (order_no)"
        " WHERE o.order_no = ? GROUP BY o.order_no",
        LATE_ORDER,
    )
    if left != [("paid", 0)]:
        raise DayFailed(f"the order left behind is (status, bags) {left}", driver.screen())


def cancel_late_order(day: Day) -> None:
    """A committee is on one route a day and 线路1 has left: the lead calls the household and
    cancels the late order, refunded in full (`picker cancel`)."""
    amount = int(day.wh.value("SELECT amount_fen FROM orders WHERE order_no = ?", LATE_ORDER))
    done = day.wh.picker("cancel", LATE_ORDER, "--reason", CANCEL_REASON)
    day.cli.append(f"$ picker cancel {LATE_ORDER} --reason {CANCEL_REASON}\n{done.stdout}")
    got = day.wh.rows(
        "SELECT o.status, coalesce(sum(r.fen), 0) FROM orders o"
        " LEFT JOIN refunds r USING (order_no) WHERE o.order_no = ? GROUP BY o.order_no",
        LATE_ORDER,
    )
    if got != [("cancelled", amount)]:
        raise DayFailed(f"late order {LATE_ORDER} (status, refunded) {got}, paid {amount}")
    day.cancelled = amount


def proof_of_delivery(day: Day) -> None:
    """Each committee signs its manifest; the lead reads the photo (PNG) with d."""
    lead = day.lead
    (day.wh.workdir / "signed").mkdir()
    for manifest, committee in day.wh.rows("SELECT id, committee FROM manifests ORDER BY id"):
        photo = f"signed/{committee}.png"  # the app runs in the work dir
        day.wh.picker("print", "manifest", manifest, "--out", photo)
        lead.press("d")
        lead.wait_for("已签字交接清单的照片")
        lead.type(photo)
        lead.wait_for(f"{manifest} 已签收")
    undelivered = day.wh.value("SELECT count(*) FROM manifests WHERE delivered_at IS NULL")
    if undelivered:
        raise DayFailed(f"{undelivered} manifests not delivered", lead.screen())


def close_day(day: Day) -> None:
    """The settlement screen with its audit, then the closing audit and the settlement."""
    lead = day.lead
    day.capture(lead, "dashboard-delivered")
    lead.press("a")
    lead.wait_for("已对平")
    lead.press("a")
    lead.wait_for("每一笔已付订单都有着落")
    day.capture(lead, "settlement")
    lead.press("Escape")
    audit = day.wh.picker("audit", "--closing", check=False)
    settle = day.wh.picker("settle", check=False)
    day.cli.append(f"$ picker audit --closing\n{audit.stdout}{audit.stderr}")
    day.cli.append(f"$ picker settle\n{settle.stdout}{settle.stderr}")
    (day.captures / "cli-audit-settle.txt").write_text("\n".join(day.cli))
    day.shots.append("cli-audit-settle.txt")
    day.audit = audit.stdout.strip().splitlines()[0] if audit.stdout.strip() else ""
    if audit.returncode:
        raise DayFailed(f"picker audit --closing exited {audit.returncode}:\n{audit.stdout}"
                        f"{audit.stderr}")  # fmt: skip
    if settle.returncode:
        raise DayFailed(f"picker settle exited {settle.returncode}:\n{settle.stderr}")
    report = json.loads(day.wh.picker("settle", "--json").stdout)
    day.total = report["total"]
    t = day.total
    if t["open_fen"] or t["net_fen"] != t["delivered_fen"]:
        raise DayFailed(f"the settlement does not reconcile: {t}")


def yuan(n: int) -> str:
    """Integer fen as ￥1,234.50."""
    return f"{'-' if n < 0 else ''}￥{abs(n) // 100:,}.{abs(n) % 100:02d}"


def summary(day: Day, elapsed: float) -> None:
    t, wh = day.total, day.wh
    overrides = wh.value("SELECT count(*) FROM routes WHERE override_by IS NOT NULL")
    print(
        f"\nday: {day.orders} orders (1 paid late) in {wh.value('SELECT count(*) FROM batches')}"
        f" batches, {day.bags} bags labelled, {len(day.crates)} crates of {CRATED},"
        f" {day.routes} routes departed ({overrides} with a lead's decision),"
        f" {wh.value('SELECT count(*) FROM manifests')} manifests signed;"
        f" the late order cancelled and refunded {yuan(day.cancelled)}"
        f"\nday: {wh.value('SELECT count(*) FROM print_jobs')} print jobs (bag and crate labels,"
        f" manifests) printed by themselves, each within"
        f" {wh.value(f'SELECT max({JOB_AGE}) FROM print_jobs'):.1f} s of being queued"
        f"\nday: audit: {day.audit}"
        f"\nday: settled: paid {yuan(t['paid_fen'])} − refunds {yuan(t['refunds_fen'])}"
        f" (short {yuan(t['short_fen'])}, under weight {yuan(t['underweight_fen'])},"
        f" cancelled {yuan(t.get('cancel_fen', 0))})"
        f" = net {yuan(t['net_fen'])}; delivered {yuan(t['delivered_fen'])},"
        f" open {yuan(t['open_fen'])}"
        f"\nday: {len(day.shots)} captures in {CAPTURES}; {elapsed:.0f} s"
    )


def run(day: Day) -> None:
    """The day, step by step."""
    with day.stage("prepare the warehouse and the bank export"):
        prepare(day)
    with day.stage("start the lead's, the picker's and the driver's terminals"):
        start_terminals(day)
    with day.stage("sign in"):
        sign_in(day)
    with day.stage("import the bank export and plan batches"):
        import_and_plan(day)
    pick_and_pack(day)
    with day.stage("plan the routes"):
        ours = routes(day)
        day.routes = len(ours)
    with day.stage(f"crate the bags of {CRATED}"):
        crating(day)
    with day.stage("check the labels"):
        day.bags = check_labels(day)
        day.lead.wait_for("排批次")
        day.capture(day.lead, "dashboard-packed")
    with day.stage("print the manifests"):
        manifests(day)
    with day.stage("a late order"):
        late_order(day)
    load_and_depart(day, ours)
    with day.stage("cancel the late order"):
        cancel_late_order(day)
    with day.stage("proof of delivery"):
        proof_of_delivery(day)
    with day.stage("settle and audit"):
        close_day(day)


def stop_tmux(socket: str) -> None:
    """Kill the day's tmux server and remove its socket file, which tmux leaves behind."""
    tmux = ["tmux", "-u", "-L", socket]
    found = subprocess.run(
        [*tmux, "display-message", "-p", "#{socket_path}"], capture_output=True, text=True
    )
    subprocess.run([*tmux, "kill-server"], capture_output=True, check=False)
    if found.returncode == 0 and found.stdout.strip():
        Path(found.stdout.strip()).unlink(missing_ok=True)


def remove(workdir: Path) -> None:
    """Remove the work dir; the apps may still be closing their database files for a moment."""
    for _ in range(30):
        shutil.rmtree(workdir, ignore_errors=True)
        if not workdir.exists():
            return
        time.sleep(0.1)


def workdir_for(keep: Path | None) -> Path:
    """`keep` (made, and empty) or a new temporary directory."""
    if keep is None:
        return Path(tempfile.mkdtemp(prefix="picker-scripted-day-"))
    if keep.exists() and any(keep.iterdir()):
        raise DayFailed(f"{keep} is not empty")
    keep.mkdir(parents=True, exist_ok=True)
    return keep.resolve()


def main() -> int:
    parser = argparse.ArgumentParser(description="A whole working day through the terminal.")
    parser.add_argument("--keep", metavar="DIR", type=Path, help="keep the work dir here")
    parser.add_argument("--show", action="store_true", help="print the captures at the end")
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        print("day: tmux is not installed", file=sys.stderr)
        return 2
    try:
        workdir = workdir_for(args.keep)
    except DayFailed as exc:
        print(f"day: {exc}", file=sys.stderr)
        return 2
    # This repository's code, whichever interpreter runs it; the apps and commands inherit it.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p
    )
    os.environ["PICKER_LANG"] = "zh_CN"
    (workdir / "captures").mkdir()
    day = Day(WarehouseFile(workdir), f"picker-day-{os.getpid()}", workdir / "captures")
    started = time.monotonic()
    failure = ""
    try:
        run(day)
    except DayFailed as exc:
        failure = f"{exc}\n--- the screen ---\n{exc.screen.rstrip()}" if exc.screen else str(exc)
    except Exception:  # a bug of the day itself or an unreadable file: the step and the trace
        failure = traceback.format_exc()
    finally:
        stop_tmux(day.socket)
    if failure:
        (workdir / "failure.txt").write_text(f"step: {day.step}\n{failure}\n")
        print(f"\nday: FAILED at step '{day.step}': {failure}", flush=True)
    else:
        CAPTURES.mkdir(parents=True, exist_ok=True)
        for old in CAPTURES.glob("*.txt"):
            old.unlink()
        for shot in day.shots:
            shutil.copy(day.captures / shot, CAPTURES / shot)
        summary(day, time.monotonic() - started)
    if args.show:
        for shot in day.shots:
            print(f"\n--- {shot} ---\n{(day.captures / shot).read_text().rstrip()}")
    if day.deviations:
        print(f"\nday: {len(day.deviations)} deviations from the intended behaviour:")
        for d in day.deviations:
            print(f"  [{d.step}] {d.text} (screen: {d.capture})")
    if failure or args.keep:
        print(f"day: the work dir is kept: {workdir}")
    else:
        remove(workdir)
    if failure:
        return 1
    if day.deviations:
        print("day: the day closed clean, with deviations from the intended behaviour")
        return 3
    print("day: PASS: the day closed clean")
    return 0


if __name__ == "__main__":
    sys.exit(main())
