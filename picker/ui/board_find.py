"""The batch board's find field: a scanned batch id, or a committee typed to narrow the board.

Like the scan field of the picking screens it ends a code in its own key handler, so a
scanner's burst is neither split nor merged (PITFALLS, Textual).
"""

from __future__ import annotations

import re

from picker.app.overview import BoardBatch
from picker.ui.scan_input import ScanInput

#: A batch id as planned (`XY01-0412-01`: committee, month and day, number), in any case.
BATCH_ID = re.compile(r"[A-Za-z0-9]+-\d{4}-\d{2,}")


def is_batch_id(code: str) -> bool:
    """Whether a scanned or typed text has the shape of a batch id."""
    return BATCH_ID.fullmatch(code.strip()) is not None


def matches(b: BoardBatch, text: str) -> bool:
    """Whether the batch's committee (name or code) or its id holds `text`, any case."""
    wanted = text.strip().casefold()
    return any(wanted in v.casefold() for v in (b.committee_name, b.committee, b.id))


class FindInput(ScanInput):
    """The board's find field: a batch id ends with Enter and is cleared like any scan; other
    text stays in the field as the board's filter."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Enter never submits (the key handler ends the code): the footer shows the board's.
        return False if action == "submit" else super().check_action(action, parameters)

    def _end(self, code: str) -> None:
        if is_batch_id(code):
            super()._end(code)
        elif code.strip():
            self.post_message(self.Scanned(self, code))
        else:
            self.post_message(self.BlankEntered())
