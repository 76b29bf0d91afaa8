"""Rows <-> domain values for the catalog: committees, payment codes, locations, products
with their barcodes, and operators.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    import sqlite_utils


def save_catalog(
    db: sqlite_utils.Database,
    *,
    subdistricts: Iterable[Subdistrict] = (),
    committees: Iterable[Committee] = (),
    payment_codes: Iterable[PaymentCode] = (),
    locations: Iterable[Location] = (),
    products: Iterable[Product] = (),
    operators: Iterable[Operator] = (),
) -> None:
    """Insert or replace catalog rows. Call inside `db.write()`."""
    ex = db.conn.executemany
    ex(
        "INSERT OR REPLACE INTO subdistricts (code, name) VALUES (?, ?)",
        [(s.code, s.name) for s in subdistricts],
    )
    committees = list(committees)
    ex(
        "INSERT OR REPLACE INTO committees (code, name, subdistrict, contact_name, contact_phone,"
        " address, route, stop_order, households) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                c.code,
                c.name,
                c.subdistrict,
                c.contact_name,
                c.contact_phone,
                c.address,
                c.route,
                c.stop_order,
                c.households,
            )
            for c in committees
        ],
    )
    ex(
        "INSERT OR REPLACE INTO committee_aliases (alias, committee) VALUES (?, ?)",
        [(a, c.code) for c in committees for a in c.aliases],
    )
    payment_codes = list(payment_codes)
    ex(
        "INSERT OR REPLACE INTO payment_codes (code, name) VALUES (?, ?)",
        [(p.code, p.name) for p in payment_codes],
    )
    ex(
        "INSERT OR REPLACE INTO payment_code_committees (payment_code, committee) VALUES (?, ?)",
        [(p.code, c) for p in payment_codes for c in p.committees],
    )
    ex(
        "INSERT OR REPLACE INTO locations (code, zone, aisle, bay, level, walk_seq)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [(loc.code, loc.zone, loc.aisle, loc.bay, loc.level, loc.walk_seq) for loc in locations],
    )
    products = list(products)
    ex(
        "INSERT OR REPLACE INTO products (sku, name, unit, price_fen, location, category, weighed,"
        " unit_grams, plu, tolerance_grams, is_bundle) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                p.sku,
                p.name,
                p.unit,
                p.price_fen,
                p.location,
                p.category,
                int(p.weighed),
                p.unit_grams,
                p.plu,
                p.tolerance_grams,
                int(p.is_bundle),
            )
            for p in products
        ],
    )
    ex(
        "INSERT OR REPLACE INTO barcodes (code, sku, pack_qty) VALUES (?, ?, ?)",
        [(b.code, p.sku, b.pack_qty) for p in products for b in p.barcodes],
    )
    ex(
        "INSERT OR REPLACE INTO operators (code, name, role, badge, pin_hash)"
        " VALUES (?, ?, ?, ?, ?)",
        [(o.code, o.name, o.role.value, o.badge, o.pin_hash) for o in operators],
    )


def load_catalog(db: sqlite_utils.Database) -> Catalog:
    q = db.conn.execute
    aliases: dict[str, list[str]] = {}
    for alias, committee in q("SELECT alias, committee FROM committee_aliases"):
        aliases.setdefault(committee, []).append(alias)
    committees = {
        r[0]: Committee(
            code=r[0],
            name=r[1],
            subdistrict=r[2],
            contact_name=r[3],
            contact_phone=r[4],
            address=r[5],
            route=r[6],
            stop_order=r[7],
            households=r[8],
            aliases=tuple(aliases.get(r[0], ())),
        )
        for r in q(
            "SELECT code, name, subdistrict, contact_name, contact_phone, address, route,"
            " stop_order, households FROM committees"
        )
    }
    placed: dict[str, list[str]] = {}
    for code, committee in q("SELECT payment_code, committee FROM payment_code_committees"):
        placed.setdefault(code, []).append(committee)
    payment_codes = {
        code: PaymentCode(code, name, tuple(placed.get(code, ())))
        for code, name in q("SELECT code, name FROM payment_codes")
    }
    barcodes: dict[str, list[Barcode]] = {}
    for code, sku, pack in q("SELECT code, sku, pack_qty FROM barcodes ORDER BY pack_qty, code"):
        barcodes.setdefault(sku, []).append(Barcode(code, sku, pack))
    products = {
        r[0]: Product(
            sku=r[0],
            name=r[1],
            unit=r[2],
            price_fen=r[3],
            location=r[4],
            category=r[5],
            weighed=bool(r[6]),
            unit_grams=r[7],
            plu=r[8],
            tolerance_grams=r[9],
            is_bundle=bool(r[10]),
            barcodes=tuple(barcodes.get(r[0], ())),
        )
        for r in q(
            "SELECT sku, name, unit, price_fen, location, category, weighed, unit_grams, plu,"
            " tolerance_grams, is_bundle FROM products"
        )
    }
    return Catalog(committees=committees, products=products, payment_codes=payment_codes)


def load_operators(db: sqlite_utils.Database) -> list[Operator]:
    return [
        Operator(code, name, Role(role), badge, pin_hash)
        for code, name, role, badge, pin_hash in db.conn.execute(
            "SELECT code, name, role, badge, pin_hash FROM operators WHERE active ORDER BY code"
        )
    ]


def load_locations(db: sqlite_utils.Database) -> list[Location]:
    return [
        Location(*row)
        for row in db.conn.execute(
            "SELECT code, zone, aisle, bay, level, walk_seq FROM locations ORDER BY walk_seq"
        )
    ]
