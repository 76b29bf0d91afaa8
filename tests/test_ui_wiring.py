"""The app wired together, driven by the Pilot: the lead's dashboard keys to routes,
settlement, KPIs and proof of delivery; a driver's routes, loading and departure; lead-only
actions refused to others; the feed poller of a lead's session."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import Digits, Footer

from db import dispatch as rows
from picker.app.warehouse import Warehouse
from picker.domain.auth import SignedIn
from picker.domain.model import Role
from picker.ui.app import PickerApp, make_app
from picker.ui.dashboard import DashboardScreen
from picker.ui.dispatch_modals import ChoiceScreen, DepartScreen
from picker.ui.dock import DockScreen
from picker.ui.help import HelpScreen, key_help
from picker.ui.lead import LeadRoutesScreen
from picker.ui.load import LoadScreen
from picker.ui.settlement import SettlementScreen
from picker.ui.stats import StatsScreen
from picker.ui.widgets import LiveTable, MessageLine, PromptScreen, RowsFooter
from tests.test_dispatch import dispatch_day, route_ids
from tests.test_ui_pick import Harness, idle, run_async, scan, wait_for

LEAD = SignedIn("L01", "张班长", Role.LEAD)
PICKER = SignedIn("P001", "王小明", Role.PICKER)
LEAD_KEYS = {"dash.routes", "dash.settlement", "dash.stats", "dash.pod"}


@pytest.fixture
def day(warehouse: Warehouse, tmp_path: Path) -> Warehouse:
    """线路1: 青平 (A001, A002 packed; A003's bag open); 线路2 (driver D01): 航运新村 B001."""
    return dispatch_day(warehouse, tmp_path)


def app_on(wh: Warehouse, **kwargs: Any) -> PickerApp:
    """The app on terminal T1, counting bells instead of ringing them."""
    app = make_app(wh, terminal="T1", **kwargs)
    app.bells = 0  # type: ignore[attr-defined]

    def bell() -> None:
        app.bells += 1  # type: ignore[attr-defined]

    app.bell = bell  # type: ignore[method-assign]
    return app


def line(app: Any) -> MessageLine:
    return app.screen.query_one(MessageLine)


async def on_screen(pilot: Pilot[None], kind: type) -> None:
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, kind))


async def answer(pilot: Pilot[None], text: str) -> None:
    """Fill the open prompt and press Enter."""
    await on_screen(pilot, PromptScreen)
    pilot.app.screen.query_one("#prompt-value").value = text  # type: ignore[attr-defined]
    await pilot.press("enter")


# the lead's dashboard


@run_async
async def test_the_lead_opens_routes_settlement_and_kpis_from_the_dashboard(
    day: Warehouse,
) -> None:
    app = app_on(day, operator=LEAD)
    async with app.run_test(size=(80, 24)) as pilot:
        await on_screen(pilot, DashboardScreen)
        dash = app.screen
        shown = {b.binding.id for b in dash.active_bindings.values() if b.binding.show}
        assert shown >= LEAD_KEYS
        footer = dash.query_one(Footer)
        # Three rows in English at 80 columns: on two, "F10 Sign out" was cut to "F10 Sig".
        assert isinstance(footer, RowsFooter) and footer.region.height == 3
        # The footer composes its keys after the screen mounts: wait for them.
        await wait_for(
            pilot,
            lambda: (
                {"Routes", "Settle", "KPIs", "POD"}
                <= {k.description for k in footer.query("FooterKey")}
            ),  # type: ignore[attr-defined]
        )
        await pilot.press("t")
        await on_screen(pilot, LeadRoutesScreen)
        routes = app.screen.query_one("#routes", LiveTable)
        await wait_for(pilot, lambda: routes.row_count == 2)
        await pilot.press("escape")
        await on_screen(pilot, DashboardScreen)
        await pilot.press("a")
        await on_screen(pilot, SettlementScreen)
        await wait_for(pilot, lambda: app.screen.settlement is not None)  # type: ignore[attr-defined]
        assert set(app.screen.query_one(LiveTable).shown) == {"XY01", "YP01"}
        await pilot.press("escape")
        await on_screen(pilot, DashboardScreen)
        await pilot.press("k")
        await on_screen(pilot, StatsScreen)
        await pilot.press("escape")
        await on_screen(pilot, DashboardScreen)


