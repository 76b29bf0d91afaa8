"""The crating screen, driven by the Pilot on a warehouse file."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Digits

from picker.app.warehouse import Warehouse
from picker.ui.crates import CrateScreen
from picker.ui.load import LoadScreen
from picker.ui.scan_input import ScanInput
from tests.test_crates import assert_every_bag_in_one_crate, packed_committee, with_capacity
from tests.test_dispatch import dispatch_day
from tests.test_ui_pick import Harness, idle, run_async, scan, text, type_codes, wait_for


@pytest.fixture
def day(warehouse: Warehouse, tmp_path: Path) -> Warehouse:
    return dispatch_day(warehouse, tmp_path)


async def press(pilot, key: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press(key)
    await pilot.pause()
    await idle(pilot)


@run_async
async def test_a_packer_fills_a_crate_and_closes_it(day: Warehouse) -> None:
    app = Harness(lambda: CrateScreen(day, "P001", "T1"))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.focused, ScanInput))
        await idle(pilot)
        screen = app.screen
        assert "F2" in text(screen, "#crate-state")
        await scan(pilot, "BGA001-1")  # no crate yet
        assert screen.query_one("#result").has_class("-rejected") and app.bells == 1
        await press(pilot, "f2")
        assert "new crate" in text(screen, "#crate-state")
        await scan(pilot, "BGA001-1", "BGA002-1")
        assert app.bells == 1
        assert "CR-XY01-0002" not in text(screen, "#crate-info")
        assert "CR-XY01-0001" in text(screen, "#crate-info")
        assert "青平居委" in text(screen, "#crate-info") and "线路1" in text(screen, "#crate-info")
        await wait_for(pilot, lambda: screen.query_one("#bag-count", Digits).value == "2")
        assert screen.query_one("#capacity", Digits).value == "20"
        # How many crates 青平 gets is not known while A003 is being packed: no "of n".
        assert "crate 1 · " in text(screen, "#crate-state")
        assert screen.query_one("#bags", DataTable).row_count == 2
        # A bag of another committee (on another route) is refused: red line and the bell.
        await scan(pilot, "BGB001-1")
        result = screen.query_one("#result")
        assert result.has_class("-rejected") and app.bells == 2
        assert "航运新村居委" in text(screen, "#result")
        assert screen.query_one("#bag-count", Digits).value == "2"
        await press(pilot, "f3")
        assert result.has_class("-accepted") and "CR-XY01-0001" in text(screen, "#result")
        assert "sealed" in text(screen, "#crate-state")
        assert isinstance(app.focused, ScanInput)
    crate = day.crate("CR-XY01-0001")
    assert (crate.status, crate.bags) == ("closed", ("BGA001-1", "BGA002-1"))
    assert next(j.kind for j in day.print_jobs()) == "crate"


@run_async
async def test_a_scanned_crate_is_filled_and_a_bag_moved_into_it(day: Warehouse) -> None:
    day.open_crate(committee="XY01", operator="P001")
    first = day.crate_session("P001")
    first.scan("CR-XY01-0001")
    first.scan("BGA001-1")
    day.open_crate(committee="XY01", operator="P001")
    app = Harness(lambda: CrateScreen(day, "P001"))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.focused, ScanInput))
        screen = app.screen
        await scan(pilot, "CR-XY01-0002")
        assert "CR-XY01-0002" in text(screen, "#crate-info")
        await scan(pilot, "BGA001-1")
        assert "CR-XY01-0001" in text(screen, "#result") and app.bells == 1
        await press(pilot, "f5")
        await scan(pilot, "BGA001-1")
        assert "moved from CR-XY01-0001" in text(screen, "#result") and app.bells == 1
        await wait_for(pilot, lambda: screen.query_one("#bag-count", Digits).value == "1")
    assert day.crate("CR-XY01-0002").bags == ("BGA001-1",)
    assert day.crate("CR-XY01-0001").bags == ()


@run_async
async def test_the_load_screen_loads_a_whole_crate(day: Warehouse) -> None:
    session = day.crate_session("P001")
    for code in ("CMD-CRATE-NEW", "BGA001-1", "BGA002-1", "CMD-CRATE-CLOSE"):
        assert session.scan(code).accepted
    app = Harness(lambda: LoadScreen(day, "线路1", "D01", "DOCK1"))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.focused, ScanInput))
        screen = app.screen
        await scan(pilot, "CR-XY01-0001")
        assert screen.query_one("#result").has_class("-accepted") and app.bells == 0
        assert "CR-XY01-0001 (2 bags)" in text(screen, "#result")
        await wait_for(pilot, lambda: screen.query_one("#loaded-count", Digits).value == "2")
        await scan(pilot, "CR-XY01-0001")
        assert "on the truck already" in text(screen, "#result") and app.bells == 1


@run_async
async def test_a_burst_of_bags_all_end_in_crates(day: Warehouse, tmp_path: Path) -> None:
    bags = packed_committee(day, tmp_path, 10)
    wh = with_capacity(day, bags=20, kg=10)  # 3 bags of 3 kg a crate
    app = Harness(lambda: CrateScreen(wh, "P001", "T1"))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.focused, ScanInput))
        await idle(pilot)
        await press(pilot, "f2")
        type_codes(app, bags)  # back to back, as a scanner types them
        await pilot.pause()
        await idle(pilot)
        assert app.bells == 0, text(app.screen, "#result")
        assert "CR-XY01-0004" in text(app.screen, "#crate-info")
        await press(pilot, "f3")
    assert [len(c.bags) for c in day.crates()] == [3, 3, 3, 1]
    assert_every_bag_in_one_crate(day, bags)


@run_async
async def test_bags_waiting_for_a_crate_are_shown_until_one_is_scanned(
    day: Warehouse, tmp_path: Path
) -> None:
    bags = packed_committee(day, tmp_path, 10)
    wh = with_capacity(day, bags=20, kg=10, auto_ids=False)  # 3 bags of 3 kg a crate
    app = Harness(lambda: CrateScreen(wh, "P001", "T1"))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.focused, ScanInput))
        await idle(pilot)
        screen = app.screen
        type_codes(app, ["CR-XY01-0101", *bags])
        await pilot.pause()
        await idle(pilot)
        assert app.bells == 0, text(screen, "#result")
        assert f"scan a crate for bag {bags[3]}" in text(screen, "#crate-state")
        assert "+6" in text(screen, "#crate-state")
        type_codes(app, ["CR-XY01-0102", "CR-XY01-0103", "CR-XY01-0104"])
        await pilot.pause()
        await idle(pilot)
        assert "scan a crate" not in text(screen, "#crate-state")
        assert "CR-XY01-0104" in text(screen, "#crate-info")
        await wait_for(pilot, lambda: screen.query_one("#bag-count", Digits).value == "1")
        await press(pilot, "f3")
        assert app.bells == 0
    assert_every_bag_in_one_crate(day, bags)


@run_async
async def test_leaving_with_bags_waiting_for_a_crate_asks_twice(
    day: Warehouse, tmp_path: Path
) -> None:
    bags = packed_committee(day, tmp_path, 4)
    wh = with_capacity(day, bags=20, kg=10, auto_ids=False)
    app = Harness(lambda: CrateScreen(wh, "P001", "T1"))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.focused, ScanInput))
        await idle(pilot)
        screen = app.screen
        await scan(pilot, "CR-XY01-0101", *bags)
        assert app.bells == 0 and f"scan a crate for bag {bags[3]}" in text(screen, "#crate-state")
        await press(pilot, "escape")
        assert app.screen is screen and app.bells == 1
        assert bags[3] in text(screen, "#result") and screen.query_one("#result").has_class(
            "-rejected"
        )
        await press(pilot, "escape")
        assert app.screen is not screen
