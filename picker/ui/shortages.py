"""A committee's shortages and refunds, for the shift lead to look at and accept.

The engine allocates a shortage to households by the configured policy the moment it is
declared, and the refunds are on the ledger at once. What is left to the lead is to see
them: "accept" marks them seen, which clears the dashboard's "new" count and changes no
money. Anything else (a substitution, calling a household) happens off the system.
"""

from __future__ import annotations

import logging
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen

from picker.app.overview import RefundRow
from picker.app.warehouse import Warehouse
from picker.domain.money import format_fen
from picker.domain.shortage import SHORT_REASON_LABELS, ShortReason
from picker.domain.states import RefundKind
from picker.i18n import N_, _, _n
from picker.ui import localize_bindings
from picker.ui.widgets import LiveTable, MessageLine, bind

log = logging.getLogger(__name__)

KIND_LABELS: dict[str, str] = {
    RefundKind.SHORT: N_("short"),
    RefundKind.UNDERWEIGHT: N_("under weight"),
    RefundKind.CANCEL: N_("cancelled"),
}
COLUMNS = (
    ("new", " ", False),
    ("at", N_("Time"), False),
    ("household", N_("Household"), False),
    ("product", N_("Product"), False),
    ("qty", N_("Short qty"), True),
    ("reason", N_("Reason"), False),
    ("fen", N_("Refund"), True),
)


def reason_label(row: RefundRow) -> str:
    """Why, in the reader's language: a short reason, under weight, or the cancel note."""
    if row.kind == RefundKind.SHORT and row.reason in {r.value for r in ShortReason}:
        return _(SHORT_REASON_LABELS[ShortReason(row.reason)])
    if row.kind in KIND_LABELS and row.reason in ("", row.kind, "underweight", "cancelled"):
        return _(KIND_LABELS[row.kind])
    return row.reason


def cells(row: RefundRow, with_committee: bool = False) -> tuple[str | Text, ...]:
    """A refund's cells; in the view of every committee the household is named with its
    committee's, since households repeat across committees."""
    new = Text(_("new"), "bold red") if not row.seen else ""
    qty = str(row.short_qty) if row.short_qty else ""
    return (
        new,
        row.at[11:16],
        f"{row.committee_name} {row.household}" if with_committee else row.household,
        row.product or _(KIND_LABELS.get(row.kind, "")),
        qty,
        reason_label(row),
        format_fen(row.fen),
    )


class ShortagesScreen(ModalScreen[None]):
    """Refunds of one committee, oldest first; `a` accepts (marks seen) the new ones."""

    CSS_PATH = "dashboard.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        bind("a", "accept", N_("Accept"), N_("Mark these shortages seen"), "shortages.accept"),
        bind(
            "c",
            "everyone",
            N_("All committees"),
            N_("Show every committee's shortages, or this committee's again"),
            "shortages.all",
        ),
        bind("escape,q", "dismiss", N_("Close"), N_("Back to the dashboard"), "shortages.close"),
    ]

    class RefundsLoaded(Message):
        """A worker read the committee's refunds (or `error` says why not)."""

        def __init__(self, rows: list[RefundRow], error: str = "", everyone: bool = False) -> None:
            super().__init__()
            self.rows = rows
            self.error = error
            self.everyone = everyone

    def __init__(self, warehouse: Warehouse, committee: str, name: str) -> None:
        super().__init__()
        localize_bindings(self)
        self.warehouse = warehouse
        self.committee = committee
        self.committee_name = name
        self.rows: list[RefundRow] = []
        """The refunds as last read."""
        self.everyone = False
        """Every committee's refunds (`c` toggles), not only this committee's."""

    def _title(self) -> str:
        name = _("all committees") if self.everyone else self.committee_name
        return _("Shortages and refunds: {committee}", committee=name)

    def compose(self) -> ComposeResult:
        with Vertical(id="shortages") as box:
            box.border_title = self._title()
            box.border_subtitle = _("a accepts · c all/this committee · Esc closes")
            yield LiveTable(COLUMNS, id="refunds")
            yield MessageLine()

    def on_mount(self) -> None:
        self.query_one(LiveTable).focus()
        self._read(accept_upto=None)

    @work(thread=True, exit_on_error=False, group="shortages")
    def _read(self, accept_upto: dict[str, int] | None) -> None:
        try:
            for committee, upto in (accept_upto or {}).items():
                self.warehouse.accept_shortages(committee, upto)
            everyone = self.everyone
            rows = self.warehouse.committee_refunds(None if everyone else self.committee)
        except Exception as exc:  # shown as a red line in the modal
            log.exception("reading the refunds of committee %s failed", self.committee)
            self.post_message(self.RefundsLoaded([], str(exc)))
        else:
            self.post_message(self.RefundsLoaded(rows, everyone=everyone))

    @on(RefundsLoaded)
    def _loaded(self, message: RefundsLoaded) -> None:
        line = self.query_one(MessageLine)
        if message.error:
            line.error(_("Cannot read the warehouse: {error}", error=message.error))
            return
        if message.everyone != self.everyone:
            return  # read before `c` was pressed: the read it started comes next
        self.rows = message.rows
        self.query_one(LiveTable).show({str(r.id): cells(r, self.everyone) for r in self.rows})
        new = sum(not r.seen for r in self.rows)
        total = format_fen(sum(r.fen for r in self.rows))
        line.info(
            _n(
                "{count} refund, {amount}; {new} new.",
                "{count} refunds, {amount}; {new} new.",
                len(self.rows),
                count=len(self.rows),
                amount=total,
                new=new,
            )
        )

    def action_accept(self) -> None:
        """Mark every refund shown as seen: the lead has taken note of these shortages."""
        upto: dict[str, int] = {}
        for r in self.rows:
            upto[r.committee] = max(upto.get(r.committee, 0), r.id)
        if upto:
            self._read(accept_upto=upto)

    def action_everyone(self) -> None:
        """Every committee's shortages, or back to this committee's."""
        self.everyone = not self.everyone
        self.query_one("#shortages", Vertical).border_title = self._title()
        self._read(accept_upto=None)
