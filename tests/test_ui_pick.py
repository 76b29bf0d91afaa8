"""The scan field, the pick and pack screens and the short-reason modal, driven by the Pilot.

Bursts are posted as key events back to back, without awaiting anything in between, which is
how a USB wedge scanner's keys arrive (`pilot.press` waits after each key and would hide a
lost, split or merged code). Screens are checked on the warehouse file (scan log, batch
status, print queue) and on the text they show; golden captures live in tests/golden/ui/
(regenerate with PICKER_UPDATE_GOLDEN=1).
"""

from __future__ import annotations

import asyncio
import functools
import io
import os
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from rich.console import Console
from textual import events
from textual.app import App
from textual.keys import _character_to_key
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import DataTable, Digits, Footer, Input, Static

from db import store
from picker.app.sessions import ScanResult
from picker.app.warehouse import Warehouse
from picker.domain.batching import Caps
from picker.domain.packing import BagCapacity
from picker.i18n import set_language
from picker.ui.app import HelpScreen, make_app
from picker.ui.pack import PackScreen, mask_name
from picker.ui.pick import PickScreen
from picker.ui.scan_input import GS, ScanInput
from picker.ui.short_reason import ShortReasonScreen
from tests.conftest import order_rows, save_small_catalog
from tests.test_floor import BUNDLE, EGGS, LINES_A, load, pork_label

GOLDEN = Path(__file__).parent / "golden" / "ui"
SHANGHAI = ZoneInfo("Asia/Shanghai")
CR, LF = ("enter", "\r"), ("ctrl+j", "\n")


def run_async(test: Callable[..., Coroutine[None, None, None]]) -> Callable[..., None]:
    """Run an async test in a fresh event loop (the project has no pytest async plugin)."""

    @functools.wraps(test)
    def wrapper(*args: object, **kwargs: object) -> None:
        asyncio.run(test(*args, **kwargs))

    return wrapper


async def wait_for(pilot: Pilot[Any], condition: Callable[[], bool], timeout: float = 20) -> None:
    """Let the app run until `condition` holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.02)


class Harness(App[None]):
    """A bare app showing one screen; it counts the bells instead of ringing them."""

    TITLE = "青浦保供仓"

    def __init__(self, first: Callable[[], Screen[Any]]) -> None:
        super().__init__()
        self.first = first
        self.bells = 0

    def on_mount(self) -> None:
        self.push_screen(self.first())

    def bell(self) -> None:
        self.bells += 1


class RecordingSession:
    """Stands in for a `ScanSession`: accepts every code and records it, in its own thread."""

    batch_id, operator, terminal = "XY01-0412-01", "P001", "T1"

    def __init__(self, delay: float = 0.0, fail: str = "") -> None:
        self.codes: list[str] = []
        self.threads: set[int] = set()
        self.delay = delay
        self.fail = fail
        self.catalog = SimpleNamespace(products={})
        self.disconnect = lambda: None

    def scan(self, raw: str) -> ScanResult:
        self.threads.add(threading.get_ident())
        if raw == self.fail:
            raise RuntimeError("database is locked")
        if self.delay:
            time.sleep(self.delay)
        self.codes.append(raw)
        return ScanResult(raw=raw, accepted=True, qty=1, line=(1, 1))

    def pick_lines(self) -> list[Any]:
        return []


def type_codes(app: App[Any], codes: list[str], ending: tuple[str, str] = CR) -> None:
    """Post every key of every code and its Enter at once, as a scanner types them."""
    for code in codes:
        for ch in code:
            app.post_message(events.Key(_character_to_key(ch), ch))
        app.post_message(events.Key(*ending))


def applied_hook(into: list[ScanResult]) -> Callable[[object], None]:
    def hook(message: object) -> None:
        if isinstance(message, PickScreen.ScanApplied):
            into.append(message.result)

    return hook


def text(screen: Screen[Any], selector: str) -> str:
    return str(screen.query_one(selector, Static).content)


def screen_text(app: App[Any]) -> str:
    """The screen as plain text, the way `export_screenshot` composes it, without styles."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), record=True)
    console.print(app.screen._compositor.render_update(full=True, simplify=True))
    return "\n".join(line.rstrip() for line in console.export_text().splitlines()) + "\n"


