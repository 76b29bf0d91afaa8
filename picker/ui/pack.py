"""The pack screen: household by household, scan each item into the bag.

The current household's door (building-unit-room) is shown big with the masked name and the
bag k of n; below it the items still to go in, weighed ones taking the scale label, then the
batch's households in hand-out order with cancellations and shortages marked. A closed bag's
label is queued for printing by the engine; the screen says so.

At a terminal with a bench scale (`[terminals.NAME] scale`) a line shows the live weight and
the weighed item it is for; Enter on the empty scan field, F5 or the `CMD-WEIGH` code records
a steady weight as that item's, through the same session path as a scale label.
"""

from __future__ import annotations

import time
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Digits, Footer, Header, Static

from picker.app.sessions import ScanResult, ScanSession
from picker.domain.ids import parse_bag_id
from picker.domain.money import format_fen
from picker.i18n import N_, _
from picker.ui import localize_bindings
from picker.ui.devices import ScalePanel, terminal_devices
from picker.ui.pack_table import (
    HOUSEHOLD_COLUMNS,
    ITEM_COLUMNS,
    household_rows,
    item_rows,
)
from picker.ui.pack_view import PackView, mask_name, read_pack_view
from picker.ui.scan_input import ScanInput
from picker.ui.scan_jobs import WeighJob
from picker.ui.scan_screen import fkey
from picker.ui.stage_screen import StageScreen, show_big
from picker.ui.units import quantity
from picker.ui.widgets import LiveTable, hide_from_footer

__all__ = ["PackScreen", "PackView", "mask_name"]

#: The command code that records the scale's weight (for a scanner's trigger at the scale).
WEIGH_CODE = "CMD-WEIGH"
SCALE_ACTIONS = {"weigh": "pack.weigh", "next_weighed": "pack.next_weighed",
                 "zero": "pack.zero", "tare": "pack.tare"}  # fmt: skip
#: An empty Enter this soon after a code is the LF of a scanner sending CR LF, not a weighing.
CRLF_GAP = 0.3


