"""Printed lists: a batch's pick list, a driver's route sheet, a committee's refund list.

Pure builders like `picker.paper.sheets` (see there for why the Chinese is literal). Route-sheet
contacts are committee staff and print in full; residents on refund lists are masked unless
`mask=False`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from picker.domain.documents import PickLine, Refund, RefundHousehold
from picker.domain.money import format_fen
from picker.domain.states import RefundKind
from picker.paper.sheets import person, title
from printers.document import (
    Align,
    Block,
    Columns,
    Cut,
    Document,
    Feed,
    Paper,
    QRCode,
    Rule,
    Text,
    printed_width,
)

REFUND_KINDS: dict[str, str] = {
    RefundKind.SHORT: "缺货",
    RefundKind.UNDERWEIGHT: "欠重",
    RefundKind.CANCEL: "订单取消",
}
SHORT_REASONS = {
    "out-of-stock": "缺货",
    "damaged": "破损",
    "not-found": "未找到",
    "quality": "质量问题",
}


@dataclass(frozen=True, slots=True)
class PickList:
    batch_id: str
    committee: str
    day: date
    orders: int
    lines: tuple[PickLine, ...]
    holder: str = ""
    warehouse: str = ""


@dataclass(frozen=True, slots=True)
class Stop:
    stop_order: int
    committee: str
    address: str
    contact_name: str
    contact_phone: str
    #: Bags on the truck for this stop, of `bags` expected.
    loaded: int
    bags: int
    #: The QR the committee's signature proves: its latest manifest.
    manifest_id: str
    #: Closed crates (周转筐) holding the committee's bags.
    crates: int = 0


@dataclass(frozen=True, slots=True)
class RouteSheet:
    route: str
    day: date
    stops: tuple[Stop, ...]
    driver: str = ""
    truck: str = ""
    warehouse: str = ""


@dataclass(frozen=True, slots=True)
class RefundList:
    committee: str
    subdistrict: str
    day: date
    households: tuple[RefundHousehold, ...]
    warehouse: str = ""


def pick_list(data: PickList, paper: Paper, *, reprint: bool = False) -> Document:
    """A batch's pick list in walk order, with a box to tick per line."""
    widths = (11, 0, 6, 3) if paper.columns >= 48 else (9, 0, 5, 3)
    aligns = (Align.LEFT, Align.LEFT, Align.RIGHT, Align.RIGHT)
    blocks: list[Block] = [
        title("拣货单"),
        Text(f"批次：{data.batch_id}"),
        Text(f"居委：{data.committee}"),
        Text(f"日期：{data.day:%Y-%m-%d}  订单 {data.orders} 单"),
    ]
    if data.holder:
        blocks.append(Text(f"拣货员：{data.holder}"))
    blocks += [Rule("="), Columns(("货位", "商品", "数量", "√"), widths, aligns), Rule()]
    for line in data.lines:
        name = f"{line.name}(称重)" if line.weighed else line.name
        cells = (line.location, name, f"{line.qty}{line.unit}", "[ ]")
        blocks.append(Columns(cells, widths, aligns))
    units = sum(line.qty for line in data.lines)
    blocks += [Rule(), Text(f"共 {len(data.lines)} 种  {units} 件", bold=True), Cut()]
    return Document("picklist", data.batch_id, tuple(blocks), reprint)


def route_sheet(data: RouteSheet, paper: Paper, *, reprint: bool = False) -> Document:
    """A driver's route sheet: stops in order, each with its bags, signature and manifest QR."""
    blocks: list[Block] = [
        title("路线单"),
        Text(f"线路：{data.route}  日期：{data.day:%Y-%m-%d}"),
        Text(f"司机：{data.driver or '________'}  车牌：{data.truck or '________'}"),
    ]
    if data.warehouse:
        blocks.append(Text(f"发货：{data.warehouse}"))
    blocks.append(Rule("="))
    for stop in data.stops:
        blocks += [
            *_stop_heading(stop.stop_order, stop.committee, paper.columns),
            Text(f"地址：{stop.address}"),
            Text(f"联系人：{stop.contact_name} {stop.contact_phone}".rstrip()),
            Text(f"{stop.bags} 袋  已装 {stop.loaded}{_crates(stop.crates)}", bold=True),
            QRCode(stop.manifest_id, size=4 if paper.columns < 48 else 5),
            Text(stop.manifest_id, Align.CENTER),
            Text("签收人 ________ 时间 ______"),
            Rule(),
        ]
    blocks += [
        Text(
            f"合计：{len(data.stops)} 站  {sum(s.bags for s in data.stops)} 袋  "
            f"已装 {sum(s.loaded for s in data.stops)}{_crates(sum(s.crates for s in data.stops))}",
            bold=True,
        ),
        Feed(1),
        Text("司机签字 ________"),
        Text("装车人   ________"),
        Cut(),
    ]
    return Document("route", data.route, tuple(blocks), reprint)


