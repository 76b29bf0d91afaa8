"""No screen reads the warehouse on the UI thread: another terminal may hold the write lock
for seconds, and a read there freezes the keys and the clock of the whole terminal.

Every warehouse read or write goes through `Context.db` (the calling thread's connection);
the fixture records the thread of each. A screen is built and mounted, and its data must
show up read by a worker, with the UI thread never having touched the database.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.screen import Screen
from textual.widgets import Digits, Static

from picker.app.context import Context
from picker.app.warehouse import Warehouse
from picker.ui.crates import CrateScreen
from picker.ui.exceptions import ExceptionsScreen
from picker.ui.load import LoadScreen
from picker.ui.settlement import SettlementScreen
from picker.ui.stats import StatsScreen
from picker.ui.widgets import LiveTable
from tests.test_dispatch import dispatch_day
from tests.test_ui_pick import Harness, run_async, text, wait_for
from tests.test_ui_wiring import LEAD


@pytest.fixture
def day(warehouse: Warehouse, tmp_path: Path) -> Warehouse:
    return dispatch_day(warehouse, tmp_path)


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[threading.Thread]]:
    """The threads that take a warehouse connection, in order, from now on."""
    used: list[threading.Thread] = []
    connection = Context.db.fget
    assert connection is not None

    def recorded(ctx: Context) -> Any:
        used.append(threading.current_thread())
        return connection(ctx)

    monkeypatch.setattr(Context, "db", property(recorded))
    yield used


def shows(screen: Screen[Any], selector: str, wanted: str) -> bool:
    return wanted in text(screen, selector)


def rows_of(screen: Screen[Any], selector: str) -> set[str]:
    return {str(k.value) for k in screen.query_one(selector, LiveTable).rows}


#: name: (the screen on the dispatch day, whether its data is on screen)
SCREENS: dict[str, tuple[Callable[[Warehouse], Screen[Any]], Callable[[Screen[Any]], bool]]] = {
    "settlement": (
        lambda wh: SettlementScreen(wh),
        lambda s: "XY01" in rows_of(s, "#settlement") and shows(s, "#totals", "reconcil"),
    ),
    "stats": (
        lambda wh: StatsScreen(wh),
        lambda s: "P001" in rows_of(s, "#pickers") and shows(s, "#caption", "Scans per hour"),
    ),
    "exceptions": (
        lambda wh: ExceptionsScreen(wh, LEAD),
        lambda s: shows(s, "#exceptions-count", "No open exceptions."),
    ),
    "load": (
        lambda wh: LoadScreen(wh, "线路1", "D01", "DOCK1"),
        lambda s: (
            str(s.query_one("#total-count", Digits).value) == "3"
            and shows(s, "#route-info", "线路1")
        ),
    ),
    "crates": (
        lambda wh: CrateScreen(wh, "P001", "T1"),
        lambda s: shows(s, "#crate-state", "F2"),
    ),
}


@pytest.mark.parametrize("name", list(SCREENS))
def test_building_a_screen_reads_nothing(
    name: str, day: Warehouse, connections: list[threading.Thread]
) -> None:
    make, _loaded = SCREENS[name]
    make(day)
    assert connections == []


@pytest.mark.parametrize("name", list(SCREENS))
@run_async
async def test_a_screens_data_is_read_by_a_worker_and_shown(
    name: str, day: Warehouse, connections: list[threading.Thread]
) -> None:
    make, loaded = SCREENS[name]
    app = Harness(lambda: make(day))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.screen_stack) > 1)
        screen = app.screen
        await wait_for(pilot, lambda: loaded(screen))
        ui = threading.main_thread()
        assert connections and ui not in connections
        assert all(t is not ui for t in connections)


@pytest.mark.parametrize(
    ("make", "selector", "refusal"),
    [
        (lambda wh: LoadScreen(wh, "线路9", "D01"), "#route-info", "no route 线路9"),
        (lambda wh: LoadScreen(wh, "线路1", "X99"), "#route-info", "unknown operator X99"),
        (lambda wh: CrateScreen(wh, "X99"), "#crate-info", "unknown operator X99"),
    ],
    ids=["load-route", "load-operator", "crates-operator"],
)
@run_async
async def test_a_session_that_cannot_open_is_a_red_line_and_logged(
    make: Callable[[Warehouse], Screen[Any]],
    selector: str,
    refusal: str,
    day: Warehouse,
    connections: list[threading.Thread],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="picker.ui.scan_screen")
    app = Harness(lambda: make(day))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: len(app.screen_stack) > 1)
        screen = app.screen
        result = screen.query_one("#result", Static)
        await wait_for(pilot, lambda: refusal in text(screen, "#result"))
        assert result.has_class("-rejected") and app.bells == 1
        assert "Loading" in text(screen, selector)  # nothing was read, nothing is shown
        assert threading.main_thread() not in connections
    (record,) = [r for r in caplog.records if r.exc_info and refusal in r.getMessage()]
    assert record.levelno == logging.INFO  # a refusal, not a fault
