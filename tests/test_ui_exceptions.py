"""The lead's exceptions screen, driven by the Pilot: a cancel pulled after the bag was loaded
comes up there, and closing it takes the bag off the truck; nobody else gets the screen."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from textual.widgets import OptionList

from picker.app.demo import DemoWarehouse, build_demo
from picker.app.warehouse import Warehouse
from picker.ui.dashboard import DashboardScreen
from picker.ui.dispatch_modals import ChoiceScreen
from picker.ui.exceptions import ExceptionsScreen
from picker.ui.widgets import MessageLine
from tests.test_feed import ORDERS, pack, pulled, serve
from tests.test_ui_flow import screen_text
from tests.test_ui_pick import Harness, run_async, wait_for
from tests.test_ui_wiring import LEAD, PICKER, app_on, on_screen


@pytest.fixture
def demo() -> DemoWarehouse:
    return build_demo(orders=ORDERS)


@pytest.fixture
def cancelled(tmp_path: Path, demo: DemoWarehouse) -> Iterator[tuple[Warehouse, str, str]]:
    """An order cancelled after its bag was loaded: one open pull-bag exception. The
    warehouse, the order and its bag; no feed left configured (the lead's app would poll)."""
    wh = Warehouse(tmp_path / "exc.db")
    wh.build_demo(orders=0)
    order_no = demo.orders[2].order_no
    with serve(demo, events_every=0) as server:
        pulled(wh, server)
        wh.plan_batches()
        bag = pack(wh, order_no, route="R1")
        server.add_event(order_no, "cancel")
        pulled(wh, server)
    wh.settings = replace(wh.settings, feeds=())
    yield wh, order_no, bag
    wh.close()


def loads(wh: Warehouse) -> int:
    return int(wh.db.conn.execute("SELECT count(*) FROM bag_loads").fetchone()[0])


@run_async
async def test_the_lead_closes_an_exception_and_the_bag_comes_off(
    cancelled: tuple[Warehouse, str, str],
) -> None:
    wh, order_no, bag = cancelled
    (exception,) = wh.order_exceptions()
    assert loads(wh) == 1
    app = app_on(wh, operator=LEAD)
    async with app.run_test(size=(80, 24)) as pilot:
        await on_screen(pilot, DashboardScreen)
        shown = {b.binding.id for b in app.screen.active_bindings.values() if b.binding.show}
        assert "dash.exceptions" in shown
        await pilot.press("e")
        await on_screen(pilot, ExceptionsScreen)
        options = app.screen.query_one(OptionList)
        await wait_for(pilot, lambda: options.option_count == 1)
        prompt = str(options.get_option_at_index(0).prompt)
        assert f"#{exception['id']}" in prompt and order_no in prompt and bag in prompt
        # At 80 columns the text wraps: all of it is on screen.
        on_80 = "".join(line.strip() for line in (await screen_text(pilot)).splitlines())
        assert exception["text"].replace(" ", "") in on_80.replace(" ", "")
        await pilot.press("c")
        await on_screen(pilot, ChoiceScreen)
        await pilot.press("enter")  # the first choice: yes, close it
        await on_screen(pilot, ExceptionsScreen)
        line = app.screen.query_one(MessageLine)
        await wait_for(pilot, lambda: line.has_class("-ok"))
        assert f"Exception {exception['id']} closed by L01." in line.text
        assert bag in line.text
        await wait_for(pilot, lambda: options.option_count == 0)
        await pilot.press("escape")
        await on_screen(pilot, DashboardScreen)
    assert wh.order_exceptions() == []
    assert loads(wh) == 0


@run_async
async def test_saying_no_keeps_the_exception_open(cancelled: tuple[Warehouse, str, str]) -> None:
    wh, _order_no, _bag = cancelled
    app = Harness(lambda: ExceptionsScreen(wh, LEAD))
    async with app.run_test(size=(80, 24)) as pilot:
        options = app.screen.query_one(OptionList)
        await wait_for(pilot, lambda: options.option_count == 1)
        await pilot.press("enter")  # Enter on the highlighted exception asks too
        await on_screen(pilot, ChoiceScreen)
        await pilot.press("down", "enter")
        await on_screen(pilot, ExceptionsScreen)
        await pilot.pause()
    assert len(wh.order_exceptions()) == 1 and loads(wh) == 1


@run_async
async def test_a_picker_never_reaches_the_exceptions(
    cancelled: tuple[Warehouse, str, str],
) -> None:
    wh, _order_no, _bag = cancelled
    app = Harness(lambda: DashboardScreen(wh, PICKER, "T1"))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert not any(isinstance(s, ExceptionsScreen) for s in app.screen_stack)
        assert app.screen.query_one(MessageLine).text == (
            "Only a shift lead can do this. You are signed in as 王小明 (picker)."
        )
        assert app.bells == 1
    assert len(wh.order_exceptions()) == 1 and loads(wh) == 1