def check_golden(name: str, captured: str) -> None:
    """Compare with tests/golden/ui/NAME.txt; PICKER_UPDATE_GOLDEN=1 writes it instead."""
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("PICKER_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(captured, encoding="utf-8")
    assert path.exists(), f"no golden capture {path}: run with PICKER_UPDATE_GOLDEN=1"
    assert captured == path.read_text(encoding="utf-8")


@pytest.fixture
def wh(tmp_path: Path) -> Iterator[Warehouse]:
    """The small catalog on a fresh file, with a fixed clock (batch ids carry the date)."""
    warehouse = Warehouse(
        tmp_path / "wh.db", clock=lambda: datetime(2022, 4, 12, 9, 30, tzinfo=SHANGHAI)
    )
    save_small_catalog(warehouse)
    yield warehouse
    warehouse.close()


@pytest.fixture
def batch(wh: Warehouse, tmp_path: Path) -> str:
    """青平居委: A001 (bundle, 2 eggs), A002 (1 egg, 李四), A003 (2 斤 pork); claimed by P001."""
    rows = [
        *order_rows("A001", lines=LINES_A),
        *order_rows("A002", lines=[("SKU0002", "鸡蛋 30枚", 1, "32.00")], name="李四"),
        *order_rows("A003", lines=[("SKU0003", "猪肉", 2, "18.00")], name="欧阳小明"),
    ]
    load(wh, tmp_path, rows)
    (batch_id,) = wh.plan_batches().batches
    wh.claim(batch_id, "P001", "T1")
    return batch_id


def pick_app(wh: Warehouse, batch_id: str) -> Harness:
    return Harness(lambda: PickScreen(wh.session(batch_id, "P001", "T1")))


async def idle(pilot: Pilot[None]) -> None:
    """Wait until the screen's scan lane has answered everything handed to it."""
    await wait_for(pilot, lambda: getattr(pilot.app.screen, "pending", 0) == 0)
    await pilot.pause()


async def scan(pilot: Pilot[None], *codes: str) -> None:
    type_codes(pilot.app, list(codes))
    await pilot.pause()
    await idle(pilot)


# The scan field under a burst


@pytest.mark.parametrize("ending", [CR, LF], ids=["CR", "LF"])
@run_async
async def test_a_burst_of_500_codes_arrives_whole_and_in_order(ending: tuple[str, str]) -> None:
    session = RecordingSession()
    codes = [f"69{i:011d}" if i % 3 else f"{i % 9 + 1}*69{i:011d}" for i in range(500)]
    results: list[ScanResult] = []
    app = Harness(lambda: PickScreen(session))  # type: ignore[arg-type]
    async with app.run_test(size=(80, 24), message_hook=applied_hook(results)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.focused, ScanInput))
        type_codes(app, codes, ending)
        await wait_for(pilot, lambda: len(results) == 500, timeout=30)
        assert session.codes == codes
        assert [r.raw for r in results] == codes
        assert len(session.threads) == 1  # one lane: order kept by construction
        assert threading.main_thread().ident not in session.threads
        assert app.screen.query_one(ScanInput).value == ""


@run_async
async def test_the_burst_is_real_a_plain_input_garbles_it() -> None:
    """The control for the test above: Textual's Input, submitting by its binding, fails it."""
    got: list[str] = []

    class Plain(App[None]):
        def compose(self) -> Any:
            yield Input()

        def on_input_submitted(self, event: Input.Submitted) -> None:
            got.append(event.value)
            event.input.clear()

    codes = [f"69{i:011d}" for i in range(100)]
    app = Plain()
    async with app.run_test() as pilot:
        type_codes(app, codes)
        await pilot.pause(0.5)
    assert got != codes


