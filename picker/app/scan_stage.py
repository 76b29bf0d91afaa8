"""What the stages of a scanning session share (`picker.app.sessions.ScanSession`)."""

from __future__ import annotations

from db.floor import BatchRow
from picker.app.context import Context
from picker.domain.model import Catalog
from picker.domain.money import format_fen
from picker.domain.scan_outcomes import Rejected, Stage
from picker.domain.weighing import WeighedTarget


class SessionBase:
    """What a scanning session's stages share; `ScanSession` fills it in."""

    ctx: Context
    batch_id: str
    operator: str
    terminal: str
    stage: Stage
    catalog: Catalog

    def _units_by_weight(
        self, product: str, target: WeighedTarget, after: int, done: int, *, fen: bool = False
    ) -> int:
        """Units a weighed line's labels (`after` in all, grams or with `fen` an amount)
        complete beyond the `done` ones; refused if they take it more than its tolerance over."""
        if target.over(after):
            show = format_fen if fen else int
            raise Rejected(
                "over_amount" if fen else "over_weight",
                product=product,
                total=show(after),
                ordered=show(target.ordered),
                most=show(target.most),
            )
        return max(0, target.units_reached(after) - done)

    def _name(self, sku: str | None) -> str:
        """A product's name for messages, or the sku when it is unknown."""
        if sku is None:
            return ""
        product = self.catalog.products.get(sku)
        return product.name if product else sku

    def _check_batch(self) -> BatchRow:
        raise NotImplementedError