@run_async
async def test_the_lead_keys_are_in_help_and_the_command_palette(day: Warehouse) -> None:
    app = app_on(day, operator=LEAD)
    async with app.run_test(size=(80, 24)) as pilot:
        await on_screen(pilot, DashboardScreen)
        described = {d for _k, d, _t in key_help(app, app.screen)}
        assert {"Routes", "Settle", "KPIs", "POD"} <= described
        await pilot.press("f1")
        await on_screen(pilot, HelpScreen)
        await pilot.press("escape")
        await on_screen(pilot, DashboardScreen)
        commands = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Routes", "Settle", "KPIs", "POD"} <= commands
        await pilot.press("ctrl+p")
        await on_screen(pilot, CommandPalette)


@run_async
async def test_proof_of_delivery_from_the_dashboard(day: Warehouse, tmp_path: Path) -> None:
    photo = tmp_path / "signed.png"
    photo.write_bytes(day.render("manifest", "航运新村居委", "png"))
    (mid,) = [m.id for m in day.manifests()]
    blank = tmp_path / "blank.png"
    Image.new("L", (300, 200), 240).save(blank)
    app = app_on(day, operator=LEAD)
    async with app.run_test(size=(80, 24)) as pilot:
        await on_screen(pilot, DashboardScreen)
        await pilot.press("d")
        await answer(pilot, str(blank))
        await wait_for(pilot, lambda: line(app).has_class("-error"))
        assert line(app).text.startswith("blank.png: no readable code")
        assert app.bells == 1  # type: ignore[attr-defined]
        await pilot.press("d")
        await answer(pilot, str(photo))
        await wait_for(pilot, lambda: line(app).has_class("-ok"))
        assert line(app).text == f"signed.png: manifest {mid} of 航运新村居委 delivered"
    assert day.manifest(mid).pod_path == str(photo.resolve())


@run_async
async def test_a_picker_is_refused_the_lead_keys(day: Warehouse) -> None:
    app = Harness(lambda: DashboardScreen(day, PICKER, "T1"))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        for key in ("t", "a", "k", "d"):
            await pilot.press(key)
            assert isinstance(app.screen, DashboardScreen), key
        assert line(app).text == (
            "Only a shift lead can do this. You are signed in as 王小明 (picker)."
        )
        assert app.bells == 4


# a driver at the dock


@run_async
async def test_a_driver_signs_in_loads_their_route_and_departs(day: Warehouse) -> None:
    first, second = route_ids(day)
    app = app_on(day)
    async with app.run_test(size=(80, 24)) as pilot:
        pilot.app.screen.query_one("#who").value = "OP-D01"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await on_screen(pilot, DockScreen)
        dock = app.screen
        await wait_for(pilot, lambda: dock.loaded)  # type: ignore[attr-defined]
        assert list(dock.query_one(LiveTable).shown) == [second, first]  # theirs first
        assert "Your route 线路2" in str(dock.query_one("#mine").content)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await on_screen(pilot, LoadScreen)
        load = app.screen
        await scan(pilot, "BGA001-1")  # 青平's bag: 线路1, not this truck
        assert "not to this truck" in str(load.query_one("#result").content)  # type: ignore[attr-defined]
        await scan(pilot, "BGB001-1")
        await wait_for(pilot, lambda: load.query_one("#loaded-count", Digits).value == "1")
        await pilot.press("f8")
        await on_screen(pilot, ChoiceScreen)
        await pilot.press("enter")  # Yes: the truck leaves
        await on_screen(pilot, LoadScreen)
        result = load.query_one("#result")
        await wait_for(pilot, lambda: "departed at" in str(result.content))  # type: ignore[attr-defined]
        assert result.has_class("-accepted")
        await pilot.press("escape")
        await on_screen(pilot, DockScreen)
    route = day.route(second)
    assert route.status == "departed" and route.departed_by == "D01" and not route.override_by


