"""The demo warehouse: shape, determinism, valid codes, and an export the importer takes."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from pathlib import Path

import pytest

from picker.app import demo, demo_export
from picker.domain.auth import verify_pin
from picker.domain.importing import DEFAULT_HEADERS, parse
from picker.domain.model import OrderStatus, Role

ORDERS = 600


@pytest.fixture(scope="module")
def wh() -> demo.DemoWarehouse:
    return demo.build_demo(ORDERS, seed=2022)


def gs1_valid(code: str) -> bool:
    """Independent of the code under test: weights 1,3,1,3... from the left for 13 digits."""
    digits = [int(c) for c in code]
    weights = [3 if (len(digits) - i) % 2 == 0 else 1 for i in range(len(digits))]
    return sum(d * w for d, w in zip(digits, weights, strict=True)) % 10 == 0


def test_check_digit_on_known_codes() -> None:
    # 6+0+2+4+6+8 + 3*(9+1+3+5+7+9) = 128 -> 2.
    assert demo.ean13_check_digit("690123456789") == "2"
    assert gs1_valid("6901234567892")
    assert not gs1_valid("6901234567893")
    # Published examples: EAN-13 4006381333931 and 5901234123457, GTIN-14 10614141000415,
    # EAN-8 96385074.
    for code in ("4006381333931", "5901234123457"):
        assert gs1_valid(code) and demo.ean13_check_digit(code[:12]) == code[-1]
    for code in ("10614141000415", "96385074"):
        assert gs1_valid(code) and demo.gtin_check_digit(code[:-1]) == code[-1]
    with pytest.raises(ValueError):
        demo.ean13_check_digit("69012345678")


def test_same_seed_same_warehouse(wh: demo.DemoWarehouse) -> None:
    again = demo.build_demo(ORDERS, seed=2022)
    assert again.orders == wh.orders
    assert again.catalog() == wh.catalog()
    assert again.locations == wh.locations
    assert again.operators == wh.operators
    assert again.pins == wh.pins


def test_other_seed_other_orders(wh: demo.DemoWarehouse) -> None:
    other = demo.build_demo(ORDERS, seed=7)
    assert other.orders != wh.orders
    assert [o.order_no for o in other.orders] == [o.order_no for o in wh.orders]
    assert other.catalog() == wh.catalog()
    assert other.pins != wh.pins


def test_catalog_only() -> None:
    catalog_only = demo.build_demo(0)
    assert catalog_only.orders == ()
    assert len(catalog_only.committees) == 47
    with pytest.raises(ValueError):
        demo.build_demo(-1)


def test_subdistricts_and_committees(wh: demo.DemoWarehouse) -> None:
    assert {(s.code, s.name) for s in wh.subdistricts} == {
        ("XY", "夏阳街道"),
        ("YP", "盈浦街道"),
        ("ZX", "赵巷镇"),
    }
    assert len(wh.committees) == 47
    codes = [c.code for c in wh.committees]
    assert len(set(codes)) == 47
    assert {c.subdistrict for c in wh.committees} == {"XY", "YP", "ZX"}
    for c in wh.committees:
        assert re.fullmatch(rf"{c.subdistrict}\d\d", c.code)
        assert c.name.endswith(("居委", "村委"))
        assert re.fullmatch(r"1[3-9]\d{9}", c.contact_phone)
        assert re.fullmatch(r".+(路|大道|街)\d+号", c.address)
        assert re.fullmatch(r"线路[1-6]", c.route) and c.stop_order >= 1
        assert 300 <= c.households <= 6000
    zx = [c.name for c in wh.committees if c.subdistrict == "ZX"]
    assert any(n.endswith("居委") for n in zx) and any(n.endswith("村委") for n in zx)
    stops = Counter((c.route, c.stop_order) for c in wh.committees)
    assert max(stops.values()) == 1
    # Every name, alias and code points at exactly one committee.
    keys = [k for c in wh.committees for k in (c.code, c.name, *c.aliases)]
    assert len(keys) == len(set(keys))
    assert any(c.aliases for c in wh.committees)


def test_payment_codes_cover_every_committee_once(wh: demo.DemoWarehouse) -> None:
    assert len(wh.payment_codes) == 36
    assert [p.code for p in wh.payment_codes] == [f"QR{n:02d}" for n in range(1, 37)]
    assert all(1 <= len(p.committees) <= 2 for p in wh.payment_codes)
    covered = Counter(c for p in wh.payment_codes for c in p.committees)
    assert set(covered) == {c.code for c in wh.committees}


def test_products_and_barcodes(wh: demo.DemoWarehouse) -> None:
    products = wh.products
    assert 55 <= len(products) <= 65
    assert len({p.sku for p in products}) == len(products)
    assert len({p.name for p in products}) == len(products)
    assert len({p.location for p in products}) == len(products)
    locations = {loc.code for loc in wh.locations}
    assert all(p.location in locations for p in products)
    assert {"蔬菜套餐A", "蔬菜套餐B", "蔬菜套餐C"} <= {p.name for p in products if p.is_bundle}
    codes = [b.code for p in products for b in p.barcodes]
    assert len(codes) == len(set(codes))
    for p in products:
        assert isinstance(p.price_fen, int) and p.price_fen > 0
        unit = [b for b in p.barcodes if b.pack_qty == 1]
        assert len(unit) == 1 and len(unit[0].code) == 13
        assert "690" <= unit[0].code[:3] <= "695"
        for b in p.barcodes:
            assert b.sku == p.sku and b.code.isdigit() and gs1_valid(b.code), b
            if b.is_case:
                assert b.pack_qty in (6, 10, 12, 20) and len(b.code) in (13, 14)
    weighed = [p for p in products if p.weighed]
    assert {"猪肉", "排骨", "鸡腿", "苹果", "橙子", "香蕉"} <= {p.name for p in weighed}
    for p in weighed:
        assert p.unit == "斤" and p.unit_grams == 500 and 10 <= p.tolerance_grams <= 25
        assert p.plu is not None and re.fullmatch(r"\d{5}", p.plu)
    assert len({p.plu for p in weighed}) == len(weighed)
    plain = [p for p in products if not p.weighed]
    assert sum(1 for p in plain if any(b.is_case for b in p.barcodes)) > len(plain) / 2


def test_locations_walk_a_serpentine(wh: demo.DemoWarehouse) -> None:
    locs = sorted(wh.locations, key=lambda loc: loc.walk_seq)
    assert len({loc.walk_seq for loc in locs}) == len(locs)
    assert len({loc.code for loc in locs}) == len(locs)
    assert [loc.zone for loc in locs] == sorted(loc.zone for loc in locs) != []
    assert {loc.zone for loc in locs} == {"A", "B", "C"}
    for loc in locs:
        assert loc.code == f"{loc.zone}-{loc.aisle:02d}-{loc.bay:02d}-{loc.level}"
        assert 1 <= loc.level <= 3
    aisles: dict[tuple[str, int], list[int]] = {}
    for loc in locs:
        aisles.setdefault((loc.zone, loc.aisle), []).append(loc.bay)
    assert len(aisles) >= 6
    for (_zone, aisle), bays in aisles.items():
        # Bays only move one way along the walk: up an odd aisle, down an even one.
        assert bays == sorted(bays, reverse=aisle % 2 == 0)
        assert len(set(bays)) > 1
    keys = [(loc.zone, loc.aisle) for loc in locs]
    assert keys == sorted(keys)


def test_operators(wh: demo.DemoWarehouse) -> None:
    roles = Counter(op.role for op in wh.operators)
    assert roles == {Role.PICKER: 20, Role.LEAD: 3, Role.DRIVER: 6}
    assert {op.code for op in wh.operators} == set(wh.pins)
    for op in wh.operators:
        assert re.fullmatch(r"P\d{3}|L\d\d|D\d\d", op.code)
        assert op.badge.isascii() and op.code in op.badge
        assert re.fullmatch(r"\d{4}", wh.pins[op.code])
    first = wh.operators[0]
    assert verify_pin(wh.pins[first.code], first.pin_hash)
    assert not verify_pin("x", first.pin_hash)


def test_orders(wh: demo.DemoWarehouse) -> None:
    orders = wh.orders
    assert len(orders) == ORDERS
    assert len({o.order_no for o in orders}) == ORDERS
    catalog = wh.catalog()
    pay_codes = catalog.payment_codes
    times = [o.paid_at for o in orders]
    assert times == sorted(times)
    assert times[0].date().isoformat() == "2022-04-12"
    assert times[0].hour >= 7 and times[-1].hour < 22
    morning = sum(1 for t in times if 8 <= t.hour < 11)
    evening = sum(1 for t in times if 19 <= t.hour < 22)
    assert morning > 2 * evening
    for o in orders:
        assert re.fullmatch(r"20220412\d{6}", o.order_no)
        assert o.status is OrderStatus.PAID
        assert o.amount_fen == sum(ln.qty * ln.unit_price_fen for ln in o.lines)
        assert 1 <= len(o.lines) <= 6
        assert len({ln.sku for ln in o.lines}) == len(o.lines)
        assert o.committee in pay_codes[o.payment_code].committees
        assert re.fullmatch(r"1[3-9]\d{9}", o.phone)
        assert 2 <= len(o.name) <= 3
        assert 1 <= int(o.address.building) <= 60
        assert o.address.unit == "" or 1 <= int(o.address.unit) <= 6
        assert re.fullmatch(r"\d{1,2}0\d", o.address.room) and o.address.community
        for ln in o.lines:
            product = catalog.products[ln.sku]
            assert 1 <= ln.qty <= 3 and ln.unit_price_fen == product.price_fen
            expected = ln.qty * product.unit_grams if product.weighed else None
            assert ln.ordered_grams == expected
    assert any(o.note for o in orders)
    assert sum(1 for o in orders if o.note) < ORDERS * 0.08
    assert any(o.address.unit == "" for o in orders)
    bundles = {p.sku for p in wh.products if p.is_bundle}
    assert sum(1 for o in orders if any(ln.sku in bundles for ln in o.lines)) > ORDERS / 3


def test_export_csv_rows_and_header(wh: demo.DemoWarehouse) -> None:
    buf = io.StringIO(newline="")
    written = demo_export.export_csv(wh, buf)
    assert written == sum(len(o.lines) for o in wh.orders)
    text = buf.getvalue()
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == [DEFAULT_HEADERS[f][0] for f in demo_export.EXPORT_FIELDS]
    assert rows[0][:3] == ["订单号", "支付时间", "订单金额"]
    assert len(rows) == written + 1
    first = dict(zip(rows[0], rows[1], strict=True))
    assert re.fullmatch(r"2022-04-12 \d\d:\d\d:\d\d", first["支付时间"])
    assert re.fullmatch(r"\d+\.\d\d", first["订单金额"])
    assert first["支付状态"] == "已支付"
    assert first["居委"] in {c.name for c in wh.committees}


def test_export_round_trips_through_the_importer(wh: demo.DemoWarehouse, tmp_path: Path) -> None:
    path = tmp_path / "bank.csv"
    written = demo_export.export_csv(wh, path)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    parsed = parse(data, "x.csv", wh.catalog())
    assert parsed.rejects == []
    assert parsed.rows == written
    assert [o.order_no for o in parsed.orders] == [o.order_no for o in wh.orders]
    assert [o.amount_fen for o in parsed.orders] == [o.amount_fen for o in wh.orders]
    assert parsed.orders == list(wh.orders)


def test_export_in_gbk_round_trips(tmp_path: Path) -> None:
    small = demo.build_demo(40, seed=2022)
    path = tmp_path / "bank-gbk.csv"
    demo_export.export_csv(small, path, encoding="gbk")
    parsed = parse(path.read_bytes(), "bank-gbk.csv", small.catalog())
    assert parsed.rejects == [] and parsed.orders == list(small.orders)
