"""Which route the keys act on, Home and End in the lists, and the driver on a route."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable

from picker.app.warehouse import Warehouse
from picker.domain.auth import SignedIn
from picker.domain.model import Role
from picker.ui.lead import LeadRoutesScreen
from picker.ui.load import LoadScreen
from picker.ui.route_table import route_cells
from picker.ui.routes import RoutesScreen
from tests.test_dispatch import dispatch_day
from tests.test_ui_pick import Harness, run_async, wait_for

LEAD = SignedIn("L01", "张班长", Role.LEAD)


@pytest.fixture
def day(warehouse: Warehouse, tmp_path: Path) -> Warehouse:
    return dispatch_day(warehouse, tmp_path)


@run_async
async def test_down_chooses_the_route_that_load_opens(day: Warehouse) -> None:
    """↓ on the lead's routes screen is the next route: its stops, and `l` loads it."""
    first, second = day.routes()
    app = Harness(lambda: LeadRoutesScreen(day, LEAD, "T1"))
    async with app.run_test(size=(120, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, LeadRoutesScreen)
        stops = screen.query_one("#stops", DataTable)
        await wait_for(pilot, lambda: stops.border_title == first.name)
        await pilot.press("down")
        await wait_for(pilot, lambda: stops.border_title == second.name)
        assert screen.route is not None and screen.route.id == second.id
        assert list(stops.rows) and [str(k.value) for k in stops.rows] == [
            s.committee for s in second.stops
        ]
        # Enter hands the arrows to the stops; the route stays the one they belong to.
        await pilot.press("enter")
        assert app.focused is stops
        await pilot.press("down", "up")
        assert screen.route.id == second.id
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, LoadScreen))
        assert app.screen.route_ref == second.id  # type: ignore[attr-defined]


@run_async
async def test_home_and_end_go_to_the_first_and_last_row(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "demo.db")
    wh.build_demo(orders=0)
    app = Harness(lambda: RoutesScreen(wh))
    async with app.run_test(size=(120, 30)) as pilot:
        routes = app.screen.query_one("#routes", DataTable)
        await wait_for(pilot, lambda: routes.row_count == 6)
        await pilot.press("end")
        assert routes.cursor_row == 5
        await pilot.press("home")
        assert routes.cursor_row == 0
        stops = app.screen.query_one("#stops", DataTable)
        await pilot.press("enter", "end")
        assert stops.row_count > 1 and stops.cursor_row == stops.row_count - 1
        await pilot.press("home")
        assert stops.cursor_row == 0


def test_a_driver_who_loads_a_route_without_one_is_its_driver(day: Warehouse) -> None:
    first, second = day.routes()
    assert (first.driver, route_cells(first)[2]) == (None, "-")
    # The lead loading a bag does not make them the driver.
    assert day.load_session(first.id, "L01").scan("BGA001-1").accepted
    assert day.route(first.id).driver is None
    assert day.load_session(first.id, "D01").scan("BGA002-1").accepted
    loaded = day.route(first.id)
    assert (loaded.driver, route_cells(loaded)[2]) == ("D01", "赵师傅")
    # A route's driver set by the lead stays.
    assert day.route(second.id).driver == "D01"


@run_async
async def test_home_and_end_on_the_board_and_the_orders_screen(tmp_path: Path) -> None:
    """The board's find field keeps the focus, the orders table has it: both go to the ends."""
    from picker.ui.home import HomeScreen
    from picker.ui.orders import OrdersScreen
    from picker.ui.widgets import LiveTable

    wh = Warehouse(tmp_path / "demo.db")
    wh.build_demo(orders=120, seed=3)
    wh.plan_batches()
    app = Harness(lambda: HomeScreen(wh, SignedIn("P001", "王小明", Role.PICKER), "T1"))
    async with app.run_test(size=(80, 24)) as pilot:
        board = app.screen.query_one(LiveTable)
        await wait_for(pilot, lambda: board.row_count > 3)
        await pilot.press("end")
        assert board.cursor_row == board.row_count - 1
        await pilot.press("home")
        assert board.cursor_row == 0
    app = Harness(lambda: OrdersScreen(wh))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one("#orders", DataTable)
        await wait_for(pilot, lambda: table.row_count > 3)
        await pilot.press("end")
        assert table.cursor_row == table.row_count - 1
        await pilot.press("home")
        assert table.cursor_row == 0


