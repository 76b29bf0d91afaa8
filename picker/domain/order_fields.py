"""The vocabulary of order intake: fields and their header names, payment states, and the
reasons a row or an order is rejected, with their messages. Pure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from picker.domain.model import Order, OrderStatus, Reject
from picker.i18n import N_, _

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
#: The columns of the bank's export, in its order: the demo writes its CSV so.
EXPORT_FIELDS = tuple(DEFAULT_HEADERS)
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

#: The longest text an order field may hold; a longer one is a broken export, not a name.
MAX_TEXT = 1000
#: The most of one product an order line may ask for.
MAX_QTY = 9999
#: The largest amount, in fen, an order or a unit price may have (a hundred million yuan).
MAX_FEN = 10**10

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
    "bad_csv": N_("the row cannot be read as CSV: {error}"),
    "too_long": N_("{field} is {length} characters long (at most {max})"),
    "too_large": N_("{field} {value} is more than {max}"),
    "not_text": N_("{field} is a JSON {kind}, not text"),
    "unreadable_value": N_("{field} cannot be read: {error}"),
    "broken_text": N_("{field} has a broken character (half of a cut emoji?)"),
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
