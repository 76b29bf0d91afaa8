"""The app's flow, driven by the Pilot: sign-in and out, the batch board, the lead's dashboard,
shortages, the print queue, `picker serve`, and plain-text golden captures at 80×24.

Goldens live in tests/golden/ui_flow/; regenerate them with PICKER_UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import os
import shlex
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from click.testing import CliRunner
from textual import events
from textual.keys import _character_to_key
from textual.pilot import Pilot
from textual.widgets import Footer, Input

from picker.app.config import Settings
from picker.app.warehouse import Warehouse
from picker.cli import main
from picker.domain.auth import SignedIn
from picker.domain.model import SHANGHAI, Role
from picker.domain.shortage import ShortReason
from picker.i18n import set_language
from picker.ui.app import PickerApp, make_app
from picker.ui.dashboard import DashboardScreen
from picker.ui.dashboard_table import NARROW_COLUMNS
from picker.ui.home import HomeScreen
from picker.ui.pick import PickScreen
from picker.ui.queue import QueueScreen
from picker.ui.shortages import ShortagesScreen
from picker.ui.signin import SignInScreen
from picker.ui.widgets import LiveTable, MessageLine
from printers.profile import parse_printers
from tests.conftest import order_rows, save_small_catalog
from tests.test_floor import BUNDLE, EGGS, LINES_A, load
from tests.test_ui import run_async, wait_for
from tests.test_ui_pick import Harness, type_codes

GOLDEN = Path(__file__).parent / "golden" / "ui_flow"
PICKER = SignedIn("P001", "王小明", Role.PICKER)
LEAD = SignedIn("L01", "张班长", Role.LEAD)
QP, HY = "XY01-0412-01", "YP01-0412-01"  # the batches of 青平居委 and 航运新村居委


class Clock:
    """A clock the test moves: the warehouse's (datetime) and the idle time-out's (seconds)."""

    def __init__(self) -> None:
        self.now = datetime(2022, 4, 12, 9, 30, tzinfo=SHANGHAI)
        self.seconds = 1000.0

    def __call__(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        return self.seconds

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
        self.seconds += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


def floor_at(path: Path, clock: Clock, refresh: float = 0.1) -> Warehouse:
    return Warehouse(path, Settings(refresh_seconds=refresh), clock=clock)


@pytest.fixture
def wh(tmp_path: Path, clock: Clock) -> Iterator[Warehouse]:
    """Two committees, three orders, one released batch each; the operators of conftest."""
    warehouse = floor_at(tmp_path / "flow.db", clock)
    save_small_catalog(warehouse)
    rows = [
        *order_rows("A001", lines=LINES_A),
        *order_rows("A002", lines=(("SKU0002", "鸡蛋 30枚", 1, "32.00"),)),
        *order_rows("B001", committee="航运新村居委", code="QR02", lines=LINES_A),
    ]
    load(warehouse, tmp_path, rows)
    assert warehouse.plan_batches().batches == [QP, HY]
    yield warehouse
    warehouse.close()


@pytest.fixture
def zh() -> None:
    set_language("zh_CN")


def app_on(wh: Warehouse, clock: Clock, **kwargs: Any) -> PickerApp:
    """The app on terminal T1, counting bells instead of ringing them."""
    app = make_app(wh, terminal="T1", idle_clock=clock.monotonic, **kwargs)
    app.bells = 0  # type: ignore[attr-defined]

    def bell() -> None:
        app.bells += 1  # type: ignore[attr-defined]

    app.bell = bell  # type: ignore[method-assign]
    return app


def message(app: PickerApp) -> MessageLine:
    return app.screen.query_one(MessageLine)


async def type_in(pilot: Pilot[None], text: str) -> None:
    """Put `text` in the focused field and press Enter (typing key by key is slow in the Pilot;
    the scan field's handling of fast keys is tested with the pick screen)."""
    field = pilot.app.focused
    assert isinstance(field, Input), field
    field.value = text
    await pilot.press("enter")


async def on_screen(pilot: Pilot[None], kind: type, timeout: float = 20) -> None:
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, kind), timeout)


