"""The crating screen: at the end of packing, put a committee's bags into its crates (周转筐).

Scan a crate's label to fill that crate (or press F2 and the next bag starts a new one), then
scan bags in. The crate's committee, where it goes, crate k (of n once final), and its bags
against its capacity stay on screen; a bag of another committee (so another route), an open
or a loaded bag is refused with a red line and the bell. F3 closes the crate by hand; a full
crate closes by itself and the bag goes into the next crate (or, where crate ids are not made
up, waits on screen until a crate is scanned). Either way its committee label is printed.
Codes go through the ordered scan lane of `ScanScreen`, keys too (as the crating command
codes), so they apply in the order pressed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.widgets import Digits, Header, ProgressBar, Static

from picker.app.crate_outcomes import CrateResult, CrateView
from picker.app.crate_session import CrateSession
from picker.app.warehouse import Warehouse
from picker.domain.states import CrateState
from picker.i18n import N_, _, _n
from picker.ui import localize_bindings
from picker.ui.scan_input import ScanInput
from picker.ui.scan_screen import ScanScreen, fkey
from picker.ui.widgets import LiveTable, RowsFooter

if TYPE_CHECKING:
    from picker.app.crates import CrateInfo
    from picker.domain.scan_outcomes import ScanResult

#: What each key sends down the scan lane.
KEY_CODES = {
    "new": "CMD-CRATE-NEW",
    "close": "CMD-CRATE-CLOSE",
    "label": "CMD-CRATE-LABEL",
    "move": "CMD-CRATE-MOVE",
}


def crate_state(crate: CrateInfo) -> str:
    """`open · crate 2 · 18.4 / 25 kg` under the crate's name; `crate 2 of 3` once the
    committee's crates are complete."""
    state = _("filling") if crate.status == CrateState.OPEN else _("sealed")
    kg, max_kg = f"{crate.grams / 1000:.1f}", f"{crate.max_grams / 1000:g}"
    if crate.n is None:
        return _(
            "{state} · crate {k} · {kg} / {max_kg} kg", state=state, k=crate.k, kg=kg, max_kg=max_kg
        )
    return _(
        "{state} · crate {k} of {n} · {kg} / {max_kg} kg",
        state=state,
        k=crate.k,
        n=crate.n,
        kg=kg,
        max_kg=max_kg,
    )


def waiting_note(waiting: tuple[str, ...]) -> str:
    """`scan a crate for bag BGA104-1 (+6 more)`: bags that wait for a crate to be scanned."""
    if not waiting:
        return ""
    note = _("scan a crate for bag {bag}", bag=waiting[0])
    if len(waiting) > 1:
        note += " " + _("(+{count} more)", count=len(waiting) - 1)
    return note


def full_note(result: CrateResult) -> str:
    """What a scan says about a crate it closed as full (its label is queued)."""
    if not result.closed_crate:
        return ""
    if result.closed_crate == result.crate:
        return "  " + _("full: closed, its label is printing")
    return "  " + _("{crate} is full: closed, its label is printing", crate=result.closed_crate)


def crate_where(crate: CrateInfo) -> str:
    """`线路1 · stop 2`, or that the committee is on no route yet."""
    if not crate.route_name:
        return _("on no route yet")
    if crate.stop is None:
        return crate.route_name
    return _("{route} · stop {stop}", route=crate.route_name, stop=crate.stop)


#: (column key, header, numeric) of the crate's bags
BAG_COLUMNS = (("bag", N_("Bag"), False), ("address", N_("Household"), False))


