"""What the pack screen shows, read off the UI thread: the household, its items, its bags."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text

from picker.app.sessions import ScanSession
from picker.domain.states import RefundKind


def mask_name(name: str) -> str:
    """张三明 → 张*明, 张三 → 张*, 欧阳小明 → 欧**明: enough to hand a bag over, no more."""
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


@dataclass(frozen=True, slots=True)
class PackItem:
    """One line of the current household's order."""

    sku: str
    name: str
    unit: str
    weighed: bool
    needed: int
    packed: int
    short: int
    grams: int

    def mark(self) -> Text:
        """✓ in the bag, ✗ nothing to pack (all short), ⚖ weighed and open, · open."""
        if self.short and not self.needed:
            return Text("✗", style="bold red")
        if self.packed >= self.needed:
            return Text("✓", style="bold green")
        return Text("⚖" if self.weighed else "·", style="bold yellow" if self.weighed else "")


@dataclass(frozen=True, slots=True)
class HouseholdRow:
    """One household of the batch as the list shows it."""

    order_no: str
    door: str
    community: str
    name: str
    cancelled: bool
    shorted: bool


@dataclass(frozen=True, slots=True)
class PackView:
    """What the pack screen shows, read by the worker."""

    households: tuple[HouseholdRow, ...]
    current: HouseholdRow | None
    items: tuple[PackItem, ...]
    bag: tuple[int, int]

    @property
    def done(self) -> bool:
        return self.current is None and bool(self.households)


def read_pack_view(session: ScanSession) -> PackView:
    """The current household, its items and bag, and every household of the batch."""
    household, lines = session.current_household()
    products = session.catalog.products
    rows = tuple(
        HouseholdRow(
            h.order_no,
            h.address.short(),
            h.address.community,
            mask_name(h.name),
            h.cancelled,
            any(r["kind"] == RefundKind.SHORT for r in session.floor.refunds(h.order_no)),
        )
        for h in session.households()
    )
    current = next((r for r in rows if household and r.order_no == household.order_no), None)
    items = tuple(
        PackItem(
            r.sku,
            products[r.sku].name,
            products[r.sku].unit,
            products[r.sku].weighed,
            r.qty - r.short,
            r.packed,
            r.short,
            r.grams,
        )
        for r in lines
    )
    bag = session.current_bag(household.order_no, lines) if household else (1, 1)
    return PackView(rows, current, items, bag)
