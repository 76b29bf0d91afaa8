"""The loading and routes screens, driven by the Pilot on a warehouse file."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Digits, OptionList

from db import dispatch as rows
from picker.ui.load import LoadScreen, MissingScreen
from picker.ui.routes import ChoiceScreen, RoutesScreen
from picker.ui.scan_input import ScanInput
from picker.ui.widgets import MessageLine, PromptScreen
from picker.warehouse import Warehouse
from tests.test_dispatch import dispatch_day
from tests.test_ui_pick import Harness, idle, run_async, scan, text, wait_for


@pytest.fixture
def day(warehouse: Warehouse, tmp_path: Path) -> Warehouse:
    return dispatch_day(warehouse, tmp_path)


@run_async
async def test_the_load_screen_takes_a_good_bag_and_refuses_a_wrong_one(day: Warehouse) -> None:
    app = Harness(lambda: LoadScreen(day, "线路1", "D01", "DOCK1"))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.focused, ScanInput))
        await idle(pilot)
        screen = app.screen
        assert str(screen.query_one("#total-count", Digits).value) == "3"
        await scan(pilot, "BGA001-1")
        result = screen.query_one("#result")
        assert result.has_class("-accepted") and app.bells == 0
        assert "BGA001-1" in text(screen, "#result") and "青平居委" in text(screen, "#result")
        await wait_for(pilot, lambda: screen.query_one("#loaded-count", Digits).value == "1")
        table = screen.query_one("#stops", DataTable)
        assert str(table.get_row("XY01")[2]) == "1/3"
        await scan(pilot, "BGB001-1")
        assert result.has_class("-rejected") and app.bells == 1
        assert "线路2" in text(screen, "#result") and "stop 1" in text(screen, "#result")
        await scan(pilot, "BGA001-1")
        assert "already loaded" in text(screen, "#result") and app.bells == 2
        assert isinstance(app.focused, ScanInput)
    assert rows.get_load(day.db, "BGA001-1") is not None
    assert rows.get_load(day.db, "BGB001-1") is None


@run_async
async def test_the_load_screen_lists_what_is_missing(day: Warehouse) -> None:
    app = Harness(lambda: LoadScreen(day, "线路1", "D01"))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.focused, ScanInput))
        await scan(pilot, "BGA002-1")
        await pilot.press("f6")
        await wait_for(pilot, lambda: isinstance(app.screen, MissingScreen))
        shown = text(app.screen, "#missing-list")
        assert "BGA001-1" in shown and "BGA003-1" in shown and "BGA002-1" not in shown
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, LoadScreen))
        assert isinstance(app.focused, ScanInput)


@pytest.fixture
def demo(tmp_path: Path) -> Warehouse:
    wh = Warehouse(tmp_path / "demo.db")
    wh.build_demo(orders=0)
    return wh


@run_async
async def test_a_lead_arranges_routes_with_keys(demo: Warehouse) -> None:
    app = Harness(lambda: RoutesScreen(demo))
    async with app.run_test(size=(120, 30)) as pilot:
        routes = app.screen.query_one("#routes", DataTable)
        stops = app.screen.query_one("#stops", DataTable)
        await wait_for(pilot, lambda: routes.row_count == 6 and stops.row_count > 2)
        first = demo.routes()[0]
        a, b = first.stops[0].committee, first.stops[1].committee
        await pilot.press("shift+down")
        await wait_for(
            pilot, lambda: [s.committee for s in demo.route(first.id).stops[:2]] == [b, a]
        )
        await wait_for(pilot, lambda: "stop 2" in str(app.screen.query_one(MessageLine).content))
        # The moved stop stays highlighted: up again puts it back.
        await pilot.press("minus")
        await wait_for(pilot, lambda: demo.route(first.id).stops[0].committee == a)
        # Onto the next route, chosen from the list.
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("enter")
        second = demo.routes()[1]
        await wait_for(pilot, lambda: demo.route(second.id).stops[-1].committee == a)
        # A driver and a truck for the route.
        await wait_for(pilot, lambda: isinstance(app.screen, RoutesScreen))
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        options = app.screen.query_one(OptionList)
        assert options.option_count == len(demo.drivers()) + 1
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: demo.route(first.id).driver == demo.drivers()[0][0])
        await wait_for(pilot, lambda: isinstance(app.screen, RoutesScreen))
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen))
        await pilot.press(*"HuA1", "enter")
        await wait_for(pilot, lambda: demo.route(first.id).truck == "HuA1")
        # The next route with ], and a refusal is a red line with the bell.
        await wait_for(pilot, lambda: isinstance(app.screen, RoutesScreen))
        await pilot.press("]")
        await wait_for(
            pilot, lambda: app.screen.query_one("#stops", DataTable).border_title == second.name
        )
        demo.depart(second.id, "L01")
        await pilot.press("plus")
        line = app.screen.query_one(MessageLine)
        await wait_for(pilot, lambda: line.has_class("-error"))
        assert "departed" in line.text and app.bells == 1