class CrateScreen(ScanScreen[CrateView, CrateSession]):
    """Fill crates with one committee's bags each; close them and print their labels."""

    CSS_PATH = "crates.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        fkey("f2", "new", N_("New crate"), N_("The next bag starts a new crate"), "crate.new"),
        fkey("f3", "close", N_("Close crate"), N_("Close this crate and print its label"),
             "crate.close"),
        fkey("f4", "label", N_("Crate label"), N_("Print this crate's label again (补打)"),
             "crate.label"),
        fkey("f5", "move", N_("Move here"),
             N_("The next bag scanned moves here from the crate it is in"), "crate.move"),
        fkey("escape", "back", N_("Back"), N_("Leave the crating screen"), "crate.back"),
    ]  # fmt: skip

    def __init__(self, warehouse: Warehouse, operator: str, terminal: str = "") -> None:
        """Reads nothing: the scan lane opens the session (an unknown operator is a red
        line)."""
        super().__init__()
        localize_bindings(self)
        self.warehouse = warehouse
        self.operator_code, self.terminal = operator, terminal
        self.view: CrateView | None = None
        """The crate as last read."""
        self.leave_armed = False
        """Esc was pressed once while bags waited for a crate: the next Esc leaves."""

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="crate-top"):
            yield Static(_("Loading…"), id="crate-info", markup=False)
            yield Digits(id="bag-count")
            yield Static("  ╱\n ╱\n╱", id="slash")
            yield Digits(id="capacity")
        yield Static(id="crate-state", markup=False)
        yield Static(id="result", markup=False)
        yield ProgressBar(id="bar", show_eta=False, show_percentage=False)
        yield LiveTable(BAG_COLUMNS, id="bags")
        yield ScanInput(placeholder=_("Scan a crate label or a bag label"), id="scan")
        yield RowsFooter(1)

    def on_mount(self) -> None:
        self.sub_title = _("Crates")
        # The scan field keeps the keys.
        self.query_one("#bags", LiveTable).can_focus = False

    def open_session(self) -> CrateSession:
        return self.warehouse.crate_session(self.operator_code, self.terminal)

    def disconnect(self) -> None:
        self.warehouse.close()  # the lane thread's connection, session open or not

    def load_view(self) -> CrateView:
        return self.session.view()

    def show_view(self, view: CrateView) -> None:
        self.view = view
        self.leave_armed = False
        crate = view.crate
        rows: dict[str, tuple[str, ...]] = {}
        if crate is None:
            info, state, bags, capacity = _("No crate"), "", 0, 0
        else:
            info = f"{crate.code}  {crate.committee_name}\n{crate_where(crate)}"
            state, bags, capacity = crate_state(crate), len(crate.bags), crate.max_bags
            rows = {bag: (bag, address) for bag, address in view.lines}
        # LiveTable sizes its columns from the cells it is given: a plain DataTable showed
        # "BG20" for a bag id until it was next idle.
        self.query_one("#bags", LiveTable).show(rows)
        notes = []
        if view.waiting:
            notes.append(waiting_note(view.waiting))
        elif view.pending_new and not self.warehouse.settings.crate_auto_ids:
            notes.append(_("scan a crate label for the next bag"))
        elif view.pending_new:
            notes.append(_("the next bag starts a new crate"))
        if view.moving:
            notes.append(_("the next bag is moved into this crate"))
        if crate is None and not notes:
            notes.append(_("scan a crate label, or press F2 for a new crate"))
        self.query_one("#crate-info", Static).update(info)
        self.query_one("#crate-state", Static).update(
            Text(" · ".join(filter(None, [state, *notes])), style="bold" if notes else "")
        )
        self.query_one("#bag-count", Digits).update(str(bags))
        self.query_one("#capacity", Digits).update(str(capacity))
        self.query_one("#bar", ProgressBar).update(total=max(capacity, 1), progress=bags)

    def describe(self, result: ScanResult) -> str:
        if not result.accepted or not isinstance(result, CrateResult):
            return result.message
        command = next((k for k, v in KEY_CODES.items() if v == result.raw.strip().upper()), "")
        crate = result.crate or ""
        if command == "new" and not self.warehouse.settings.crate_auto_ids:
            return _("New crate: scan its label")
        if command == "new":
            return _("New crate: scan its first bag")
        if command == "move":
            return _("Scan the bag to move into {crate}", crate=crate)
        if command == "label":
            return _("Label of {crate} printed again (补打)", crate=crate)
        if command == "close":
            if result.closed_crate is None:
                return _("The crate was empty: nothing to print")
            return _("{crate} closed: its label is printing", crate=result.closed_crate)
        if result.kind == "crate":
            text = _n(
                "{crate} · {committee} · {bags} bag",
                "{crate} · {committee} · {bags} bags",
                result.crate_bags,
                crate=crate,
                committee=result.committee_name or "",
                bags=result.crate_bags,
            )
            if result.placed:
                text += "  " + _("{count} waiting bags put in", count=len(result.placed))
            return text + full_note(result)
        if result.crate is None:  # the bag waits for a crate to be scanned
            return result.message
        text = _(
            "{bag} → {crate} {committee}  {bags}/{max}",
            bag=result.bag or "",
            crate=crate,
            committee=result.committee_name or "",
            bags=result.crate_bags,
            max=result.max_bags,
        )
        if result.moved_from:
            text += "  " + _("(moved from {crate})", crate=result.moved_from)
        return text + full_note(result)

    def _key(self, name: str) -> None:
        self.submit(KEY_CODES[name])

    def action_new(self) -> None:
        """The next bag starts a new crate of its committee."""
        self._key("new")

    def action_close(self) -> None:
        """Close the crate by hand; its label is printed."""
        self._key("close")

    def action_label(self) -> None:
        """Print the crate's label again, marked 补打."""
        self._key("label")

    def action_move(self) -> None:
        """The next bag scanned is moved into this crate from the crate it is in."""
        self._key("move")

    def action_back(self) -> None:
        """Leave the crating screen; open crates stay open. Bags waiting for a crate would
        be left in none: they are named first, and left out only on a second Esc."""
        waiting = self.view.waiting if self.view else ()
        if waiting and not self.leave_armed:
            self.leave_armed = True
            self.show_failure(
                _(
                    "{note}: press Esc again to leave these bags out of any crate",
                    note=waiting_note(waiting),
                )
            )
            self.app.bell()
            return
        self.dismiss()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            return len(self.app.screen_stack) > 1
        return True
