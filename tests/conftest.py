"""Shared fixtures: a small hand-made catalog, warehouses on fresh files, CSV builders."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

import db
from db import catalog as catalog_rows
from picker.app.warehouse import Warehouse
from picker.domain.auth import hash_pin
from picker.domain.model import (
    Barcode,
    Catalog,
    Committee,
    Location,
    Operator,
    PaymentCode,
    Product,
    Role,
    Subdistrict,
)
from picker.domain.order_fields import DEFAULT_HEADERS, EXPORT_FIELDS
from picker.i18n import set_language

SUBDISTRICTS = (Subdistrict("XY", "夏阳街道"), Subdistrict("YP", "盈浦街道"))
COMMITTEES = (
    Committee("XY01", "青平居委", "XY", "王建国", "13800001111", "青平路 88 号", aliases=("青平",)),
    Committee("YP01", "航运新村居委", "YP", "李梅", "13900002222", "航运路 5 号"),
)
PAYMENT_CODES = (PaymentCode("QR01", "青平收款码", ("XY01",)), PaymentCode("QR02", "", ("YP01",)))
LOCATIONS = (
    Location("A-01-01-1", "A", 1, 1, 1, 1),
    Location("B-01-01-1", "B", 1, 1, 1, 2),
    Location("C-01-01-1", "C", 1, 1, 1, 3),
)
PRODUCTS = (
    Product(
        "SKU0001",
        "蔬菜套餐A",
        "份",
        3880,
        "B-01-01-1",
        is_bundle=True,
        unit_grams=3000,
        barcodes=(Barcode("6901234567892", "SKU0001"),),
    ),
    Product(
        "SKU0002",
        "鸡蛋 30枚",
        "盒",
        3200,
        "A-01-01-1",
        unit_grams=1800,
        barcodes=(Barcode("6901234567908", "SKU0002"), Barcode("16901234567905", "SKU0002", 10)),
    ),
    Product(
        "SKU0003",
        "猪肉",
        "斤",
        1800,
        "C-01-01-1",
        weighed=True,
        unit_grams=500,
        plu="10001",
        tolerance_grams=15,
    ),
)

_PIN = hash_pin("1234", salt=b"picker-tests-salt")
OPERATORS = (
    Operator("P001", "王小明", Role.PICKER, "OP-P001", _PIN),
    Operator("P002", "李小红", Role.PICKER, "OP-P002", _PIN),
    Operator("L01", "张班长", Role.LEAD, "OP-L01", _PIN),
    Operator("D01", "赵师傅", Role.DRIVER, "OP-D01", _PIN),
)

#: The bank export's header, Chinese and English (`test_importing` pins the Chinese one).
HEADER_ZH = [DEFAULT_HEADERS[f][0] for f in EXPORT_FIELDS]
HEADER_EN = list(EXPORT_FIELDS)


def order_rows(
    order_no: str = "A001",
    *,
    committee: str = "青平居委",
    code: str = "QR01",
    lines: Sequence[tuple[str, str, int, str]] = (("SKU0001", "蔬菜套餐A", 1, "38.80"),),
    amount: str | None = None,
    paid_at: str = "2022-04-12 08:15:00",
    phone: str = "13812345678",
    name: str = "张三明",
    note: str = "",
    status: str = "已支付",
) -> list[list[str]]:
    """The CSV rows of one order: one per line, order fields repeated."""
    if amount is None:
        total = sum(round(float(price) * 100) * qty for _, _, qty, price in lines)
        amount = f"{total / 100:.2f}"
    return [
        [
            order_no,
            paid_at,
            amount,
            code,
            committee,
            "青平小区",
            "12",
            "2",
            "301",
            name,
            phone,
            sku,
            product,
            str(qty),
            price,
            note,
            status,
        ]
        for sku, product, qty, price in lines
    ]


def csv_text(rows: Sequence[Sequence[str]], header: Sequence[str] = HEADER_ZH) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


@pytest.fixture(autouse=True)
def _english_for_messages() -> Iterator[None]:
    """Tests read messages in English unless they switch; restore the default after."""
    set_language("en")
    yield
    set_language("zh_CN")


@pytest.fixture
def catalog() -> Catalog:
    return Catalog(
        committees={c.code: c for c in COMMITTEES},
        products={p.sku: p for p in PRODUCTS},
        payment_codes={p.code: p for p in PAYMENT_CODES},
    )


def save_small_catalog(wh: Warehouse) -> None:
    with db.write(wh.db):
        catalog_rows.save_catalog(
            wh.db,
            subdistricts=SUBDISTRICTS,
            committees=COMMITTEES,
            payment_codes=PAYMENT_CODES,
            locations=LOCATIONS,
            products=PRODUCTS,
            operators=OPERATORS,
        )


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[Warehouse]:
    """A warehouse file holding the small catalog and no orders."""
    wh = Warehouse(tmp_path / "wh.db")
    save_small_catalog(wh)
    yield wh
    wh.close()
