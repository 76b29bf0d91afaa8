"""The settlement and KPI screens, pushed on their own and driven with the Pilot."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, Sparkline, Static

from picker.app.warehouse import Warehouse
from picker.ui.settlement import SettlementScreen
from picker.ui.stats import StatsScreen
from picker.ui.widgets import LiveTable, MessageLine
from tests.test_audit import refunded_more_than_paid
from tests.test_settlement import small_day


class Host(App[None]):
    """A bare app that shows one screen, the way another screen would push it."""

    def __init__(self, screen: Screen[None]) -> None:
        super().__init__()
        self.first = screen

    def on_mount(self) -> None:
        self.push_screen(self.first)


async def wait_for(pilot: Pilot[None], condition: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.02)


def table_text(table: LiveTable) -> dict[str, list[str]]:
    """Rows on screen by key, as plain text."""
    return {
        str(key.value): [str(c.plain if isinstance(c, Text) else c) for c in table.get_row(key)]
        for key in table.rows
    }


def test_settlement_screen_shows_rows_totals_codes_and_audit(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    wh = small_day(warehouse, tmp_path)

    async def scenario() -> None:
        screen = SettlementScreen(wh)
        async with Host(screen).run_test(size=(150, 30)) as pilot:
            await wait_for(pilot, lambda: screen.settlement is not None)
            rows = table_text(screen.query_one(LiveTable))
            assert rows["XY01"] == [
                "青平居委",
                "4",
                "￥209.60",
                "￥32.00",
                "￥1.44",
                "￥38.80",
                "￥137.36",
                "￥102.80",
                "￥34.56",
            ]
            assert rows["YP01"][0] == "航运新村居委" and rows["YP01"][-1] == "￥32.00"
            totals = str(screen.query_one("#totals", Static).content)
            assert "net ￥169.36" in totals and "open ￥66.56" in totals
            assert "reconciled to the fen" in totals
            await pilot.press("c")
            await wait_for(pilot, lambda: "QR01" in screen.query_one(LiveTable).rows)
            codes = table_text(screen.query_one(LiveTable))
            assert codes["QR01"][0] == "QR01 青平收款码" and codes["QR01"][6] == "￥137.36"
            await pilot.press("a")
            line = screen.query_one(MessageLine)
            await wait_for(pilot, lambda: "accounted" in line.text)
            assert "1 delivered, 3 refunded in full, 2 open" in line.text
            refunded_more_than_paid(wh)
            await pilot.press("a")
            await wait_for(pilot, lambda: "problems" in line.text)
            assert "A001" in line.text and line.has_class("-error")

    asyncio.run(scenario())


def test_settlement_screen_day_prompt(warehouse: Warehouse, tmp_path: Path) -> None:
    wh = small_day(warehouse, tmp_path)

    async def scenario() -> None:
        screen = SettlementScreen(wh)
        async with Host(screen).run_test(size=(150, 30)) as pilot:
            await wait_for(pilot, lambda: screen.settlement is not None)
            await pilot.press("d")
            await wait_for(pilot, lambda: bool(pilot.app.screen.query(Input)))
            prompt = pilot.app.screen.query_one(Input)
            prompt.value = "2022-04-13"
            await pilot.press("enter")
            await wait_for(
                pilot,
                lambda: screen.settlement is not None and screen.settlement.day == "2022-04-13",
            )
            assert screen.settlement is not None and screen.settlement.total.orders == 0
            assert "2022-04-13" in str(screen.sub_title)
            await pilot.press("d")
            await wait_for(pilot, lambda: bool(pilot.app.screen.query(Input)))
            pilot.app.screen.query_one(Input).value = "not a day"
            await pilot.press("enter")
            line = screen.query_one(MessageLine)
            await wait_for(pilot, lambda: "not a day" in line.text)
            assert line.has_class("-error")

    asyncio.run(scenario())


def test_stats_screen_shows_the_chart_and_tables(warehouse: Warehouse, tmp_path: Path) -> None:
    wh = small_day(warehouse, tmp_path)

    async def scenario() -> None:
        screen = StatsScreen(wh)
        async with Host(screen).run_test(size=(160, 40)) as pilot:
            await wait_for(pilot, lambda: screen.kpis is not None)
            assert screen.kpis is not None
            hours = screen.kpis.scans_per_hour
            assert list(screen.query_one(Sparkline).data or []) == [h.scans for h in hours]
            assert sum(h.scans for h in hours) == 10  # 4 pick scans, the short, 5 pack scans
            pickers = table_text(screen.query_one("#pickers", LiveTable))
            assert pickers["P001"][:2] == ["P001 王小明", "3"]
            packers = table_text(screen.query_one("#packers", LiveTable))
            assert packers["P001"][1] == "2"  # BGA001-1 and BGA003-1
            shorts = table_text(screen.query_one("#short-products", LiveTable))
            assert shorts["SKU0002"] == ["鸡蛋 30枚", "1", "3", "33.3%"]
            committees = table_text(screen.query_one("#short-committees", LiveTable))
            assert committees["XY01"][0] == "青平居委"
            caption = str(screen.query_one("#caption", Static).content)
            assert "10 scans, 0 rejected" in caption
            await pilot.press("escape")  # back to the screen it was pushed on
            assert pilot.app.screen is not screen and len(pilot.app.screen_stack) == 1

    asyncio.run(scenario())
