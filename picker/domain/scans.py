"""What a scan is: its kinds, the command codes, the `Scan` value and why one is refused. Pure.

`picker.domain.scanning.resolve` makes a `Scan` or raises `ScanError`; the sessions and the scan
log keep a refusal's `reason` (a code of `SCAN_REASONS`) and `params`, so the message can be
shown in the reader's language later.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from picker.errors import PickerError
from picker.i18n import N_, _


class ScanKind(enum.StrEnum):
    BADGE = "badge"
    COMMAND = "command"
    PRODUCT = "product"
    WEIGHED = "weighed"
    BAG = "bag"
    MANIFEST = "manifest"
    CRATE = "crate"


class Command(enum.StrEnum):
    UNDO = "undo"
    SKIP = "skip"
    SHORT = "short"
    CLOSE_BAG = "close-bag"
    SIGN_OUT = "sign-out"


#: The codes printed on the command sheet (Code128, ASCII).
COMMAND_CODES: dict[str, Command] = {
    "CMD-UNDO": Command.UNDO,
    "CMD-SKIP": Command.SKIP,
    "CMD-SHORT": Command.SHORT,
    "CMD-BAG": Command.CLOSE_BAG,
    "CMD-SIGNOUT": Command.SIGN_OUT,
}


SCAN_REASONS: dict[str, str] = {
    "empty": N_("nothing was read: scan again"),
    "unknown_code": N_("unknown code {code}: not a product, badge, bag or manifest"),
    "bad_check_digit": N_("misread {kind} {code}: wrong check digit, scan it again"),
    "bad_qty": N_("bad quantity {value}: type 1 to {max}, then *, then scan"),
    "qty_not_allowed": N_(
        "a typed quantity ({qty}×) goes only with a product barcode, not a {kind}"
    ),
    "weighed_needs_label": N_(
        "{product} is sold by weight: scan its scale label, not the product barcode"
    ),
    "label_for_unit_product": N_(
        "weighed label for a unit product: {product} is sold by the piece, scan its barcode"
    ),
    "unknown_plu": N_("scale label {code}: PLU {plu} is not in the catalog"),
    "unknown_scale_layout": N_(
        "in-store code {code}: no scale label layout is set up for prefix {prefix}"
    ),
    "zero_weight": N_("label {code} shows no weight or amount: weigh it again"),
    "gs1_no_gtin": N_("GS1 label {code} has no GTIN (01)"),
    "gs1_unknown_gtin": N_("GS1 label: GTIN {gtin} is not in the catalog"),
    "gs1_unknown_ai": N_("GS1 label {code}: unknown AI ({ai})"),
    "gs1_bad_value": N_("GS1 label {code}: AI ({ai}) has a bad value {value}"),
    "gs1_malformed": N_("unreadable GS1 label {code}"),
    "unknown_manifest_committee": N_("manifest {code} is for unknown committee {committee}"),
    "unknown_crate_committee": N_("crate {code} is for unknown committee {committee}"),
}


#: `kind` parameter values -> what the picker reads.
KIND_NAMES: dict[str, str] = {
    "ean8": "EAN-8",
    "upca": "UPC-A",
    "ean13": "EAN-13",
    "gtin14": "GTIN-14",
    "scale": N_("scale label"),
    "gs1": N_("GS1 label GTIN"),
    "badge": N_("operator badge"),
    "command": N_("command code"),
    "weighed": N_("weighed label"),
    "bag": N_("bag label"),
    "manifest": N_("manifest code"),
    "crate": N_("crate label"),
}


def reason_text(reason: str, params: Iterable[tuple[str, str]]) -> str:
    """A scan rejection's message in the current language."""
    values = dict(params)
    if "kind" in values:
        values["kind"] = _(KIND_NAMES.get(values["kind"], values["kind"]))
    return _(SCAN_REASONS.get(reason, reason)).format(**values)


class ScanError(PickerError):
    """A scan rejected before it reaches a pick or pack line: a bell and a red line."""

    def __init__(self, reason: str, **params: str) -> None:
        self.reason = reason
        self.params = tuple(params.items())
        super().__init__(reason_text(reason, self.params))


@dataclass(frozen=True, slots=True)
class Scan:
    raw: str  # what was read, less surrounding whitespace and CR/LF, typed quantity included
    kind: ScanKind
    source: str = ""  # badge, command, unit, case, scale, gs1, bag, manifest
    sku: str | None = None
    qty: int = 1  # units: pack qty x typed multiplier (x GS1 count); 1 for weighed
    grams: int | None = None
    amount_fen: int | None = None
    operator: str | None = None
    command: Command | None = None
    ref: str | None = None  # BAG / MANIFEST / CRATE id
    multiplier: int = 1  # the typed `12*` prefix