@run_async
async def test_a_burst_through_the_engine_is_logged_exactly_in_order(
    wh: Warehouse, tmp_path: Path
) -> None:
    lines = [("SKU0001", "蔬菜套餐A", 20, "38.80"), ("SKU0002", "鸡蛋 30枚", 20, "32.00")]
    load(wh, tmp_path, [row for n in range(5) for row in order_rows(f"B{n}", lines=lines)])
    (batch_id,) = wh.plan_batches(Caps(max_kg=10_000)).batches
    wh.claim(batch_id, "P001", "T1")
    codes = [EGGS if i % 2 else BUNDLE for i in range(200)]
    codes[50:50] = ["6900000000007", "2*" + EGGS]  # unknown, then a typed quantity
    app = pick_app(wh, batch_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.focused, ScanInput))
        type_codes(app, codes, LF)
        await wait_for(pilot, lambda: len(wh.scan_log(batch_id)) == len(codes), timeout=30)
        await idle(pilot)
        log = wh.scan_log(batch_id)
        assert [r["raw"] for r in log] == codes
        assert [r["outcome"] for r in log].count("rejected") == 1 + 2  # unknown; 2 over at the end
        assert app.bells == 3
        assert text(app.screen, "#progress").startswith("200/200 units")


@run_async
async def test_paste_splits_lines_into_codes_and_gs_is_kept() -> None:
    session = RecordingSession()
    app = Harness(lambda: PickScreen(session))  # type: ignore[arg-type]
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: isinstance(app.focused, ScanInput))
        type_codes(app, ["A1"])
        app.post_message(events.Paste("B2\r\nC3\nD"))
        app.post_message(events.Key("ctrl+right_square_bracket", GS))
        app.post_message(events.Key("4", "4"))
        await wait_for(pilot, lambda: len(session.codes) == 3)
        await pilot.pause()
        assert screen_text(app).splitlines()[22] == "D␝4"  # GS shown, and the rest after it
        type_codes(app, ["", ""])  # the second Enter is on an empty field: ignored
        await wait_for(pilot, lambda: len(session.codes) == 4)
        assert session.codes == ["A1", "B2", "C3", f"D{GS}4"]


@run_async
async def test_a_failing_scan_is_a_red_line_and_the_lane_goes_on() -> None:
    session = RecordingSession(fail="BAD")
    app = Harness(lambda: PickScreen(session))  # type: ignore[arg-type]
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: isinstance(app.focused, ScanInput))
        await scan(pilot, "OK1", "BAD")
        line = app.screen.query_one("#result", Static)
        assert "BAD was not saved: database is locked" in str(line.content)
        assert line.has_class("-rejected") and app.bells == 1
        await scan(pilot, "OK2")
        assert session.codes == ["OK1", "OK2"] and line.has_class("-accepted")


@run_async
async def test_leaving_the_screen_keeps_every_queued_code() -> None:
    session = RecordingSession(delay=0.005)
    codes = [f"C{i}" for i in range(40)]
    app = Harness(lambda: PickScreen(session))  # type: ignore[arg-type]
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: isinstance(app.focused, ScanInput))
        type_codes(app, codes)
        app.post_message(events.Key("escape", "\x1b"))
        await wait_for(pilot, lambda: not isinstance(app.screen, PickScreen))
        await wait_for(pilot, lambda: len(session.codes) == 40)
    assert session.codes == codes


# A whole batch through the real engine


