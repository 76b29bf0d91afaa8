"""A deterministic demo warehouse modelled on the Qingpu pilot of spring 2022. Pure.

Three subdistricts, 47 committees, 36 payment codes, about 60 lockdown goods, a serpentine
pick face layout, pickers, leads and drivers, and a day of paid orders on 2022-04-12.

The catalog (committees, payment codes, locations, products) is the same for every seed, so an
export made with one seed imports into a warehouse built with another. The seed varies the
orders and the operators' demo PINs.
"""

from __future__ import annotations

import csv
import hashlib
import os
import random
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from itertools import accumulate
from typing import TextIO

from picker.domain import demo_names as names
from picker.domain.auth import hash_pin
from picker.domain.gs1 import check_digit as gtin_check_digit
from picker.domain.model import (
    SHANGHAI,
    Address,
    Barcode,
    Catalog,
    Committee,
    Location,
    Operator,
    Order,
    OrderLine,
    OrderStatus,
    PaymentCode,
    Product,
    Role,
    Subdistrict,
)
from picker.domain.order_fields import DEFAULT_HEADERS, EXPORT_FIELDS

DEMO_DAY = date(2022, 4, 12)
# The catalog's names and phone numbers do not follow the seed (see the module docstring).
_CATALOG_SEED = 20220328

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

_STATUS_TEXT = {OrderStatus.PAID: "已支付", OrderStatus.REFUNDED: "已退款",
                OrderStatus.CANCELLED: "已取消"}  # fmt: skip


@dataclass(frozen=True)
class DemoWarehouse:
    """Everything a demo needs: the catalog, the staff with their PINs, and the orders."""

    subdistricts: tuple[Subdistrict, ...]
    committees: tuple[Committee, ...]
    payment_codes: tuple[PaymentCode, ...]
    locations: tuple[Location, ...]
    products: tuple[Product, ...]
    operators: tuple[Operator, ...]
    # Operator code -> plaintext demo PIN, printed for whoever runs the demo.
    pins: dict[str, str]
    orders: tuple[Order, ...]

    def catalog(self) -> Catalog:
        """The committees, products and payment codes keyed by code / sku."""
        return Catalog(
            committees={c.code: c for c in self.committees},
            products={p.sku: p for p in self.products},
            payment_codes={pc.code: pc for pc in self.payment_codes},
        )


@dataclass(frozen=True, slots=True)
class _Site:
    """Where a committee's residents live, for making up their addresses."""

    committee: str
    community: str
    payment_codes: tuple[str, ...]
    buildings: int
    units: int  # 0: village houses, no unit
    floors: int
    rooms_per_floor: int


def ean13_check_digit(digits12: str) -> str:
    """The check digit that completes 12 digits to an EAN-13: `690123456789` -> `2`."""
    if len(digits12) != 12:
        raise ValueError(f"an EAN-13 needs 12 digits before its check digit: {digits12!r}")
    return gtin_check_digit(digits12)


def build_demo(orders: int = 12_000, seed: int = 2022) -> DemoWarehouse:
    """A demo warehouse with `orders` paid orders on 2022-04-12; `orders=0` is the catalog only.

    The same seed always gives the same warehouse. 100,000 orders take about a second, plus
    about a second of PIN hashing the first time a seed is built in a process.
    """
    if orders < 0:
        raise ValueError(f"orders must be 0 or more, not {orders}")
    rng = random.Random(_CATALOG_SEED)
    subdistricts = tuple(Subdistrict(code, name) for code, name in names.SUBDISTRICTS)
    committees = _committees(rng)
    payment_codes = _payment_codes(committees)
    locations = _locations()
    products = _products(locations)
    operators, pins = _operators(rng, seed)
    sites = _sites(committees, payment_codes)
    return DemoWarehouse(
        subdistricts=subdistricts,
        committees=committees,
        payment_codes=payment_codes,
        locations=locations,
        products=products,
        operators=operators,
        pins=pins,
        orders=_orders(random.Random(seed), orders, committees, sites, products),
    )