def rows_of(app: PickerApp) -> dict[str, tuple[str, ...]]:
    table = app.screen.query_one(LiveTable)
    return {k: tuple(str(c) for c in v) for k, v in table.shown.items()}


async def screen_text(pilot: Pilot[None]) -> str:
    """What the terminal shows, as plain text (wide characters once), once it has settled."""
    app = pilot.app
    for _ in range(3):  # tables size their columns on idle
        await pilot.pause()
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text.rstrip() for strip in strips) + "\n"


def golden(name: str, text: str) -> None:
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("PICKER_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{path} differs:\n{text}"


# sign-in


@run_async
async def test_a_pickers_badge_signs_in_without_a_pin(wh: Warehouse, clock: Clock) -> None:
    app = app_on(wh, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, SignInScreen) and app.operator is None
        await type_in(pilot, "OP-P001")
        await on_screen(pilot, HomeScreen)
        assert app.operator == ("P001", "王小明", Role.PICKER)
        assert app.sub_title == "王小明 · picker · T1"


@run_async
async def test_a_leads_badge_asks_for_the_pin(wh: Warehouse, clock: Clock) -> None:
    app = app_on(wh, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_in(pilot, "op-l01")  # any case
        await wait_for(pilot, lambda: app.screen.pin_step)  # type: ignore[attr-defined]
        assert app.operator is None and app.focused is app.screen.query_one("#pin")
        await type_in(pilot, "1234")
        await on_screen(pilot, DashboardScreen)
        assert app.operator == LEAD


@run_async
async def test_operator_code_and_pin(wh: Warehouse, clock: Clock) -> None:
    app = app_on(wh, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_in(pilot, "P002")
        await wait_for(pilot, lambda: app.screen.pin_step)  # type: ignore[attr-defined]
        await type_in(pilot, "1234")
        await on_screen(pilot, HomeScreen)
        assert app.operator is not None and app.operator.code == "P002"


@run_async
async def test_wrong_pin_is_a_red_line_and_five_lock_the_operator_out(
    wh: Warehouse, clock: Clock
) -> None:
    app = app_on(wh, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_in(pilot, "P001")
        await wait_for(pilot, lambda: app.screen.pin_step)  # type: ignore[attr-defined]
        await type_in(pilot, "9999")
        await wait_for(pilot, lambda: message(app).text != "")
        assert message(app).text == "wrong operator or PIN"
        assert message(app).has_class("-error") and app.bells == 1  # type: ignore[attr-defined]
        for _ in range(4):
            await type_in(pilot, "0000")
            await wait_for(pilot, lambda: not app.screen.busy)  # type: ignore[attr-defined]
        assert message(app).text == "wrong operator or PIN; sign-in is locked for 30 s"
        await type_in(pilot, "1234")  # the right PIN, but locked
        await wait_for(pilot, lambda: "try again" in message(app).text)
        assert message(app).text == "too many wrong PINs: try again in 30 s"
        assert app.operator is None
        clock.advance(31)
        await type_in(pilot, "1234")
        await on_screen(pilot, HomeScreen)
        assert app.bells == 6  # type: ignore[attr-defined]


@run_async
async def test_a_badge_scanned_into_the_pin_field_starts_over(wh: Warehouse, clock: Clock) -> None:
    app = app_on(wh, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_in(pilot, "OP-L01")
        await wait_for(pilot, lambda: app.screen.pin_step)  # type: ignore[attr-defined]
        await type_in(pilot, "OP-P002")  # the lead walked away; a picker scans in
        await on_screen(pilot, HomeScreen)
        assert app.operator is not None and app.operator.code == "P002"
    assert wh.sign_in("L01", "1234").code == "L01"  # no wrong PIN was counted


@run_async
async def test_unknown_badge_is_refused(wh: Warehouse, clock: Clock) -> None:
    app = app_on(wh, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_in(pilot, "OP-X999")
        await wait_for(pilot, lambda: message(app).text != "")
        assert message(app).text == "unknown badge or operator OP-X999"
        assert isinstance(app.screen, SignInScreen) and app.operator is None


@run_async
async def test_sign_out_key_and_idle_time_out_return_to_sign_in(
    wh: Warehouse, clock: Clock
) -> None:
    app = app_on(wh, clock, operator=PICKER)
    async with app.run_test(size=(80, 24)) as pilot:
        await on_screen(pilot, HomeScreen)
        await pilot.press("f10")
        await on_screen(pilot, SignInScreen)
        assert app.operator is None and message(app).text == "Signed out."
        app.sign_in_as(PICKER)
        await on_screen(pilot, HomeScreen)
        clock.advance(14 * 60)
        await pilot.press("down")  # activity: the 15 minutes start again
        clock.advance(14 * 60)
        await app.check_idle_timeout()
        assert isinstance(app.screen, HomeScreen)
        clock.advance(60)
        await app.check_idle_timeout()
        await on_screen(pilot, SignInScreen)
        assert app.operator is None
        assert message(app).text == "Signed out after 15 idle minutes."
        assert "work" not in app._modes  # the picker's screens are gone


# the batch board


async def board(pilot: Pilot[None]) -> HomeScreen:
    await on_screen(pilot, HomeScreen)
    await wait_for(pilot, lambda: pilot.app.screen.loaded)  # type: ignore[attr-defined]
    screen = pilot.app.screen
    assert isinstance(screen, HomeScreen)
    return screen


@run_async
async def test_enter_claims_the_next_released_batch_and_opens_the_pick_screen(
    wh: Warehouse, clock: Clock
) -> None:
    app = app_on(wh, clock, operator=PICKER)
    async with app.run_test(size=(80, 24)) as pilot:
        home = await board(pilot)
        assert list(rows_of(app)) == [QP, HY]
        assert str(home.query_one("#mine").content) == (
            "2 batches waiting. Enter claims XY01-0412-01 (青平居委)."
        )
        await pilot.press("enter")
        await on_screen(pilot, PickScreen)
        assert app.screen.session.batch_id == QP  # type: ignore[attr-defined]
        batch = next(b for b in wh.board() if b.id == QP)
        assert (batch.holder, batch.terminal, batch.status) == ("P001", "T1", "claimed")


@run_async
async def test_my_batch_comes_first_and_enter_resumes_it(wh: Warehouse, clock: Clock) -> None:
    wh.claim(HY, "P001", "T9")
    app = app_on(wh, clock, operator=PICKER)
    async with app.run_test(size=(80, 24)) as pilot:
        home = await board(pilot)
        assert list(rows_of(app)) == [HY, QP]
        assert rows_of(app)[HY][-1] == "王小明 T9"
        assert str(home.query_one("#mine").content).startswith("Your batch YP01-0412-01")
        await pilot.press("enter")
        await on_screen(pilot, PickScreen)
        assert app.screen.session.batch_id == HY  # type: ignore[attr-defined]
        events = [e[3] for e in wh.batch_events(HY)]
        assert events == ["claim", "resume"]


@run_async
async def test_someone_else_taking_the_batch_first_is_a_red_line_naming_them(
    tmp_path: Path, wh: Warehouse, clock: Clock
) -> None:
    slow = floor_at(wh.path, clock, refresh=60)  # no refresh: the board still shows it free
    app = app_on(slow, clock, operator=PICKER)
    async with app.run_test(size=(80, 24)) as pilot:
        await board(pilot)
        other = Warehouse(wh.path, clock=clock)  # another terminal
        other.claim(QP, "P002", "T2")
        other.close()
        await pilot.press("enter")
        await wait_for(pilot, lambda: message(app).has_class("-error"))
        assert message(app).text == (
            "Batch XY01-0412-01 was taken by 李小红 (P002) on terminal T2."
        )
        assert isinstance(app.screen, HomeScreen) and app.bells == 1  # type: ignore[attr-defined]
        await wait_for(pilot, lambda: rows_of(app)[QP][-1] == "李小红 T2")


@run_async
async def test_a_lead_only_action_is_refused_to_a_picker(wh: Warehouse, clock: Clock) -> None:
    wh.claim(QP, "P002", "T2")
    app = app_on(wh, clock, operator=PICKER)
    async with app.run_test(size=(80, 24)) as pilot:
        home = await board(pilot)
        footer_keys = {b.binding.id for b in home.active_bindings.values() if b.binding.show}
        assert "home.take_over" not in footer_keys and "home.open" in footer_keys
        await pilot.press("down", "f6")
        assert message(app).text == (
            "Only a shift lead can take over a batch. You are signed in as 王小明 (picker)."
        )
        assert app.bells == 1  # type: ignore[attr-defined]
        assert next(b for b in wh.board() if b.id == QP).holder == "P002"


@run_async
async def test_a_lead_takes_over_and_reassigns_from_the_board(wh: Warehouse, clock: Clock) -> None:
    wh.claim(QP, "P002", "T2")
    app = app_on(wh, clock, operator=LEAD)
    async with app.run_test(size=(80, 24)) as pilot:
        await on_screen(pilot, DashboardScreen)
        await pilot.press("b")
        await board(pilot)
        assert list(rows_of(app)) == [HY, QP]
        await pilot.press("down", "f6")
        await wait_for(pilot, lambda: message(app).has_class("-ok"))
        assert next(b for b in wh.board() if b.id == QP).holder == "L01"
        await pilot.press("f7")
        await type_in(pilot, "p003")  # P003 is not an operator
        await wait_for(pilot, lambda: message(app).has_class("-error"))
        assert message(app).text == "unknown operator P003"
        await pilot.press("f7")
        await type_in(pilot, "p001")
        await wait_for(pilot, lambda: message(app).text == f"{QP} is now held by P001.")
        assert next(b for b in wh.board() if b.id == QP).holder == "P001"
        await pilot.press("escape")
        await on_screen(pilot, DashboardScreen)


@run_async
async def test_a_driver_gets_the_days_routes_and_claims_nothing(
    wh: Warehouse, clock: Clock
) -> None:
    from picker.ui.dock import DockScreen

    app = app_on(wh, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_in(pilot, "OP-D01")
        await on_screen(pilot, DockScreen)
        await wait_for(pilot, lambda: app.screen.loaded)  # type: ignore[attr-defined]
        await pilot.press("enter")  # no committee has a configured route: nothing to load
        assert message(app).text == "No route to load."
        assert all(b.holder is None for b in wh.board())
    # The board still refuses a driver who reaches it.
    board_app = Harness(lambda: HomeScreen(wh, SignedIn("D01", "赵师傅", Role.DRIVER), "T1"))
    async with board_app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: board_app.screen.loaded)  # type: ignore[attr-defined]
        await pilot.press("enter")
        line = board_app.screen.query_one(MessageLine)
        assert line.text == "Only pickers and shift leads claim batches."
    assert all(b.holder is None for b in wh.board())


def type_keys(app: PickerApp, text: str) -> None:
    """Post the keys of `text` back to back, without Enter."""
    for ch in text:
        app.post_message(events.Key(_character_to_key(ch), ch))


async def scan_board(pilot: Pilot[None], code: str) -> None:
    """Type `code` and Enter into the board as a scanner does: every key posted at once."""
    type_codes(pilot.app, [code])
    await pilot.pause()


@run_async
async def test_a_scanned_batch_id_opens_that_batch_not_the_highlighted_one(
    wh: Warehouse, clock: Clock
) -> None:
    app = app_on(wh, clock, operator=PICKER)
    async with app.run_test(size=(80, 24)) as pilot:
        home = await board(pilot)
        assert home.selected() is not None and home.selected().id == QP  # type: ignore[union-attr]
        await scan_board(pilot, HY)
        await on_screen(pilot, PickScreen)
        assert app.screen.session.batch_id == HY  # type: ignore[attr-defined]
    held = {b.id: b.holder for b in wh.board()}
    assert held == {QP: None, HY: "P001"}


@run_async
async def test_a_scanned_batch_that_cannot_be_opened_is_refused_with_the_reason(
    wh: Warehouse, clock: Clock
) -> None:
    wh.claim(QP, "P002", "T2")
    app = app_on(wh, clock, operator=PICKER)
    async with app.run_test(size=(80, 24)) as pilot:
        await board(pilot)
        await scan_board(pilot, "ZX12-0412-01")
        await wait_for(pilot, lambda: message(app).has_class("-error"))
        assert message(app).text == "Unknown batch ZX12-0412-01: no batch has this id."
        await scan_board(pilot, QP.lower())  # typed, not scanned: any case
        await wait_for(pilot, lambda: "李小红" in message(app).text)
        assert message(app).text == "Batch XY01-0412-01 was taken by 李小红 (P002) on terminal T2."
        pack_whole(wh, HY)
        await scan_board(pilot, HY)
        await wait_for(pilot, lambda: HY in message(app).text)
        assert message(app).text == f"Batch {HY} is packed: it cannot be claimed."
        assert isinstance(app.screen, HomeScreen) and app.bells == 3  # type: ignore[attr-defined]
    assert {b.id: b.holder for b in wh.board()} == {QP: "P002"}


@run_async
async def test_typing_a_committee_narrows_the_board_and_escape_clears_it(
    wh: Warehouse, clock: Clock
) -> None:
    app = app_on(wh, clock, operator=PICKER)
    async with app.run_test(size=(80, 24)) as pilot:
        home = await board(pilot)
        type_keys(app, "航运")
        await wait_for(pilot, lambda: list(rows_of(app)) == [HY])
        await pilot.press("escape")
        await wait_for(pilot, lambda: list(rows_of(app)) == [QP, HY])
        assert isinstance(app.screen, HomeScreen)
        # Letters are text, not keys: "x", "c", "n" release, crate, claim nothing here.
        type_keys(app, "xnc")  # no committee has this: nothing shown, nothing done
        await wait_for(pilot, lambda: list(rows_of(app)) == [])
        await pilot.press("escape")
        type_keys(app, "xy01")
        await wait_for(pilot, lambda: list(rows_of(app)) == [QP])
        assert isinstance(app.screen, HomeScreen) and all(b.holder is None for b in wh.board())
        await pilot.press("enter")  # the one batch of the committee typed
        await on_screen(pilot, PickScreen)
        assert app.screen.session.batch_id == QP  # type: ignore[attr-defined]
        assert home.query_one("#find", Input).value == "xy01"


# the lead's dashboard


async def dashboard(pilot: Pilot[None]) -> DashboardScreen:
    await on_screen(pilot, DashboardScreen)
    await wait_for(pilot, lambda: pilot.app.screen.figures is not None)  # type: ignore[attr-defined]
    screen = pilot.app.screen
    assert isinstance(screen, DashboardScreen)
    return screen


@run_async
async def test_dashboard_shows_a_second_terminals_claim_and_scans_within_2_s(
    wh: Warehouse, clock: Clock
) -> None:
    app = app_on(wh, clock, operator=LEAD)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await dashboard(pilot)
        table = screen.query_one(LiveTable)
        rebuilds: list[bool] = []
        clear = table.clear
        table.clear = lambda columns=False: (rebuilds.append(columns), clear(columns))[1]  # type: ignore[method-assign]
        at = [key for key, _label, _numeric in NARROW_COLUMNS].index("batches")  # 80 columns
        assert rows_of(app)["YP01"][at : at + 2] == ("1/0/0", "0%")
        other = Warehouse(wh.path, clock=clock)  # another terminal, another connection
        t0 = time.monotonic()
        other.claim(HY, "P002", "T2")
        session = other.session(HY, "P002", "T2")
        assert session.scan(BUNDLE).accepted and session.scan(EGGS).accepted
        other.close()
        await wait_for(pilot, lambda: rows_of(app)["YP01"][at : at + 2] == ("0/1/0", "66%"), 2)
        assert time.monotonic() - t0 < 2
        assert rebuilds == []  # cells updated in place


@run_async
async def test_a_shortage_shows_as_new_until_the_lead_accepts_it(
    wh: Warehouse, clock: Clock
) -> None:
    wh.claim(QP, "P001", "T1")
    session = wh.session(QP, "P001", "T1")
    assert session.short(ShortReason.DAMAGED, "SKU0001").accepted
    app = app_on(wh, clock, operator=LEAD)
    async with app.run_test(size=(100, 30)) as pilot:
        await dashboard(pilot)
        assert rows_of(app)["XY01"][5:7] == ("1 (1 new)", "￥38.80")
        await pilot.press("s")
        await on_screen(pilot, ShortagesScreen)
        await wait_for(pilot, lambda: bool(rows_of(app)))
        [row] = rows_of(app).values()
        assert row == ("new", "09:30", "12-2-301", "蔬菜套餐A", "1", "damaged", "￥38.80")
        await pilot.press("a")
        await wait_for(pilot, lambda: next(iter(rows_of(app).values()))[0] == "")
        assert message(app).text == "1 refund, ￥38.80; 0 new."
        await pilot.press("escape")
        await wait_for(pilot, lambda: rows_of(app)["XY01"][5] == "1")


@run_async
async def test_dashboard_imports_a_file_and_plans_batches(
    tmp_path: Path, wh: Warehouse, clock: Clock
) -> None:
    late = tmp_path / "late.csv"
    from tests.conftest import csv_text

    late.write_text(csv_text(order_rows("A003", lines=LINES_A)), encoding="utf-8")
    app = app_on(wh, clock, operator=LEAD)
    async with app.run_test(size=(100, 30)) as pilot:  # wide enough for the to-plan column
        await dashboard(pilot)
        await pilot.press("i")
        app.screen.query_one(Input).value = str(late)  # typing a long path key by key is slow
        await pilot.press("enter")
        await wait_for(pilot, lambda: message(app).has_class("-ok"))
        assert message(app).text.startswith(f"{late}: 2 rows, added 1 order (￥102.80)")
        await wait_for(pilot, lambda: rows_of(app)["XY01"][2] == "1")
        await pilot.press("p")
        await wait_for(pilot, lambda: message(app).text == "Planned 1 batch for 1 order.")
        await wait_for(pilot, lambda: rows_of(app)["XY01"][2:4] == ("", "2/0/0"))


@run_async
async def test_dashboard_opens_the_orders_overview_and_comes_back(
    wh: Warehouse, clock: Clock
) -> None:
    from picker.ui.orders import OrdersScreen

    app = app_on(wh, clock, operator=LEAD)
    async with app.run_test(size=(80, 24)) as pilot:
        await dashboard(pilot)
        await pilot.press("o")
        await on_screen(pilot, OrdersScreen)
        await pilot.press("escape")
        await on_screen(pilot, DashboardScreen)


# printing: manifests and the print queue


def pack_whole(wh: Warehouse, batch: str) -> None:
    """Pick and pack a batch of LINES_A households (B001 in 航运新村居委): a bag to deliver."""
    wh.claim(batch, "P002", "T2")
    for stage in ("pick", "pack"):
        session = wh.session(batch, "P002", "T2", stage)
        assert all(session.scan(code).accepted for code in (BUNDLE, EGGS, EGGS))


def with_printer(wh: Warehouse, connection: str) -> Warehouse:
    """The same warehouse file with a document printer at `connection`."""
    printers = parse_printers({"doc": {"connection": connection, "role": "document"}})
    settings = replace(wh.settings, printers=printers)
    return Warehouse(wh.path, settings, clock=wh.clock)


@run_async
async def test_a_lead_prints_and_reprints_a_manifest(
    tmp_path: Path, wh: Warehouse, clock: Clock
) -> None:
    pack_whole(wh, HY)
    out = tmp_path / "printer.bin"
    printing = with_printer(wh, f"file:{out}")
    app = app_on(printing, clock, operator=LEAD)
    async with app.run_test(size=(80, 24)) as pilot:
        await dashboard(pilot)
        keys = [key for key, _label, _numeric in NARROW_COLUMNS]  # 80 columns: the narrow table
        row = rows_of(app)["YP01"]
        assert row[keys.index("batches")] == "0/0/1" and row[keys.index("bags")] == "1"
        await pilot.press("down", "m")  # 航运新村居委
        await wait_for(pilot, lambda: message(app).has_class("-ok"))
        first = max(j.id for j in wh.print_jobs())
        assert message(app).text == f"Manifest of 航运新村居委 queued (job {first})."
        await pilot.press("q")
        await on_screen(pilot, QueueScreen)
        await wait_for(pilot, lambda: rows_of(app).get(str(first), ("",) * 5)[4] == "printed")
        assert out.stat().st_size > 0
        await pilot.press("escape")
        await on_screen(pilot, DashboardScreen)
        await pilot.press("m")
        await wait_for(pilot, lambda: message(app).text.endswith(f"(job {first + 1})."))
    jobs = {j.id: j for j in wh.print_jobs()}
    assert (jobs[first].kind, jobs[first].target) == ("manifest", "MF-YP01-20220412-1")
    assert jobs[first + 1].target == jobs[first].target  # no new bags: the same manifest
    assert not jobs[first].reprint and jobs[first + 1].reprint  # printed once: a 补打 now


@run_async
async def test_print_queue_shows_a_failure_and_retries_it(
    tmp_path: Path, wh: Warehouse, clock: Clock
) -> None:
    out = tmp_path / "not-yet" / "printer.bin"  # the folder is missing: the job fails
    pack_whole(wh, HY)
    printing = with_printer(wh, f"file:{out}")
    job = printing.print_manifest("YP01")
    app = app_on(printing, clock, operator=LEAD)
    async with app.run_test(size=(100, 30)) as pilot:
        await dashboard(pilot)
        await pilot.press("q")
        await on_screen(pilot, QueueScreen)
        await wait_for(pilot, lambda: rows_of(app).get(str(job), ("",) * 5)[4] == "failed")
        row = rows_of(app)[str(job)]
        assert row[1:6] == ("manifest", "MF-YP01-20220412-1", "doc", "failed", "1")
        assert row[7] != ""  # the reason
        out.parent.mkdir()
        await pilot.press("r")
        await wait_for(pilot, lambda: rows_of(app)[str(job)][4] == "printed")
        assert out.stat().st_size > 0
        await pilot.press("p")
        await wait_for(pilot, lambda: str(job + 1) in rows_of(app))
        assert rows_of(app)[str(job + 1)][1] == "manifest (reprint)"


# goldens (Chinese, 80×24, fixed clock and terminal)


@run_async
async def test_golden_sign_in(wh: Warehouse, clock: Clock, zh: None) -> None:
    app = app_on(wh, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        golden("signin", await screen_text(pilot))
        await type_in(pilot, "OP-L01")
        await wait_for(pilot, lambda: app.screen.pin_step)  # type: ignore[attr-defined]
        await type_in(pilot, "0000")
        await wait_for(pilot, lambda: message(app).text != "")
        await pilot.pause()
        golden("signin_wrong_pin", await screen_text(pilot))


@run_async
async def test_golden_home(wh: Warehouse, clock: Clock, zh: None) -> None:
    wh.claim(HY, "P002", "T2")
    app = app_on(wh, clock, operator=PICKER)
    async with app.run_test(size=(80, 24)) as pilot:
        await board(pilot)
        await pilot.pause()
        golden("home", await screen_text(pilot))


@run_async
async def test_golden_dashboard(wh: Warehouse, clock: Clock, zh: None) -> None:
    wh.claim(QP, "P001", "T1")
    session = wh.session(QP, "P001", "T1")
    session.scan(BUNDLE)
    session.short(ShortReason.OUT_OF_STOCK, "SKU0002")
    app = app_on(wh, clock, operator=LEAD)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await dashboard(pilot)
        await pilot.pause()
        golden("dashboard", await screen_text(pilot))
        footer = screen.query_one(Footer)
        assert (footer.region.y, footer.region.height) == (22, 2)  # two rows of keys


@run_async
async def test_golden_print_queue(tmp_path: Path, wh: Warehouse, clock: Clock, zh: None) -> None:
    pack_whole(wh, HY)
    printing = with_printer(wh, "network:127.0.0.1:1")  # nothing listens: refused at once
    printing.print_manifest("YP01")
    app = app_on(printing, clock, operator=LEAD)
    async with app.run_test(size=(80, 24)) as pilot:
        await dashboard(pilot)
        await pilot.press("q")
        await on_screen(pilot, QueueScreen)
        await wait_for(pilot, lambda: "失败" in rows_of(app).get("2", ("",) * 5)[4])
        golden("queue", await screen_text(pilot))


# the use cases under the screens


def test_dashboard_figures_count_unplanned_and_cancelled_orders(
    tmp_path: Path, wh: Warehouse
) -> None:
    load(wh, tmp_path, order_rows("A003", lines=LINES_A), name="late.csv")
    wh.cancel_order("A001")
    figures = {c.code: c for c in wh.dashboard().committees}
    qp = figures["XY01"]
    assert (qp.orders, qp.unbatched, qp.batches) == (2, 1, {"released": 1})
    assert (qp.refunds, qp.refund_fen) == (0, 0)  # a cancellation is not a shortage
    assert [r.kind for r in wh.committee_refunds("XY01")] == ["cancel"]


def test_badges_pins_and_the_lock_out_rules() -> None:
    from picker.domain.auth import Lockout, PinRequired, SignInRefused, check_sign_in
    from tests.conftest import OPERATORS

    assert check_sign_in(OPERATORS, " op-p002 ") == ("P002", "李小红", Role.PICKER)
    assert check_sign_in(OPERATORS, "OP-D01").role is Role.DRIVER
    for needs_pin in ("OP-L01", "P001", "l01"):
        with pytest.raises(PinRequired):
            check_sign_in(OPERATORS, needs_pin)
    assert check_sign_in(OPERATORS, "L01", "1234").role is Role.LEAD
    for code, pin in (("L01", "4321"), ("X9", "1234"), ("", "1234")):
        with pytest.raises(SignInRefused, match="wrong operator or PIN"):
            check_sign_in(OPERATORS, code, pin)
    lock = Lockout(limit=2, seconds=30)
    assert not lock.failed(100.0) and lock.wait(100.0) == 0
    assert lock.failed(101.0) and lock.wait(111.0) == 20
    lock.succeeded()
    assert lock.failures == 0 and lock.wait(131.0) == 0


# serve and the first-frame hook


def test_serve_builds_a_textual_serve_server_bound_to_localhost(tmp_path: Path) -> None:
    with mock.patch("textual_serve.server.Server.serve", autospec=True) as serve:
        result = CliRunner().invoke(main, ["--db", str(tmp_path / "w.db"), "serve"])
    assert result.exit_code == 0, result.output
    [server] = serve.call_args.args  # the server that would have been started
    assert (server.host, server.port) == ("127.0.0.1", 8000)
    command = shlex.split(server.command)
    assert command[1:3] == ["-m", "picker"] and command[-1] == "tui"
    assert command[command.index("--db") + 1] == str((tmp_path / "w.db").resolve())


def test_serve_help_says_the_sign_in_is_the_gate() -> None:
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    assert "127.0.0.1" in result.output and "sign-in" in result.output


@run_async
async def test_exit_after_first_frame_hook(
    wh: Warehouse, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PICKER_EXIT_AFTER_FIRST_FRAME", "1")
    app = app_on(wh, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: not app.is_running)
    assert app.return_code == 0


def test_every_binding_has_an_id() -> None:
    from picker.ui.widgets import PromptScreen

    for cls in (PickerApp, SignInScreen, HomeScreen, DashboardScreen, QueueScreen,
                ShortagesScreen, PromptScreen):  # fmt: skip
        assert all(b.id for b in cls.BINDINGS), cls  # type: ignore[union-attr]


@run_async
async def test_a_picker_opens_the_crating_screen_from_the_board(
    wh: Warehouse, clock: Clock
) -> None:
    from picker.ui.crates import CrateScreen

    app = app_on(wh, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_in(pilot, "OP-P001")
        await on_screen(pilot, HomeScreen)
        await pilot.press("f4")
        await on_screen(pilot, CrateScreen)
        await pilot.press("escape")
        await on_screen(pilot, HomeScreen)
