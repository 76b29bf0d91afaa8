"""Settlement per committee (按居委分账) from plain values. Stdlib only.

Definitions, the same for the screen, `picker settle`, `picker audit` and the printed slips:

- *paid*: the amount of every order the bank collected money for, i.e. every order on file,
  including those refunded or cancelled later (or already refunded when they were imported).
- *refunds*, by kind: `short` (shortage), `underweight`, `cancel` (a cancelled or refunded
  order, or a partial refund the platform reported). An order that arrived already refunded
  or cancelled has no ledger row; the rest of its amount counts as a cancellation refund the
  bank made (`bank_fen`), so its net is 0.
- *net* = paid − refunds.
- *delivered*: the net of orders whose bags are all on manifests the committee signed for.
- *open* = net − delivered: money the warehouse holds for goods still on their way.

Orders are counted as delivered, refunded in full (cancelled, refunded, or every line short)
or open; the audit (`picker.domain.audit`) proves each order is in exactly one of these
end states.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace

from picker.domain.model import OrderStatus

#: A plain str: comparing with the StrEnum member costs more than the rest of `bank_fen`.
_PAID = OrderStatus.PAID.value


@dataclass(frozen=True, slots=True)
class OrderMoney:
    """One order's money as the ledger has it; `delivered` when all its bags were signed for."""

    order_no: str
    committee: str
    payment_code: str
    amount_fen: int
    status: str
    short_fen: int = 0
    underweight_fen: int = 0
    cancel_fen: int = 0
    #: Every line of the order was short in full (nothing to deliver).
    fully_short: bool = False
    delivered: bool = False

    @property
    def refunded(self) -> bool:
        """Refunded in full: cancelled or refunded, or every line short."""
        return self.status != _PAID or self.fully_short

    @property
    def ledger_fen(self) -> int:
        """Refunds written in the warehouse's refund ledger."""
        return self.short_fen + self.underweight_fen + self.cancel_fen

    @property
    def bank_fen(self) -> int:
        """What the bank refunded outside the ledger: the rest of a refunded or cancelled order."""
        if self.status == _PAID:
            return 0
        return max(self.amount_fen - self.ledger_fen, 0)

    @property
    def refunds_fen(self) -> int:
        return self.ledger_fen + self.bank_fen

    @property
    def net_fen(self) -> int:
        return self.amount_fen - self.refunds_fen


@dataclass(frozen=True, slots=True)
class SettlementRow:
    """Money of one committee, one payment code or the total. Amounts in fen."""

    code: str
    name: str
    subdistrict: str = ""
    orders: int = 0
    paid_fen: int = 0
    short_fen: int = 0
    underweight_fen: int = 0
    cancel_fen: int = 0
    delivered_fen: int = 0
    delivered_orders: int = 0
    refunded_orders: int = 0

    @property
    def refunds_fen(self) -> int:
        return self.short_fen + self.underweight_fen + self.cancel_fen

    @property
    def net_fen(self) -> int:
        return self.paid_fen - self.refunds_fen

    @property
    def open_fen(self) -> int:
        return self.net_fen - self.delivered_fen

    @property
    def open_orders(self) -> int:
        return self.orders - self.delivered_orders - self.refunded_orders


@dataclass(frozen=True, slots=True)
class Ledger:
    """Totals summed straight from the orders and refunds, independently of the rows."""

    payments_fen: int
    refunds_fen: int


@dataclass(frozen=True, slots=True)
class Settlement:
    """Per committee and per payment code, with the total; `day` None means every day."""

    day: str | None
    committees: tuple[SettlementRow, ...]
    payment_codes: tuple[SettlementRow, ...]
    total: SettlementRow
    ledger: Ledger
    #: Each check that failed, as (check, expected, found); empty when it reconciles.
    mismatches: tuple[tuple[str, int, int], ...] = field(default=())

    @property
    def reconciled(self) -> bool:
        return not self.mismatches

    def committee(self, code: str) -> SettlementRow:
        return next(r for r in self.committees if r.code == code)


def settle(
    orders: Iterable[OrderMoney],
    committees: Mapping[str, tuple[str, str]],
    payment_codes: Mapping[str, str],
    ledger: Ledger,
    day: str | None = None,
) -> Settlement:
    """Rows per committee (code -> (name, subdistrict)) and payment code (code -> name).

    Every committee and payment code gets a row, with or without orders, in the order given.
    """
    heads = {("c", c): (c, name, sub) for c, (name, sub) in committees.items()}
    heads.update({("p", c): (c, name, "") for c, name in payment_codes.items()})
    # Plain lists while counting: 120,000 orders through frozen rows took seconds.
    sums: dict[tuple[str, str], list[int]] = {key: [0] * 8 for key in heads}
    total = [0] * 8
    for o in orders:
        net = o.net_fen
        counted = (
            1,
            o.amount_fen,
            o.short_fen,
            o.underweight_fen,
            o.cancel_fen + o.bank_fen,
            net if o.delivered else 0,
            int(o.delivered),
            int(o.refunded),
        )
        for key in (("c", o.committee), ("p", o.payment_code)):
            if key not in sums:
                heads[key] = (key[1], key[1], "")
                sums[key] = [0] * 8
            sums[key] = [a + b for a, b in zip(sums[key], counted, strict=True)]
        total = [a + b for a, b in zip(total, counted, strict=True)]

    def rows(section: str) -> tuple[SettlementRow, ...]:
        return tuple(SettlementRow(*heads[k], *sums[k]) for k in heads if k[0] == section)

    made = Settlement(day, rows("c"), rows("p"), SettlementRow("", "", "", *total), ledger)
    return replace(made, mismatches=tuple(reconcile(made)))


#: The counted fields of a row, compared between the sections and the total.
COUNTED = tuple(f.name for f in fields(SettlementRow)[3:])


def reconcile(s: Settlement) -> list[tuple[str, int, int]]:
    """The checks that every fen is accounted for; each failure as (check, expected, found).

    Σ committees (paid − refunds) = Σ payments − Σ refunds, to the fen; the total's paid and
    refunds equal the ledger's; committee rows and payment-code rows each add up to the
    total, field by field.
    """
    found: list[tuple[str, int, int]] = []
    checks = [
        (
            "committees_net",
            s.ledger.payments_fen - s.ledger.refunds_fen,
            sum(r.net_fen for r in s.committees),
        ),
        ("payments", s.ledger.payments_fen, s.total.paid_fen),
        ("refunds", s.ledger.refunds_fen, s.total.refunds_fen),
    ]
    for section, rows in (("committees", s.committees), ("payment_codes", s.payment_codes)):
        for name in COUNTED:
            checks.append(
                (f"{section}.{name}", getattr(s.total, name), sum(getattr(r, name) for r in rows))
            )
    for check, expected, got in checks:
        if expected != got:
            found.append((check, expected, got))
    return found
