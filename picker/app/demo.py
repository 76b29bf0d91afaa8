"""A deterministic demo warehouse modelled on the Qingpu pilot of spring 2022. Pure.

Three subdistricts, 47 committees, 36 payment codes, about 60 lockdown goods, a serpentine
pick face layout, pickers, leads and drivers, and a day of paid orders on 2022-04-12.

The catalog (committees, payment codes, locations, products) is the same for every seed, so an
export made with one seed imports into a warehouse built with another. The seed varies the
orders and the operators' demo PINs. The orders are made in `picker.app.demo_orders`;
`picker.app.demo_export` writes them out as a bank export.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from picker.app.demo_orders import paid_orders, sites_of
from picker.domain import demo_names as names
from picker.domain.auth import hash_pin
from picker.domain.gs1 import check_digit as gtin_check_digit
from picker.domain.model import (
    Barcode,
    Catalog,
    Committee,
    Location,
    Operator,
    Order,
    PaymentCode,
    Product,
    Role,
    Subdistrict,
)

# The catalog's names and phone numbers do not follow the seed (see the module docstring).
_CATALOG_SEED = 20220328


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
    sites = sites_of(committees, payment_codes)
    return DemoWarehouse(
        subdistricts=subdistricts,
        committees=committees,
        payment_codes=payment_codes,
        locations=locations,
        products=products,
        operators=operators,
        pins=pins,
        orders=paid_orders(random.Random(seed), orders, committees, sites, products),
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
