"""Who goes short when a batch cannot get the full quantity of a product, and refunds.

Pure domain: standard library and `picker.domain.model` / `picker.i18n` only.

A *demand* is one household's order line for the short product. Quantities are in the
product's measure: units for counted goods, grams for weighed goods (`per` is then the grams
of one selling unit, e.g. 500 for a product sold by the 斤, and `unit_price_fen` is the price
of that selling unit).

Rounding. Money is integer fen. A refund that falls between two fen is rounded half up
(`decimal.ROUND_HALF_UP`: to the nearest fen, an exact half away from zero), computed exactly
in integers by `round_half_up_fen`. A resident is therefore never refunded more than half a
fen too little, and an exact half fen goes to the resident. Each line is rounded on its own,
so the refunds of a shortage may add up to a fen or so more or less than the rounded total.

Policies (`allocate`), all deterministic for the same input whatever its order:

- FEWEST_HOUSEHOLDS (default): as few demand lines as possible go short. The minimal count
  `k` is that of the largest lines. Among the choices of `k` lines, one whose lines add up to
  the shortage exactly is preferred, so every touched household loses its whole line and
  nobody is left with a part of one (simpler to pack and to explain on the manifest). When
  there are several, or none, lines are preferred largest first, then latest paid, then
  order number descending, then line number descending; without an exact cover the `k`
  preferred lines are taken, all whole but the last, which gives the rest. The exact-cover
  search is a subset-sum over the quantities (divided by their common divisor); beyond
  `EXACT_SEARCH_BITS` of work it is skipped and the largest-first choice is taken, which
  still touches the minimal number of households.
- FIRST_PAID: lines are served in paid order (ties by order number, then line number); the
  latest paid absorb the shortage, each one wholly before the next is touched.
- PRO_RATA: each line goes short `floor(qty * short / total)`; the units left over go one
  each to the lines with the largest fractional remainder, ties latest paid first, then
  order number descending, then line number descending. No line goes short more than it
  ordered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from math import gcd

from picker.domain.model import OrderLine, Product
from picker.i18n import N_


class Policy(StrEnum):
    """How a shortage is spread over the households that ordered the product."""

    FEWEST_HOUSEHOLDS = "fewest-households"
    FIRST_PAID = "first-paid-first-served"
    PRO_RATA = "pro-rata"


DEFAULT_POLICY = Policy.FEWEST_HOUSEHOLDS


class ShortReason(StrEnum):
    OUT_OF_STOCK = "out-of-stock"  # 缺货
    DAMAGED = "damaged"  # 破损
    NOT_FOUND = "not-found"  # 找不到
    QUALITY = "quality"  # 质量


#: English source strings; translate with `_()` where shown.
SHORT_REASON_LABELS: dict[ShortReason, str] = {
    ShortReason.OUT_OF_STOCK: N_("out of stock"),
    ShortReason.DAMAGED: N_("damaged"),
    ShortReason.NOT_FOUND: N_("not found"),
    ShortReason.QUALITY: N_("quality problem"),
}

#: Upper bound of the exact-cover search of FEWEST_HOUSEHOLDS, in bits of bitset work: lines
#: x (households short + 1) x (shortage / common divisor + 1). At the bound the search takes
#: some 20 ms and at most 32 MB (about 10 MB measured); beyond it, largest first.
EXACT_SEARCH_BITS = 1 << 28


@dataclass(frozen=True, slots=True)
class Demand:
    """One household's line for the short product."""

    order_no: str
    line_no: int
    paid_at: datetime
    qty: int  # in the product's measure: units, or grams for weighed goods
    unit_price_fen: int  # price of one selling unit
    per: int = 1  # measure per selling unit: 1 for counted goods, unit_grams for weighed


@dataclass(frozen=True, slots=True)
class Allocation:
    order_no: str
    line_no: int
    short_qty: int  # same measure as Demand.qty
    refund_fen: int


def round_half_up_fen(numerator: int, denominator: int) -> int:
    """`numerator / denominator` to the nearest integer, an exact half away from zero.

    The same result as `Decimal(numerator) / Decimal(denominator)` quantized with
    `ROUND_HALF_UP`, but exact for any size (no context precision to run out of).
    """
    if denominator == 0:
        raise ValueError("denominator is zero")
    negative = (numerator < 0) != (denominator < 0)
    q, r = divmod(abs(numerator), abs(denominator))
    if 2 * r >= abs(denominator):
        q += 1
    return -q if negative else q