@run_async
async def test_the_shortages_screen_shows_every_committee_on_c(tmp_path: Path) -> None:
    """From 青平's shortages, `c` lists 航运新村's too (named), `a` accepts all shown."""
    from picker.domain.shortage import ShortReason
    from picker.ui.shortages import ShortagesScreen
    from picker.ui.widgets import LiveTable, MessageLine
    from tests.conftest import order_rows, save_small_catalog
    from tests.test_floor import LINES_A, load

    warehouse = Warehouse(tmp_path / "short.db")
    save_small_catalog(warehouse)
    rows = [
        *order_rows("A001", lines=LINES_A),
        *order_rows("B001", committee="航运新村居委", code="QR02", lines=LINES_A),
    ]
    load(warehouse, tmp_path, rows)
    qp, hy = warehouse.plan_batches().batches
    for batch, picker in ((qp, "P001"), (hy, "P002")):
        warehouse.claim(batch, picker, "T1")
        session = warehouse.session(batch, picker, "T1")
        assert session.short(ShortReason.DAMAGED, "SKU0001").accepted
    app = Harness(lambda: ShortagesScreen(warehouse, "XY01", "青平居委"))
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.screen.query_one(LiveTable)
        await wait_for(pilot, lambda: len(table.shown) == 1)
        [only] = table.shown.values()
        assert str(only[2]) == "12-2-301"
        await pilot.press("c")
        await wait_for(pilot, lambda: len(table.shown) == 2)
        households = sorted(str(r[2]) for r in table.shown.values())
        assert households == ["航运新村居委 12-2-301", "青平居委 12-2-301"]
        assert "all committees" in str(app.screen.query_one("#shortages").border_title)
        await pilot.press("a")
        line = app.screen.query_one(MessageLine)
        await wait_for(pilot, lambda: line.text.endswith("0 new."))
        assert all(r.seen for r in warehouse.committee_refunds(None))
        await pilot.press("c")
        await wait_for(pilot, lambda: len(table.shown) == 1)
    assert [c.unseen for c in warehouse.dashboard().committees if c.short_lines] == [0, 0]


@run_async
async def test_home_and_end_scroll_the_pick_list_from_the_scan_field(tmp_path: Path) -> None:
    from picker.ui.pick import PickScreen
    from picker.ui.scan_input import ScanInput

    wh = Warehouse(tmp_path / "demo.db")
    wh.build_demo(orders=120, seed=3)
    wh.plan_batches()
    longest = max(wh.batches(), key=lambda b: b["skus"])
    assert longest["skus"] >= 20
    wh.claim(longest["id"], "P001", "T1")
    app = Harness(lambda: PickScreen(wh.session(longest["id"], "P001", "T1")))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.focused, ScanInput))
        table = app.screen.query_one("#lines", DataTable)
        await wait_for(pilot, lambda: table.row_count == longest["skus"])
        await pilot.pause()
        assert table.max_scroll_y > 0
        await pilot.press("end")
        await wait_for(pilot, lambda: table.scroll_y == table.max_scroll_y)
        await pilot.press("home")
        await wait_for(pilot, lambda: table.scroll_y == 0)
        assert isinstance(app.focused, ScanInput) and app.focused.value == ""


def test_the_home_and_end_keys_of_a_table_speak_the_interface_language() -> None:
    """A table's own keys are translated like a screen's (help listed them in English)."""
    from picker.i18n import current_language, set_language
    from picker.ui.widgets import RowTable

    before = current_language()
    set_language("zh_CN")
    try:
        table = RowTable(id="t")
        described = {b.id: b.description for b in table._bindings.key_to_bindings["home"]}
    finally:
        set_language(before)
    assert described["list.first"] == "第一行"
