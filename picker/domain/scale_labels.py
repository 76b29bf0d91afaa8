"""Label-scale barcode layouts: where a site's scale puts PLU, weight and amount. Pure.

In-store codes (EAN-13 prefixes 20-29, an 18-digit Code128) have no standard layout: each site
sets its scales up, so the layout is configuration (`[scanning] scale_layouts`) with the
presets below; `picker.domain.scanning` reads labels with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise


@dataclass(frozen=True, slots=True)
class ScaleLayout:
    """Where a site's label scale puts PLU, weight and amount in its barcode.

    Spans are 0-based `(start, length)` into the digits; the last digit is the GS1 check digit
    over all the others. Weight is kg with 3 decimals (= grams), amount yuan with 2 (= fen).
    """

    name: str
    prefixes: tuple[str, ...]
    length: int
    plu: tuple[int, int]
    weight: tuple[int, int] | None = None
    amount: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        if not self.prefixes or not all(
            p.isascii() and p.isdigit() and len(p) < self.length for p in self.prefixes
        ):
            raise ValueError(f"scale layout {self.name}: prefixes must be digits: {self.prefixes}")
        if self.weight is None and self.amount is None:
            raise ValueError(f"scale layout {self.name}: needs a weight or an amount")
        spans = sorted(s for s in (self.plu, self.weight, self.amount) if s is not None)
        if any(s < 0 or n < 1 or s + n > self.length - 1 for s, n in spans) or any(
            a[0] + a[1] > b[0] for a, b in pairwise(spans)
        ):
            raise ValueError(f"scale layout {self.name}: fields overlap or run into the check")


SCALE_PRESETS: dict[str, ScaleLayout] = {
    # 21 PPPPP WWWWW C: weight in kg with 3 decimals.
    "ean13-weight": ScaleLayout("ean13-weight", ("21",), 13, plu=(2, 5), weight=(7, 5)),
    # 22 PPPPP AAAAA C: amount in yuan with 2 decimals.
    "ean13-amount": ScaleLayout("ean13-amount", ("22",), 13, plu=(2, 5), amount=(7, 5)),
    # 7-digit item `2` + site digit + 5-digit PLU, then weight: the first two digits select the
    # layout and the PLU is the item's last five, so one product PLU works on every preset.
    # A scale with 6-digit item numbers wants `plu=(1, 6)`; leading zeros never matter.
    "ean13-item7-weight": ScaleLayout("ean13-item7-weight", ("23",), 13, plu=(2, 5), weight=(7, 5)),
    # Code128, 18 digits: 26 PPPPP AAAAA WWWWW C.
    "code128-26": ScaleLayout("code128-26", ("26",), 18, plu=(2, 5), amount=(7, 5), weight=(12, 5)),
}


DEFAULT_SCALE_LAYOUTS: tuple[ScaleLayout, ...] = tuple(SCALE_PRESETS.values())