def refund_for(short_qty: int, unit_price_fen: int, per: int = 1) -> int:
    """The refund of `short_qty` (units or grams) at `unit_price_fen` per `per` of them."""
    return round_half_up_fen(short_qty * unit_price_fen, per)


def demand_for(
    order_no: str, line_no: int, paid_at: datetime, line: OrderLine, product: Product
) -> Demand:
    """The demand of an order line: grams for weighed goods, units otherwise."""
    if not product.weighed:
        return Demand(order_no, line_no, paid_at, line.qty, line.unit_price_fen)
    if product.unit_grams <= 0:
        raise ValueError(f"weighed product {product.sku} has no unit_grams")
    grams = line.ordered_grams if line.ordered_grams is not None else line.qty * product.unit_grams
    return Demand(order_no, line_no, paid_at, grams, line.unit_price_fen, product.unit_grams)


def line_tolerance_grams(line: OrderLine, product: Product) -> int:
    """The under-weight allowed for a whole line: the product's tolerance per unit x qty."""
    return product.tolerance_grams * line.qty


def allocate(
    demands: Sequence[Demand], short: int, policy: Policy | str = DEFAULT_POLICY
) -> list[Allocation]:
    """Spread `short` (in the demands' measure) over `demands` by `policy`.

    Returns the non-zero allocations sorted by (order_no, line_no); their `short_qty` add up
    to `short` exactly. `short <= 0` gives `[]`; more than the total demanded is a
    ValueError (the caller caps it).
    """
    policy = Policy(policy)
    _validate(demands)
    if short <= 0:
        return []
    total = sum(d.qty for d in demands)
    if short > total:
        raise ValueError(f"short {short} is more than the {total} demanded")
    if policy is Policy.FEWEST_HOUSEHOLDS:
        shorts = _fewest_households(demands, short)
    elif policy is Policy.FIRST_PAID:
        shorts = _first_paid(demands, short)
    else:
        shorts = _pro_rata(demands, short, total)
    allocations = [
        Allocation(d.order_no, d.line_no, s, refund_for(s, d.unit_price_fen, d.per))
        for d, s in zip(demands, shorts, strict=True)
        if s
    ]
    allocations.sort(key=lambda a: (a.order_no, a.line_no))
    return allocations


def _validate(demands: Sequence[Demand]) -> None:
    seen: set[tuple[str, int]] = set()
    for d in demands:
        key = (d.order_no, d.line_no)
        if key in seen:
            raise ValueError(f"order {d.order_no} line {d.line_no} is given twice")
        seen.add(key)
        if d.qty < 0:
            raise ValueError(f"order {d.order_no} line {d.line_no}: qty {d.qty} is negative")
        if d.unit_price_fen < 0:
            raise ValueError(f"order {d.order_no} line {d.line_no}: negative unit price")
        if d.per <= 0:
            raise ValueError(f"order {d.order_no} line {d.line_no}: per {d.per} is not above 0")


def _latest_first(d: Demand) -> tuple[datetime, str, int]:
    """Sort key, used with reverse=True: latest paid, then order/line number descending."""
    return (d.paid_at, d.order_no, d.line_no)


def _fewest_households(demands: Sequence[Demand], short: int) -> list[int]:
    # Preference order: largest first, then latest paid, order_no desc, line_no desc.
    ranked = sorted(
        (i for i, d in enumerate(demands) if d.qty > 0),
        key=lambda i: (demands[i].qty, *_latest_first(demands[i])),
        reverse=True,
    )
    qtys = [demands[i].qty for i in ranked]
    covered = 0
    k = 0
    while covered < short:
        covered += qtys[k]
        k += 1
    shorts = [0] * len(demands)
    chosen = None if covered == short else _exact_cover(qtys, short, k)
    if chosen is not None:
        for pos in chosen:
            shorts[ranked[pos]] = qtys[pos]
        return shorts
    left = short
    for pos in range(k):
        take = min(qtys[pos], left)
        shorts[ranked[pos]] = take
        left -= take
    return shorts


