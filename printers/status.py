"""A receipt printer's real-time status (ESC/POS `DLE EOT n`), as a value. Pure.

`DLE EOT n` is `10 04 n`; the printer answers one byte at once, even while it holds data,
whose bits 1 and 4 are set and bits 0 and 7 clear (`0x12` is "all well"):

  n=1 printer:       bit 3 offline, bit 5 waiting for online recovery, bit 6 feed button held
  n=2 offline cause: bit 2 cover open, bit 3 feeding by the button, bit 5 stopped at paper
                     end, bit 6 an error occurred
  n=3 error cause:   bit 3 auto-cutter error, bit 5 unrecoverable error, bit 6 automatically
                     recoverable error (head too hot)
  n=4 paper sensor:  bits 2-3 paper near its end, bits 5-6 paper out
"""

from __future__ import annotations

from dataclasses import dataclass

from printers.i18n import N_, _

#: The four questions, asked together; the answers come back in this order.
QUERY = b"\x10\x04\x01\x10\x04\x02\x10\x04\x03\x10\x04\x04"
ANSWER_LENGTH = 4

#: Printer states in the order they are worst: the first that applies is the state.
STATES: dict[str, str] = {
    "cover-open": N_("the cover of printer {printer} is open: close it"),
    "paper-out": N_("printer {printer} is out of paper: load a roll"),
    "error": N_("printer {printer} reports an error ({detail}): check it"),
    "offline": N_("printer {printer} is offline: check it"),
    "paper-near-end": N_("printer {printer}: the paper roll is nearly finished"),
    "ready": N_("printer {printer} is ready"),
    "no-status": N_("printer {printer} does not answer status queries"),
}
#: States in which the printer cannot print: a job waits for it.
BLOCKING = frozenset({"cover-open", "paper-out", "error", "offline"})


def well_formed(byte: int) -> bool:
    """Whether `byte` looks like a DLE EOT answer (bits 1 and 4 set, 0 and 7 clear)."""
    return byte & 0x93 == 0x12


@dataclass(frozen=True, slots=True)
class PrinterStatus:
    """What the printer said about itself."""

    offline: bool = False
    cover_open: bool = False
    paper_out: bool = False
    paper_near_end: bool = False
    #: The errors it named (cutter, unrecoverable, recoverable); empty when none.
    errors: tuple[str, ...] = ()

    @classmethod
    def parse(cls, answer: bytes) -> PrinterStatus:
        """The four answer bytes to `QUERY`; `ValueError` if they are not such answers."""
        if len(answer) != ANSWER_LENGTH or not all(well_formed(b) for b in answer):
            raise ValueError(f"not a DLE EOT answer: {answer!r}")
        printer, cause, error, paper = answer
        errors = tuple(
            name
            for bit, name in (
                (error & 0x08, N_("cutter error")),
                (error & 0x20, N_("unrecoverable error")),
                (error & 0x40, N_("print head too hot")),
            )
            if bit
        )
        return cls(
            offline=bool(printer & 0x08),
            cover_open=bool(cause & 0x04),
            paper_out=bool(paper & 0x60 or cause & 0x20),
            paper_near_end=bool(paper & 0x0C),
            errors=errors or ((N_("error"),) if cause & 0x40 else ()),
        )

    @property
    def state(self) -> str:
        """The worst thing that applies, a key of `STATES`."""
        if self.cover_open:
            return "cover-open"
        if self.paper_out:
            return "paper-out"
        if self.errors:
            return "error"
        if self.offline:
            return "offline"
        return "paper-near-end" if self.paper_near_end else "ready"

    @property
    def blocking(self) -> bool:
        """The printer cannot print now: jobs wait for it."""
        return self.state in BLOCKING


def state_text(state: str, printer: str, detail: str = "") -> str:
    """A printer state in the current language, e.g. "printer label1 is out of paper"."""
    template = STATES.get(state, "{printer}: {detail}")
    return _(template).format(printer=printer, detail=detail or state)


def status_detail(status: PrinterStatus) -> str:
    """The named errors in the current language."""
    return ", ".join(_(e) for e in status.errors)