@run_async
async def test_a_whole_batch_picked_and_packed(wh: Warehouse, batch: str) -> None:
    app = pick_app(wh, batch)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))
        await idle(pilot)
        pick = app.screen
        assert pick.query_one("#location-big", Digits).value == "A-01-01-1"
        assert text(pick, "#product") == "鸡蛋 30枚"
        await scan(pilot, EGGS)
        assert text(pick, "#result") == "✓ 鸡蛋 30枚 +1  1/3 boxes"
        await scan(pilot, "4*" + EGGS)
        assert text(pick, "#result").startswith("✗ too many 鸡蛋 30枚: 3 needed, 1 done")
        assert pick.query_one("#result").has_class("-rejected") and app.bells == 1
        await pilot.press("f4")  # undo the accepted egg
        await idle(pilot)
        assert text(pick, "#result") == "✓ undone: 鸡蛋 30枚 1 box"
        await pilot.press("f2")  # skip the eggs: the bundle is next
        await idle(pilot)
        assert pick.query_one("#location-big", Digits).value == "B-01-01-1"
        await scan(pilot, BUNDLE, pork_label(498), pork_label(505), EGGS)
        assert pick.query_one("#done-count", Digits).value == "1"
        await pilot.press("f3")
        assert isinstance(app.screen, ShortReasonScreen)
        await pilot.press("2", "enter")  # 破损
        await idle(pilot)
        assert pick.done and pick.query_one("#banner").display
        assert text(pick, "#result") == "✓ 鸡蛋 30枚: 2 boxes short, ￥64.00 refunded"
        assert [(r["order_no"], r["reason"]) for r in wh.refunds()] == [("A001", "damaged")]
        assert wh.batches()[0]["status"] == "picked"
        await pilot.press("enter")  # on to packing
        await wait_for(pilot, lambda: isinstance(app.screen, PackScreen))
        await idle(pilot)
        pack = app.screen
        assert pack.query_one("#door-big", Digits).value == "12-2-301"
        assert "张*明" in text(pack, "#who") and text(pack, "#bag") == "bag 1 of 1"
        assert text(pack, "#warning") == "⚠ short: 鸡蛋 30枚 2 boxes"
        await scan(pilot, pork_label(500))  # A003's pork is not for A001
        assert text(pack, "#result").startswith("✗ 猪肉 is not in the order of 12-2-301")
        assert app.bells == 2
        await scan(pilot, BUNDLE)
        assert text(pack, "#result").endswith("bag 1/1 sealed, label queued for printing")
        assert "李*" in text(pack, "#who") and not pack.query_one("#warning").display
        await scan(pilot, EGGS, pork_label(495))
        items = pack.query_one("#items", DataTable)
        assert [str(c) for c in items.get_row_at(0)][1:] == ["猪肉", "1/2 jin", "495 g"]
        await scan(pilot, pork_label(495))
        assert pack.query_one("#banner").display
        assert wh.batches()[0]["status"] == "packed"
        jobs = wh.db.execute("SELECT kind, target FROM print_jobs ORDER BY id").fetchall()
        assert jobs == [("label", "BGA001-1"), ("label", "BGA002-1"), ("label", "BGA003-1")]
        outcomes = [(r["stage"], r["outcome"]) for r in wh.scan_log(batch)]
        assert outcomes.count(("pick", "rejected")) == 1
        assert outcomes.count(("pack", "rejected")) == 1


@run_async
async def test_pack_marks_cancelled_and_short_households(wh: Warehouse, batch: str) -> None:
    session = wh.session(batch, "P001")
    for code in (BUNDLE, EGGS, pork_label(500), pork_label(500)):
        assert session.scan(code).accepted
    assert session.short("not-found", "SKU0002").accepted
    wh.cancel_order("A003")
    wh.settings = replace(wh.settings, bag_capacity=BagCapacity(max_items=1))
    app = Harness(lambda: PackScreen(wh.session(batch, "P001", "T1", "pack")))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, PackScreen))
        await idle(pilot)
        table = app.screen.query_one("#households", DataTable)
        notes = {str(table.get_row_at(i)[3]): str(table.get_row_at(i)[4]) for i in range(3)}
        assert notes["A003"] == "cancelled: do not pack"
        assert "has shortages" in notes["A001"] + notes["A002"]
        cancelled = table.get_row_at(2)[1]
        assert "strike" in str(cancelled.style)


@run_async
async def test_pack_screen_splits_a_multiplied_scan_and_refuses_a_heavy_label(
    wh: Warehouse, tmp_path: Path
) -> None:
    """3 bundles (9 kg) and 2 斤 of pork: 2 bags; `3*` fills bag 1 and starts bag 2."""
    lines = [("SKU0001", "蔬菜套餐A", 3, "38.80"), ("SKU0003", "猪肉", 2, "18.00")]
    load(wh, tmp_path, order_rows("A001", lines=lines))
    (batch_id,) = wh.plan_batches().batches
    wh.claim(batch_id, "P001", "T1")
    pick = wh.session(batch_id, "P001")
    assert pick.scan("3*" + BUNDLE).accepted and pick.scan(pork_label(1000)).stage_done
    app = Harness(lambda: PackScreen(wh.session(batch_id, "P001", "T1", "pack")))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, PackScreen))
        await idle(pilot)
        pack = app.screen
        assert text(pack, "#bag") == "bag 1 of 2"
        await scan(pilot, "3*" + BUNDLE)
        assert text(pack, "#result") == (
            "✓ 蔬菜套餐A +3  3/3 portions · 2 into bag 1/2, 1 into bag 2/2"
            " · bag 1/2 sealed, label queued for printing"
        )
        assert text(pack, "#bag") == "bag 2 of 2"
        await scan(pilot, pork_label(1200))
        assert text(pack, "#result").startswith(
            "✗ too heavy: 猪肉 would come to 1200 g, 1000 g ordered, at most 1030 g"
        )
        assert pack.query_one("#result").has_class("-rejected") and app.bells == 1
        await scan(pilot, pork_label(1000))
        assert text(pack, "#result") == (
            "✓ 猪肉 +2  2/2 jin · 1000 g · bag 2/2 sealed, label queued for printing"
        )
        assert pack.query_one("#banner").display
    bags = wh.db.execute("SELECT id, n, items, status FROM bags ORDER BY id").fetchall()
    assert bags == [("BGA001-1", 2, 2, "closed"), ("BGA001-2", 2, 3, "closed")]


