"""The loading and routes screens, driven by the Pilot on a warehouse file."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import DataTable, Digits, Input, OptionList

from db import dispatch as rows
from picker.app.warehouse import Warehouse
from picker.domain.auth import SignedIn
from picker.domain.model import Role
from picker.ui.dispatch_modals import DepartScreen
from picker.ui.lead import LeadRoutesScreen
from picker.ui.load import LoadScreen, MissingScreen
from picker.ui.routes import ChoiceScreen, RoutesScreen
from picker.ui.scan_input import ScanInput
from picker.ui.widgets import MessageLine, PromptScreen
from tests.conftest import csv_text, order_rows
from tests.test_dispatch import dispatch_day, two_bag_order
from tests.test_ui_pick import Harness, idle, run_async, scan, text, type_codes, wait_for


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
def whole(tmp_path: Path) -> tuple[Warehouse, str]:
    """Order S001's two bags both packed (BGS001-1, BGS001-2) and the route they go on."""
    wh, route = two_bag_order(tmp_path)
    batch = wh.db.conn.execute("SELECT batch FROM bags WHERE id = 'BGS001-1'").fetchone()[0]
    bundle = next(b.code for b in wh.catalog().products["SKU0002"].barcodes)
    assert wh.session(batch, "P001", stage="pack").scan(bundle).closed_bags == ("BGS001-2",)
    return wh, route


def scan_kinds(wh: Warehouse) -> list[tuple[str, str, str]]:
    """(bag, kind, outcome) of the loading scans, in order."""
    query = "SELECT bag, kind, outcome FROM scan_log WHERE stage = 'load' ORDER BY id"
    return [tuple(r) for r in wh.db.conn.execute(query)]


@run_async
async def test_f4_takes_exactly_the_next_bag_off_the_truck_even_in_a_burst(
    whole: tuple[Warehouse, str],
) -> None:
    wh, route = whole
    app = Harness(lambda: LoadScreen(wh, route, "D01", "DOCK1"))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.focused, ScanInput))
        await idle(pilot)
        screen = app.screen
        assert isinstance(screen, LoadScreen)
        # Load both, arm, take one off, load it again: posted back to back, as a scanner does.
        type_codes(app, ["BGS001-1", "BGS001-2"])
        app.post_message(events.Key("f4", None))
        type_codes(app, ["BGS001-1", "BGS001-1"])
        await pilot.pause()
        await idle(pilot)
        assert scan_kinds(wh) == [
            ("BGS001-1", "bag", "accepted"),
            ("BGS001-2", "bag", "accepted"),
            ("BGS001-1", "unload", "accepted"),
            ("BGS001-1", "bag", "accepted"),
        ]
        assert not screen.taking_off
        # Take one off: green, and the route's count goes down.
        await pilot.press("f4")
        assert screen.taking_off and screen.has_class("-taking-off")
        assert "next bag scanned comes off" in text(screen, "#result")
        await scan(pilot, "BGS001-2")
        result = screen.query_one("#result")
        assert result.has_class("-accepted") and app.bells == 0
        assert "BGS001-2 taken off" in text(screen, "#result")
        assert rows.get_load(wh.db, "BGS001-2") is None
        assert rows.get_load(wh.db, "BGS001-1") is not None
        await wait_for(pilot, lambda: screen.query_one("#loaded-count", Digits).value == "1")
        assert not screen.taking_off and not screen.has_class("-taking-off")
        # A bag that is not on the truck: refused, red, with the bell; it stays off.
        await pilot.press("f4")
        await scan(pilot, "BGS001-2")
        assert result.has_class("-rejected") and app.bells == 1
        assert "Not taken off" in text(screen, "#result")
        assert "not on the truck" in text(screen, "#result")
        assert rows.get_load(wh.db, "BGS001-2") is None
        # F4 and Esc disarm without leaving; the next scan loads again.
        await pilot.press("f4", "f4")
        assert not screen.taking_off
        await pilot.press("f4", "escape")
        assert not screen.taking_off and isinstance(app.screen, LoadScreen)
        await scan(pilot, "BGS001-2")
        assert result.has_class("-accepted") and rows.get_load(wh.db, "BGS001-2") is not None
    assert scan_kinds(wh)[-3:] == [
        ("BGS001-2", "unload", "accepted"),
        ("BGS001-2", "bag", "rejected"),
        ("BGS001-2", "bag", "accepted"),
    ]


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


def late_order(wh: Warehouse, tmp_path: Path) -> None:
    """B002 of 航运新村 (线路2) paid late: in no batch yet."""
    f = tmp_path / "late.csv"
    f.write_text(csv_text(order_rows("B002", committee="航运新村居委", code="QR02")), "utf-8")
    wh.import_file(f)


async def decide(pilot: Pilot[None], reason: str, lead: str = "", pin: str = "") -> None:
    """Fill the departure modal and press Enter on its last field."""
    screen = pilot.app.screen
    assert isinstance(screen, DepartScreen)
    if lead:
        screen.query_one("#depart-lead", Input).value = lead
        screen.query_one("#depart-pin", Input).value = pin
    field = screen.query_one("#depart-reason", Input)
    field.value = reason
    field.focus()
    await pilot.press("enter")


