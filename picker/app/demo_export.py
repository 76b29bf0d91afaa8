"""The demo's orders written as a bank export, one CSV row per order line, for the importer."""

from __future__ import annotations

import csv
import os
from datetime import datetime
from typing import TextIO

from picker.app.demo import DemoWarehouse
from picker.domain.model import SHANGHAI, OrderStatus
from picker.domain.order_fields import DEFAULT_HEADERS, EXPORT_FIELDS

_STATUS_TEXT = {OrderStatus.PAID: "已支付", OrderStatus.REFUNDED: "已退款",
                OrderStatus.CANCELLED: "已取消"}  # fmt: skip


def _yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def export_csv(
    warehouse: DemoWarehouse,
    path_or_stream: str | os.PathLike[str] | TextIO,
    *,
    encoding: str = "utf-8-sig",
) -> int:
    """Write the orders as a bank export: one row per order line. Returns the rows written.

    The header is the Chinese column names the importer knows; a path is written in
    `encoding` (UTF-8 with a BOM, as Excel saves it), a text stream as it is. The header row
    is not counted.
    """
    if isinstance(path_or_stream, str | os.PathLike):
        with open(path_or_stream, "w", encoding=encoding, newline="") as f:
            return _write_csv(warehouse, f)
    return _write_csv(warehouse, path_or_stream)


def _write_csv(warehouse: DemoWarehouse, stream: TextIO) -> int:
    writer = csv.writer(stream)
    writer.writerow([DEFAULT_HEADERS[f][0] for f in EXPORT_FIELDS])
    committee_names = {c.code: c.name for c in warehouse.committees}
    product_names = {p.sku: p.name for p in warehouse.products}
    stamps: dict[datetime, str] = {}
    rows = 0
    for o in warehouse.orders:
        paid = stamps.get(o.paid_at)
        if paid is None:
            paid = stamps[o.paid_at] = f"{o.paid_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M:%S}"
        a = o.address
        head = [o.order_no, paid, _yuan(o.amount_fen), o.payment_code,
                committee_names[o.committee], a.community, a.building, a.unit, a.room, o.name,
                o.phone]  # fmt: skip
        tail = [o.note, _STATUS_TEXT[o.status]]
        writer.writerows(
            [*head, ln.sku, product_names[ln.sku], str(ln.qty), _yuan(ln.unit_price_fen), *tail]
            for ln in o.lines
        )
        rows += len(o.lines)
    return rows