def _exact_cover(qtys: list[int], short: int, k: int) -> list[int] | None:
    """Positions of `k` quantities adding up to `short`, lexicographically first; or None.

    `qtys` is in preference order. Subset-sum over bitsets of the sums reachable with
    exactly c of the quantities from position i on; None also when the work is too big.
    """
    g = 0
    for q in qtys:
        g = gcd(g, q)
    if short % g:
        return None
    target = short // g
    scaled = [q // g for q in qtys]
    n = len(scaled)
    if n * (k + 1) * (target + 1) > EXACT_SEARCH_BITS:
        return None
    mask = (1 << (target + 1)) - 1
    # suffix[i][c]: bit s set when some c quantities from scaled[i:] add up to s.
    suffix = [[0] * (k + 1) for _ in range(n + 1)]
    suffix[n][0] = 1
    for i in range(n - 1, -1, -1):
        below, here, q = suffix[i + 1], suffix[i], scaled[i]
        here[0] = 1
        for c in range(1, k + 1):
            here[c] = below[c] | ((below[c - 1] << q) & mask)
    if not (suffix[0][k] >> target) & 1:
        return None
    chosen: list[int] = []
    need, rest = k, target
    for i in range(n):
        if need == 0:
            break
        q = scaled[i]
        if q <= rest and (suffix[i + 1][need - 1] >> (rest - q)) & 1:
            chosen.append(i)
            need -= 1
            rest -= q
    return chosen


def _first_paid(demands: Sequence[Demand], short: int) -> list[int]:
    shorts = [0] * len(demands)
    left = short
    for i in sorted(range(len(demands)), key=lambda i: _latest_first(demands[i]), reverse=True):
        if left == 0:
            break
        take = min(demands[i].qty, left)
        shorts[i] = take
        left -= take
    return shorts


def _pro_rata(demands: Sequence[Demand], short: int, total: int) -> list[int]:
    shorts = []
    remainders = []
    for d in demands:
        q, r = divmod(d.qty * short, total)
        shorts.append(q)
        remainders.append(r)
    left = short - sum(shorts)
    # Fewer units are left over than there are lines with a fractional part, so a line
    # without one (including every line shorted in full) never gets another unit.
    order = sorted(
        range(len(demands)),
        key=lambda i: (remainders[i], *_latest_first(demands[i])),
        reverse=True,
    )
    for i in order[:left]:
        shorts[i] += 1
    return shorts


def weight_refund(
    *,
    ordered_grams: int,
    actual_grams: int,
    tolerance_grams: int,
    unit_price_fen: int,
    unit_grams: int,
) -> int:
    """The refund of a weighed line that came out under weight.

    Under by more than `tolerance_grams` (the tolerance of the whole line: the caller
    multiplies the per-unit tolerance by the quantity, see `line_tolerance_grams`): the
    whole difference `ordered - actual` is refunded, not only the part beyond the tolerance,
    at `unit_price_fen` per `unit_grams`, rounded half up. At or within the tolerance, or
    over weight: 0 (over weight is not charged).

    `ordered_grams`, `actual_grams` and `unit_grams` must be above 0 (a label of 0 g is a
    misread; a missing item is a shortage), `tolerance_grams` and `unit_price_fen` at least 0.
    """
    for name, value in (
        ("ordered_grams", ordered_grams),
        ("actual_grams", actual_grams),
        ("unit_grams", unit_grams),
    ):
        if value <= 0:
            raise ValueError(f"{name} must be above 0, not {value}")
    for name, value in (("tolerance_grams", tolerance_grams), ("unit_price_fen", unit_price_fen)):
        if value < 0:
            raise ValueError(f"{name} must not be negative, not {value}")
    under = ordered_grams - actual_grams
    if under <= tolerance_grams:
        return 0
    return round_half_up_fen(under * unit_price_fen, unit_grams)


def amount_refund(*, ordered_fen: int, label_fen: int, tolerance_fen: int = 0) -> int:
    """For scale labels that print the amount: `ordered - label` when that shortfall is more
    than `tolerance_fen`, else 0. Never negative (a label above the order is not charged).
    """
    for name, value in (
        ("ordered_fen", ordered_fen),
        ("label_fen", label_fen),
        ("tolerance_fen", tolerance_fen),
    ):
        if value < 0:
            raise ValueError(f"{name} must not be negative, not {value}")
    under = ordered_fen - label_fen
    return under if under > tolerance_fen else 0