@run_async
async def test_a_driver_cannot_send_a_truck_with_bags_missing(day: Warehouse) -> None:
    first, _second = route_ids(day)
    app = Harness(lambda: LoadScreen(day, first, "D01", "DOCK1"))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LoadScreen))
        await scan(pilot, "BGA001-1")
        await pilot.press("f8")
        await on_screen(pilot, DepartScreen)  # a lead may decide here: badge, PIN, reason
        await pilot.press("escape")
        await on_screen(pilot, LoadScreen)
        result = app.screen.query_one("#result")
        await wait_for(pilot, lambda: "shift lead" in str(result.content))  # type: ignore[attr-defined]
        assert str(result.content).endswith("You are signed in as 赵师傅 (driver).")  # type: ignore[attr-defined]
        assert result.has_class("-rejected") and app.bells == 1
    assert day.route(first).status == "loading"


@run_async
async def test_a_lead_sends_a_truck_off_without_its_missing_bags(day: Warehouse) -> None:
    first, _second = route_ids(day)
    app = app_on(day, operator=LEAD)
    async with app.run_test(size=(120, 30)) as pilot:
        await on_screen(pilot, DashboardScreen)
        await pilot.press("t")
        await on_screen(pilot, LeadRoutesScreen)
        await wait_for(pilot, lambda: app.screen.route is not None)  # type: ignore[attr-defined]
        await pilot.press("l")
        await on_screen(pilot, LoadScreen)
        await scan(pilot, "BGA001-1")
        await pilot.press("f8")
        await on_screen(pilot, DepartScreen)
        app.screen.query_one("#depart-reason").value = "A003 goes on the next run"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await on_screen(pilot, LoadScreen)
        await idle(pilot)
        result = app.screen.query_one("#result")
        await wait_for(pilot, lambda: "Override by L01" in str(result.content))  # type: ignore[attr-defined]
    route = day.route(first)
    assert route.status == "departed" and route.override_by == "L01"
    assert route.override_reason == "A003 goes on the next run"
    assert rows.get_load(day.db, "BGA001-1") is not None


# the feed poller of a lead's session


@pytest.fixture
def feed_wh(tmp_path: Path) -> Iterator[Warehouse]:
    wh = Warehouse(tmp_path / "feed.db")
    wh.build_demo(orders=0)
    yield wh
    wh.close()


def paid(wh: Warehouse) -> int:
    return sum(c.orders for c in wh.dashboard().committees)


@run_async
async def test_a_leads_session_polls_the_feed_and_the_dashboard_follows(feed_wh: Warehouse) -> None:
    from tests.test_feed import ORDERS, build_demo, configure, serve

    demo = build_demo(orders=ORDERS)
    with serve(demo) as server:
        server.release(ORDERS)
        configure(feed_wh, server.url, interval_seconds=0.1)
        app = app_on(feed_wh, operator=LEAD)
        told: list[str] = []
        notify = app.notify

        def record(text: str, **kw: Any) -> None:
            told.append(text)
            notify(text, **kw)

        app.notify = record  # type: ignore[method-assign,assignment]
        async with app.run_test(size=(80, 24)) as pilot:
            await on_screen(pilot, DashboardScreen)
            assert app.feed_poller is not None
            dash = app.screen

            def added() -> int:
                return sum(int(t.split()[1]) for t in told if "new orders" in t)

            def shown() -> int:
                figures = dash.figures  # type: ignore[attr-defined]
                return sum(c.orders for c in figures.committees) if figures else 0

            await wait_for(pilot, lambda: added() == ORDERS, timeout=10)
            await wait_for(pilot, lambda: shown() == paid(feed_wh), timeout=5)
            assert shown() > 0 and any("decide what to remove" in t for t in told)
            await pilot.press("f10")
            await wait_for(pilot, lambda: app.operator is None)
            assert app.feed_poller is None


@run_async
async def test_a_pickers_session_does_not_poll(day: Warehouse) -> None:
    from picker.domain.feed import FeedConfig

    feed = FeedConfig("plat", "http://127.0.0.1:1/feed", "t", timeout_seconds=0.1)
    day.settings = replace(day.settings, feeds=(feed,))
    app = app_on(day, operator=PICKER)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.feed_poller is None


def test_every_new_binding_has_an_id() -> None:
    for cls in (DockScreen, LoadScreen, LeadRoutesScreen):
        assert all(b.id for b in cls.BINDINGS), cls  # type: ignore[union-attr]
