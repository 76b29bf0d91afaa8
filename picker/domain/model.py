"""The warehouse's domain values. Standard library only.

Money is integer fen. Times are aware datetimes in Asia/Shanghai. Quantities are whole
units of the product's selling unit; weighed goods also carry an ordered weight in grams.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Role(enum.StrEnum):
    PICKER = "picker"
    LEAD = "lead"
    DRIVER = "driver"


class OrderStatus(enum.StrEnum):
    PAID = "paid"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Subdistrict:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class Committee:
    """A residents' committee: the delivery destination and the settlement unit."""

    code: str
    name: str
    subdistrict: str
    contact_name: str
    contact_phone: str
    address: str
    route: str = ""
    stop_order: int = 0
    aliases: tuple[str, ...] = ()
    households: int = 0


@dataclass(frozen=True, slots=True)
class PaymentCode:
    code: str
    name: str
    committees: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Location:
    """A pick face, `zone-aisle-bay-level`; `walk_seq` orders a serpentine walk."""

    code: str
    zone: str
    aisle: int
    bay: int
    level: int
    walk_seq: int


@dataclass(frozen=True, slots=True)
class Barcode:
    code: str
    sku: str
    pack_qty: int = 1

    @property
    def is_case(self) -> bool:
        return self.pack_qty > 1


@dataclass(frozen=True, slots=True)
class Product:
    sku: str
    name: str
    unit: str
    price_fen: int
    location: str
    category: str = ""
    weighed: bool = False
    # Nominal grams of one selling unit, for every product: the ordered weight of weighed
    # goods (1 斤 = 500) and the batching estimate of counted ones.
    unit_grams: int = 0
    plu: str | None = None
    # Under-weight allowed before a refund, in grams per selling unit.
    tolerance_grams: int = 0
    is_bundle: bool = False
    barcodes: tuple[Barcode, ...] = ()


@dataclass(frozen=True, slots=True)
class Operator:
    code: str
    name: str
    role: Role
    badge: str
    pin_hash: str


@dataclass(frozen=True, slots=True)
class OrderLine:
    sku: str
    qty: int
    unit_price_fen: int
    ordered_grams: int | None = None

    @property
    def amount_fen(self) -> int:
        return self.qty * self.unit_price_fen


@dataclass(frozen=True, slots=True)
class Address:
    building: str
    unit: str
    room: str
    community: str = ""

    def short(self) -> str:
        """`12-2-301` style, as written on bags and manifests."""
        parts = [self.building, self.unit, self.room]
        return "-".join(p for p in parts if p)


@dataclass(frozen=True, slots=True)
class Order:
    """One paid purchase, as it arrives from the bank."""

    order_no: str
    paid_at: datetime
    amount_fen: int
    payment_code: str
    committee: str
    address: Address
    name: str
    phone: str
    lines: tuple[OrderLine, ...]
    note: str = ""
    status: OrderStatus = OrderStatus.PAID

    def same_content(self, other: Order) -> bool:
        """True when `other` is this order re-sent: same fields, same lines in any order."""

        def key(ln: OrderLine) -> tuple[str, int, int]:
            return (ln.sku, ln.qty, ln.unit_price_fen)

        return (
            self.order_no,
            self.paid_at,
            self.amount_fen,
            self.payment_code,
            self.committee,
            self.address,
            self.name,
            self.phone,
            self.note,
            self.status,
        ) == (
            other.order_no,
            other.paid_at,
            other.amount_fen,
            other.payment_code,
            other.committee,
            other.address,
            other.name,
            other.phone,
            other.note,
            other.status,
        ) and sorted(self.lines, key=key) == sorted(other.lines, key=key)


@dataclass(frozen=True, slots=True)
class Reject:
    """A row or order that could not be taken, with where it came from and why.

    `reason` is a code from `picker.domain.importing.REASONS`; `params` fill its message, so the
    message can be shown in the reader's language long after the import.
    """

    source: str
    line: int
    reason: str
    params: tuple[tuple[str, str], ...] = ()
    order_no: str = ""
    raw: str = ""
    committee: str | None = None


@dataclass(frozen=True, slots=True)
class Catalog:
    """What incoming orders are validated against."""

    committees: dict[str, Committee] = field(default_factory=dict)
    products: dict[str, Product] = field(default_factory=dict)
    payment_codes: dict[str, PaymentCode] = field(default_factory=dict)

    def committee_by_name(self) -> dict[str, str]:
        """Name, alias and code -> committee code."""
        index: dict[str, str] = {}
        for c in self.committees.values():
            index[c.code] = c.code
            index[c.name] = c.code
            for alias in c.aliases:
                index[alias] = c.code
        return index

    def product_by_name(self) -> dict[str, str]:
        return {p.name: p.sku for p in self.products.values()}
