"""What the pick and pack screens add to the scan lane: shortages and scale readings go down
the lane with the codes, and a scan's line names the product, the count and its unit."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.renderables.digits import DIGITS
from textual.screen import Screen
from textual.widgets import Digits, Static

from picker.app.sessions import ScanSession
from picker.i18n import _
from picker.ui.scan_jobs import ShortJob, WeighJob
from picker.ui.scan_screen import ScanScreen, ViewT
from picker.ui.units import quantity, unit_word

if TYPE_CHECKING:
    from picker.domain.scan_outcomes import ScanResult


def show_big(screen: Screen[Any], name: str, text: str) -> None:
    """Show `text` in big digits (`#{name}-big`) when it can be drawn so, else plainly."""
    big = screen.query_one(f"#{name}-big", Digits)
    plain = screen.query_one(f"#{name}", Static)
    drawable = bool(text) and all(c in DIGITS for c in text.upper())
    big.display, plain.display = drawable, not drawable
    big.update(text.upper() if drawable else "")
    plain.update("" if drawable else text)


class StageScreen(ScanScreen[ViewT, ScanSession]):
    """A pick or pack screen: its lane also declares shortages and takes scale readings."""

    def apply(self, job: object) -> ScanResult:
        if isinstance(job, ShortJob):
            return self.session.short(job.reason, job.sku)
        if isinstance(job, WeighJob):
            return self.session.weigh(job.reading, job.sku)
        return super().apply(job)

    def describe(self, result: ScanResult) -> str:
        """`猪肉 +2  3/4 斤`, the weight of a weighed item, or what was undone."""
        if not result.accepted:
            return result.message
        product = result.product or result.sku or ""
        if result.kind == "undo":
            return _(
                "undone: {product} {qty} {unit}",
                product=product,
                qty=-(result.qty or 0),
                unit=unit_word(-(result.qty or 0), self.unit_of(result.sku)),
            )
        done, needed = result.line or (0, 0)
        amount = quantity(needed, self.unit_of(result.sku), f"{done}/{needed}")
        text = f"{product} +{result.qty or 0}  {amount}"
        if result.grams:
            text += " · " + _("{grams} g", grams=result.grams)
        return text

    def unit_of(self, sku: str | None) -> str:
        """The selling unit (斤, 盒, …) of a product, from the session's catalog."""
        product = self.session.catalog.products.get(sku or "")
        return product.unit if product else ""
