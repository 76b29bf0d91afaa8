"""The pack screen with a bench scale: a household's pork weighed on the stand-in scale.

The scale is a stand-in speaking SMA on 127.0.0.1 (a serial server) or Toledo 8217 on a pty;
the test puts weights on its pan, and the screen polls it like a real one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from picker.adapters.devices import TerminalDevices, parse_address
from picker.app.warehouse import Warehouse
from picker.domain.scales import Reading, ScaleStatus
from picker.ui.devices import ScalePanel
from picker.ui.pack import PackScreen
from tests.conftest import order_rows
from tests.standins import PtyPlug, StandInScale, serve_pty, serve_tcp
from tests.test_floor import BUNDLE, EGGS, LINES_A, load, pork_label
from tests.test_ui_pick import Harness, idle, run_async, text, wait_for

S = ScaleStatus


@pytest.fixture
def batch(warehouse: Warehouse, tmp_path: Path) -> str:
    """青平居委: A001 (bundle, 2 eggs), A002 (1 egg), A003 (2 斤 pork, 欧阳小明); P001's."""
    rows = [
        *order_rows("A001", lines=LINES_A),
        *order_rows("A002", lines=[("SKU0002", "鸡蛋 30枚", 1, "32.00")], name="李四"),
        *order_rows("A003", lines=[("SKU0003", "猪肉", 2, "18.00")], name="欧阳小明"),
    ]
    load(warehouse, tmp_path, rows)
    (batch_id,) = warehouse.plan_batches().batches
    warehouse.claim(batch_id, "P001", "T1")
    return str(batch_id)


@contextmanager
def scale_at_terminal(wh: Warehouse, standin: StandInScale, kind: str) -> Iterator[None]:
    """Terminal T1 gets the stand-in scale (TCP serial server or a pty serial port)."""
    serve = serve_tcp if kind == "tcp" else serve_pty
    with serve(standin.feed) as where:
        text = f"tcp:127.0.0.1:{where}" if kind == "tcp" else f"serial:{where}:9600:N"
        give_scale(wh, text, standin.protocol)
        yield


def give_scale(wh: Warehouse, address: str, protocol: str) -> None:
    """Terminal T1's scale is at `address`."""
    devices = TerminalDevices("T1", scale=parse_address(address), protocol=protocol)
    wh.settings = replace(wh.settings, terminals={"T1": devices})


def ready_to_weigh_pork(wh: Warehouse, batch_id: str) -> None:
    """Everything picked; A001 and A002 packed: A003's 2 斤 of pork is left to pack."""
    pick = wh.session(batch_id, "P001")
    for code in (BUNDLE, "3*" + EGGS, pork_label(498), pork_label(505)):
        assert pick.scan(code).accepted
    pack = wh.session(batch_id, "P001", "T1", stage="pack")
    for code in (BUNDLE, EGGS, EGGS, EGGS):
        assert pack.scan(code).accepted


def pack_app(wh: Warehouse, batch_id: str) -> Harness:
    return Harness(lambda: PackScreen(wh.session(batch_id, "P001", "T1", stage="pack")))


async def shows(pilot: Pilot[Any], status: ScaleStatus, grams: int | None = None) -> ScalePanel:
    """Wait until the scale line shows a reading of `status` (and `grams`)."""

    def showing() -> bool:
        panels = pilot.app.screen.query(ScalePanel)  # a screen just pushed may not have it yet
        r = panels.first().reading if panels else None
        return r is not None and r.status is status and (grams is None or r.grams == grams)

    await wait_for(pilot, showing)
    return pilot.app.screen.query_one(ScalePanel)


