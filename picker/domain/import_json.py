"""Reading JSON exports: a JSON list of orders, JSON Lines, and a feed's decoded page. Pure.

The same fields and reasons as a CSV export (`picker.domain.order_fields`), checked by the same
`Validator`; JSON adds its own refusals: a value that is not text, nested too deep or unreadable
(`picker.domain.json_items` reads untrusted JSON item by item). `picker.domain.importing.parse`
chooses between CSV and these by the file's name or first byte.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

from picker.domain import json_items
from picker.domain.model import Catalog, Order, Reject
from picker.domain.order_checks import RawLine, Validator, build_order
from picker.domain.order_fields import DEFAULT_HEADERS, ORDER_FIELDS, ParsedFile
from picker.errors import InputError
from picker.i18n import _

JSON_LIST = re.compile(r"\s*\[")


_JSON_KEYS: dict[str, str] = {
    alias: fld for fld, aliases in DEFAULT_HEADERS.items() for alias in aliases
}


def _json_order(
    v: Validator, obj: object, line: int, raw: str, seen: dict[str, int]
) -> tuple[Order | None, list[Reject]]:
    if isinstance(obj, json_items.Unreadable):
        return None, [v.reject(line, "bad_json", raw, error=obj.error)]
    if not isinstance(obj, dict):
        return None, [v.reject(line, "bad_record", raw, error=type(obj).__name__)]
    order_no, why = _json_text(obj.get("order_no", obj.get("订单号")))
    if why:
        return None, [v.reject(line, why[0], raw, field="order_no", **why[1])]
    order_no = order_no.strip()
    if not order_no:
        return None, [v.reject(line, "missing_field", raw, field="order_no")]
    if order_no in seen:
        return None, [
            v.reject(
                line, "duplicate_in_file", raw, order_no, order_no=order_no, first=seen[order_no]
            )
        ]
    seen[order_no] = line
    rejects: list[Reject] = []
    record = _json_fields(v, obj, ORDER_FIELDS, line, raw, order_no, rejects)
    items = obj.get("lines", obj.get("商品"))
    if not isinstance(items, list) or not items:
        rejects.append(v.reject(line, "missing_field", raw, order_no, field="lines"))
        return None, rejects
    lines: list[RawLine] = []
    for item in items:
        if not isinstance(item, dict):
            rejects.append(v.reject(line, "bad_record", raw, order_no, error="line"))
            continue
        fields = _json_fields(v, item, _LINE_FIELDS, line, raw, order_no, rejects)
        lines.append(
            (line, fields["sku"], fields["product"], fields["qty"], fields["unit_price"], raw)
        )
    if rejects:
        return None, rejects
    return build_order(v, order_no, line, record, lines, raw)


_LINE_FIELDS = ("sku", "product", "qty", "unit_price")


def _json_fields(
    v: Validator,
    obj: Mapping[str, object],
    names: Sequence[str],
    line: int,
    raw: str,
    order_no: str,
    rejects: list[Reject],
) -> dict[str, str]:
    """These fields of a JSON object as stripped text ("" if absent); a value that is not
    text is a reject. Keys the warehouse does not use may hold anything."""
    fields = dict.fromkeys(names, "")
    for key, val in obj.items():
        fld = _JSON_KEYS.get(key)
        if fld not in fields:
            continue
        text, why = _json_text(val)
        if why:
            rejects.append(v.reject(line, why[0], raw, order_no, field=fld, **why[1]))
        else:
            fields[fld] = text.strip()
    return fields


_JSON_KINDS = {dict: "object", list: "array", bool: "boolean"}


def _json_text(val: object) -> tuple[str, tuple[str, dict[str, object]] | None]:
    """A JSON field's value as text, or the reason it is not text: (reason, params)."""
    if val is None:
        return "", None
    if isinstance(val, json_items.Unreadable):
        return "", ("unreadable_value", {"error": val.error})
    kind = _JSON_KINDS.get(type(val))
    if kind is not None:
        return "", ("not_text", {"kind": kind})
    text = val if isinstance(val, str) else str(val)
    if json_items.broken(text):
        return "", ("broken_text", {})
    return text, None


def parse_json(text: str, source: str, catalog: Catalog) -> ParsedFile:
    """A JSON list of orders with nested `lines`. `line` in a reject is the order's position."""
    # Read down to each order's fields: one field nested too deep is that order's reject.
    depth = 2 if JSON_LIST.match(text) else 3
    try:
        data = json_items.loads(text, depth)
    except json.JSONDecodeError as exc:
        raise InputError(_("{source}: not valid JSON: {error}", source=source, error=exc)) from None
    if isinstance(data, dict) and isinstance(data.get("orders"), list):
        data = data["orders"]
    if not isinstance(data, list):
        raise InputError(_("{source}: expected a list of orders", source=source))
    return parse_items(data, source, catalog)


def parse_items(items: Sequence[object], source: str, catalog: Catalog) -> ParsedFile:
    """Orders already decoded from JSON (a file's list, a feed's page)."""
    v = Validator(source, catalog)
    out = ParsedFile(source, len(items))
    seen: dict[str, int] = {}
    for pos, obj in enumerate(items, start=1):
        order, rejects = _json_order(v, obj, pos, json_items.raw_text(obj), seen)
        out.rejects.extend(rejects)
        if order is not None:
            out.orders.append(order)
            out.first_line[order.order_no] = pos
    return out


def parse_jsonl(text: str, source: str, catalog: Catalog) -> ParsedFile:
    """One JSON order per line; a broken line is a reject, not the end of the file."""
    v = Validator(source, catalog)
    orders: list[Order] = []
    rejects: list[Reject] = []
    seen: dict[str, int] = {}
    rows = 0
    for n, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        rows += 1
        try:
            obj = json_items.loads(raw, 1)
        except json.JSONDecodeError as exc:
            rejects.append(v.reject(n, "bad_json", raw, error=exc.msg))
            continue
        order, bad = _json_order(v, obj, n, raw, seen)
        rejects.extend(bad)
        if order is not None:
            orders.append(order)
    return ParsedFile(source, rows, orders, rejects, dict(seen))
