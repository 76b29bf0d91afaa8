"""What the pick screen shows, read off the UI thread: the batch's lines and progress."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text

from picker.app.sessions import ScanSession
from picker.domain.shortage import SHORT_REASON_LABELS
from picker.i18n import _

#: Short reasons by their stored value; a value the lead's tools may add shows as it is.
REASON_LABELS = {reason.value: label for reason, label in SHORT_REASON_LABELS.items()}


@dataclass(frozen=True, slots=True)
class PickLine:
    """One line of the pick list as the screen shows it."""

    sku: str
    name: str
    unit: str
    location: str
    weighed: bool
    needed: int
    picked: int
    short: int
    short_reason: str | None
    skips: int

    @property
    def remaining(self) -> int:
        return self.needed - self.picked - self.short

    def mark(self) -> Text:
        """✓ done, ✗ short, ↷ skipped and still open, · open."""
        if self.short:
            return Text("✗", style="bold red")
        if self.remaining <= 0:
            return Text("✓", style="bold green")
        if self.skips:
            return Text("↷", style="bold yellow")
        return Text("·")

    def note(self) -> str:
        if self.short:
            reason = REASON_LABELS.get(self.short_reason or "", self.short_reason or "")
            return _("{qty} short: {reason}", qty=self.short, reason=_(reason))
        if self.skips and self.remaining:
            return _("skipped")
        return ""


@dataclass(frozen=True, slots=True)
class PickView:
    """The batch's pick list in walk order (skipped lines last), as read by the worker."""

    batch: str
    lines: tuple[PickLine, ...]

    @property
    def current(self) -> PickLine | None:
        return next((ln for ln in self.lines if ln.remaining > 0), None)

    @property
    def units(self) -> tuple[int, int]:
        return sum(ln.picked for ln in self.lines), sum(ln.needed - ln.short for ln in self.lines)

    @property
    def lines_done(self) -> int:
        return sum(1 for ln in self.lines if ln.remaining <= 0)

    @property
    def done(self) -> bool:
        return bool(self.lines) and self.current is None


def read_pick_view(session: ScanSession) -> PickView:
    """The pick list of the session's batch with the catalog's names, units and locations."""
    products = session.catalog.products
    lines = []
    for row in session.pick_lines():
        p = products[row.sku]
        lines.append(
            PickLine(
                row.sku,
                p.name,
                p.unit,
                p.location,
                p.weighed,
                row.needed,
                row.picked,
                row.short,
                row.short_reason,
                row.skips,
            )
        )
    return PickView(session.batch_id, tuple(lines))
