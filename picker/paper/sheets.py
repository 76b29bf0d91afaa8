"""Printed documents: bag labels and committee manifests (lists: `picker.paper.lists`).

Pure builders from domain values to `printers.document.Document` (standard library, the
pure picker modules and the printer-neutral document model only).

The printed text is Chinese whatever language the terminal speaks (DESIGN: "Printed
documents are Chinese"): a committee and a household read the paper, not the screen. So it
is written here literally instead of through `_()`.

Widths are printed columns of the paper given (a Chinese character is two); every layout
works at 58 mm (32 columns) and 80 mm (48). Barcode and QR payloads are the ASCII ids of
`picker.domain.ids`. Residents' names and phones are masked unless `mask=False`; committee
contacts are staff and print in full.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from picker.domain.documents import Household, ItemLine
from picker.domain.ids import manifest_page_id
from picker.domain.model import Address
from picker.domain.money import format_fen
from picker.paper.crates import CrateCount, crate_rows
from printers.document import (
    Align,
    Barcode,
    Block,
    Columns,
    Cut,
    Document,
    Feed,
    Paper,
    QRCode,
    Rule,
    Text,
)

#: Households per manifest page: a page is torn off, handed over, signed and photographed on
#: its own, so each carries the header, its subtotal, a signature line and its own QR.
PAGE_HOUSEHOLDS = 40


def mask_name(name: str) -> str:
    """张三明 -> 张*明, 张三 -> 张*, 欧阳小明 -> 欧**明."""
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str) -> str:
    """13812345678 -> 138****5678; short numbers keep only their last two digits."""
    phone = phone.strip()
    if len(phone) >= 8:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    if len(phone) > 2:
        return "*" * (len(phone) - 2) + phone[-2:]
    return phone


@dataclass(frozen=True, slots=True)
class BagLabel:
    bag_id: str
    k: int
    n: int
    items: int
    committee: str
    address: Address
    name: str
    phone: str
    day: date
    #: The whole order's units not delivered and fen refunded (short or under-weight).
    short_units: int = 0
    refund_fen: int = 0
    warehouse: str = ""
    #: What this bag holds (name, qty, unit), in packing order.
    contents: tuple[ItemLine, ...] = ()


@dataclass(frozen=True, slots=True)
class Manifest:
    manifest_id: str
    committee: str
    subdistrict: str
    contact_name: str
    contact_phone: str
    address: str
    route: str
    stop_order: int
    day: date
    households: tuple[Household, ...]
    warehouse: str = ""
    #: The crates holding the manifest's bags (none when the committee's bags go loose).
    crates: tuple[CrateCount, ...] = ()


def title(text: str) -> Text:
    """A document's heading: bold, double width and height, centred."""
    return Text(text, Align.CENTER, bold=True, width=2, height=2)


def person(name: str, phone: str, mask: bool) -> tuple[str, str]:
    """A resident's name and phone as printed: masked unless `mask` is off."""
    return (mask_name(name), mask_phone(phone)) if mask else (name, phone)


def indented(text: str, indent: int = 1) -> Columns:
    """A paragraph wrapped under a hanging indent (a Text block has no indent of its own)."""
    return Columns(("", text), (indent, 0))


def bag_label(
    data: BagLabel, paper: Paper, *, mask: bool = True, reprint: bool = False
) -> Document:
    """The label on one household bag: where it goes, whose it is, k of n, what is in it and
    its Code128 id. Bag k of n is as large as the address: a household missing a bag asks
    for it by that number."""
    name, phone = person(data.name, data.phone, mask)
    blocks: list[Block] = [
        title(data.committee),
        title(data.address.short() or "-"),
    ]
    if data.address.community:
        blocks.append(Text(data.address.community, Align.CENTER))
    blocks += [
        Columns((name, phone), (0, 0), (Align.LEFT, Align.RIGHT)),
        title(f"第 {data.k}/{data.n} 袋"),
        Rule(),
        *_bag_contents(data.contents, data.items, paper),
    ]
    if data.short_units or data.refund_fen:
        blocks.append(Text(_short_marker(data.short_units, data.refund_fen), bold=True))
    blocks += [
        Barcode(data.bag_id, height=64 if paper.columns < 48 else 80),
        Columns((f"{data.day:%Y-%m-%d}", data.warehouse), (10, 0), (Align.LEFT, Align.RIGHT)),
        Cut(),
    ]
    return Document("label", data.bag_id, tuple(blocks), reprint)


#: Item lines a bag label lists at 58 / 80 mm; a fuller bag lists the first and "等 N 件".
LABEL_ITEM_LINES = {32: 4, 48: 6}


