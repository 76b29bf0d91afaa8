"""The scan field the picking screens share (their ordered scan lane: `picker.ui.scan_screen`).

A USB wedge scanner is a keyboard: it types a code fast and presses Enter. Textual's `Input`
submits through an App-level binding that runs after the next keys have already reached the
widget, so a burst merges, splits or loses codes (PITFALLS, Textual). `ScanInput` ends a
code inside its own key handler instead: every Enter takes exactly the characters before it.

A key that changes what the next code does (the loading screen's take-off) is one of the
field's `ordered_actions`: it is taken in the same key handler, so it lands between the codes
it was pressed between.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import Input

#: Keys that end a code: CR (most scanners), LF (some), and CR as some terminals name it.
ENDINGS = frozenset({"enter", "ctrl+j", "ctrl+m"})
#: GS, the GS1-128 field separator (FNC1); terminals deliver it as a control key.
GS = "\x1d"


class ScanInput(Input):
    """The scan field. Enter (CR or LF) ends a code; it is cleared and posted as `Scanned`."""

    class Scanned(Message):
        """A code was scanned or typed and ended with Enter."""

        def __init__(self, scan_input: ScanInput, code: str) -> None:
            super().__init__()
            self.scan_input = scan_input
            self.code = code

        @property
        def control(self) -> ScanInput:
            return self.scan_input

    class BlankEntered(Message):
        """Enter was pressed on an empty field: a screen may take it as "go on"."""

    class ActionPressed(Message):
        """A key bound to one of `ordered_actions` was pressed: it arrives after the codes
        ended before it and before those ended after it."""

        def __init__(self, action: str) -> None:
            super().__init__()
            self.action = action

    def __init__(
        self,
        *,
        placeholder: str = "",
        id: str | None = None,
        ordered_actions: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__(placeholder=placeholder, id=id, select_on_focus=False, compact=True)
        self.ordered_actions = ordered_actions
        """Screen actions whose keys are ordered with the codes (their binding would run
        from the App, after codes scanned later: PITFALLS, Textual)."""

    @property
    def _value(self) -> Text:
        # Input draws its value through this (private, Textual 8.2.8, pinned): a raw GS cuts
        # the rest of the line off, so it is drawn as ␝, one cell wide like GS itself.
        return Text(self.value.replace(GS, "␝"), no_wrap=True, overflow="ignore", end="")

    async def _on_key(self, event: events.Key) -> None:
        # Runs before Input's own handler; stopping here keeps Enter out of the App-level
        # binding, so the code ends exactly where the scanner pressed Enter.
        if event.key in ENDINGS:
            event.stop()
            event.prevent_default()
            self._end(self.value)
        elif event.character == GS:
            event.stop()
            event.prevent_default()
            self.insert_text_at_cursor(GS)
        elif self.ordered_actions and not event.is_printable:
            action = self._ordered_action(event.key)
            if action is not None:
                event.stop()
                event.prevent_default()
                self.post_message(self.ActionPressed(action))

    def _ordered_action(self, key: str) -> str | None:
        """The screen's enabled action on `key` (after any keymap) if it is an ordered one."""
        active = self.screen.active_bindings.get(key)
        if active is None or not active.enabled or active.node is not self.screen:
            return None
        action = active.binding.action
        return action if action in self.ordered_actions else None

    def _on_paste(self, event: events.Paste) -> None:
        """Pasted text: each line ended by a newline is a code; the rest stays in the field."""
        event.stop()
        event.prevent_default()
        *ended, rest = event.text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        for i, line in enumerate(ended):
            self._end((self.value if i == 0 else "") + line)
        if ended:
            self.value = ""
        if rest:
            self.insert_text_at_cursor(rest)

    def _end(self, code: str) -> None:
        self.value = ""
        if code.strip():
            self.post_message(self.Scanned(self, code))
        else:
            self.post_message(self.BlankEntered())