def _person(rng: random.Random) -> str:
    pool = names.COMMON_SURNAMES if rng.random() < 0.35 else names.SURNAMES
    given = names.GIVEN_CHARS
    size = 2 if rng.random() < 0.6 else 1
    return rng.choice(pool) + "".join(rng.choice(given) for _ in range(size))


def _phone(rng: random.Random) -> str:
    return rng.choice(names.PHONE_PREFIXES) + f"{rng.randrange(100_000_000):08d}"


def _bare(name: str) -> str:
    return name.removesuffix("居委").removesuffix("村委")


def _committees(rng: random.Random) -> tuple[Committee, ...]:
    out: list[Committee] = []
    for sd, _sd_name in names.SUBDISTRICTS:
        entries = names.COMMITTEES[sd]
        routes = names.ROUTES[sd]
        per_route = -(-len(entries) // len(routes))
        for i, (name, _community, road, households) in enumerate(entries):
            out.append(
                Committee(
                    code=f"{sd}{i + 1:02d}",
                    name=name,
                    subdistrict=sd,
                    contact_name=_person(rng),
                    contact_phone=_phone(rng),
                    address=f"{road}{rng.randint(1, 999)}号",
                    route=routes[i // per_route],
                    stop_order=i % per_route + 1,
                    # Bank exports write either the short form or the full 居委会 / 村委会.
                    aliases=(_bare(name), name + "会") if i % 2 else (),
                    households=households,
                )
            )
    return tuple(out)


def _payment_codes(committees: Sequence[Committee]) -> tuple[PaymentCode, ...]:
    partner: dict[str, str] = {}
    for sd, _name in names.SUBDISTRICTS:
        own = [c for c in committees if c.subdistrict == sd]
        smallest = sorted(own, key=lambda c: (c.households, c.code))
        smallest = smallest[: 2 * names.SHARED_CODE_PAIRS[sd]]
        for a, b in zip(smallest[::2], smallest[1::2], strict=True):
            partner[a.code], partner[b.code] = b.code, a.code
    by_code = {c.code: c for c in committees}
    sd_names = dict(names.SUBDISTRICTS)
    out: list[PaymentCode] = []
    done: set[str] = set()
    for c in committees:
        if c.code in done:
            continue
        members = sorted({c.code, partner.get(c.code, c.code)})
        done.update(members)
        name = sd_names[c.subdistrict] + "、".join(_bare(by_code[m].name) for m in members)
        out.append(PaymentCode(f"QR{len(out) + 1:02d}", name + "收款码", tuple(members)))
    return tuple(out)


def _locations() -> tuple[Location, ...]:
    out: list[Location] = []
    for zone, (aisles, bays, levels) in names.ZONES.items():
        for aisle in range(1, aisles + 1):
            # Serpentine: up the odd aisles, back down the even ones.
            order = range(1, bays + 1) if aisle % 2 else range(bays, 0, -1)
            for bay in order:
                for level in range(1, levels + 1):
                    code = f"{zone}-{aisle:02d}-{bay:02d}-{level}"
                    out.append(Location(code, zone, aisle, bay, level, len(out) + 1))
    return tuple(out)


def _products(locations: Sequence[Location]) -> tuple[Product, ...]:
    by_zone: dict[str, list[Location]] = {}
    for loc in sorted(locations, key=lambda loc: loc.walk_seq):
        by_zone.setdefault(loc.zone, []).append(loc)
    # Spread each zone's goods evenly over its pick faces rather than packing the first aisle.
    wanted = {zone: [p for p in names.PRODUCTS if p[4] == zone] for zone in by_zone}
    place: dict[str, str] = {}
    for zone, specs in wanted.items():
        faces = by_zone[zone]
        if len(specs) > len(faces):
            raise ValueError(f"zone {zone} has {len(faces)} locations for {len(specs)} products")
        for k, spec in enumerate(specs):
            place[spec[0]] = faces[k * len(faces) // len(specs)].code
    out: list[Product] = []
    for i, (name, category, unit, price, _zone, case_pack, _pop) in enumerate(names.PRODUCTS):
        n = i + 1
        sku = f"SKU{n:04d}"
        body = f"{690 + i % 6}{names.CATEGORY_COMPANY[category]:04d}{n:05d}"
        codes = [Barcode(body + ean13_check_digit(body), sku)]
        if case_pack:
            case = "1" + body
            codes.append(Barcode(case + gtin_check_digit(case), sku, case_pack))
        weighed = unit == "斤"
        out.append(
            Product(
                sku=sku,
                name=name,
                unit=unit,
                price_fen=price,
                location=place[name],
                category=category,
                weighed=weighed,
                unit_grams=names.WEIGHED_UNIT_GRAMS if weighed else names.UNIT_GRAMS[name],
                plu=f"{10000 + n}" if weighed else None,
                tolerance_grams=names.TOLERANCE_GRAMS.get(category, 0) if weighed else 0,
                is_bundle=category == "套餐",
                barcodes=tuple(codes),
            )
        )
    return tuple(out)


def demo_pin(seed: int, operator: str) -> str:
    """The 4-digit demo PIN of an operator in the warehouse built with `seed`."""
    digest = hashlib.sha256(f"picker-demo-pin:{seed}:{operator}".encode()).digest()
    return f"{int.from_bytes(digest[:4], 'big') % 10_000:04d}"


@lru_cache(maxsize=256)
def _pin_hash(pin: str, salt: bytes) -> str:
    # scrypt is deliberately slow; the salt is deterministic, so the same seed can reuse it.
    return hash_pin(pin, salt)


def _operators(rng: random.Random, seed: int) -> tuple[tuple[Operator, ...], dict[str, str]]:
    operators: list[Operator] = []
    pins: dict[str, str] = {}
    for role, prefix, width, count in names.OPERATOR_ROLES:
        for n in range(1, count + 1):
            code = f"{prefix}{n:0{width}d}"
            pin = demo_pin(seed, code)
            salt = hashlib.sha256(f"picker-demo-salt:{seed}:{code}".encode()).digest()[:16]
            operators.append(Operator(code, _person(rng), Role(role), f"OP-{code}",
                                      _pin_hash(pin, salt)))  # fmt: skip
            pins[code] = pin
    return tuple(operators), pins


def _sites(
    committees: Sequence[Committee], payment_codes: Iterable[PaymentCode]
) -> tuple[_Site, ...]:
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
            _Site(
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


def _orders(
    rng: random.Random,
    count: int,
    committees: Sequence[Committee],
    sites: Sequence[_Site],
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


def _yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def export_csv(
    warehouse: DemoWarehouse,
    path_or_stream: str | os.PathLike[str] | TextIO,
    *,
    encoding: str = "utf-8-sig",
) -> int:
    """Write the orders as a bank export: one row per order line. Returns the rows written.

    The header is the Chinese column names the importer knows; a path is written in
    `encoding` (UTF-8 with a BOM, as Excel saves it), a text stream as it is. The header row
    is not counted.
    """
    if isinstance(path_or_stream, str | os.PathLike):
        with open(path_or_stream, "w", encoding=encoding, newline="") as f:
            return _write_csv(warehouse, f)
    return _write_csv(warehouse, path_or_stream)


def _write_csv(warehouse: DemoWarehouse, stream: TextIO) -> int:
    writer = csv.writer(stream)
    writer.writerow([DEFAULT_HEADERS[f][0] for f in EXPORT_FIELDS])
    committee_names = {c.code: c.name for c in warehouse.committees}
    product_names = {p.sku: p.name for p in warehouse.products}
    stamps: dict[datetime, str] = {}
    rows = 0
    for o in warehouse.orders:
        paid = stamps.get(o.paid_at)
        if paid is None:
            paid = stamps[o.paid_at] = f"{o.paid_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M:%S}"
        a = o.address
        head = [o.order_no, paid, _yuan(o.amount_fen), o.payment_code,
                committee_names[o.committee], a.community, a.building, a.unit, a.room, o.name,
                o.phone]  # fmt: skip
        tail = [o.note, _STATUS_TEXT[o.status]]
        writer.writerows(
            [*head, ln.sku, product_names[ln.sku], str(ln.qty), _yuan(ln.unit_price_fen), *tail]
            for ln in o.lines
        )
        rows += len(o.lines)
    return rows