def _bag_contents(items: Sequence[ItemLine], units: int, paper: Paper) -> list[Block]:
    """A bag's items, one a line (name cut to fit, quantity right), and its unit count.

    When they do not all fit, the first ones are listed and the count reads `等 N 件`, as
    Chinese closes a shortened list ("鸡蛋、大米等 9 件": N is the bag's whole count).
    """
    room = LABEL_ITEM_LINES.get(paper.columns, LABEL_ITEM_LINES[32])
    shown = list(items)[:room]
    qty = [f"×{i.qty}{i.unit}" for i in shown]
    # As wide as the longest quantity (`×1000克`), up to a third of the paper.
    qty_width = min(max((_columns(q) for q in qty), default=0), paper.columns // 3)
    name_room = paper.columns - qty_width - 1
    aligns = (Align.LEFT, Align.RIGHT)
    blocks: list[Block] = [
        Columns((_abbreviated(i.name, name_room), q), (0, qty_width), aligns)
        for i, q in zip(shown, qty, strict=True)
    ]
    total = f"等 {units} 件" if len(shown) < len(items) else f"本袋 {units} 件"
    blocks.append(Text(total, Align.RIGHT, bold=True))
    return blocks


def _abbreviated(name: str, width: int) -> str:
    """`name` on one line of `width` columns: cut with `…` (two columns) when longer."""
    if _columns(name) <= width:
        return name
    kept, used = [], 0
    for c in name:
        w = 1 if c < "\x80" else 2
        if used + w > width - 2:
            break
        kept.append(c)
        used += w
    return "".join(kept).rstrip(" ") + "…"


def _short_marker(units: int, fen: int) -> str:
    parts = []
    if units:
        parts.append(f"缺货 {units} 件")
    if fen:
        parts.append(f"已退款 {format_fen(fen)}")
    return "  ".join(parts)


def _columns(text: str) -> int:
    """Printed columns, as `printers.document.printed_width` counts them but without encoding:
    a manifest measures thousands of item lines."""
    return len(text) if text.isascii() else len(text) + sum(c >= "\x80" for c in text)


def _items_lines(items: Sequence[ItemLine], width: int) -> list[str]:
    """The items as `名称×2盒` joined on lines of `width` columns, never breaking one item
    across lines unless it is longer than a line by itself."""
    lines: list[str] = []
    for i in items:
        text = f"{i.name}×{i.qty}{i.unit}" + (f"(缺{i.short})" if i.short else "")
        joined = f"{lines[-1]}  {text}" if lines else text
        if lines and _columns(joined) <= width:
            lines[-1] = joined
        else:
            lines.append(text)
    return lines


def _pages(households: Sequence[Household], per_page: int) -> list[Sequence[Household]]:
    if not households:
        return [()]
    return [households[i : i + per_page] for i in range(0, len(households), per_page)]


def manifest(
    data: Manifest,
    paper: Paper,
    *,
    mask: bool = True,
    reprint: bool = False,
    per_page: int = PAGE_HOUSEHOLDS,
) -> Document:
    """A committee's handover manifest (交接清单), signed page by page by the receiver.

    Long manifests print in pages of `per_page` households, cut apart. A page is handed over,
    signed and photographed on its own, so each one repeats the header and has its own
    subtotal, 第 k/n 页, signature line and QR of the manifest and the page
    (`manifest_page_id`), which proof of delivery records page by page. The last page adds
    the grand total and the crates. A one-page manifest's QR is the manifest id itself.
    """
    wide = paper.columns >= 48
    pages = _pages(data.households, per_page)
    n = len(pages)
    blocks: list[Block] = []
    for k, page in enumerate(pages, 1):
        blocks += _manifest_header(data, k, n)
        for h in page:
            blocks += _household_rows(h, paper.columns, mask)
        blocks.append(Rule())
        if n > 1:
            blocks += _manifest_sums("本页小计", page)
        if k == n:
            if n > 1:
                blocks += [Rule("="), *_manifest_sums("全单合计", data.households)]
            else:
                blocks += _manifest_sums("合计", data.households)
            blocks += crate_rows(data.crates)
        code = data.manifest_id if n == 1 else manifest_page_id(data.manifest_id, k, n)
        blocks += [
            Text(f"第 {k}/{n} 页  {data.manifest_id}", bold=True),
            Feed(2),
            Text("接收人签字 ________ 日期 ______"),
            Feed(1),
            QRCode(code, size=6 if wide else 5),
            Text(code, Align.CENTER),
            Cut(),
        ]
    return Document("manifest", data.manifest_id, tuple(blocks), reprint)


def _manifest_header(data: Manifest, page: int, pages: int) -> Iterator[Block]:
    yield title("交接清单")
    yield title(data.committee)
    if page > 1:
        yield Text(f"(续) 第 {page}/{pages} 页", Align.CENTER)
    yield Text(f"街道：{data.subdistrict}")
    if data.address:
        yield Text(f"地址：{data.address}")
    yield Text(f"联系人：{data.contact_name} {data.contact_phone}".rstrip())
    stop = f" 第{data.stop_order}站" if data.route and data.stop_order else ""
    yield Text(f"日期：{data.day:%Y-%m-%d}")
    yield Text(f"线路：{data.route or '-'}{stop}")
    yield Text(f"单号：{data.manifest_id}")
    if data.warehouse:
        yield Text(f"发货：{data.warehouse}")
    yield Rule("=")
    yield Columns(("房号", "收货人", "袋数"), (10, 0, 4), (Align.LEFT, Align.LEFT, Align.RIGHT))
    yield Rule()


def _household_rows(h: Household, columns: int, mask: bool) -> Iterator[Block]:
    name, phone = person(h.name, h.phone, mask)
    who = f"{name} {phone}" if columns >= 48 else name
    yield Columns(
        (h.address.short(), who, f"{h.bags}袋"),
        (10, 0, 4),
        (Align.LEFT, Align.LEFT, Align.RIGHT),
        bold=True,
    )
    # Indent 2 and the gap of 1: what is left of the paper for the items.
    for line in _items_lines(h.items, columns - 3):
        yield indented(line, 2)
    if h.short_units or h.refund_fen:
        yield indented(_short_marker(h.short_units, h.refund_fen), 2)


def _manifest_sums(label: str, hs: Sequence[Household]) -> list[Block]:
    """A sum line (`合计`, a page's `本页小计`): households, bags, units, and what was short
    or refunded."""
    short = sum(h.short_units for h in hs)
    fen = sum(h.refund_fen for h in hs)
    blocks: list[Block] = [
        Text(
            f"{label}：{len(hs)} 户  {sum(h.bags for h in hs)} 袋  {sum(h.units for h in hs)} 件",
            bold=True,
        )
    ]
    if short or fen:
        blocks.append(Text(f"缺货 {short} 件  退款 {format_fen(fen)}"))
    return blocks
