"""Reading bank exports: decoding, CSV / JSON / JSONL parsing. Pure.

A file becomes a list of valid `Order`s and a list of `Reject`s. An order with any bad row
is rejected whole: a partial order would be a wrong order (错单). The fields, reasons and
messages are in `order_fields`, the checks of one order in `picker.domain.order_checks`, the
JSON formats in `picker.domain.import_json` (re-exported here with the fields).
Nothing here touches the database; `picker.app.warehouse` decides what is new, a duplicate or a
conflict.
"""

from __future__ import annotations

import csv
import gc
import io
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from operator import itemgetter

from picker.domain.import_json import JSON_LIST, parse_items, parse_json, parse_jsonl
from picker.domain.model import Catalog, Order, Reject
from picker.domain.order_checks import RawLine, Validator, build_order, parse_time
from picker.domain.order_fields import (
    DEFAULT_HEADERS,
    FIELD_NAMES,
    ORDER_FIELDS,
    REASONS,
    REQUIRED,
    STATUS_WORDS,
    ParsedFile,
    Progress,
    describe,
    reason_text,
)
from picker.errors import InputError
from picker.i18n import _

__all__ = [
    "DEFAULT_HEADERS",
    "FIELD_NAMES",
    "ORDER_FIELDS",
    "REASONS",
    "REQUIRED",
    "STATUS_WORDS",
    "ParsedFile",
    "Progress",
    "decode",
    "describe",
    "parse",
    "parse_csv",
    "parse_items",
    "parse_json",
    "parse_jsonl",
    "parse_time",
    "paused_gc",
    "reason_text",
]

# The csv module stops at 128 KiB a field by default, with an error for the whole file; a
# field cannot be longer than its file, and one too long is a reject of its order.
_CSV_FIELD_LIMIT = 2**31 - 1


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
    if lower.endswith(".json") or (not lower.endswith(".csv") and JSON_LIST.match(text)):
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


def parse_csv(
    text: str,
    source: str,
    catalog: Catalog,
    headers: Mapping[str, Sequence[str]] | None = None,
    progress: Progress | None = None,
) -> ParsedFile:
    """One row per order line, the order's fields repeated on every row."""
    csv.field_size_limit(_CSV_FIELD_LIMIT)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise InputError(
            _("{source}: the header cannot be read: {error}", source=source, error=exc)
        ) from None
    if header is None:
        return ParsedFile(source, 0)
    index = _header_index(header, headers)
    v = Validator(source, catalog)
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
    for row in _rows(reader, v, rejects):
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
            order, more = build_order(v, order_no, first_line, record, lines, first)
            row_rejects.extend(more)
        if row_rejects:
            rejects.extend(_whole_order(v, order_no, row_rejects, members))
        elif order is not None:
            orders.append(order)
    rejects.sort(key=lambda r: r.line)
    starts = {order_no: members[0][0] for order_no, members in groups.items()}
    return ParsedFile(source, rows, orders, rejects, starts)


def _rows(reader: Iterator[list[str]], v: Validator, rejects: list[Reject]) -> Iterator[list[str]]:
    """The reader's rows; one it cannot parse is a reject, and reading goes on after it."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = getattr(reader, "line_num", 0)
            rejects.append(v.reject(line, "bad_csv", "", error=exc))
            continue
        yield row


def _whole_order(
    v: Validator,
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
