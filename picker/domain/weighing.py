"""When the weight on a weighed line's labels completes it. Standard library only.

A weighed line (2 斤 of apples, 1 斤 = 500 g) is done by weight, not by the number of
labels: one label of the whole weight is the normal case, two or three labels add up.
The rule, the same at the pick and the pack stage:

- The recorded weight (all the line's labels, or bench scale readings, together) counts as
  whole selling units to the nearest unit, never more than ordered: 600 g of a 2 斤 line
  is 1 of 2 斤, and the line waits for another label.
- The line is done when that reaches the ordered quantity, or when the weight is within the
  line's tolerance below the ordered weight. So it is done from half a unit under the
  ordered weight: 1 kg for 2 斤 completes it at once, and so does 900 g, whose shortfall
  beyond the tolerance is refunded (the whole difference, as `shortage.weight_refund`).
- A label or reading that would take the line more than its tolerance over the ordered
  weight is refused: over weight cannot be charged once the order is paid, and a label
  that heavy is more often another household's. The packer takes some out and weighs
  again; goods that cannot be cut are a matter of the product's tolerance.

Labels that print an amount instead of a weight are counted the same way in fen, at the
line's unit price.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WeighedTarget:
    """A weighed line's target in its labels' measure: grams, or fen for amount labels."""

    units: int  # selling units to deliver: ordered less short
    per_unit: int  # grams (or fen) of one selling unit
    tolerance: int  # grams (or fen) the whole line may be under or over

    @property
    def ordered(self) -> int:
        """The ordered weight (or value) of the line."""
        return self.units * self.per_unit

    @property
    def most(self) -> int:
        """The most the line may hold: the ordered weight and its tolerance."""
        return self.ordered + self.tolerance

    def units_reached(self, recorded: int) -> int:
        """Whole units the recorded weight counts for, at most `units`."""
        if self.units <= 0:
            return 0
        if recorded >= self.ordered - self.tolerance or self.per_unit <= 0:
            return self.units
        # Nearest whole unit, an exact half up: 250 g of a 500 g unit is one unit.
        return min(self.units, (2 * recorded + self.per_unit) // (2 * self.per_unit))

    def over(self, recorded: int) -> bool:
        """Whether the recorded weight is more than the tolerance over the ordered one."""
        return recorded > self.most


def weight_target(units: int, unit_grams: int, tolerance_grams: int) -> WeighedTarget:
    """A line of `units` selling units in grams; the tolerance is per unit, as in the catalog."""
    return WeighedTarget(units, unit_grams, units * tolerance_grams)


def amount_target(
    units: int, unit_price_fen: int, unit_grams: int, tolerance_grams: int
) -> WeighedTarget:
    """The same line in fen, for labels that print the amount: the tolerance at its price."""
    if unit_grams <= 0:
        return WeighedTarget(units, unit_price_fen, 0)
    tolerance = (2 * units * tolerance_grams * unit_price_fen + unit_grams) // (2 * unit_grams)
    return WeighedTarget(units, unit_price_fen, tolerance)


def grams_for_amount(fen: int, unit_price_fen: int, unit_grams: int) -> int:
    """The weight an amount label pays for at the unit price, to the nearest gram."""
    if unit_price_fen <= 0:
        return 0
    return (2 * fen * unit_grams + unit_price_fen) // (2 * unit_price_fen)
