"""The demo's day of paid orders: where each committee's residents live and what they buy.

Orders follow the seed's random stream; their paid times, line counts, quantities and notes
are drawn from the shares below, modelled on the Qingpu pilot's day.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import accumulate

from picker.domain import demo_names as names
from picker.domain.model import (
    SHANGHAI,
    Address,
    Committee,
    Order,
    OrderLine,
    PaymentCode,
    Product,
)

#: The day the demo's orders are paid on.
DEMO_DAY = date(2022, 4, 12)

# Share of the day's orders paid in each hour from 07:00 to 21:59: a morning rush as soon as
# the codes open, then a long flat tail. About 57% of the orders fall before 13:00.
_HOUR_WEIGHTS = (6, 12, 13, 11, 8, 6, 5, 5, 5, 5, 5, 5, 5, 4, 3)
_FIRST_HOUR = 7
# Lines per order (1..6) and units per line (1..3), as cumulative shares.
_LINE_COUNT_CUM = (0.36, 0.64, 0.81, 0.92, 0.97)
_QTY_CUM = (0.7, 0.92)
# Eggs, rice, oil, bundles: a household takes one.
_SINGLE_QTY_CUM = (0.95, 1.0)
_NOTE_RATE = 0.03


@dataclass(frozen=True, slots=True)
class Site:
    """Where a committee's residents live, for making up their addresses."""

    committee: str
    community: str
    payment_codes: tuple[str, ...]
    buildings: int
    units: int  # 0: village houses, no unit
    floors: int
    rooms_per_floor: int


def sites_of(
    committees: Sequence[Committee], payment_codes: Iterable[PaymentCode]
) -> tuple[Site, ...]:
    codes: dict[str, list[str]] = {}
    for pc in payment_codes:
        for member in pc.committees:
            codes.setdefault(member, []).append(pc.code)
    communities = {e[0]: e[1] for entries in names.COMMITTEES.values() for e in entries}
    out = []
    for c in committees:
        village = c.name.endswith("村委")
        high_rise = not village and c.households >= 3000
        out.append(
            Site(
                committee=c.code,
                community=communities[c.name],
                payment_codes=tuple(codes[c.code]),
                buildings=min(60, max(6, c.households // 90)),
                units=0 if village else (6 if c.households >= 2000 else 4),
                floors=3 if village else (18 if high_rise else 6),
                rooms_per_floor=4 if high_rise else 2,
            )
        )
    return tuple(out)


def paid_orders(
    rng: random.Random,
    count: int,
    committees: Sequence[Committee],
    sites: Sequence[Site],
    products: Sequence[Product],
) -> tuple[Order, ...]:
    if count == 0:
        return ()
    r = rng.random
    hours = rng.choices(range(len(_HOUR_WEIGHTS)), _HOUR_WEIGHTS, k=count)
    seconds = sorted(h * 3600 + int(r() * 3600) for h in hours)
    start = datetime(DEMO_DAY.year, DEMO_DAY.month, DEMO_DAY.day, _FIRST_HOUR, tzinfo=SHANGHAI)
    times: dict[int, datetime] = {}
    which = rng.choices(range(len(committees)), [c.households for c in committees], k=count)

    popularity = [spec[6] for spec in names.PRODUCTS]
    cum = list(accumulate(popularity))
    total_pop = cum[-1]
    qty_cum = [
        _SINGLE_QTY_CUM if spec[1] in names.SINGLE_QTY_CATEGORIES else _QTY_CUM
        for spec in names.PRODUCTS
    ]
    # Lines are immutable values, so one instance per (product, qty) serves every order.
    lines = [
        [
            OrderLine(p.sku, q, p.price_fen, q * p.unit_grams if p.weighed else None)
            for q in (1, 2, 3)
        ]
        for p in products
    ]
    surnames, common, given = names.SURNAMES, names.COMMON_SURNAMES, names.GIVEN_CHARS
    prefixes, notes = names.PHONE_PREFIXES, names.NOTES
    day = f"{DEMO_DAY:%Y%m%d}"
    out: list[Order] = []
    for i in range(count):
        site = sites[which[i]]
        k = bisect_right(_LINE_COUNT_CUM, r()) + 1
        chosen: list[int] = []
        while len(chosen) < k:
            p = bisect_right(cum, r() * total_pop)
            if p not in chosen:
                chosen.append(p)
        chosen.sort()
        order_lines = [lines[p][bisect_right(qty_cum[p], r())] for p in chosen]
        s = seconds[i]
        paid_at = times.get(s)
        if paid_at is None:
            paid_at = times[s] = start + timedelta(seconds=s)
        pay = site.payment_codes
        floor = 1 + int(r() * site.floors)
        address = Address(
            building=str(1 + int(r() * site.buildings)),
            unit=str(1 + int(r() * site.units)) if site.units else "",
            room=f"{floor}{1 + int(r() * site.rooms_per_floor):02d}",
            community=site.community,
        )
        pool = common if r() < 0.35 else surnames
        name = pool[int(r() * len(pool))] + given[int(r() * len(given))]
        if r() < 0.6:
            name += given[int(r() * len(given))]
        out.append(
            Order(
                order_no=f"{day}{i + 1:06d}",
                paid_at=paid_at,
                amount_fen=sum(ln.amount_fen for ln in order_lines),
                payment_code=pay[int(r() * len(pay))] if len(pay) > 1 else pay[0],
                committee=site.committee,
                address=address,
                name=name,
                phone=prefixes[int(r() * len(prefixes))] + f"{int(r() * 100_000_000):08d}",
                lines=tuple(order_lines),
                note=notes[int(r() * len(notes))] if r() < _NOTE_RATE else "",
            )
        )
    return tuple(out)
