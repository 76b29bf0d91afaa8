"""The printed documents as pure builders: golden text renders at 58 and 80 mm, masking, pages,
the ESC/POS Chinese path and the PNG preview's codes read back with pyzbar.

Golden files live in tests/golden/paper/; after a deliberate layout change regenerate them
with PICKER_UPDATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import io
import itertools
import os
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest
from PIL import Image
from pyzbar import pyzbar

from picker.domain.model import Address
from picker.domain.settlement import SettlementRow
from picker.paper.lists import (
    PickLine,
    PickList,
    Refund,
    RefundHousehold,
    RefundList,
    RouteSheet,
    Stop,
    pick_list,
    refund_list,
    route_sheet,
)
from picker.paper.settlement import SettlementSlip, settlement_slip
from picker.paper.sheets import (
    BagLabel,
    Household,
    ItemLine,
    Manifest,
    bag_label,
    manifest,
    mask_name,
    mask_phone,
)
from printers.document import PAPER_58, PAPER_80, Document, Paper, Text, printed_width
from printers.escpos import render_escpos
from printers.png import render_png
from printers.profile import PrinterProfile
from printers.text import render_text
from tests.test_printers import split_chinese

GOLDEN = Path(__file__).parent / "golden" / "paper"
DAY = date(2022, 4, 12)
LONG_COMMITTEE = "盈浦街道航运新村第二居民委员会"
LONG_ADDRESS = "上海市青浦区盈浦街道航运路五号弄一百二十八号居委会办公室（近公交站）"
BAG_ID = "BG20220412000123-2"
MANIFEST_ID = "MF-YP02-20220412-1"

LABEL = BagLabel(
    bag_id=BAG_ID,
    k=2,
    n=3,
    items=4,
    committee=LONG_COMMITTEE,
    address=Address("12", "2", "301", "航运新村"),
    name="张三明",
    phone="13812345678",
    day=DAY,
    short_units=1,
    refund_fen=3200,
    warehouse="青浦保供仓",
    contents=(
        ItemLine("东北五常稻花香大米 5kg 真空包装", 1, "袋"),
        ItemLine("鸡蛋 30枚", 2, "盒"),
        ItemLine("猪肉", 1, "斤"),
    ),
)


def household(no: str, building: str, room: str, name: str, **kw: object) -> Household:
    base = Household(
        order_no=no,
        address=Address(building, "1", room),
        name=name,
        phone="139" + no[-4:].rjust(8, "0"),
        bags=1,
        items=(ItemLine("蔬菜套餐A", 1, "份"), ItemLine("鸡蛋 30枚", 2, "盒")),
    )
    return replace(base, **kw)  # type: ignore[arg-type]


MANIFEST = Manifest(
    manifest_id=MANIFEST_ID,
    committee=LONG_COMMITTEE,
    subdistrict="盈浦街道",
    contact_name="李梅",
    contact_phone="13900002222",
    address=LONG_ADDRESS,
    route="线路3",
    stop_order=2,
    day=DAY,
    households=(
        household("A0001", "3", "101", "欧阳小明", bags=0, items=(ItemLine("猪肉", 2, "斤", 2),)),
        household("A0002", "3", "502", "王五", refund_fen=144),
        household(
            "A0003",
            "12",
            "301",
            "张三明",
            bags=2,
            items=(
                ItemLine("东北五常稻花香大米 5kg 真空包装", 1, "袋"),
                ItemLine("鸡蛋 30枚", 2, "盒", 1),
            ),
            refund_fen=3200,
        ),
    ),
    warehouse="青浦保供仓",
)

PICK_LIST = PickList(
    batch_id="YP02-0412-01",
    committee=LONG_COMMITTEE,
    day=DAY,
    orders=12,
    lines=(
        PickLine("A-01-01-1", "鸡蛋 30枚", 6, "盒"),
        PickLine("A-02-03-2", "东北五常稻花香大米 5kg 真空包装", 2, "袋"),
        PickLine("C-01-01-1", "猪肉", 10, "斤", weighed=True),
    ),
    holder="P001 王小明",
    warehouse="青浦保供仓",
)

ROUTE = RouteSheet(
    route="线路3",
    day=DAY,
    stops=(
        Stop(1, "青平居委", "青平路 88 号", "王建国", "13800001111", 40, 52, "MF-XY01-20220412-1"),
        Stop(2, LONG_COMMITTEE, LONG_ADDRESS, "李梅", "13900002222", 3, 3, MANIFEST_ID),
    ),
    driver="赵师傅",
    truck="沪A12345",
    warehouse="青浦保供仓",
)

REFUNDS = RefundList(
    committee=LONG_COMMITTEE,
    subdistrict="盈浦街道",
    day=DAY,
    households=(
        RefundHousehold(
            "A0001",
            Address("3", "1", "101"),
            "欧阳小明",
            "13900000001",
            (Refund("short", 3600, "猪肉", 2, "斤", "out-of-stock"),),
        ),
        RefundHousehold(
            "A0003",
            Address("12", "1", "301"),
            "张三明",
            "13812345678",
            (
                Refund("short", 3200, "鸡蛋 30枚", 1, "盒", "damaged"),
                Refund("underweight", 144, "猪肉"),
                Refund("cancel", 1880),
            ),
        ),
    ),
    warehouse="青浦保供仓",
)

SETTLEMENT = SettlementSlip(
    row=SettlementRow(
        "YP02",
        LONG_COMMITTEE,
        "YP",
        orders=412,
        paid_fen=2_345_678,
        short_fen=6_800,
        underweight_fen=144,
        cancel_fen=3_880,
        delivered_fen=2_100_000,
        delivered_orders=380,
        refunded_orders=2,
    ),
    committee=LONG_COMMITTEE,
    subdistrict="盈浦街道",
    day=DAY,
    printed_at=datetime(2022, 4, 12, 18, 5),
    warehouse="青浦保供仓",
)

BUILDERS: dict[str, Callable[[Paper], Document]] = {
    "label": lambda paper: bag_label(LABEL, paper),
    "manifest": lambda paper: manifest(MANIFEST, paper),
    "picklist": lambda paper: pick_list(PICK_LIST, paper),
    "route": lambda paper: route_sheet(ROUTE, paper),
    "refunds": lambda paper: refund_list(REFUNDS, paper),
    "settlement": lambda paper: settlement_slip(SETTLEMENT, paper),
}


def check_golden(name: str, actual: str | bytes) -> None:
    path = GOLDEN / name
    if os.environ.get("PICKER_UPDATE_GOLDEN") == "1" or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(actual, bytes):
            path.write_bytes(actual)
        else:
            path.write_text(actual, encoding="utf-8")
    expected = path.read_bytes() if isinstance(actual, bytes) else path.read_text("utf-8")
    assert actual == expected, f"{name} differs from the golden file (PICKER_UPDATE_GOLDEN=1)"


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三明", "张*明"), ("张三", "张*"), ("欧阳小明", "欧**明"), ("李", "李"), (" 王五 ", "王*")],
)
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("13812345678", "138****5678"), ("02159201234", "021****1234"), ("12345", "***45")],
)
def test_mask_phone(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


@pytest.mark.parametrize("kind", sorted(BUILDERS))
@pytest.mark.parametrize("paper", [PAPER_58, PAPER_80], ids=["58", "80"])
def test_text_render_golden(kind: str, paper: Paper) -> None:
    text = render_text(BUILDERS[kind](paper), paper)
    for line in text.splitlines():
        assert printed_width(line) <= paper.columns, line
    check_golden(f"{kind}_{paper.name}.txt", text)


def test_long_names_wrap_instead_of_overflowing() -> None:
    text = render_text(manifest(MANIFEST, PAPER_58), PAPER_58)
    # The address needs three lines at 32 columns; every part of it is printed.
    assert "".join(line.strip() for line in text.splitlines()).count("近公交站") == 1
    assert "东北五常稻花香大米" in text.replace("\n", "").replace(" ", "")


def test_label_masks_residents_unless_turned_off() -> None:
    masked = render_text(bag_label(LABEL, PAPER_58), PAPER_58)
    assert "张*明" in masked and "138****5678" in masked
    assert "张三明" not in masked and "13812345678" not in masked
    plain = render_text(bag_label(LABEL, PAPER_58, mask=False), PAPER_58)
    assert "张三明" in plain and "13812345678" in plain


def test_label_shows_bag_k_of_n_and_the_short_marker() -> None:
    text = render_text(bag_label(LABEL, PAPER_80), PAPER_80)
    assert "第    2 / 3   袋" in text and "本袋 4 件" in text
    assert "缺货 1 件  已退款 ￥32.00" in text
    clean = render_text(bag_label(replace(LABEL, short_units=0, refund_fen=0), PAPER_80), PAPER_80)
    assert "缺货" not in clean and "退款" not in clean


@pytest.mark.parametrize("paper", [PAPER_58, PAPER_80], ids=["58", "80"])
def test_label_prints_bag_k_of_n_as_large_as_the_address(paper: Paper) -> None:
    doc = bag_label(LABEL, paper)
    (number,) = [b for b in doc.blocks if isinstance(b, Text) and "2/3" in b.text]
    assert (number.width, number.height) == (2, 2)
    assert "第    2 / 3   袋" in render_text(doc, paper)  # spread as it prints, twice as wide
    profile = PrinterProfile("l", "file:-", paper=paper, encoding="gbk")
    out = render_escpos(doc, paper, profile)
    big = out.index("第 2/3 袋".encode("gbk"))
    assert out.rfind(b"\x1d!", 0, big) == out.rfind(b"\x1d!\x11", 0, big)  # GS ! 2x2 before it


@pytest.mark.parametrize("paper", [PAPER_58, PAPER_80], ids=["58", "80"])
def test_label_lists_the_bags_items_one_a_line(paper: Paper) -> None:
    lines = render_text(bag_label(LABEL, paper), paper).splitlines()
    rows = [line for line in lines if "×" in line]
    assert [row.split()[-1] for row in rows] == ["×1袋", "×2盒", "×1斤"]
    assert rows[1].startswith("鸡蛋 30枚") and rows[2].startswith("猪肉")
    # The rice's long name is cut to its line at 58 mm, whole at 80 mm.
    assert rows[0].startswith("东北五常稻花香大米")
    assert ("…" in rows[0]) is (paper.columns < 48)
    assert all(printed_width(line) <= paper.columns for line in lines)
    assert "本袋 4 件" in lines[lines.index(rows[-1]) + 1]


@pytest.mark.parametrize("paper", [PAPER_58, PAPER_80], ids=["58", "80"])
def test_a_full_bag_lists_its_first_items_and_the_count(paper: Paper) -> None:
    many = tuple(ItemLine(f"商品{k}号 特选装", 1, "件") for k in range(1, 11))
    label = replace(LABEL, items=10, contents=many)
    text = render_text(bag_label(label, paper), paper)
    shown = [k for k in range(1, 11) if f"商品{k}号" in text]
    room = 4 if paper.columns < 48 else 6
    assert shown == list(range(1, room + 1))  # the first ones, then the count
    assert "等 10 件" in text and "本袋" not in text
    # The label stays a label: its barcode still reads at both widths.
    assert decode(render_png(bag_label(label, paper), paper)) == {BAG_ID}


def test_a_label_without_its_contents_still_counts_the_items() -> None:
    text = render_text(bag_label(replace(LABEL, contents=()), PAPER_58), PAPER_58)
    assert "本袋 4 件" in text and "×" not in text


LONGER_COMMITTEE = "上海市青浦区盈浦街道航运新村第二居民委员会"


@pytest.mark.parametrize("paper", [PAPER_58, PAPER_80], ids=["58", "80"])
@pytest.mark.parametrize(
    "name", [LONG_COMMITTEE, LONGER_COMMITTEE, "ABCDEFGHIJKLMNOPQRSTUVWXYZ" * 2]
)
def test_route_sheet_continues_a_long_name_under_the_name(paper: Paper, name: str) -> None:
    stop = replace(ROUTE.stops[1], stop_order=12, committee=name)
    lines = render_text(route_sheet(replace(ROUTE, stops=(stop,)), paper), paper).splitlines()
    head = "第 12 站  "
    first = next(k for k, line in enumerate(lines) if line.startswith(head))
    rest = list(itertools.takewhile(lambda line: not line.startswith("地址"), lines[first + 1 :]))
    indent = printed_width(head)  # columns: a continuation starts with that many spaces
    assert rest or printed_width(head + name) <= paper.columns
    # Each continuation starts under the name's first character, never under 第.
    assert all(line[:indent] == " " * indent and line[indent] != " " for line in rest)
    assert lines[first][len(head) :] + "".join(line[indent:] for line in rest) == name
    assert all(printed_width(line) <= paper.columns for line in (lines[first], *rest))


def test_route_sheet_breaks_a_name_after_its_place() -> None:
    stop = replace(ROUTE.stops[1], committee=LONGER_COMMITTEE)
    text = render_text(route_sheet(replace(ROUTE, stops=(stop,)), PAPER_80), PAPER_80)
    assert "第 2 站  上海市青浦区盈浦街道航运新村\n         第二居民委员会\n" in text
    text = render_text(route_sheet(ROUTE, PAPER_58), PAPER_58)
    assert "第 2 站  盈浦街道航运新村\n         第二居民委员会\n" in text


def test_route_sheet_leaves_driver_and_truck_to_fill_in_by_hand() -> None:
    blank = render_text(route_sheet(replace(ROUTE, driver="", truck=""), PAPER_58), PAPER_58)
    assert "司机：________  车牌：________" in blank
    filled = render_text(route_sheet(ROUTE, PAPER_58), PAPER_58)
    assert "司机：赵师傅  车牌：沪A12345" in filled


def test_manifest_masks_names_but_not_the_committee_contact() -> None:
    text = render_text(manifest(MANIFEST, PAPER_80), PAPER_80)
    assert "欧**明" in text and "李梅 13900002222" in text
    unmasked = render_text(manifest(MANIFEST, PAPER_80, mask=False), PAPER_80)
    assert "欧阳小明" in unmasked


def test_reprint_is_marked_on_paper() -> None:
    for kind, doc in (
        ("label", bag_label(LABEL, PAPER_58, reprint=True)),
        ("manifest", manifest(MANIFEST, PAPER_58, reprint=True)),
        ("refunds", refund_list(REFUNDS, PAPER_58, reprint=True)),
    ):
        assert doc.reprint, kind
        assert "补  打" in render_text(doc, PAPER_58).splitlines()[0]
    assert "补  打" not in render_text(bag_label(LABEL, PAPER_58), PAPER_58)


def test_every_page_of_a_long_manifest_can_be_signed_on_its_own() -> None:
    many = tuple(
        household(f"B{i:04d}", str(i // 10 + 1), f"{i % 10 + 1}01", "赵六", bags=1 + i % 2)
        for i in range(85)
    )
    doc = manifest(replace(MANIFEST, households=many), PAPER_58, per_page=40)
    pages = render_text(doc, PAPER_58).split("[cut]")[:-1]
    assert len(pages) == 3
    sums = [(40, 60), (40, 60), (5, 7)]
    for k, (page, (households, bags)) in enumerate(zip(pages, sums, strict=True), 1):
        assert "交  接  清  单" in page
        assert f"本页小计：{households} 户  {bags} 袋  {households * 3} 件" in page
        assert f"第 {k}/3 页  {MANIFEST_ID}" in page
        assert page.count("接收人签字 ________ 日期 ______") == 1
        assert f"[QR {MANIFEST_ID}-P{k}-3]" in page
        assert page.index(f"第 {k}/3 页") < page.index("接收人签字") < page.index("[QR")
    # The grand total only on the last page, after its subtotal.
    assert ["全单合计：85 户  127 袋  255 件" in page for page in pages] == [False, False, True]
    assert pages[2].index("本页小计") < pages[2].index("全单合计")


def test_a_one_page_manifest_keeps_the_plain_manifest_qr() -> None:
    text = render_text(manifest(MANIFEST, PAPER_58), PAPER_58)
    assert f"[QR {MANIFEST_ID}]" in text and "本页小计" not in text
    assert "合计：3 户  3 袋  5 件" in text and "全单合计" not in text


def test_the_committee_on_a_manifest_is_printed_large() -> None:
    doc = manifest(MANIFEST, PAPER_58)
    (name,) = [b for b in doc.blocks if isinstance(b, Text) and b.text == LONG_COMMITTEE]
    assert (name.width, name.height, name.bold) == (2, 2, True)


@pytest.mark.parametrize("encoding", ["gbk", "gb18030"])
def test_label_escpos_has_code128_and_chinese_inside_fs(encoding: str) -> None:
    profile = PrinterProfile("l", "file:-", paper=PAPER_58, encoding=encoding)
    out = render_escpos(bag_label(LABEL, PAPER_58), PAPER_58, profile)
    outside, inside = split_chinese(out)
    assert b"{B" + BAG_ID[:2].encode() in outside  # CODE128 code set B for "BG"
    assert all(b < 0x80 for b in outside), "Chinese outside FS & ... FS ."
    chinese = b"".join(inside)
    for text in ("第 2/3 袋", "缺货 1 件", "已退款 ￥32.00", "张*明"):
        assert text.encode(encoding) in chinese, text
    assert b"?" not in chinese


def decode(png: bytes) -> set[str]:
    image = Image.open(io.BytesIO(png)).convert("L")
    return {symbol.data.decode("ascii") for symbol in pyzbar.decode(image)}


@pytest.mark.parametrize("paper", [PAPER_58, PAPER_80], ids=["58", "80"])
def test_png_preview_codes_read_back(paper: Paper) -> None:
    assert BAG_ID in decode(render_png(bag_label(LABEL, paper), paper))
    assert MANIFEST_ID in decode(render_png(manifest(MANIFEST, paper), paper))
    route = decode(render_png(route_sheet(ROUTE, paper), paper))
    assert route == {"MF-XY01-20220412-1", MANIFEST_ID}


@pytest.mark.parametrize("kind", sorted(BUILDERS))
@pytest.mark.parametrize("paper", [PAPER_58, PAPER_80], ids=["58", "80"])
def test_escpos_golden(kind: str, paper: Paper) -> None:
    profile = PrinterProfile("p", "file:-", paper=paper, encoding="gbk")
    out = render_escpos(BUILDERS[kind](paper), paper, profile)
    outside, inside = split_chinese(out)
    assert all(b < 0x80 for b in outside), "Chinese outside FS & ... FS ."
    assert b"?" not in b"".join(inside)
    check_golden(f"{kind}_{paper.name}_gbk.bin", out)


def test_quick_column_count_agrees_with_the_printer() -> None:
    from picker.paper.sheets import _columns

    for text in ("鸡蛋 30枚×2盒(缺1)", "东北五常稻花香大米 5kg", "ASCII", "·—℃", "𠀀"):
        assert _columns(text) == printed_width(text), text
