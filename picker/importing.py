"""Reading bank exports: decoding, CSV / JSON / JSONL parsing and validation. Pure.

A file becomes a list of valid `Order`s and a list of `Reject`s. An order with any bad row
is rejected whole: a partial order would be a wrong order (错单). Nothing here touches the
database; `picker.warehouse` decides what is new, a duplicate or a conflict.
"""

from __future__ import annotations

import csv
import gc
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter

from picker.errors import InputError
from picker.i18n import N_, _
from picker.model import (
    SHANGHAI,
    Address,
    Catalog,
    Order,
    OrderLine,
    OrderStatus,
    Reject,
)
from picker.money import format_fen, parse_fen

# Field -> header names recognised out of the box (Chinese as the bank writes them, English).
DEFAULT_HEADERS: dict[str, tuple[str, ...]] = {
    "order_no": ("订单号", "order_no"),
    "paid_at": ("支付时间", "paid_at"),
    "amount": ("订单金额", "amount"),
    "payment_code": ("收款码", "payment_code"),
    "committee": ("居委", "committee"),
    "community": ("小区", "community"),
    "building": ("楼号", "building"),
    "unit": ("单元", "unit"),
    "room": ("室号", "room"),
    "name": ("收货人", "name"),
    "phone": ("手机号", "phone"),
    "sku": ("商品编码", "sku"),
    "product": ("商品名称", "product"),
    "qty": ("数量", "qty"),
    "unit_price": ("单价", "unit_price"),
    "note": ("备注", "note"),
    "status": ("支付状态", "status"),
}
REQUIRED = (
    "order_no",
    "paid_at",
    "amount",
    "payment_code",
    "committee",
    "building",
    "room",
    "name",
    "phone",
    "qty",
    "unit_price",
)
ORDER_FIELDS = (
    "order_no",
    "paid_at",
    "amount",
    "payment_code",
    "committee",
    "community",
    "building",
    "unit",
    "room",
    "name",
    "phone",
    "note",
    "status",
)

STATUS_WORDS = {
    "": OrderStatus.PAID,
    "paid": OrderStatus.PAID,
    "已支付": OrderStatus.PAID,
    "支付成功": OrderStatus.PAID,
    "refunded": OrderStatus.REFUNDED,
    "已退款": OrderStatus.REFUNDED,
    "cancelled": OrderStatus.CANCELLED,
    "已取消": OrderStatus.CANCELLED,
}

REASONS: dict[str, str] = {
    "missing_column": N_("the header has no column for {field}"),
    "missing_field": N_("{field} is empty"),
    "malformed_row": N_("the row has {found} fields where the header has {expected}"),
    "bad_time": N_("paid time {value!r} is not a date and time"),
    "bad_amount": N_("order amount {value!r} is not an amount in yuan"),
    "bad_price": N_("unit price {value!r} is not an amount in yuan"),
    "bad_qty": N_("quantity {value!r} is not a whole number above 0"),
    "bad_phone": N_("phone {value!r} is not an 11-digit mobile number"),
    "bad_status": N_("payment status {value!r} is not one of 已支付, 已退款, 已取消"),
    "unknown_product": N_("unknown product {value!r}"),
    "unknown_committee": N_("unknown committee {value!r}"),
    "unknown_payment_code": N_("unknown payment code {value!r}"),
    "amount_mismatch": N_("order amount {amount} is not the sum of its lines {total}"),
    "inconsistent_order": N_("{fields} differ from the order's row at line {first}"),
    "order_rejected": N_("order {order_no} is rejected whole: line {line} is invalid"),
    "bad_json": N_("not valid JSON: {error}"),
    "bad_record": N_("not an order object: {error}"),
    "conflict": N_("order {order_no} was imported before with other content; not overwritten"),
    "duplicate_in_file": N_("order {order_no} appears twice in the file (first at line {first})"),
}


