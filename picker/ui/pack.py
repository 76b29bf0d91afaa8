"""The pack screen: household by household, scan each item into the bag.

The current household's door (building-unit-room) is shown big with the masked name and the
bag k of n; below it the items still to go in, weighed ones taking the scale label, then the
batch's households in hand-out order with cancellations and shortages marked. A closed bag's
label is queued for printing by the engine; the screen says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Digits, Footer, Header, Static

from picker.i18n import N_, _
from picker.money import format_fen
from picker.packing import BagPlan, plan_bags
from picker.scanning import parse_bag_id
from picker.sessions import ScanResult, ScanSession
from picker.ui import localize_bindings
from picker.ui.scan_input import ScanInput, ScanScreen, fkey, show_big


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


def bag_plan(session: ScanSession, lines: list[Any]) -> BagPlan:
    """The household's bags as the engine plans them: units and weight over the capacity."""
    products = session.catalog.products
    units = sum(r.qty - r.short for r in lines)
    grams = sum((r.qty - r.short) * products[r.sku].unit_grams for r in lines)
    return plan_bags(units, grams, session.wh.settings.bag_capacity)


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
            any(r["kind"] == "short" for r in session.wh.refunds(h.order_no)),
        )
        for h in session.households()
    )
    current = next((r for r in rows if household and r.order_no == household.order_no), None)
    items = tuple(
        PackItem(
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
    plan = bag_plan(session, lines)
    return PackView(rows, current, items, (plan.bag_for(sum(i.packed for i in items)), plan.n))


class PackScreen(ScanScreen[PackView]):
    """Pack one picked batch into bags, household by household."""

    CSS_PATH = "pack.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        fkey("f4", "undo", N_("Undo"), N_("Take back your last scan"), "pack.undo"),
        fkey("escape", "back", N_("Back"), N_("Leave the batch; it stays yours"), "pack.back"),
    ]

    def __init__(self, session: ScanSession) -> None:
        super().__init__(session)
        localize_bindings(self)
        self.view: PackView | None = None
        """What was last read."""
        self.bags: dict[str, int] = {}
        """Bags planned per household (order number), as last read: the n of "bag k of n"."""

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="household"):
            with Horizontal(id="household-top"):
                yield Digits(id="door-big")
                yield Static(id="door", markup=False)
                yield Static(id="gap")
                yield Static(id="bag", markup=False)
            yield Static(id="who", markup=False)
        yield Static(id="warning", markup=False)
        yield Static(id="result", markup=False)
        yield DataTable(id="items", cursor_type="none")
        yield Static(id="banner", markup=False)
        yield DataTable(id="households", cursor_type="row", zebra_stripes=True)
        yield ScanInput(placeholder=_("Scan an item into the bag…"), id="scan")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = _("Pack {batch}", batch=self.session.batch_id)
        items = self.query_one("#items", DataTable)
        for key, label in (
            ("mark", " "),
            ("product", N_("Product")),
            ("qty", N_("In bag")),
            ("note", N_("Note")),
        ):
            items.add_column(_(label) if label.strip() else label, key=key)
        households = self.query_one("#households", DataTable)
        for key, label in (
            ("mark", " "),
            ("door", N_("Door")),
            ("name", N_("Name")),
            ("order", N_("Order")),
            ("note", N_("Note")),
        ):
            households.add_column(_(label) if label.strip() else label, key=key)
        items.can_focus = households.can_focus = False

    def before_scan(self) -> None:
        """Note the current household's bag count before a scan may finish it (worker)."""
        household, lines = self.session.current_household()
        if household is not None and household.order_no not in self.bags:
            self.bags[household.order_no] = bag_plan(self.session, lines).n

    def load_view(self) -> PackView:
        return read_pack_view(self.session)

    def show_view(self, view: PackView) -> None:
        self.view = view
        cur = view.current
        if cur is not None:
            self.bags[cur.order_no] = view.bag[1]
        show_big(self, "door", cur.door if cur else _("All households are packed"))
        k, n = view.bag
        self.query_one("#bag", Static).update(
            Text(_("bag {k} of {n}", k=k, n=n), style="bold") if cur else ""
        )
        who = (
            _(
                "{name} · {community} · order {order_no}",
                name=cur.name,
                community=cur.community,
                order_no=cur.order_no,
            )
            if cur
            else ""
        )
        self.query_one("#who", Static).update(who)
        shorts = [i for i in view.items if i.short]
        warning = self.query_one("#warning", Static)
        warning.display = bool(shorts)
        warning.update(
            "⚠ "
            + _("short: {items}", items=", ".join(f"{i.name} {i.short} {i.unit}" for i in shorts))
        )
        self.query_one("#items").display = not view.done
        self._fill_items(view)
        self._fill_households(view)
        banner = self.query_one("#banner", Static)
        banner.display = view.done
        banner.update(_("Batch packed. Esc: back") if view.done else "")

    def _fill_items(self, view: PackView) -> None:
        table = self.query_one("#items", DataTable)
        table.clear()
        for i in view.items:
            note = Text()
            if i.weighed:
                note.append(_("{grams} g", grams=i.grams) if i.grams else _("scan the scale label"))
            if i.short:
                note.append((" " if note else "") + _("{qty} short", qty=i.short), "bold red")
            table.add_row(i.mark(), i.name, f"{i.packed}/{i.needed} {i.unit}", note)

    def _fill_households(self, view: PackView) -> None:
        table = self.query_one("#households", DataTable)
        table.clear()
        passed = True
        for h in view.households:
            if h is view.current:
                passed = False
            if h.cancelled:
                mark, style, note = Text("✗", "red"), "strike dim", _("cancelled: do not pack")
            else:
                mark = (
                    Text("▶", "bold")
                    if h is view.current
                    else Text("✓" if passed else "·", "green" if passed else "")
                )
                style, note = ("bold" if h is view.current else ""), ""
            if h.shorted:
                note = (note + " " if note else "") + _("has shortages")
            table.add_row(
                mark,
                Text(h.door, style),
                Text(h.name, style),
                Text(h.order_no, style),
                Text(note, "red"),
                key=h.order_no,
            )
        if view.current is not None:
            table.move_cursor(row=view.households.index(view.current), animate=False)

    def describe(self, result: ScanResult) -> str:
        text = super().describe(result)
        if result.accepted and result.kind != "undo" and result.refund_fen:
            text += " · " + _(
                "underweight: {amount} refunded", amount=format_fen(result.refund_fen)
            )
        for bag in result.closed_bags:
            parsed = parse_bag_id(bag)
            k = parsed[1] if parsed else 0
            n = self.bags.get(result.household or "", k)
            text += " · " + _("bag {k}/{n} sealed, label queued for printing", k=k, n=n)
        return text

    def action_undo(self) -> None:
        self.submit("CMD-UNDO")

    def action_back(self) -> None:
        self.dismiss()