@run_async
async def test_a_lead_decides_at_the_drivers_dock_what_stays_behind(
    day: Warehouse, tmp_path: Path
) -> None:
    late_order(day, tmp_path)
    app = Harness(lambda: LoadScreen(day, "线路2", "D01", "DOCK1"))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.focused, ScanInput))
        await scan(pilot, "BGB001-1")  # the route's only bag: B002 is not even batched
        shown = text(app.screen, "#result")
        assert "every bag of the route is loaded" not in shown
        assert "still behind: 1 order not packed" in shown
        await pilot.press("f8")
        await wait_for(pilot, lambda: isinstance(app.screen, DepartScreen))
        behind = text(app.screen, "#depart-behind")
        assert "1. 航运新村居委" in behind and "1 order not batched" in behind
        # The driver's own badge does not decide.
        await decide(pilot, "go", lead="OP-D01", pin="1234")
        await wait_for(pilot, lambda: isinstance(app.screen, LoadScreen))
        result = app.screen.query_one("#result")
        await wait_for(pilot, lambda: "not a shift lead" in str(result.content))
        assert day.route("线路2").status == "loading"
        await pilot.press("f8")
        await wait_for(pilot, lambda: isinstance(app.screen, DepartScreen))
        await decide(pilot, "B002 paid late, next run", lead="OP-L01", pin="1234")
        await wait_for(pilot, lambda: "Override by L01" in str(result.content))
    route = day.route("线路2")
    assert (route.status, route.override_by, route.override_reason) == (
        "departed",
        "L01",
        "B002 paid late, next run",
    )


@run_async
async def test_a_leads_f8_with_an_open_crate_asks_for_the_reason(day: Warehouse) -> None:
    crate = day.open_crate(committee="航运新村居委", operator="P001")
    app = Harness(lambda: LoadScreen(day, "线路2", "L01"))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.focused, ScanInput))
        await scan(pilot, "BGB001-1")  # every bag on board; the crate is still open
        assert "every bag of the route is loaded" not in text(app.screen, "#result")
        await pilot.press("f8")
        await wait_for(pilot, lambda: isinstance(app.screen, DepartScreen))
        assert f"crate {crate.code} open" in text(app.screen, "#depart-behind")
        assert not app.screen.query("#depart-lead")  # the lead is signed in here
        await decide(pilot, "crate comes back empty")
        result = app.screen.query_one("#result")
        await wait_for(pilot, lambda: "Override by L01" in str(result.content))
    assert day.route("线路2").override_reason == "crate comes back empty"


@run_async
async def test_a_lead_departs_a_route_from_the_routes_screen(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    warehouse.add_route("线路1", driver="D01")
    warehouse.assign("XY01", "线路1")
    f = tmp_path / "orders.csv"
    f.write_text(csv_text([*order_rows("A001"), *order_rows("A002")]), "utf-8")
    warehouse.import_file(f)
    warehouse.plan_batches()
    lead = SignedIn("L01", "张班长", Role.LEAD)
    app = Harness(lambda: LeadRoutesScreen(warehouse, lead, "T1"))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.screen.route is not None)  # type: ignore[attr-defined]
        await pilot.press("d")  # 0 of 0 bags, and two orders not packed
        await wait_for(pilot, lambda: isinstance(app.screen, DepartScreen))
        assert "2 orders not packed" in text(app.screen, "#depart-behind")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, LeadRoutesScreen))
        assert warehouse.route("线路1").status == "planned"
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, DepartScreen))
        await decide(pilot, "")  # no reason: refused in the modal
        assert isinstance(app.screen, DepartScreen) and app.bells == 1
        await decide(pilot, "picking is late, next run")
        line = app.screen.query_one(MessageLine)
        await wait_for(pilot, lambda: line.text == "线路1 departed.")
    route = warehouse.route("线路1")
    assert (route.status, route.override_by, route.override_reason) == (
        "departed",
        "L01",
        "picking is late, next run",
    )


@run_async
async def test_a_long_refusal_on_the_load_screen_wraps_instead_of_being_cut(
    day: Warehouse,
) -> None:
    """At 56 columns the wrong-route refusal needs two lines: the result line wraps (it was
    one row high, so the truck and stop the driver must read were cut off)."""
    from tests.test_fit import same_words, shown, strips_of

    app = Harness(lambda: LoadScreen(day, "线路1", "D01", "DOCK1"))
    async with app.run_test(size=(56, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.focused, ScanInput))
        await idle(pilot)
        screen = app.screen
        await scan(pilot, "BGB001-1")
        result = screen.query_one("#result")
        message = text(screen, "#result")
        assert result.has_class("-rejected") and "线路2" in message
        await idle(pilot)
        region = result.region
        assert region.height >= 2
        seen = "".join(shown(strips_of(app), region.x, region.y, region.width, region.height))
        assert same_words(message, seen), (message, seen)
