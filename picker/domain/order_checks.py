"""Checking one order's fields and lines against the catalog. Pure.

`build_order` turns the raw text of an order (from a CSV row group or a JSON object) into an
`Order`, or into the reasons it cannot be one; every import format goes through it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from datetime import datetime

from picker.domain.json_items import storable
from picker.domain.model import SHANGHAI, Address, Catalog, Order, OrderLine, Reject
from picker.domain.money import format_fen, parse_fen
from picker.domain.order_fields import MAX_FEN, MAX_QTY, MAX_TEXT, STATUS_WORDS


class Validator:
    """Turns raw field values into domain values against the catalog, collecting rejects."""

    PHONE = re.compile(r"1[3-9]\d{9}")

    def __init__(self, source: str, catalog: Catalog) -> None:
        self.source = source
        self.catalog = catalog
        self.committees = catalog.committee_by_name()
        self.products = catalog.products
        self.product_names = catalog.product_by_name()
        self.payment_codes = catalog.payment_codes
        self.time_cache: dict[str, datetime | None] = {}
        self.fen_cache: dict[str, int | None] = {}

    def reject(
        self,
        line: int,
        reason: str,
        raw: Raw,
        order_no: str = "",
        committee: str | None = None,
        /,
        **params: object,
    ) -> Reject:
        # Kept for the lead and printed: text from a broken input must still be storable.
        return Reject(
            source=self.source,
            line=line,
            reason=reason,
            params=tuple((k, storable(str(v))) for k, v in params.items()),
            order_no=storable(order_no),
            raw=storable(raw if isinstance(raw, str) else csv_raw(raw)),
            committee=committee,
        )

    def paid_at(self, value: str) -> datetime | None:
        cached = self.time_cache.get(value, False)
        if cached is not False:
            return cached  # type: ignore[return-value]
        result = parse_time(value)
        self.time_cache[value] = result
        return result

    def qty(self, value: str) -> int | None:
        """A whole number above 0 (as large as it is written: `build_order` caps it)."""
        value = value.strip()
        if value.isascii() and value.isdigit():
            n = int(value)
            return n if n > 0 else None
        try:
            number = float(value)
        except ValueError:
            return None
        if not number.is_integer() or number <= 0:
            return None
        return min(int(number), MAX_QTY + 1)

    def fen(self, value: str) -> int | None:
        """An amount in yuan as fen, None if unreadable or negative. Prices repeat: cache."""
        try:
            return self.fen_cache[value]
        except KeyError:
            pass
        try:
            fen: int | None = parse_fen(value)
        except ValueError:
            fen = None
        if fen is not None and not 0 <= fen <= MAX_FEN:
            fen = None
        self.fen_cache[value] = fen
        return fen

    def phone(self, value: str) -> str | None:
        digits = value.replace(" ", "").replace("-", "")
        if digits.startswith("+86"):
            digits = digits[3:]
        elif digits.startswith("86") and len(digits) == 13:
            digits = digits[2:]
        return digits if self.PHONE.fullmatch(digits) else None

    def product(self, sku: str, name: str) -> str | None:
        if sku:
            return sku if sku in self.products else None
        return self.product_names.get(name)


def parse_time(value: str) -> datetime | None:
    """Bank and Excel date-times; naive ones are Shanghai time."""
    value = value.strip()
    if not value:
        return None
    if len(value) > 40:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        m = re.fullmatch(
            r"(\d{4})[/.\-年](\d{1,2})[/.\-月](\d{1,2})日?[ T]*(\d{1,2}):(\d{2})(?::(\d{2}))?",
            value,
        )
        if not m:
            return None
        y, mo, d, h, mi, s = m.groups()
        try:
            parsed = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0))
        except ValueError:
            return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=SHANGHAI)
    try:
        return parsed.astimezone(SHANGHAI)
    except OverflowError:  # 9999-12-31T23:00-14:00 is past the last year a datetime holds
        return None


def csv_raw(row: Sequence[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(row)
    return buf.getvalue()


# Where a value came from: a JSON line's text, or a CSV row rendered only if it is rejected.
Raw = str | list[str]
# (line, sku, product name, qty, unit price, raw) of one order line before validation.
RawLine = tuple[int, str, str, str, str, Raw]


_ORDER_REQUIRED = ("paid_at", "amount", "payment_code", "committee", "building", "room", "name",
                   "phone")  # fmt: skip


def build_order(
    v: Validator,
    order_no: str,
    line: int,
    record: Mapping[str, str],
    lines: Sequence[RawLine],
    raw: Raw,
) -> tuple[Order | None, list[Reject]]:
    """Validate one order's fields and lines. Returns the order, or None and the reasons."""
    rejects: list[Reject] = []
    committee = v.committees.get(record["committee"])

    def bad(reason: str, at: int = line, row: Raw = raw, **params: object) -> None:
        rejects.append(v.reject(at, reason, row, order_no, committee, **params))

    for fld, value in record.items():
        if len(value) > MAX_TEXT:
            bad("too_long", field=fld, length=len(value), max=MAX_TEXT)
    for at, *texts, row in lines:
        for fld, value in zip(("sku", "product", "qty", "unit_price"), texts, strict=True):
            if len(value) > MAX_TEXT:
                bad("too_long", at, row, field=fld, length=len(value), max=MAX_TEXT)
    if rejects:
        return None, rejects
    for fld in _ORDER_REQUIRED:
        if not record[fld]:
            bad("missing_field", field=fld)
    if rejects:
        return None, rejects
    paid_at = v.paid_at(record["paid_at"])
    if paid_at is None:
        bad("bad_time", value=record["paid_at"])
    amount = v.fen(record["amount"])
    if amount is None:
        bad("bad_amount", value=record["amount"])
    if committee is None:
        bad("unknown_committee", value=record["committee"])
    if record["payment_code"] not in v.payment_codes:
        bad("unknown_payment_code", value=record["payment_code"])
    phone = v.phone(record["phone"])
    if phone is None:
        bad("bad_phone", value=record["phone"])
    status = STATUS_WORDS.get(record["status"].lower())
    if status is None:
        bad("bad_status", value=record["status"])

    order_lines: list[OrderLine] = []
    total = 0
    for at, sku_text, name, qty_text, price_text, row in lines:
        if not sku_text and not name:
            bad("missing_field", at, row, field="sku")
            continue
        sku = v.product(sku_text, name)
        if sku is None:
            bad("unknown_product", at, row, value=sku_text or name)
        qty = v.qty(qty_text)
        if qty is None:
            bad("bad_qty", at, row, value=qty_text)
        elif qty > MAX_QTY:
            bad("too_large", at, row, field="qty", value=qty_text, max=MAX_QTY)
            qty = None
        price = v.fen(price_text)
        if price is None:
            bad("bad_price", at, row, value=price_text)
        if sku is None or qty is None or price is None:
            continue
        product = v.products[sku]
        grams = qty * product.unit_grams if product.weighed else None
        order_lines.append(OrderLine(sku, qty, price, grams))
        total += qty * price
    if rejects:
        return None, rejects
    if total != amount:
        bad("amount_mismatch", amount=format_fen(amount or 0), total=format_fen(total))
        return None, rejects
    assert paid_at is not None and committee is not None and phone is not None
    assert status is not None and amount is not None
    order = Order(
        order_no,
        paid_at,
        amount,
        record["payment_code"],
        committee,
        Address(record["building"], record["unit"], record["room"], record["community"]),
        record["name"],
        phone,
        tuple(order_lines),
        record["note"],
        status,
    )
    return order, rejects