@pytest.mark.parametrize(("kind", "protocol"), [("tcp", "sma"), ("pty", "toledo8217")])
@run_async
async def test_a_household_packed_with_pork_weighed_on_the_scale(
    warehouse: Warehouse, batch: str, kind: str, protocol: str
) -> None:
    ready_to_weigh_pork(warehouse, batch)
    standin = StandInScale(protocol)
    with scale_at_terminal(warehouse, standin, kind):
        app = pack_app(warehouse, batch)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, PackScreen))
            await idle(pilot)
            pack = app.screen
            panel = await shows(pilot, S.ZERO, 0)
            assert "欧**明" in text(pack, "#who")
            standin.grams = 495  # the first 斤 of pork on the pan
            await shows(pilot, S.STABLE, 495)
            assert "0.495 kg" in str(panel.content) and "猪肉 0/2 jin" in str(panel.content)
            await pilot.press("enter")  # Enter on the empty scan field records it
            await idle(pilot)
            assert text(pack, "#result") == "✓ 猪肉 +1  1/2 jin · 495 g"
            await pilot.press("f5")  # the same weight again: it was recorded already
            await idle(pilot)
            assert text(pack, "#result").startswith("✗ that weight was recorded")
            standin.grams = 0  # taken off
            await shows(pilot, S.ZERO, 0)
            standin.grams, standin.motion = 505, True  # the second one, still swinging
            await shows(pilot, S.MOTION)
            await pilot.press("enter")
            await idle(pilot)
            assert text(pack, "#result") == "✗ the scale is still moving: wait for a steady weight"
            standin.motion = False
            await shows(pilot, S.STABLE, 505)
            assert "猪肉 1/2 jin" in str(panel.content)
            app.screen.submit("CMD-WEIGH")  # a scanner's trigger on the command card
            await idle(pilot)
            assert text(pack, "#result").startswith("✓ 猪肉 +1  2/2 jin · 505 g")
            assert pack.query_one("#banner").display
            assert app.bells == 2
    assert warehouse.batches()[0]["status"] == "packed"
    log = [(r["raw"], r["kind"], r["outcome"], r["grams"]) for r in warehouse.scan_log(batch)]
    # SMA sends the moving weight with its motion flag; Toledo 8217 only the status.
    moving = "SCALE:505:motion" if protocol == "sma" else "SCALE:motion"
    assert log[-3:] == [
        ("SCALE:495", "weighed", "accepted", 495),
        (moving, "weighed", "rejected", None),
        ("SCALE:505", "weighed", "accepted", 505),
    ]
    underweight = [r for r in warehouse.refunds() if r["kind"] == "underweight"]
    assert underweight == []  # 1000 g, as ordered


@run_async
async def test_underweight_from_the_scale_refunds_like_a_label(
    warehouse: Warehouse, batch: str
) -> None:
    ready_to_weigh_pork(warehouse, batch)
    standin = StandInScale("sma")
    with scale_at_terminal(warehouse, standin, "tcp"):
        app = pack_app(warehouse, batch)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, PackScreen))
            for grams in (480, 480):
                standin.grams = 0
                await shows(pilot, S.ZERO, 0)
                standin.grams = grams
                await shows(pilot, S.STABLE, grams)
                await pilot.press("f5")
                await idle(pilot)
            assert "underweight: ￥1.44 refunded" in text(app.screen, "#result")
    # The same 144 fen as two 480 g labels (tests/test_floor.py).
    assert [(r["order_no"], r["kind"], r["fen"]) for r in warehouse.refunds()] == [
        ("A003", "underweight", 144)
    ]


@run_async
async def test_a_silent_scale_is_shown_and_the_label_still_works(
    warehouse: Warehouse, batch: str
) -> None:
    ready_to_weigh_pork(warehouse, batch)
    standin = StandInScale("toledo8217", grams=500, silent=True)
    with scale_at_terminal(warehouse, standin, "tcp"):
        app = pack_app(warehouse, batch)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, PackScreen))
            panel = await shows(pilot, S.SILENT)
            assert "the scale does not answer: scan the item's scale label" in str(panel.content)
            await pilot.press("enter")
            await idle(pilot)
            assert text(app.screen, "#result").startswith("✗ the scale does not answer")
            app.screen.submit(pork_label(500))  # the fallback: the scale label
            await idle(pilot)
            assert text(app.screen, "#result") == "✓ 猪肉 +1  1/2 jin · 500 g"
            standin.silent = False  # back: the weight shows again
            await shows(pilot, S.STABLE, 500)
    outcomes = [(r["raw"], r["outcome"], r["reason"]) for r in warehouse.scan_log(batch)][-2:]
    assert outcomes == [
        ("SCALE:silent", "rejected", "scale_silent"),
        (pork_label(500), "accepted", ""),
    ]


