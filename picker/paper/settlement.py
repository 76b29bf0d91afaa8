"""The printed settlement slip (分账结算单) a committee and the warehouse sign per committee.

A pure builder like `sheets` (see there for why the Chinese is literal). The figures are
one row of `picker.domain.settlement.settle`, so the slip, the screen and `picker settle` agree to
the fen. The refunds behind them are listed per household on the refund list (`refunds`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from picker.domain.money import format_fen
from picker.domain.settlement import SettlementRow
from picker.paper.sheets import title
from printers.document import Align, Block, Columns, Cut, Document, Feed, Paper, Rule, Text

#: Refund kinds as printed, in the order of the slip.
REFUND_KINDS = (("short_fen", "缺货"), ("underweight_fen", "欠重"), ("cancel_fen", "订单取消"))


@dataclass(frozen=True, slots=True)
class SettlementSlip:
    """One committee's settlement: `day` is the paid day it covers, None for every day."""

    row: SettlementRow
    committee: str
    subdistrict: str
    day: date | None
    printed_at: datetime
    warehouse: str = ""


def _line(label: str, value: str, paper: Paper, bold: bool = False) -> Columns:
    width = 14 if paper.columns >= 48 else 12
    return Columns((label, value), (0, width), (Align.LEFT, Align.RIGHT), bold)


def settlement_slip(data: SettlementSlip, paper: Paper, *, reprint: bool = False) -> Document:
    """Orders, paid, refunds by kind, net, delivered and open, with two signature lines."""
    r = data.row
    scope = f"付款日：{data.day:%Y-%m-%d}" if data.day else "范围：全部付款日"
    blocks: list[Block] = [
        title("分账结算单"),
        Text(data.committee, Align.CENTER, bold=True),
        Text(f"街道：{data.subdistrict}"),
        Text(scope),
        Text(f"截至：{data.printed_at:%Y-%m-%d %H:%M}"),
    ]
    if data.warehouse:
        blocks.append(Text(f"发货：{data.warehouse}"))
    blocks += [
        Rule("="),
        _line("订单", f"{r.orders} 单", paper),
        _line("实收", format_fen(r.paid_fen), paper, bold=True),
    ]
    blocks += [
        _line(f"退款 {label}", format_fen(getattr(r, field)), paper)
        for field, label in REFUND_KINDS
    ]
    blocks += [
        _line("退款合计", format_fen(r.refunds_fen), paper),
        Rule(),
        _line("净额", format_fen(r.net_fen), paper, bold=True),
        _line(f"已送达 {r.delivered_orders} 单", format_fen(r.delivered_fen), paper),
        _line(f"未结 {r.open_orders} 单", format_fen(r.open_fen), paper, bold=True),
        _line("全额退款", f"{r.refunded_orders} 单", paper),
        Rule(),
        Text("退款明细见退款清单"),
        Feed(1),
        Text("居委签字 ________ 日期 ______"),
        Feed(1),
        Text("仓库签字 ________ 日期 ______"),
        Cut(),
    ]
    return Document("settlement", r.code, tuple(blocks), reprint)
