"""Parsing and validating bank exports, without a database."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from picker.domain.importing import describe, parse, parse_time, reason_text
from picker.domain.model import SHANGHAI, Catalog, OrderStatus
from picker.errors import InputError
from picker.i18n import set_language
from tests.conftest import HEADER_EN, HEADER_ZH, csv_text, order_rows

TWO_ORDERS = [
    *order_rows(
        "A001", lines=[("SKU0001", "蔬菜套餐A", 2, "38.80"), ("SKU0003", "猪肉", 2, "18.00")]
    ),
    *order_rows(
        "A002", committee="航运新村居委", code="QR02", lines=[("SKU0002", "鸡蛋 30枚", 1, "32.00")]
    ),
]


def reasons(parsed) -> list[tuple[int, str]]:
    return [(r.line, r.reason) for r in parsed.rejects]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_each_encoding_reads_the_same_orders(catalog: Catalog, encoding: str) -> None:
    data = csv_text(TWO_ORDERS).encode(encoding)
    parsed = parse(data, "bank.csv", catalog)
    assert parsed.rejects == []
    assert [o.order_no for o in parsed.orders] == ["A001", "A002"]
    first = parsed.orders[0]
    assert first.committee == "XY01"
    assert first.amount_fen == 2 * 3880 + 2 * 1800
    assert first.name == "张三明"
    assert first.address.short() == "12-2-301"


def test_gbk_bytes_really_differ_from_utf8(catalog: Catalog) -> None:
    text = csv_text(TWO_ORDERS)
    assert text.encode("gbk") != text.encode("utf-8")


def test_undecodable_bytes_are_an_input_error(catalog: Catalog) -> None:
    with pytest.raises(InputError, match="not UTF-8 or GBK"):
        parse(b"\x81\x20\xff\xfe\x00", "broken.csv", catalog)


def test_the_bank_export_header_is_read_as_the_bank_writes_it() -> None:
    """Pinned here, once, as the bank's export spells it: the tests and the demo build their
    files from `DEFAULT_HEADERS`, so a renamed header would otherwise go unnoticed."""
    assert HEADER_ZH == ["订单号", "支付时间", "订单金额", "收款码", "居委", "小区", "楼号",
                         "单元", "室号", "收货人", "手机号", "商品编码", "商品名称", "数量", "单价",
                         "备注", "支付状态"]  # fmt: skip
    assert HEADER_EN[:3] == ["order_no", "paid_at", "amount"] and len(HEADER_EN) == 17


def test_english_headers_and_column_order_do_not_matter(catalog: Catalog) -> None:
    rows = [list(reversed(r)) for r in TWO_ORDERS]
    parsed = parse(csv_text(rows, list(reversed(HEADER_EN))).encode(), "en.csv", catalog)
    assert parsed.rejects == []
    assert {o.order_no for o in parsed.orders} == {"A001", "A002"}


def test_configured_header_names(catalog: Catalog) -> None:
    header = ["交易流水号" if h == "订单号" else h for h in HEADER_ZH]
    data = csv_text(TWO_ORDERS, header).encode()
    assert parse(data, "x.csv", catalog).rejects[0].reason == "missing_column"
    parsed = parse(data, "x.csv", catalog, {"order_no": ("交易流水号",)})
    assert len(parsed.orders) == 2


def test_quoted_commas_newlines_crlf_and_trailing_blank_lines(catalog: Catalog) -> None:
    rows = order_rows("A001", note="放门口，\n谢谢, 老人独居")
    text = csv_text(rows).replace("\r\n", "\n").replace("\n", "\r\n") + "\r\n\r\n\r\n"
    parsed = parse(text.encode(), "q.csv", catalog)
    assert parsed.rejects == []
    assert parsed.orders[0].note.replace("\r\n", "\n") == "放门口，\n谢谢, 老人独居"


def test_line_numbers_count_physical_lines_after_a_quoted_newline(catalog: Catalog) -> None:
    rows = [*order_rows("A001", note="two\nlines"), *order_rows("A002", phone="123")]
    parsed = parse(csv_text(rows).encode(), "n.csv", catalog)
    # header 1, A001 spans lines 2-3, A002 starts on line 4
    assert reasons(parsed) == [(4, "bad_phone")]


@pytest.mark.parametrize(
    "amount_text, fen",
    [
        ("￥38.80", 3880),
        ("38.8元", 3880),
        ("¥38.80", 3880),
        (" 38.80 ", 3880),
        ("1,038.80", 103880),
    ],
)
def test_amount_spellings(catalog: Catalog, amount_text: str, fen: int) -> None:
    lines = [("SKU0001", "蔬菜套餐A", 1, f"{fen / 100:.2f}")]
    parsed = parse(csv_text(order_rows(lines=lines, amount=amount_text)).encode(), "a.csv", catalog)
    assert parsed.rejects == []
    assert parsed.orders[0].amount_fen == fen


def test_product_by_exact_name_when_there_is_no_code(catalog: Catalog) -> None:
    rows = order_rows(lines=[("", "鸡蛋 30枚", 2, "32.00")])
    parsed = parse(csv_text(rows).encode(), "n.csv", catalog)
    assert parsed.orders[0].lines[0].sku == "SKU0002"


def test_weighed_lines_carry_the_ordered_weight(catalog: Catalog) -> None:
    rows = order_rows(lines=[("SKU0003", "猪肉", 3, "18.00")])
    line = parse(csv_text(rows).encode(), "w.csv", catalog).orders[0].lines[0]
    assert line.ordered_grams == 1500


def test_committee_by_alias_and_refunded_status(catalog: Catalog) -> None:
    rows = order_rows(committee="青平", status="已退款")
    order = parse(csv_text(rows).encode(), "s.csv", catalog).orders[0]
    assert order.committee == "XY01"
    assert order.status is OrderStatus.REFUNDED


def test_phone_with_country_code_and_spaces_is_normalised(catalog: Catalog) -> None:
    rows = order_rows(phone="+86 138 1234 5678")
    assert parse(csv_text(rows).encode(), "p.csv", catalog).orders[0].phone == "13812345678"


# Every rejection reason, with the line it is reported on. Line 1 is the header.
@pytest.mark.parametrize(
    "rows, expected",
    [
        (order_rows(paid_at="yesterday"), [(2, "bad_time")]),
        (order_rows(paid_at=""), [(2, "missing_field")]),
        (order_rows(amount="lots"), [(2, "bad_amount")]),
        (order_rows(amount="38.805"), [(2, "bad_amount")]),
        (order_rows(lines=[("SKU0001", "蔬菜套餐A", 0, "38.80")], amount="0"), [(2, "bad_qty")]),
        (order_rows(lines=[("SKU0001", "蔬菜套餐A", 1, "x")], amount="38.80"), [(2, "bad_price")]),
        (order_rows(lines=[("SKU9999", "?", 1, "1.00")]), [(2, "unknown_product")]),
        (order_rows(lines=[("", "不存在的菜", 1, "1.00")]), [(2, "unknown_product")]),
        (order_rows(committee="火星居委"), [(2, "unknown_committee")]),
        (order_rows(code="QR99"), [(2, "unknown_payment_code")]),
        (order_rows(phone="1381234567"), [(2, "bad_phone")]),
        (order_rows(phone="02112345678"), [(2, "bad_phone")]),
        (order_rows(status="待支付"), [(2, "bad_status")]),
        (order_rows(amount="10.00"), [(2, "amount_mismatch")]),
        (order_rows(name=""), [(2, "missing_field")]),
        ([order_rows()[0][:-3]], [(2, "malformed_row")]),
        ([["", *order_rows()[0][1:]]], [(2, "missing_field")]),
    ],
)
def test_every_rejection_reason_with_its_line(
    catalog: Catalog, rows: list[list[str]], expected: list[tuple[int, str]]
) -> None:
    good = order_rows("GOOD1")
    parsed = parse(csv_text([*rows, *good]).encode(), "r.csv", catalog)
    assert reasons(parsed) == expected
    assert [o.order_no for o in parsed.orders] == ["GOOD1"]


def test_an_order_with_one_bad_line_is_rejected_whole(catalog: Catalog) -> None:
    rows = order_rows(
        "A001",
        lines=[
            ("SKU0001", "蔬菜套餐A", 1, "38.80"),
            ("SKU9999", "?", 1, "1.00"),
            ("SKU0002", "鸡蛋 30枚", 1, "32.00"),
        ],
    )
    parsed = parse(csv_text(rows).encode(), "w.csv", catalog)
    assert parsed.orders == []
    assert reasons(parsed) == [(2, "order_rejected"), (3, "unknown_product"), (4, "order_rejected")]
    assert all(r.order_no == "A001" and r.committee == "XY01" for r in parsed.rejects)


def test_rows_of_one_order_that_disagree_are_rejected(catalog: Catalog) -> None:
    rows = order_rows(
        "A001", lines=[("SKU0001", "蔬菜套餐A", 1, "38.80"), ("SKU0002", "鸡蛋 30枚", 1, "32.00")]
    )
    rows[1][9] = "李四"  # recipient changes between rows of one order
    parsed = parse(csv_text(rows).encode(), "d.csv", catalog)
    assert parsed.orders == []
    assert reasons(parsed) == [(2, "order_rejected"), (3, "inconsistent_order")]
    assert "recipient" in reason_text(parsed.rejects[1].reason, parsed.rejects[1].params)


def test_missing_required_column_rejects_the_header(catalog: Catalog) -> None:
    header = [h for h in HEADER_ZH if h != "手机号"]
    rows = [r[:10] + r[11:] for r in order_rows()]
    parsed = parse(csv_text(rows, header).encode(), "h.csv", catalog)
    assert parsed.orders == []
    assert reasons(parsed) == [(1, "missing_column")]


def test_describe_reads_file_line_reason_in_both_languages(catalog: Catalog) -> None:
    parsed = parse(csv_text(order_rows(phone="12")).encode(), "bank.csv", catalog)
    assert describe(parsed.rejects[0]) == "bank.csv:2: phone '12' is not an 11-digit mobile number"
    set_language("zh_CN")
    assert describe(parsed.rejects[0]) == "bank.csv:2: 手机号 '12' 不是 11 位手机号码"


def _json_order(order_no: str = "J001", **over: object) -> dict:
    order = {
        "order_no": order_no,
        "paid_at": "2022-04-12T09:00:00+08:00",
        "amount": "70.80",
        "payment_code": "QR01",
        "committee": "青平居委",
        "building": "3",
        "unit": "1",
        "room": "502",
        "name": "赵六",
        "phone": "13700001234",
        "lines": [
            {"sku": "SKU0001", "qty": 1, "unit_price": "38.80"},
            {"product": "鸡蛋 30枚", "qty": 1, "unit_price": 32},
        ],
    }
    order.update(over)
    return order


def test_json_list_of_orders(catalog: Catalog) -> None:
    data = json.dumps([_json_order("J001"), _json_order("J002", phone="1")], ensure_ascii=False)
    parsed = parse(data.encode(), "feed.json", catalog)
    assert [o.order_no for o in parsed.orders] == ["J001"]
    assert parsed.orders[0].amount_fen == 7080
    assert parsed.orders[0].paid_at == datetime(2022, 4, 12, 9, 0, tzinfo=SHANGHAI)
    assert reasons(parsed) == [(2, "bad_phone")]


def test_jsonl_bad_line_does_not_stop_the_file(catalog: Catalog) -> None:
    lines = [
        json.dumps(_json_order("J001"), ensure_ascii=False),
        "{not json",
        "",
        json.dumps(_json_order("J001"), ensure_ascii=False),
        json.dumps(_json_order("J003", lines=[]), ensure_ascii=False),
        json.dumps(_json_order("J004"), ensure_ascii=False),
    ]
    parsed = parse("\n".join(lines).encode(), "feed.jsonl", catalog)
    assert [o.order_no for o in parsed.orders] == ["J001", "J004"]
    assert reasons(parsed) == [(2, "bad_json"), (4, "duplicate_in_file"), (5, "missing_field")]


def test_json_that_is_not_a_list_is_an_input_error(catalog: Catalog) -> None:
    with pytest.raises(InputError, match="expected a list"):
        parse(b'{"a": 1}', "x.json", catalog)
    with pytest.raises(InputError, match="not valid JSON"):
        parse(b"[1, 2", "x.json", catalog)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2022-04-12 08:15:00", datetime(2022, 4, 12, 8, 15, tzinfo=SHANGHAI)),
        ("2022/4/12 8:15", datetime(2022, 4, 12, 8, 15, tzinfo=SHANGHAI)),
        ("2022年4月12日 08:15:30", datetime(2022, 4, 12, 8, 15, 30, tzinfo=SHANGHAI)),
        ("2022-04-12T00:15:00+00:00", datetime(2022, 4, 12, 8, 15, tzinfo=SHANGHAI)),
        ("2022-02-30 08:00", None),
        ("12/04/2022", None),
    ],
)
def test_parse_time(text: str, expected: datetime | None) -> None:
    assert parse_time(text) == expected


def test_format_is_sniffed_when_the_name_does_not_say(catalog: Catalog) -> None:
    data = json.dumps([_json_order("J001")], ensure_ascii=False).encode()
    assert [o.order_no for o in parse(b"  \n" + data, "export-0412", catalog).orders] == ["J001"]
    csv_bytes = csv_text(order_rows("C001")).encode()
    assert [o.order_no for o in parse(csv_bytes, "export-0412", catalog).orders] == ["C001"]
