"""The terminal app, driven with `run_test()` and the Pilot on a small warehouse file."""

from __future__ import annotations

import asyncio
import csv
import functools
import time
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path

import pytest
from textual.notifications import Notify
from textual.pilot import Pilot
from textual.widgets import DataTable, Footer, Input, OptionList, Static

import db
from db import catalog as catalog_rows
from picker.app.config import Settings
from picker.app.warehouse import Warehouse
from picker.domain.auth import SignedIn
from picker.domain.model import Committee, Location, PaymentCode, Product, Role, Subdistrict
from picker.i18n import set_language
from picker.ui.app import HelpScreen, PickerApp
from picker.ui.app import make_app as make_picker_app
from picker.ui.orders import OrdersScreen, RejectsScreen
from picker.ui.orders_table import SortOrder


def make_app(warehouse: Warehouse, keymap: dict[str, str] | None = None) -> PickerApp:
    """The app with a shift lead signed in on terminal T1, opened on the orders overview."""
    lead = SignedIn("L01", "张班长", Role.LEAD)
    return make_picker_app(warehouse, keymap, operator=lead, screen="orders", terminal="T1")


HEADER = ["订单号", "支付时间", "订单金额", "收款码", "居委", "楼号", "单元", "室号", "收货人",
          "手机号", "商品编码", "数量", "单价"]  # fmt: skip

COMMITTEES = (
    Committee("XY01", "青平居委", "XY", "王建国", "13800001111", "青平路 88 号"),
    Committee("XY02", "城中居委", "XY", "李梅", "13900002222", "城中路 5 号"),
    Committee("YP01", "航运新村居委", "YP", "赵强", "13700003333", "航运路 1 号"),
    Committee("YP02", "杨家庄村委", "YP", "钱芳", "13600004444", "杨家庄 2 号"),
)
CODE_OF = {c.name: c.code for c in COMMITTEES}


def row(order_no: str, committee: str, sku: str, qty: int, price: str, amount: str,
        phone: str = "13812345678") -> list[str]:  # fmt: skip
    return [order_no, "2022-04-12 08:15:00", amount, "QR01", committee, "12", "2", "301",
            "张三明", phone, sku, str(qty), price]  # fmt: skip


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


# 青平 2 orders / 3 lines / ￥53.50; 城中 1 / 1 / ￥34.00 and a rejected order (bad phone) on
# line 6; 航运新村 3 / 3 / ￥45.00; 杨家庄 none. Totals: 6 orders, ￥132.50, 3 of 4 committees.
FIRST_FILE = [
    row("A1", "青平居委", "V001", 2, "15.00", "38.50"),
    row("A1", "青平居委", "V002", 1, "8.50", "38.50"),
    row("A2", "青平居委", "V001", 1, "15.00", "15.00"),
    row("A3", "城中居委", "V002", 4, "8.50", "34.00"),
    row("A4", "城中居委", "V001", 1, "15.00", "15.00", phone="12345"),
    row("B1", "航运新村居委", "V001", 1, "15.00", "15.00"),
    row("B2", "航运新村居委", "V001", 1, "15.00", "15.00"),
    row("B3", "航运新村居委", "V001", 1, "15.00", "15.00"),
]
REJECTED_LINE = 6


@pytest.fixture
def wh(tmp_path: Path) -> Iterator[Warehouse]:
    """A warehouse with four committees, six paid orders and one pending reject."""
    warehouse = Warehouse(tmp_path / "ui.db", Settings(refresh_seconds=0.1))
    with db.write(warehouse.db):
        catalog_rows.save_catalog(
            warehouse.db,
            subdistricts=(Subdistrict("XY", "夏阳街道"), Subdistrict("YP", "盈浦街道")),
            committees=COMMITTEES,
            payment_codes=(PaymentCode("QR01", "", tuple(c.code for c in COMMITTEES)),),
            locations=(Location("A-01-01-1", "A", 1, 1, 1, 1),
                       Location("A-01-02-1", "A", 1, 2, 1, 2)),
            products=(Product("V001", "青菜", "份", 1500, "A-01-01-1"),
                      Product("V002", "土豆", "袋", 850, "A-01-02-1")),
        )  # fmt: skip
    report = warehouse.import_file(write_csv(tmp_path / "first.csv", FIRST_FILE))
    assert report.added == 6 and len(report.rejects) == 1
    yield warehouse
    warehouse.close()


@pytest.fixture
def zh() -> None:
    set_language("zh_CN")  # the shared autouse fixture switches to English and back


def run_async(test: Callable[..., Coroutine[None, None, None]]) -> Callable[..., None]:
    """Run an async test in a fresh event loop (the project has no pytest async plugin)."""

    @functools.wraps(test)
    def wrapper(*args: object, **kwargs: object) -> None:
        asyncio.run(test(*args, **kwargs))

    return wrapper


