"""Scan resolution: one raw scanner string -> what it means. Pure.

A code is tried in the order of DESIGN.md "Scanning": operator badge / command code -> product
unit barcode -> case barcode (x pack quantity) -> scale label -> GS1-128 -> bag / manifest /
crate id. Check digits are always validated. A code that cannot be taken raises `ScanError`
(`picker.domain.scans`); like an import reject its `reason` is a code of `SCAN_REASONS` and its
`params` fill the message, so the scan log can show it in the reader's language later. Scale
label layouts are `picker.domain.scale_labels`, the bag, manifest and crate ids
`picker.domain.ids`.

Barcodes of GTIN shape (EAN-8, UPC-A, EAN-13, GTIN-14) are matched as GTIN-14, so an EAN-13
equals the GTIN-14 `0` + EAN-13 of a GS1 label, and a UPC-A sent as 13 digits still matches.
Before that a code loses surrounding whitespace and CR/LF, full-width characters from an
active IME (NFKC), a typed `12*` quantity and an AIM symbology identifier (`]C1` means GS1).
Letters are matched case-blind, because a wedge scanner types inverted case under Caps Lock.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from picker.domain import gs1
from picker.domain.gs1 import GS, shown
from picker.domain.ids import (
    bag_id,
    crate_id,
    manifest_id,
    parse_bag_id,
    parse_crate_id,
    parse_manifest_id,
)
from picker.domain.model import Catalog, Operator, Product
from picker.domain.scale_labels import DEFAULT_SCALE_LAYOUTS, ScaleLayout
from picker.domain.scans import COMMAND_CODES, Scan, ScanError, ScanKind
from picker.errors import InputError
from picker.i18n import _

MAX_MULTIPLIER = 999
# A `*` further into the code than this is part of the code (GS1 serials may hold one),
# not a typed quantity.
_MAX_TYPED = 8
_GTIN_KINDS = {8: "ean8", 12: "upca", 13: "ean13", 14: "gtin14"}
# AIM symbology identifiers that announce GS1 data: GS1-128, GS1 DataBar, DataMatrix, QR.
_GS1_SYMBOLOGIES = frozenset({"C1", "e0", "d2", "Q3"})


def _check_ok(code: str) -> bool:
    return gs1.check_digit(code[:-1]) == code[-1]


def _plu_key(plu: str) -> str:
    return plu.lstrip("0") or "0"


def _barcode_key(code: str) -> str:
    """GTIN-shaped codes as GTIN-14; anything else (internal Code128 labels) upper-cased."""
    if code.isascii() and code.isdigit() and len(code) in _GTIN_KINDS:
        return code.zfill(14)
    return code.upper()


@dataclass(frozen=True)
class ScanIndex:
    """Lookup tables built once per catalog; resolve() is called per scan and must be fast (µs)."""

    products: Mapping[str, Product]
    barcodes: Mapping[str, tuple[str, int]]  # `_barcode_key` -> (sku, pack quantity)
    plus: Mapping[str, str]  # PLU without leading zeros -> sku
    badges: Mapping[str, str]  # upper-cased badge -> operator code
    committees: Mapping[str, str]  # upper-cased committee code -> code
    layouts: Mapping[int, tuple[tuple[str, ScaleLayout], ...]]  # length -> (prefix, layout)

    @classmethod
    def build(
        cls,
        catalog: Catalog,
        operators: Iterable[Operator] = (),
        layouts: Sequence[ScaleLayout] = DEFAULT_SCALE_LAYOUTS,
    ) -> ScanIndex:
        """Raises InputError naming every code that would be ambiguous or unscannable."""
        problems: list[str] = []
        barcodes: dict[str, tuple[str, int]] = {}
        plus: dict[str, str] = {}
        for product in catalog.products.values():
            for barcode in product.barcodes:
                key = _barcode_key(barcode.code)
                if key.isdigit() and len(key) == 14 and not _check_ok(key):
                    problems.append(
                        _(
                            "{sku}: barcode {code} has a wrong check digit",
                            sku=product.sku,
                            code=barcode.code,
                        )
                    )
                elif barcode.pack_qty < 1:
                    problems.append(
                        _(
                            "{sku}: barcode {code} has pack quantity {qty}",
                            sku=product.sku,
                            code=barcode.code,
                            qty=barcode.pack_qty,
                        )
                    )
                elif barcodes.setdefault(key, (product.sku, barcode.pack_qty))[0] != product.sku:
                    problems.append(
                        _(
                            "barcode {code} is on both {sku} and {other}",
                            code=barcode.code,
                            sku=barcodes[key][0],
                            other=product.sku,
                        )
                    )
            plu = product.plu or ""
            if (
                plu.isascii()
                and plu.isdigit()
                and plus.setdefault(_plu_key(plu), product.sku) != product.sku
            ):
                problems.append(
                    _(
                        "PLU {plu} is on both {sku} and {other}",
                        plu=plu,
                        sku=plus[_plu_key(plu)],
                        other=product.sku,
                    )
                )
        badges: dict[str, str] = {}
        for op in operators:
            badge = op.badge.strip().upper()
            if not badge:
                continue
            if badge in COMMAND_CODES or badges.setdefault(badge, op.code) != op.code:
                problems.append(_("badge {badge} is not unique", badge=op.badge))
        by_length: dict[int, list[tuple[str, ScaleLayout]]] = {}
        for layout in layouts:
            taken = by_length.setdefault(layout.length, [])
            for prefix in layout.prefixes:
                for other, used in taken:
                    if prefix.startswith(other) or other.startswith(prefix):
                        problems.append(
                            _(
                                "scale layouts {name} and {other} both claim prefix {prefix}",
                                name=layout.name,
                                other=used.name,
                                prefix=prefix,
                            )
                        )
                taken.append((prefix, layout))
        if problems:
            raise InputError(
                _("the catalog cannot be scanned: {problems}", problems="; ".join(problems))
            )
        return cls(
            products=catalog.products,
            barcodes=barcodes,
            plus=plus,
            badges=badges,
            committees={code.upper(): code for code in catalog.committees},
            layouts={n: tuple(entries) for n, entries in by_length.items()},
        )

    def layout_for(self, code: str) -> ScaleLayout | None:
        for prefix, layout in self.layouts.get(len(code), ()):
            if code.startswith(prefix):
                return layout
        return None


def split_quantity(raw: str) -> tuple[int, str]:
    """`12*6901234567892` -> (12, `6901234567892`); no `*` -> (1, raw). Bad prefixes raise."""
    star = raw.find("*")
    if star < 0 or star > _MAX_TYPED:
        return 1, raw.strip()
    typed, code = raw[:star].strip(), raw[star + 1 :].strip()
    if not (typed.isascii() and typed.isdigit() and 1 <= int(typed) <= MAX_MULTIPLIER):
        raise ScanError("bad_qty", value=shown(typed), max=str(MAX_MULTIPLIER))
    if not code:
        raise ScanError("empty")
    return int(typed), code


def resolve(raw: str, index: ScanIndex) -> Scan:
    """What one scanned code means, or ScanError with the reason it cannot be taken."""
    text = raw.strip()
    code = text if text.isascii() else unicodedata.normalize("NFKC", text).strip()
    if not code:
        raise ScanError("empty")
    multiplier, code = split_quantity(code)
    if code[0] == "]" and len(code) >= 3 and code[1].isalpha() and code[2].isalnum():
        symbology, code = code[1:3], code[3:].strip()
        if not code:
            raise ScanError("empty")
        if symbology in _GS1_SYMBOLOGIES:
            return _gs1(text, code, multiplier, index)
    upper = code.upper()
    operator = index.badges.get(upper)
    if operator is not None:
        _no_multiplier(multiplier, "badge")
        return Scan(text, ScanKind.BADGE, "badge", operator=operator)
    command = COMMAND_CODES.get(upper)
    if command is not None:
        _no_multiplier(multiplier, "command")
        return Scan(text, ScanKind.COMMAND, "command", command=command)
    if code.isascii() and code.isdigit():
        return _numeric(text, code, multiplier, index)
    hit = index.barcodes.get(upper)
    if hit is not None:
        return _product(text, hit, multiplier, index)
    if code[0] == "(" or GS in code or (code[:2] in ("01", "02") and code[2:16].isdigit()):
        return _gs1(text, code, multiplier, index)
    if (bag := parse_bag_id(code)) is not None:
        _no_multiplier(multiplier, "bag")
        return Scan(text, ScanKind.BAG, "bag", ref=bag_id(*bag))
    if (manifest := parse_manifest_id(code)) is not None:
        _no_multiplier(multiplier, "manifest")
        committee = index.committees.get(manifest[0].upper())
        if committee is None:
            raise ScanError(
                "unknown_manifest_committee", code=shown(code), committee=shown(manifest[0])
            )
        return Scan(text, ScanKind.MANIFEST, "manifest", ref=manifest_id(committee, *manifest[1:]))
    if (crate := parse_crate_id(code)) is not None:
        _no_multiplier(multiplier, "crate")
        committee = index.committees.get(crate[0].upper())
        if committee is None:
            raise ScanError("unknown_crate_committee", code=shown(code), committee=shown(crate[0]))
        return Scan(text, ScanKind.CRATE, "crate", ref=crate_id(committee, crate[1]))
    raise ScanError("unknown_code", code=shown(code))


def _no_multiplier(multiplier: int, kind: str) -> None:
    if multiplier != 1:
        raise ScanError("qty_not_allowed", qty=str(multiplier), kind=kind)


def _numeric(text: str, code: str, multiplier: int, index: ScanIndex) -> Scan:
    layout = index.layout_for(code)
    gtin_kind = _GTIN_KINDS.get(len(code))
    if gtin_kind is not None:
        # Catalog GTINs all have valid check digits, so checking first keeps the order.
        if not _check_ok(code):
            raise ScanError("bad_check_digit", kind="scale" if layout else gtin_kind, code=code)
        hit = index.barcodes.get(code.zfill(14))
    else:
        hit = index.barcodes.get(code)
    if hit is not None:
        return _product(text, hit, multiplier, index)
    if layout is not None:
        return _scale(text, code, layout, multiplier, index)
    if len(code) == 13 and code[0] == "2":
        raise ScanError("unknown_scale_layout", code=code, prefix=code[:2])
    if len(code) >= 16 and code[:2] in ("01", "02"):
        return _gs1(text, code, multiplier, index)
    raise ScanError("unknown_code", code=shown(code))


def _product(text: str, hit: tuple[str, int], multiplier: int, index: ScanIndex) -> Scan:
    sku, pack = hit
    product = index.products[sku]
    if product.weighed:
        raise ScanError("weighed_needs_label", product=product.name)
    source = "case" if pack > 1 else "unit"
    return Scan(
        text, ScanKind.PRODUCT, source, sku=sku, qty=pack * multiplier, multiplier=multiplier
    )


def _weighed(product: Product, multiplier: int) -> None:
    if not product.weighed:
        raise ScanError("label_for_unit_product", product=product.name)
    _no_multiplier(multiplier, "weighed")


def _scale(text: str, code: str, layout: ScaleLayout, multiplier: int, index: ScanIndex) -> Scan:
    if not _check_ok(code):
        raise ScanError("bad_check_digit", kind="scale", code=code)
    start, size = layout.plu
    plu = code[start : start + size]
    sku = index.plus.get(_plu_key(plu))
    if sku is None:
        raise ScanError("unknown_plu", code=code, plu=plu)
    _weighed(index.products[sku], multiplier)
    grams = int(code[layout.weight[0] : sum(layout.weight)]) if layout.weight else None
    amount = int(code[layout.amount[0] : sum(layout.amount)]) if layout.amount else None
    if not (grams if grams is not None else amount):
        raise ScanError("zero_weight", code=code)
    return Scan(text, ScanKind.WEIGHED, "scale", sku=sku, grams=grams, amount_fen=amount)


def _gs1(text: str, code: str, multiplier: int, index: ScanIndex) -> Scan:
    try:
        fields = gs1.element_strings(code)
    except gs1.Gs1Error as exc:
        raise ScanError(exc.reason, **exc.params) from None
    gtin = fields.get("01")
    if gtin is None:
        raise ScanError("gs1_no_gtin", code=shown(code))
    if not _check_ok(gtin):
        raise ScanError("bad_check_digit", kind="gs1", code=gtin)
    hit = index.barcodes.get(gtin)
    if hit is None:
        raise ScanError("gs1_unknown_gtin", gtin=gtin)
    sku, pack = hit
    product = index.products[sku]
    weight_ai = next((ai for ai in fields if ai[:3] == "310"), None)
    if weight_ai is None:
        if product.weighed:
            raise ScanError("weighed_needs_label", product=product.name)
        qty = pack * int(fields.get("37", "1")) * multiplier
        return Scan(text, ScanKind.PRODUCT, "gs1", sku=sku, qty=qty, multiplier=multiplier)
    # The net weight is what a weighed line counts; a (37) count on it is not used.
    _weighed(product, multiplier)
    grams = gs1.kg_to_grams(fields[weight_ai], int(weight_ai[3]))
    if not grams:
        raise ScanError("zero_weight", code=shown(code))
    return Scan(text, ScanKind.WEIGHED, "gs1", sku=sku, grams=grams)
