"""The first screen: scan a badge, or type an operator code and the PIN.

A picker's or driver's badge scan signs in at once; a shift lead's badge, or a typed code,
asks for the PIN (`picker.domain.auth.check_sign_in` says why). PINs are checked by the warehouse
in a thread worker (scrypt takes ~20 ms); wrong ones are counted per operator in the
warehouse file and lock that operator out for a while after five in a row.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Label, Static

from picker.domain import auth
from picker.errors import PickerError
from picker.i18n import N_, _
from picker.ui import localize_bindings
from picker.ui.scan_input import ScanInput
from picker.ui.widgets import MessageLine

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from picker.app.warehouse import Warehouse


class SignInScreen(Screen[None]):
    """Badge or operator code, then the PIN where one is needed."""

    CSS_PATH = "signin.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", N_("Back"), tooltip=N_("Scan another badge"), id="signin.back")
    ]

    pin_step: reactive[bool] = reactive(False, bindings=True)
    """Whether the PIN is asked for (after a lead's badge or a typed operator code)."""
    busy: reactive[bool] = reactive(False)
    """Whether a check is running in the worker; Enter waits for it."""

    class SignedIn(Message):
        """An operator passed sign-in; the app opens their screen."""

        def __init__(self, who: auth.SignedIn) -> None:
            super().__init__()
            self.who = who

    class _PinAsked(Message):
        def __init__(self, code: str, name: str) -> None:
            super().__init__()
            self.code, self.name = code, name

    class _Refused(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, warehouse: Warehouse, terminal: str = "", idle_minutes: float = 0) -> None:
        super().__init__()
        localize_bindings(self)
        self.warehouse = warehouse
        self.terminal = terminal
        self.idle_minutes = idle_minutes
        self.code = ""
        """The operator whose PIN is asked for."""

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="signin") as box:
            box.border_title = _("Sign in")
            yield Static(
                _("Scan your badge, or type your operator code and press Enter."), id="how"
            )
            yield Label(_("Badge or operator code"), id="who-label")
            yield ScanInput(placeholder=_("e.g. OP-P001 or P001"), id="who")
            yield Label("", id="pin-label")
            yield Input(password=True, id="pin", placeholder=_("PIN"), compact=True)
            yield MessageLine()
        yield Static(self._footnote(), id="footnote", markup=False)
        yield Footer(compact=True)

    def _footnote(self) -> str:
        text = _("Terminal {terminal}", terminal=self.terminal or "?")
        if self.idle_minutes:
            text += " · " + _(
                "signs out after {minutes} idle minutes", minutes=f"{self.idle_minutes:g}"
            )
        return text

    def on_mount(self) -> None:
        self.query_one("#who", ScanInput).focus()

    def on_screen_resume(self) -> None:
        self._focus_field()

    def watch_pin_step(self, pin_step: bool) -> None:
        self.set_class(pin_step, "-pin")
        self._focus_field()

    def _focus_field(self) -> None:
        if self.is_mounted:
            self.query_one("#pin" if self.pin_step else "#who").focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            return self.pin_step
        return True

    def reset(self, message: str = "") -> None:
        """Back to the badge step with empty fields (after sign-out or an idle time-out)."""
        self.code = ""
        self.query_one("#who", ScanInput).value = ""
        self.query_one("#pin", Input).value = ""
        self.pin_step = False
        self.query_one(MessageLine).info(message)
        self._focus_field()

    def action_back(self) -> None:
        """Leave the PIN step: scan or type someone else."""
        self.reset()

    @on(ScanInput.Scanned, "#who")
    def _who_entered(self, message: ScanInput.Scanned) -> None:
        message.stop()
        if not self.busy:
            self.busy = True
            self._check(message.code.strip(), None)

    @on(Input.Submitted, "#pin")
    def _pin_entered(self, event: Input.Submitted) -> None:
        event.stop()
        pin = event.value
        event.input.value = ""
        if not pin:
            self.query_one(MessageLine).error(_("Type your PIN, then Enter."))
        elif not self.busy:
            self.busy = True
            if pin.isdigit():
                self._check(self.code, pin)
            else:  # PINs are digits: this is someone scanning a badge; start over with it
                self.reset()
                self._check(pin.strip(), None)

    @work(thread=True, exit_on_error=False, group="signin")
    def _check(self, code: str, pin: str | None) -> None:
        try:
            who = self.warehouse.sign_in(code, pin)
        except auth.PinRequired as exc:
            self.post_message(self._PinAsked(exc.code, exc.name))
        except PickerError as exc:
            self.post_message(self._Refused(exc.message))
        except Exception as exc:  # the database is unreadable: say so, stay on this screen
            log.exception("signing in failed")
            self.post_message(self._Refused(_("Cannot read the warehouse: {error}", error=exc)))
        else:
            self.post_message(self.SignedIn(who))

    @on(_PinAsked)
    def _pin_asked(self, message: _PinAsked) -> None:
        self.busy = False
        self.code = message.code
        self.query_one("#pin-label", Label).update(
            _("{name} ({code}), your PIN:", name=message.name, code=message.code)
        )
        self.pin_step = True
        self.query_one(MessageLine).info("")

    @on(_Refused)
    def _refused(self, message: _Refused) -> None:
        self.busy = False
        self.query_one(MessageLine).error(message.text)
        self._focus_field()

    @on(SignedIn)
    def _signed_in(self, message: SignedIn) -> None:
        # Bubbles on to the app, which opens the operator's screen.
        self.busy = False
        self.code = ""
        self.pin_step = False
        self.query_one("#who", ScanInput).value = ""
        self.query_one(MessageLine).info("")
