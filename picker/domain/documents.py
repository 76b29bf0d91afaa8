"""What printed documents list, as values: the rows `db.paper` reads and `picker.paper` lays out.

They live in the domain, not beside their layouts, so that the db layer can build them without
depending on the paper layer (whose layouts depend on `printers`).
"""

from __future__ import annotations

from dataclasses import dataclass

from picker.domain.model import Address


@dataclass(frozen=True, slots=True)
class ItemLine:
    """A product of an order as packed: ordered `qty` of `unit`, `short` of it not delivered."""

    name: str
    qty: int
    unit: str
    short: int = 0


@dataclass(frozen=True, slots=True)
class Household:
    """One household on a manifest: its packed bags, what it gets, what went short."""

    order_no: str
    address: Address
    name: str
    phone: str
    bags: int
    items: tuple[ItemLine, ...]
    refund_fen: int = 0

    @property
    def units(self) -> int:
        return sum(i.qty - i.short for i in self.items)

    @property
    def short_units(self) -> int:
        return sum(i.short for i in self.items)


@dataclass(frozen=True, slots=True)
class PickLine:
    location: str
    name: str
    qty: int
    unit: str
    weighed: bool = False


@dataclass(frozen=True, slots=True)
class Refund:
    """One refund: `kind` short | underweight | cancel; `qty` only for short."""

    kind: str
    fen: int
    product: str = ""
    qty: int = 0
    unit: str = ""
    reason: str = ""


@dataclass(frozen=True, slots=True)
class RefundHousehold:
    order_no: str
    address: Address
    name: str
    phone: str
    refunds: tuple[Refund, ...]

    @property
    def fen(self) -> int:
        return sum(r.fen for r in self.refunds)