async def wait_for(pilot: Pilot[None], condition: Callable[[], bool], timeout: float = 20) -> None:
    """Let the app run until `condition` holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.02)


def screen_of(app: PickerApp) -> OrdersScreen:
    screen = app.screen_stack[0]
    assert isinstance(screen, OrdersScreen)
    return screen


def table_of(app: PickerApp) -> DataTable:
    return screen_of(app).query_one("#orders", DataTable)


def committees_shown(app: PickerApp) -> list[str]:
    table = table_of(app)
    return [str(table.get_row_at(i)[1]) for i in range(table.row_count)]


def cell(app: PickerApp, committee: str, column: str) -> str:
    return str(table_of(app).get_cell(CODE_OF[committee], column))


def totals(app: PickerApp) -> str:
    return str(screen_of(app).query_one("#totals", Static).content)


async def loaded(pilot: Pilot[None]) -> None:
    await wait_for(pilot, lambda: table_of(pilot.app).row_count == 4)  # type: ignore[arg-type]


@run_async
async def test_table_lists_committees_with_totals(wh: Warehouse, zh: None) -> None:
    app = make_app(wh)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        assert committees_shown(app) == ["青平居委", "城中居委", "航运新村居委", "杨家庄村委"]
        assert [cell(app, "青平居委", c) for c in ("subdistrict", "orders", "lines", "amount")] == [
            "夏阳街道", "2", "3", "￥53.50"]  # fmt: skip
        assert cell(app, "城中居委", "rejects") == "1"
        assert cell(app, "杨家庄村委", "orders") == "0"
        headers = [str(c.label) for c in table_of(app).columns.values()]
        assert headers == ["街道 ▲", "居委", "订单", "订单行", "金额", "待处理拒收"]
        assert totals(app) == "6 单 · ￥132.50 · 3/4 个居委有单 · 待处理拒收 1"
        assert table_of(app).get_cell(CODE_OF["青平居委"], "amount").justify == "right"
        assert app.title == "青浦保供仓" and app.sub_title == "张班长 · 班长 · T1"
        assert app.focused is table_of(app) and app.screen.focus_chain == [table_of(app)]


@run_async
async def test_filter_narrows_rows_and_escape_clears(wh: Warehouse) -> None:
    app = make_app(wh)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"居委")
        assert committees_shown(app) == ["青平居委", "城中居委", "航运新村居委"]
        await pilot.press(*"青平")  # "居委青平" matches nothing: the filter is a substring
        assert committees_shown(app) == []
        await pilot.press("ctrl+u", *"航运")
        assert committees_shown(app) == ["航运新村居委"]
        assert totals(app).endswith("1/4 shown")
        await pilot.press("enter")  # back to the table, the filter stays
        assert app.focused is table_of(app) and committees_shown(app) == ["航运新村居委"]
        await pilot.press("escape")
        assert len(committees_shown(app)) == 4
        assert app.focused is table_of(app)
        assert not screen_of(app).query_one("#filter-bar").display


@run_async
async def test_keys_typed_into_the_filter_are_text_not_commands(wh: Warehouse) -> None:
    app = make_app(wh)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        await pilot.press("f", *"sjr")
        assert screen_of(app).query_one("#filter", Input).value == "sjr"
        assert screen_of(app).sort is SortOrder.PLACE
        assert isinstance(app.screen, OrdersScreen)


@run_async
async def test_sort_cycles_and_keeps_the_cursor_on_its_committee(wh: Warehouse) -> None:
    app = make_app(wh)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        await pilot.press("down")  # 城中居委
        await pilot.press("s")
        assert committees_shown(app) == ["航运新村居委", "青平居委", "城中居委", "杨家庄村委"]
        assert str(table_of(app).columns[next(iter(table_of(app).columns))].label) == (
            "Subdistrict"
        )
        assert table_of(app).cursor_row == 2
        await pilot.press("s")
        assert committees_shown(app) == ["青平居委", "航运新村居委", "城中居委", "杨家庄村委"]
        await pilot.press("s")
        assert committees_shown(app) == ["青平居委", "城中居委", "航运新村居委", "杨家庄村委"]


@run_async
async def test_rejects_view_lists_file_and_line(wh: Warehouse, tmp_path: Path) -> None:
    app = make_app(wh)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        await pilot.press("j")
        assert isinstance(app.screen, RejectsScreen)
        options = app.screen.query_one(OptionList)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert prompts == [
            f"{tmp_path / 'first.csv'}:{REJECTED_LINE}: phone '12345' is not an 11-digit mobile"
            " number"
        ]
        await pilot.press("escape")
        assert isinstance(app.screen, OrdersScreen)


@run_async
async def test_another_terminal_importing_updates_the_screen_in_place(
    wh: Warehouse, tmp_path: Path
) -> None:
    loads: list[OrdersScreen.SummaryLoaded] = []

    def hook(message: object) -> None:
        if isinstance(message, OrdersScreen.SummaryLoaded):
            loads.append(message)

    app = make_app(wh)
    async with app.run_test(size=(100, 30), message_hook=hook) as pilot:
        await loaded(pilot)
        table = table_of(app)
        rebuilds: list[bool] = []
        clear = table.clear
        table.clear = lambda columns=False: (rebuilds.append(columns), clear(columns))[1]  # type: ignore[method-assign]
        await pilot.press("down", "down")
        other = Warehouse(wh.path)  # another terminal: its own connection
        try:
            other.import_file(write_csv(tmp_path / "late.csv", [
                row("C1", "杨家庄村委", "V002", 2, "8.50", "17.00"),
                row("C2", "青平居委", "V001", 1, "15.00", "15.00"),
            ]))  # fmt: skip
        finally:
            other.close()
        await wait_for(pilot, lambda: cell(app, "杨家庄村委", "orders") == "1")
        assert cell(app, "青平居委", "orders") == "3" and cell(app, "青平居委", "lines") == "4"
        assert totals(app) == "8 orders · ￥164.50 · 4/4 committees with orders · 1 reject pending"
        assert rebuilds == [] and table.cursor_row == 2  # cells updated, cursor kept
        # Once the change is read, the timer keeps checking but reads nothing more.
        await pilot.pause(0.6)
        settled = len(loads)
        await pilot.pause(0.6)
        assert len(loads) == settled


@run_async
async def test_english_headers_and_footer(wh: Warehouse) -> None:
    set_language("en")
    app = make_app(wh)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        headers = [str(c.label) for c in table_of(app).columns.values()]
        assert headers == ["Subdistrict ▲", "Committee", "Orders", "Order lines", "Amount",
                           "Pending rejects"]  # fmt: skip
        assert totals(app) == "6 orders · ￥132.50 · 3/4 committees with orders · 1 reject pending"
        descriptions = {b.binding.description for b in app.screen.active_bindings.values()}
        assert {"Refresh", "Filter", "Rejects", "Sort", "Help"} <= descriptions


@run_async
async def test_chinese_footer_keys(wh: Warehouse, zh: None) -> None:
    app = make_app(wh)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        descriptions = {b.binding.description for b in app.screen.active_bindings.values()}
        assert {"刷新", "筛选", "拒收", "排序", "帮助"} <= descriptions


@run_async
async def test_fits_80_by_24(wh: Warehouse, zh: None) -> None:
    app = make_app(wh)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        screen = screen_of(app)
        table, footer = table_of(app), screen.query_one(Footer)
        bar = screen.query_one("#totals", Static)
        assert footer.region.y == 23 and footer.region.height == 1
        assert bar.region.bottom <= footer.region.y and bar.region.height == 1
        assert table.region.height >= 10
        columns_width = sum(c.get_render_width(table) for c in table.columns.values())
        assert columns_width <= table.region.width  # no sideways scrolling needed


@run_async
async def test_help_lists_the_keys(wh: Warehouse) -> None:
    app = make_app(wh)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        keys = {description: key for key, description, _tooltip in app.screen.keys}
        assert keys["Filter"] == "/ f" and keys["Refresh"] == "r" and keys["Help"] == "F1"
        assert {"Rejects", "Sort", "Quit"} <= set(keys)
        await pilot.press("escape")
        assert isinstance(app.screen, OrdersScreen)


@run_async
async def test_every_binding_has_an_id_and_a_keymap_remaps_it(wh: Warehouse) -> None:
    for cls in (PickerApp, OrdersScreen, RejectsScreen, HelpScreen):
        assert all(b.id for b in cls.BINDINGS), cls  # type: ignore[union-attr]
    app = make_app(wh, keymap={"orders.sort": "o"})
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        await pilot.press("o")
        assert screen_of(app).sort is SortOrder.ORDERS


@run_async
async def test_command_palette_offers_the_screen_commands(wh: Warehouse) -> None:
    app = make_app(wh)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert {"Refresh", "Filter", "Rejects", "Sort", "Help", "Quit", "Theme"} <= set(titles)
        sort = next(c for c in app.get_system_commands(app.screen) if c.title == "Sort")
        await sort.callback()  # type: ignore[misc]
        assert screen_of(app).sort is SortOrder.ORDERS
        await pilot.press("ctrl+p")
        assert app.screen.id == "--command-palette"


@run_async
async def test_ctrl_q_quits(wh: Warehouse) -> None:
    app = make_app(wh)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0 and not app.is_running


@run_async
async def test_an_unreadable_warehouse_is_a_red_line_not_a_crash(tmp_path: Path) -> None:
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"this is not a database file " * 100)
    errors: list[str] = []

    def hook(message: object) -> None:
        if isinstance(message, Notify) and message.notification.severity == "error":
            errors.append(message.notification.message)

    app = make_app(Warehouse(broken, Settings(refresh_seconds=0.05)))
    async with app.run_test(size=(100, 30), message_hook=hook) as pilot:
        await wait_for(pilot, lambda: bool(errors))
        await pilot.pause(0.3)  # the timer keeps retrying; the same error is reported once
        assert app.is_running and len(errors) == 1
        assert errors[0].startswith("Cannot read the warehouse:")
        assert table_of(app).row_count == 0