@run_async
async def test_an_unplugged_scale_is_shown_refused_and_comes_back(
    warehouse: Warehouse, batch: str, tmp_path: Path
) -> None:
    """Unplugged with 505 g on the pan: nothing is recorded until it answers again (300 g)."""
    ready_to_weigh_pork(warehouse, batch)
    standin = StandInScale("toledo8217", grams=495)
    with PtyPlug(standin.feed, tmp_path / "ttyScale") as plug:
        give_scale(warehouse, f"serial:{plug.path}:9600:N", "toledo8217")
        app = pack_app(warehouse, batch)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, PackScreen))
            pack = app.screen
            await shows(pilot, S.STABLE, 495)
            await pilot.press("f5")
            await idle(pilot)
            assert text(pack, "#result") == "✓ 猪肉 +1  1/2 jin · 495 g"
            standin.grams = 0
            await shows(pilot, S.ZERO, 0)
            standin.grams = 505
            panel = await shows(pilot, S.STABLE, 505)
            plug.unplug()
            await shows(pilot, S.SILENT)
            assert "the scale does not answer" in str(panel.content)
            assert panel.has_class("-bad")
            await pilot.press("f5")
            await idle(pilot)
            assert text(pack, "#result").startswith("✗ the scale does not answer")
            standin.grams = 300
            plug.plug()
            await shows(pilot, S.STABLE, 300)
            await pilot.press("f5")
            await idle(pilot)
            assert text(pack, "#result").startswith("✓ 猪肉 +1  2/2 jin · 300 g")
    log = [(r["raw"], r["outcome"], r["reason"]) for r in warehouse.scan_log(batch)][-3:]
    assert log == [
        ("SCALE:495", "accepted", ""),
        ("SCALE:silent", "rejected", "scale_silent"),
        ("SCALE:300", "accepted", ""),
    ]
    # 795 g of the 1000 g paid for: 205 g at ￥18.00 a 斤 come back.
    assert [(r["order_no"], r["kind"], r["fen"]) for r in warehouse.refunds()] == [
        ("A003", "underweight", 738)
    ]


@run_async
async def test_take_it_off_holds_after_leaving_the_pack_screen(
    warehouse: Warehouse, batch: str
) -> None:
    ready_to_weigh_pork(warehouse, batch)
    standin = StandInScale("sma", grams=495)
    with scale_at_terminal(warehouse, standin, "tcp"):
        app = pack_app(warehouse, batch)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, PackScreen))
            await shows(pilot, S.STABLE, 495)
            await pilot.press("f5")
            await idle(pilot)
            assert text(app.screen, "#result") == "✓ 猪肉 +1  1/2 jin · 495 g"
            await pilot.press("escape")  # away and back, the pork still on the pan
            await wait_for(pilot, lambda: not isinstance(app.screen, PackScreen))
            app.push_screen(PackScreen(warehouse.session(batch, "P001", "T1", stage="pack")))
            await wait_for(pilot, lambda: isinstance(app.screen, PackScreen))
            panel = await shows(pilot, S.STABLE, 495)
            assert "take the item off" in str(panel.content)
            await pilot.press("f5")
            await idle(pilot)
            assert text(app.screen, "#result").startswith("✗ that weight was recorded")
            standin.grams = 0
            await shows(pilot, S.ZERO, 0)
            standin.grams = 505
            await shows(pilot, S.STABLE, 505)
            await pilot.press("f5")
            await idle(pilot)
            assert text(app.screen, "#result").startswith("✓ 猪肉 +1  2/2 jin · 505 g")
    accepted = [r["raw"] for r in warehouse.scan_log(batch) if r["raw"].startswith("SCALE:")]
    assert accepted == ["SCALE:495", "SCALE:505"]


