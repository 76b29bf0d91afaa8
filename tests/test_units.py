"""Product units in the reader's language: translated measure words, unknown ones as data."""

from __future__ import annotations

import re

import pytest
from textual.widgets import DataTable, Static

from picker.app.demo import build_demo
from picker.app.warehouse import Warehouse
from picker.i18n import set_language
from picker.ui.pick import PickScreen
from picker.ui.units import quantity, unit_word
from tests.test_ui_pick import batch, pick_app, run_async, wait_for, wh  # noqa: F401

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_demo_unit_reads_in_english_and_comes_back_in_chinese() -> None:
    units = {p.unit for p in build_demo(0).products}
    assert units and "袋" in units and "斤" in units
    for unit in units:
        assert not CJK.search(quantity(2, unit)), unit
        assert not CJK.search(unit_word(1, unit)), unit
    assert (quantity(2, "袋"), quantity(1, "袋"), quantity(4, "斤", "3/4")) == (
        "2 bags", "1 bag", "3/4 jin")  # fmt: skip
    set_language("zh_CN")
    # Chinese gets the catalogue's very unit back.
    for unit in units:
        assert quantity(2, unit) == f"2 {unit}" and unit_word(2, unit) == unit


def test_a_unit_the_catalogue_adds_is_shown_as_it_is_written() -> None:
    assert quantity(3, "坨") == "3 坨" and unit_word(3, "坨") == "坨"
    assert quantity(3, "") == "3"


@run_async
async def test_the_pick_screen_says_its_units_in_english(wh: Warehouse, batch: str) -> None:  # noqa: F811
    app = pick_app(wh, batch)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))
        table = app.screen.query_one("#lines", DataTable)
        await wait_for(pilot, lambda: table.row_count == 3)
        amounts = [str(table.get_row_at(i)[3]) for i in range(table.row_count)]
        assert all(not CJK.search(a) for a in amounts), amounts
        assert "0/2 jin" in amounts
        unit = str(app.screen.query_one("#unit", Static).content)
        assert unit and not CJK.search(unit)


@pytest.fixture(autouse=True)
def _english() -> None:
    set_language("en")