# Focus, keys and size


@run_async
async def test_the_scan_field_keeps_focus(wh: Warehouse, batch: str) -> None:
    app = make_app(wh)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(PickScreen(wh.session(batch, "P001", "T1")))
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))
        await idle(pilot)
        field = app.screen.query_one(ScanInput)
        assert app.focused is field and app.screen.focus_chain == [field]
        await pilot.click("#lines")
        await pilot.click("#current")
        assert app.focused is field
        await pilot.press("f3")
        assert isinstance(app.screen, ShortReasonScreen)
        await pilot.press("escape")
        assert app.focused is field
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        keys = {description: key for key, description, _tooltip in app.screen.keys}
        assert {"Skip": "F2", "Short": "F3", "Undo": "F4", "Back": "Esc"}.items() <= keys.items()
        await pilot.press("escape")
        assert app.focused is field
        await pilot.press("f3")
        await scan(pilot, EGGS)  # a scan while choosing a reason is a scan, not a reason
        assert app.focused is field and text(app.screen, "#result") == "✓ 鸡蛋 30枚 +1  1/3 boxes"
        assert not wh.refunds()


@run_async
async def test_every_binding_has_an_id() -> None:
    for cls in (PickScreen, PackScreen, ShortReasonScreen):
        assert all(b.id for b in cls.BINDINGS), cls  # type: ignore[union-attr]


@run_async
async def test_fits_80_by_24(wh: Warehouse, batch: str) -> None:
    app = pick_app(wh, batch)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))
        await idle(pilot)
        screen = app.screen
        footer, field = screen.query_one(Footer), screen.query_one(ScanInput)
        current, lines = screen.query_one("#current"), screen.query_one("#lines")
        assert footer.region.y == 23 and field.region.y == 22 and field.region.height == 1
        assert current.region.y == 1 and current.region.height == 6
        assert current.region.right <= 80 and lines.region.height >= 8
        count = screen.query_one("#needed-count", Digits)
        assert count.region.right <= 79 and count.region.height == 3


def test_mask_name() -> None:
    names = ("张三明", "李四", "欧阳小明", "王", " 张三明 ")
    assert [mask_name(n) for n in names] == ["张*明", "李*", "欧**明", "王", "张*明"]


# Snapshots (plain text, 80×24, Chinese)


@run_async
async def test_snapshot_pick_screen(wh: Warehouse, batch: str) -> None:
    set_language("zh_CN")
    app = pick_app(wh, batch)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))
        await idle(pilot)
        await scan(pilot, EGGS, "6900000000007")
        await pilot.press("f2")
        await idle(pilot)
        check_golden("pick", screen_text(app))


@run_async
async def test_snapshot_pack_screen(wh: Warehouse, batch: str) -> None:
    set_language("zh_CN")
    wh.settings = replace(wh.settings, bag_capacity=BagCapacity(max_items=2))
    session = wh.session(batch, "P001")
    for code in (BUNDLE, "3*" + EGGS, pork_label(498), pork_label(505)):
        assert session.scan(code).accepted
    app = Harness(lambda: PackScreen(wh.session(batch, "P001", "T1", "pack")))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, PackScreen))
        await idle(pilot)
        await scan(pilot, BUNDLE, EGGS)
        assert store.count(wh.db, "print_jobs") == 1
        check_golden("pack", screen_text(app))