FIELD_NAMES: dict[str, str] = {
    "order_no": N_("order number"),
    "paid_at": N_("paid time"),
    "amount": N_("order amount"),
    "payment_code": N_("payment code"),
    "committee": N_("committee"),
    "community": N_("community"),
    "building": N_("building"),
    "unit": N_("unit"),
    "room": N_("room"),
    "name": N_("recipient"),
    "phone": N_("phone"),
    "sku": N_("product code"),
    "product": N_("product name"),
    "qty": N_("quantity"),
    "unit_price": N_("unit price"),
    "note": N_("note"),
    "status": N_("payment status"),
    "lines": N_("order lines"),
}


def reason_text(reason: str, params: Iterable[tuple[str, str]]) -> str:
    """The reject's message in the current language; field names are translated too."""
    values = dict(params)
    for key in ("field", "fields"):
        if key in values:
            values[key] = ", ".join(
                _(FIELD_NAMES.get(f.strip(), f.strip())) for f in values[key].split(",")
            )
    return _(REASONS.get(reason, reason)).format(**values)


def describe(reject: Reject) -> str:
    """`FILE:LINE: reason`, as the CLI prints it."""
    return f"{reject.source}:{reject.line}: {reason_text(reject.reason, reject.params)}"


@dataclass(frozen=True, slots=True)
class ParsedFile:
    source: str
    rows: int
    orders: list[Order] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    #: Where each valid order starts in the file, for reporting conflicts later.
    first_line: dict[str, int] = field(default_factory=dict)


Progress = Callable[[int, int], None]
_JSON_LIST = re.compile(r"\s*\[")


def decode(data: bytes, source: str) -> str:
    """UTF-8 (with or without BOM), else GB18030, which covers GBK and GB2312."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise InputError(
            _("{source}: not UTF-8 or GBK text (byte {pos})", source=source, pos=exc.start)
        ) from None


def parse(
    data: bytes,
    source: str,
    catalog: Catalog,
    headers: Mapping[str, Sequence[str]] | None = None,
    progress: Progress | None = None,
) -> ParsedFile:
    """Parse a whole export. The format is chosen by the file name, else by its first byte."""
    with paused_gc():
        return _parse(data, source, catalog, headers, progress)


@contextmanager
def paused_gc() -> Iterator[None]:
    """Hold the cyclic garbage collector while building many small acyclic objects.

    A 100k-order file makes millions of rows, tuples and values; the collector's repeated
    passes over them doubled the parse time. Reference counting still frees everything.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _parse(
    data: bytes,
    source: str,
    catalog: Catalog,
    headers: Mapping[str, Sequence[str]] | None,
    progress: Progress | None,
) -> ParsedFile:
    text = decode(data, source)
    lower = source.lower()
    if lower.endswith(".jsonl") or lower.endswith(".ndjson"):
        return parse_jsonl(text, source, catalog)
    if lower.endswith(".json") or (not lower.endswith(".csv") and _JSON_LIST.match(text)):
        return parse_json(text, source, catalog)
    return parse_csv(text, source, catalog, headers, progress)


def _header_index(
    header: Sequence[str], headers: Mapping[str, Sequence[str]] | None
) -> dict[str, int]:
    names: dict[str, str] = {}
    for fld, aliases in DEFAULT_HEADERS.items():
        for alias in aliases:
            names[alias.lower()] = fld
    for fld, extra in (headers or {}).items():
        for alias in [extra] if isinstance(extra, str) else extra:
            names[alias.strip().lower()] = fld
    index: dict[str, int] = {}
    for i, name in enumerate(header):
        found = names.get(name.strip().lower())
        if found and found not in index:
            index[found] = i
    return index