@pytest.mark.parametrize(
    ("answer", "status", "words"),
    [
        (b"\x02?A\r", S.MOTION, "the scale is still moving"),  # gross mode, one status byte
        (b"\x02?B\r", S.OVER_CAPACITY, "over the scale's capacity"),
        (b"\x02hello\r", S.WRONG_PROTOCOL, "check protocol and baud rate"),
    ],
)
@run_async
async def test_the_scale_line_says_why_a_reply_is_not_a_weight(
    warehouse: Warehouse, batch: str, answer: bytes, status: ScaleStatus, words: str
) -> None:
    ready_to_weigh_pork(warehouse, batch)
    with serve_tcp(lambda data: answer) as port:
        give_scale(warehouse, f"tcp:127.0.0.1:{port}", "toledo8217")
        app = pack_app(warehouse, batch)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, PackScreen))
            panel = await shows(pilot, status)
            assert words in str(panel.content)
            await pilot.press("f5")
            await idle(pilot)
            assert text(app.screen, "#result").startswith("✗ ")
    assert warehouse.scan_log(batch)[-1]["outcome"] == "rejected"


@run_async
async def test_zero_and_tare_keys_and_no_scale_keys_without_a_scale(
    warehouse: Warehouse, batch: str
) -> None:
    ready_to_weigh_pork(warehouse, batch)
    standin = StandInScale("sma", grams=15)
    with scale_at_terminal(warehouse, standin, "tcp"):
        app = pack_app(warehouse, batch)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, PackScreen))
            await shows(pilot, S.STABLE, 15)
            await pilot.press("f7")
            await shows(pilot, S.ZERO, 0)
            # the outcome bubbles up from the panel one step after the reading shows
            await wait_for(pilot, lambda: text(app.screen, "#result") == "✓ scale zeroed")
            standin.grams = 215  # a box
            await shows(pilot, S.STABLE, 200)
            await pilot.press("f8")
            await shows(pilot, S.ZERO, 0)
            # the outcome bubbles up from the panel one step after the reading shows
            await wait_for(pilot, lambda: text(app.screen, "#result") == "✓ scale tared")
    warehouse.settings = replace(warehouse.settings, terminals={})
    app = pack_app(warehouse, batch)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, PackScreen))
        await idle(pilot)
        assert not app.screen.query(ScalePanel)
        keys = {k for k, b in app.screen.active_bindings.items() if b.binding.show}
        assert {"f5", "f7"}.isdisjoint(keys) and "f4" in keys


def test_weigh_through_the_session_keeps_the_label_rules(warehouse: Warehouse, batch: str) -> None:
    """The use case under the screen: what a bench weighing may and may not record."""
    steady = Reading(495, True, S.STABLE)
    pick = warehouse.session(batch, "P001", "T1")
    assert pick.weigh(steady).reason == "weigh_not_here"
    ready_to_weigh_pork(warehouse, batch)
    pack = warehouse.session(batch, "P001", "T1", stage="pack")
    assert pack.open_weighed_sku() == "SKU0003"
    assert pack.weigh(steady, "SKU0002").reason == "not_sold_by_weight"
    moving = pack.weigh(Reading(495, False, S.MOTION))
    assert (moving.accepted, moving.raw, moving.reason) == (
        False,
        "SCALE:495:motion",
        "scale_motion",
    )
    first = pack.weigh(steady)
    assert first.accepted and (first.sku, first.grams, first.line) == ("SKU0003", 495, (1, 2))
    second = pack.weigh(Reading(480, True, S.STABLE))
    # 975 g of 1000 g ordered, 30 g tolerance: nothing to refund; the household's bag closes.
    assert second.accepted and second.refund_fen == 0 and second.closed_bags == ("BGA003-1",)
    assert pack.open_weighed_sku() is None
    assert pack.weigh(steady).reason == "nothing_to_weigh"
    log = [(r["raw"], r["outcome"], r["reason"]) for r in warehouse.scan_log(batch)]
    assert log[0] == ("SCALE:495", "rejected", "weigh_not_here")
    assert log[-5:] == [
        ("SCALE:495", "rejected", "not_sold_by_weight"),
        ("SCALE:495:motion", "rejected", "scale_motion"),
        ("SCALE:495", "accepted", ""),
        ("SCALE:480", "accepted", ""),
        ("SCALE:495", "rejected", "nothing_to_weigh"),
    ]