#: Where a committee's name may break when it needs two lines: after the place it is in.
_NAME_BREAKS = ("街道", "镇", "乡", "新村", "小区", "社区", "村")


def _stop_heading(stop_order: int, committee: str, columns: int) -> list[Block]:
    """`第 2 站  name`, double height; a name longer than the line continues under itself
    (not under 第), broken at a space or after its subdistrict or estate when that fits, else
    between characters."""
    head = f"第 {stop_order} 站  "
    indent = printed_width(head)
    lines = _name_lines(committee, columns - indent)
    return [
        Text((head if k == 0 else " " * indent) + line, bold=True, height=2)
        for k, line in enumerate(lines)
    ]


def _name_lines(name: str, width: int) -> list[str]:
    """`name` in lines of `width` columns, breaking at a space or after a place word where
    one fits."""
    lines = []
    rest = name.strip()
    while printed_width(rest) > width:
        cut = _name_break(rest, width)
        lines.append(rest[:cut].rstrip(" "))
        rest = rest[cut:].lstrip(" ")
    return [*lines, rest]


def _name_break(name: str, width: int) -> int:
    """How many characters of `name` go on a line of `width` columns (at least one)."""
    fits = 0
    while fits < len(name) and printed_width(name[: fits + 1]) <= width:
        fits += 1
    fits = max(fits, 1)
    places = [j for j in range(1, fits + 1) if name[j - 1] == " "]
    for word in _NAME_BREAKS:
        at = name.find(word, 0, fits)
        if at >= 0:
            places.append(at + len(word))
    best = max(places, default=0)
    # A place word near the start would leave most of the line empty: cut at the edge then.
    return best if best * 2 >= fits else fits


def _crates(n: int) -> str:
    """`  3 筐` after a bag count when the bags travel in crates."""
    return f"  {n} 筐" if n else ""


def _refund_text(r: Refund) -> str:
    kind = REFUND_KINDS.get(r.kind, r.kind)
    if r.kind == RefundKind.SHORT:
        why = SHORT_REASONS.get(r.reason, "")
        note = f"({why})" if why and why != kind else ""
        return f"{r.product} {kind} {r.qty}{r.unit}{note}"
    if r.kind == RefundKind.UNDERWEIGHT:
        return f"{r.product} {kind}"
    return kind


def refund_list(
    data: RefundList, paper: Paper, *, mask: bool = True, reprint: bool = False
) -> Document:
    """A committee's refunds of the day, per household: what was short or under-weight."""
    amount = 10 if paper.columns >= 48 else 9
    right = (Align.LEFT, Align.LEFT, Align.RIGHT)
    blocks: list[Block] = [
        title("退款清单"),
        Text(data.committee, Align.CENTER, bold=True),
        Text(f"街道：{data.subdistrict}"),
        Text(f"日期：{data.day:%Y-%m-%d}"),
        Rule("="),
    ]
    for h in data.households:
        name, _phone = person(h.name, h.phone, mask)
        blocks.append(
            Columns((h.address.short(), name, format_fen(h.fen)), (10, 0, amount), right, True)
        )
        for r in h.refunds:
            blocks.append(Columns(("", _refund_text(r), format_fen(r.fen)), (1, 0, amount), right))
    if not data.households:
        blocks.append(Text("今日无退款", Align.CENTER))
    total = sum(h.fen for h in data.households)
    count = sum(len(h.refunds) for h in data.households)
    blocks += [
        Rule(),
        Text(f"合计：{len(data.households)} 户  {count} 笔  {format_fen(total)}", bold=True),
        Feed(1),
        Text("经办人   ________"),
        Text("居委确认 ________"),
        Cut(),
    ]
    return Document("refunds", data.committee, tuple(blocks), reprint)