class _Validator:
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
        return Reject(
            source=self.source,
            line=line,
            reason=reason,
            params=tuple((k, str(v)) for k, v in params.items()),
            order_no=order_no,
            raw=raw if isinstance(raw, str) else _csv_raw(raw),
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
        value = value.strip()
        if value.isascii() and value.isdigit():
            n = int(value)
            return n if n > 0 else None
        try:
            number = float(value)
        except ValueError:
            return None
        return int(number) if number.is_integer() and number > 0 else None

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
        if fen is not None and fen < 0:
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
    return parsed.astimezone(SHANGHAI)


def _csv_raw(row: Sequence[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(row)
    return buf.getvalue()


# Where a value came from: a JSON line's text, or a CSV row rendered only if it is rejected.
Raw = str | list[str]
# (line, sku, product name, qty, unit price, raw) of one order line before validation.
RawLine = tuple[int, str, str, str, str, Raw]


def parse_csv(
    text: str,
    source: str,
    catalog: Catalog,
    headers: Mapping[str, Sequence[str]] | None = None,
    progress: Progress | None = None,
) -> ParsedFile:
    """One row per order line, the order's fields repeated on every row."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        return ParsedFile(source, 0)
    index = _header_index(header, headers)
    v = _Validator(source, catalog)
    missing = [f for f in REQUIRED if f not in index]
    if "sku" not in index and "product" not in index:
        missing.append("sku")
    if missing:
        return ParsedFile(
            source, 0, rejects=[v.reject(1, "missing_column", header, field=f) for f in missing]
        )
    width = len(header)
    total_lines = text.count("\n") + 1 if progress else 0
    # order_no -> [(line, row)], in first-seen order
    groups: dict[str, list[tuple[int, list[str]]]] = {}
    rejects: list[Reject] = []
    i_order = index["order_no"]
    start = reader.line_num + 1
    rows = 0
    for row in reader:
        line = start
        start = reader.line_num + 1
        if len(row) != width:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            # Trailing empty cells are a common export artefact; anything else is broken.
            if len(row) > width and not any(c.strip() for c in row[width:]):
                row = row[:width]
            else:
                rows += 1
                rejects.append(v.reject(line, "malformed_row", row, found=len(row), expected=width))
                continue
        rows += 1
        if progress and rows % 5000 == 0:
            progress(reader.line_num, total_lines)
        order_no = row[i_order].strip()
        if not order_no:
            rejects.append(v.reject(line, "missing_field", row, field="order_no"))
            continue
        group = groups.get(order_no)
        if group is None:
            groups[order_no] = [(line, row)]
        else:
            group.append((line, row))
    if progress:
        progress(total_lines, total_lines)

    orders: list[Order] = []
    order_fields = [(f, index[f]) for f in ORDER_FIELDS if f in index]
    order_key = itemgetter(*(i for _, i in order_fields))
    present = [f for f, _ in order_fields]
    absent = dict.fromkeys(ORDER_FIELDS, "")
    i_sku, i_product = index.get("sku"), index.get("product")
    i_qty, i_price = index["qty"], index["unit_price"]
    for order_no, members in groups.items():
        first_line, first = members[0]
        record = dict(absent)
        record.update(zip(present, map(str.strip, order_key(first)), strict=True))
        lines: list[RawLine] = []
        row_rejects: list[Reject] = []
        key = order_key(first)
        for line, row in members:
            if line != first_line and order_key(row) != key:
                differing = [f for f, i in order_fields if row[i].strip() != record[f]]
                row_rejects.append(
                    v.reject(
                        line,
                        "inconsistent_order",
                        row,
                        order_no,
                        fields=", ".join(differing),
                        first=first_line,
                    )
                )
                continue
            lines.append(
                (
                    line,
                    row[i_sku].strip() if i_sku is not None else "",
                    row[i_product].strip() if i_product is not None else "",
                    row[i_qty],
                    row[i_price],
                    row,
                )
            )
        order = None
        if not row_rejects:
            # With a disagreeing row left out, the amount could not add up: report that row only.
            order, more = _build_order(v, order_no, first_line, record, lines, first)
            row_rejects.extend(more)
        if row_rejects:
            rejects.extend(_whole_order(v, order_no, row_rejects, members))
        elif order is not None:
            orders.append(order)
    rejects.sort(key=lambda r: r.line)
    starts = {order_no: members[0][0] for order_no, members in groups.items()}
    return ParsedFile(source, rows, orders, rejects, starts)


def _whole_order(
    v: _Validator,
    order_no: str,
    row_rejects: list[Reject],
    members: Sequence[tuple[int, list[str]]],
) -> list[Reject]:
    """The bad rows' own reasons, plus a note on each good row that its order went too."""
    bad_lines = {r.line for r in row_rejects}
    first_bad = min(bad_lines)
    committee = next((r.committee for r in row_rejects if r.committee), None)
    out = [
        Reject(r.source, r.line, r.reason, r.params, order_no, r.raw, committee)
        for r in row_rejects
    ]
    for line, row in members:
        if line not in bad_lines:
            out.append(
                v.reject(
                    line,
                    "order_rejected",
                    row,
                    order_no,
                    committee,
                    order_no=order_no,
                    line=first_bad,
                )
            )
    return out


_ORDER_REQUIRED = ("paid_at", "amount", "payment_code", "committee", "building", "room", "name",
                   "phone")  # fmt: skip


def _build_order(
    v: _Validator,
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


_JSON_KEYS: dict[str, str] = {
    alias: fld for fld, aliases in DEFAULT_HEADERS.items() for alias in aliases
}


def _json_order(
    v: _Validator, obj: object, line: int, raw: str, seen: dict[str, int]
) -> tuple[Order | None, list[Reject]]:
    if not isinstance(obj, dict):
        return None, [v.reject(line, "bad_record", raw, error=type(obj).__name__)]
    record = {
        _JSON_KEYS.get(k, k): ("" if val is None else str(val))
        for k, val in obj.items()
        if k not in ("lines", "商品")
    }
    record.setdefault("status", "")
    order_no = record.get("order_no", "").strip()
    if not order_no:
        return None, [v.reject(line, "missing_field", raw, field="order_no")]
    if order_no in seen:
        return None, [
            v.reject(
                line, "duplicate_in_file", raw, order_no, order_no=order_no, first=seen[order_no]
            )
        ]
    seen[order_no] = line
    items = obj.get("lines", obj.get("商品"))
    if not isinstance(items, list) or not items:
        return None, [v.reject(line, "missing_field", raw, order_no, field="lines")]
    lines: list[RawLine] = []
    for item in items:
        if not isinstance(item, dict):
            return None, [v.reject(line, "bad_record", raw, order_no, error="line")]
        fields = {
            _JSON_KEYS.get(k, k): ("" if val is None else str(val).strip())
            for k, val in item.items()
        }
        lines.append(
            (
                line,
                fields.get("sku", ""),
                fields.get("product", ""),
                fields.get("qty", ""),
                fields.get("unit_price", ""),
                raw,
            )
        )
    clean = {f: record.get(f, "").strip() for f in ORDER_FIELDS}
    return _build_order(v, order_no, line, clean, lines, raw)


def parse_json(text: str, source: str, catalog: Catalog) -> ParsedFile:
    """A JSON list of orders with nested `lines`. `line` in a reject is the order's position."""
    v = _Validator(source, catalog)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(_("{source}: not valid JSON: {error}", source=source, error=exc)) from None
    if isinstance(data, dict) and isinstance(data.get("orders"), list):
        data = data["orders"]
    if not isinstance(data, list):
        raise InputError(_("{source}: expected a list of orders", source=source))
    out = ParsedFile(source, len(data))
    seen: dict[str, int] = {}
    for pos, obj in enumerate(data, start=1):
        order, rejects = _json_order(v, obj, pos, json.dumps(obj, ensure_ascii=False), seen)
        out.rejects.extend(rejects)
        if order is not None:
            out.orders.append(order)
            out.first_line[order.order_no] = pos
    return out


def parse_jsonl(text: str, source: str, catalog: Catalog) -> ParsedFile:
    """One JSON order per line; a broken line is a reject, not the end of the file."""
    v = _Validator(source, catalog)
    orders: list[Order] = []
    rejects: list[Reject] = []
    seen: dict[str, int] = {}
    rows = 0
    for n, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        rows += 1
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            rejects.append(v.reject(n, "bad_json", raw, error=exc.msg))
            continue
        order, bad = _json_order(v, obj, n, raw, seen)
        rejects.extend(bad)
        if order is not None:
            orders.append(order)
    return ParsedFile(source, rows, orders, rejects, dict(seen))