class PackScreen(StageScreen[PackView]):
    """Pack one picked batch into bags, household by household."""

    CSS_PATH = "pack.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        fkey("f4", "undo", N_("Undo"), N_("Take back your last scan"), "pack.undo"),
        fkey("f5", "weigh", N_("Weigh"), N_("Record the steady weight on the scale"), "pack.weigh"),
        fkey(
            "f6",
            "next_weighed",
            N_("Next item"),
            N_("Weigh another weighed item"),
            "pack.next_weighed",
        ),
        fkey("f7", "zero", N_("Zero"), N_("Zero the empty scale"), "pack.zero"),
        fkey("f8", "tare", N_("Tare"), N_("Tare the box on the scale"), "pack.tare"),
        fkey("escape", "back", N_("Back"), N_("Leave the batch; it stays yours"), "pack.back"),
    ]

    def __init__(self, session: ScanSession) -> None:
        super().__init__(session)
        localize_bindings(self)
        self.view: PackView | None = None
        """What was last read."""
        self.bags: dict[str, int] = {}
        """Bags planned per household (order number), as last read: the n of "bag k of n"."""
        devices = terminal_devices(session)
        self.devices = devices if devices is not None and devices.scale is not None else None
        """This terminal's devices when it has a bench scale."""
        self.weigh_sku: str | None = None
        """The weighed item the scale's weight goes to (the first open one, or as chosen)."""
        self._code_at = 0.0
        if self.devices is None:
            hide_from_footer(self, tuple(SCALE_ACTIONS.values()))

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
        if self.devices is not None:
            yield ScalePanel(self.devices, id="scale")
        yield LiveTable(ITEM_COLUMNS, id="items", cursor_type="none", zebra_stripes=False)
        yield Static(id="banner", markup=False)
        yield LiveTable(HOUSEHOLD_COLUMNS, id="households")
        yield ScanInput(placeholder=_("Scan an item into the bag…"), id="scan")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = _("Pack {batch}", batch=self.session.batch_id)
        items = self.query_one("#items", LiveTable)
        households = self.query_one("#households", LiveTable)
        items.can_focus = households.can_focus = False

    def before_scan(self) -> None:
        """Note the current household's bag count before a scan may finish it (worker)."""
        household, lines = self.session.current_household()
        if household is not None and household.order_no not in self.bags:
            self.bags[household.order_no] = self.session.bag_plan(lines).n

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
            + _(
                "short: {items}",
                items=", ".join(f"{i.name} {quantity(i.short, i.unit)}" for i in shorts),
            )
        )
        self.query_one("#items").display = not view.done
        self._fill_items(view)
        self._fill_households(view)
        self._aim_scale(view)
        banner = self.query_one("#banner", Static)
        banner.display = view.done
        banner.update(_("Batch packed. Esc: back") if view.done else "")

    def _fill_items(self, view: PackView) -> None:
        rows = {str(i): r for i, r in enumerate(item_rows(view, self.devices is not None))}
        self.query_one("#items", LiveTable).show(rows)

    def _fill_households(self, view: PackView) -> None:
        table = self.query_one("#households", LiveTable)
        table.show(household_rows(view))
        if view.current is not None:
            table.move_cursor(row=view.households.index(view.current), animate=False)

    def describe(self, result: ScanResult) -> str:
        text = super().describe(result)
        if result.accepted and result.kind != "undo" and result.refund_fen:
            text += " · " + _(
                "underweight: {amount} refunded", amount=format_fen(result.refund_fen)
            )
        n_of = self.bags.get(result.household or "")
        sealed_only = [b for b, _qty in result.bags] == list(result.closed_bags)
        if result.accepted and n_of and n_of > 1 and result.bags and not sealed_only:
            # With several bags open the packer must know which one each item goes into.
            text += " · " + ", ".join(
                _("{qty} into bag {k}/{n}", qty=qty, k=self._bag_k(bag), n=n_of)
                for bag, qty in result.bags
            )
        for bag in result.closed_bags:
            k = self._bag_k(bag)
            n = self.bags.get(result.household or "", k)
            text += " · " + _("bag {k}/{n} sealed, label queued for printing", k=k, n=n)
        return text

    @staticmethod
    def _bag_k(bag: str) -> int:
        parsed = parse_bag_id(bag)
        return parsed[1] if parsed else 0

    def action_undo(self) -> None:
        self.submit("CMD-UNDO")

    def submit(self, job: object) -> None:
        """`CMD-WEIGH` from a scanner records the weight; other codes go to the lane."""
        if isinstance(job, str):
            self._code_at = time.monotonic()
            if self.devices is not None and job.strip().upper() == WEIGH_CODE:
                self.action_weigh()
                return
        super().submit(job)

    @on(ScanInput.BlankEntered)
    def _blank(self) -> None:
        if self.devices is not None and time.monotonic() - self._code_at > CRLF_GAP:
            self.action_weigh()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.devices is not None or action not in SCALE_ACTIONS

    def _aim_scale(self, view: PackView) -> None:
        """Point the scale at the chosen weighed item, else the household's first open one."""
        if self.devices is None:
            return
        open_items = [i for i in view.items if i.weighed and i.packed < i.needed]
        item = next((i for i in open_items if i.sku == self.weigh_sku), None)
        item = item or (open_items[0] if open_items else None)
        self.weigh_sku = item.sku if item else None
        # The scale weighs what is left of the line: its weight completes it, not a count.
        shown = (
            f"{item.name} {quantity(item.needed, item.unit, f'{item.packed}/{item.needed}')}"
            if item
            else ""
        )
        self.query_one(ScalePanel).set_item(shown)

    def action_weigh(self) -> None:
        """Record the scale's steady weight for the item on the scale line."""
        if self.devices is None:
            return
        panel = self.query_one(ScalePanel)
        reading, refusal = panel.take()
        if refusal:
            self.show_failure(refusal)
            self.app.bell()
            return
        if reading.accepted:
            panel.weighed()
        self.submit(WeighJob(reading, self.weigh_sku))

    def action_next_weighed(self) -> None:
        """Weigh the household's next open weighed item instead."""
        if self.view is None or self.devices is None:
            return
        skus = [i.sku for i in self.view.items if i.weighed and i.packed < i.needed]
        if skus:
            at = skus.index(self.weigh_sku) if self.weigh_sku in skus else -1
            self.weigh_sku = skus[(at + 1) % len(skus)]
            self._aim_scale(self.view)

    def action_zero(self) -> None:
        if self.devices is not None:
            self.query_one(ScalePanel).command("zero")

    def action_tare(self) -> None:
        if self.devices is not None:
            self.query_one(ScalePanel).command("tare")

    @on(ScalePanel.CommandDone)
    def _scale_done(self, message: ScalePanel.CommandDone) -> None:
        self._result_line(message.ok, message.text)
        if not message.ok:
            self.app.bell()

    def action_back(self) -> None:
        self.dismiss()
