"""The open exceptions of the feeds (pull a bag, do not pack, a partial refund) for the lead.

They come up as toasts while a shift lead is signed in (`picker.ui.feed`); here they stay
until dealt with. The list is read in a thread worker when the file changed; `c` (or Enter)
closes the highlighted one after a confirm, as the signed-in lead, and says which bags were
pulled off the truck, the manifest and their crate (`Warehouse.resolve_exception`).
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from picker.app.warehouse import Warehouse
from picker.domain.auth import SignedIn
from picker.errors import PickerError
from picker.i18n import N_, _, _n
from picker.ui import localize_bindings
from picker.ui.dispatch_modals import ChoiceScreen
from picker.ui.live import LiveReader
from picker.ui.widgets import MessageLine, bind

log = logging.getLogger(__name__)


def exception_prompt(e: dict[str, Any]) -> Text:
    """`#3  09:41  A0012` over the exception's text; the option list wraps it."""
    text = Text()
    text.append(f"#{e['id']}  ", style="bold")
    text.append(f"{str(e['created_at'])[11:16]}  ", style="dim")
    text.append(str(e["order_no"]), style="bold")
    text.append("\n")
    text.append(str(e["text"]))
    return text


def closed_text(exception_id: int, lead: str, bags: list[str]) -> str:
    """What closing said: who closed it and, for a cancelled order, the bags pulled."""
    text = _("Exception {id} closed by {lead}.", id=exception_id, lead=lead)
    if bags:
        text += " " + _("Bags pulled: {bags}", bags=", ".join(bags))
    return text


class ExceptionsScreen(Screen[None]):
    """Open exceptions, oldest first; the lead closes the highlighted one."""

    CSS_PATH = "exceptions.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        bind("c", "resolve", N_("Close it"),
             N_("The highlighted exception is dealt with: close it"), "exceptions.resolve"),
        bind("r", "refresh", N_("Refresh"), N_("Read the exceptions again now"),
             "exceptions.refresh"),
        bind("escape", "back", N_("Back"), N_("Back to the dashboard"), "exceptions.back"),
    ]  # fmt: skip

    class ExceptionsRead(Message):
        """A worker read the open exceptions."""

        def __init__(self, exceptions: list[dict[str, Any]]) -> None:
            super().__init__()
            self.exceptions = exceptions

    class Resolved(Message):
        """Closing an exception ended, well (`ok`) or not."""

        def __init__(self, text: str, ok: bool) -> None:
            super().__init__()
            self.text = text
            self.ok = ok

    def __init__(self, warehouse: Warehouse, operator: SignedIn) -> None:
        super().__init__()
        localize_bindings(self)
        self.warehouse = warehouse
        self.operator = operator
        """The signed-in shift lead: the exceptions are closed in their name."""
        self.exceptions: list[dict[str, Any]] = []
        """The open exceptions as last read, oldest first."""
        self.reader = LiveReader(
            self, warehouse, lambda: self.ExceptionsRead(warehouse.order_exceptions()), "exc-read"
        )

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(_("Loading…"), id="exceptions-count", markup=False)
        yield OptionList(id="exceptions")
        yield MessageLine()
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = _("Exceptions")
        self.query_one(OptionList).focus()
        self.reader.read_now()
        self.set_interval(self.warehouse.settings.refresh_seconds, self.reader.refresh)

    @on(ExceptionsRead)
    def _read(self, message: ExceptionsRead) -> None:
        self.exceptions = message.exceptions
        options = self.query_one(OptionList)
        highlighted = self.selected()
        options.clear_options()
        options.add_options([Option(exception_prompt(e), id=str(e["id"])) for e in self.exceptions])
        ids = [e["id"] for e in self.exceptions]
        if highlighted is not None and highlighted["id"] in ids:
            options.highlighted = ids.index(highlighted["id"])
        elif ids:
            options.highlighted = 0
        count = self.query_one("#exceptions-count", Static)
        if ids:
            count.update(
                _n(
                    "{count} open exception: c closes the highlighted one",
                    "{count} open exceptions: c closes the highlighted one",
                    len(ids),
                    count=len(ids),
                )
            )
        else:
            count.update(_("No open exceptions."))

    def selected(self) -> dict[str, Any] | None:
        """The highlighted exception."""
        options = self.query_one(OptionList)
        index = options.highlighted
        if index is None or index >= options.option_count:
            return None
        key = options.get_option_at_index(index).id
        return next((e for e in self.exceptions if str(e["id"]) == key), None)

    @on(OptionList.OptionSelected, "#exceptions")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_resolve()

    def action_resolve(self) -> None:
        """Confirm, then close the highlighted exception as the signed-in lead."""
        chosen = self.selected()
        if chosen is None:
            return
        exception_id, order_no = int(chosen["id"]), str(chosen["order_no"])
        if str(chosen["kind"]).startswith("pull-bag"):
            yes = _("Yes: the bags of {order_no} are back in the warehouse", order_no=order_no)
        else:
            yes = _("Yes: it is dealt with")
        choices = [("close", yes), ("keep", _("No: keep it open"))]

        def confirmed(choice: str | None) -> None:
            if choice == "close":
                self.query_one(MessageLine).info(_("Working…"))
                self._resolve(exception_id)

        title = _("Close exception {id} ({order_no})?", id=exception_id, order_no=order_no)
        self.app.push_screen(ChoiceScreen(title, choices), confirmed)

    @work(thread=True, exit_on_error=False, group="exc-resolve")
    def _resolve(self, exception_id: int) -> None:
        lead = self.operator.code
        try:
            bags = self.warehouse.resolve_exception(exception_id, lead)
            self.post_message(self.Resolved(closed_text(exception_id, lead, bags), True))
        except PickerError as exc:
            self.post_message(self.Resolved(exc.message, False))
        except Exception as exc:  # a database failure: a red line, not a crash
            log.exception("closing exception %s failed", exception_id)
            self.post_message(self.Resolved(_("Failed: {error}", error=exc), False))
        finally:
            self.warehouse.close()  # a pool thread: do not keep its connection

    @on(Resolved)
    def _resolved(self, message: Resolved) -> None:
        self.query_one(MessageLine).outcome(message.text, message.ok)
        self.reader.read_now()

    def action_refresh(self) -> None:
        """Read the exceptions now."""
        self.reader.read_now()

    def action_back(self) -> None:
        """Back to the dashboard."""
        self.dismiss()
