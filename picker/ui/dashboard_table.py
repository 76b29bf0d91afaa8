"""What the dashboard shows: its columns, a committee's cells, and the day in the bar below."""

from __future__ import annotations

from rich.text import Text

from picker.app.overview import DONE, WAITING, WORKING, CommitteeProgress, Dashboard
from picker.domain.money import format_fen
from picker.domain.states import PrintJobState
from picker.i18n import N_, _, _n
from picker.ui.widgets import Cell

#: (column key, header, numeric)
COLUMNS = (
    ("committee", N_("Committee"), False),
    ("orders", N_("Orders"), True),
    ("unbatched", N_("To plan"), True),
    ("batches", N_("W/P/D"), True),  # batches waiting / being picked / done
    ("progress", N_("Picked"), True),
    ("short", N_("Shorts"), True),
    ("refunds", N_("Refunds"), True),
    ("rejects", N_("Rejects"), True),
    ("bags", N_("Bags/crated"), True),  # bags packed / of them in crates
    ("crates", N_("Crates C/L"), True),  # crates closed / loaded
)
#: Narrower than this, the table leaves out the orders still to plan and the refunds: the
#: day's totals of both are in the bar below it, and the ten English headers need about 97
#: columns; at 80 the bags and crates would be off the right edge.
WIDE = 100
NARROW_KEYS = ("unbatched", "refunds")
NARROW_COLUMNS = tuple(column for column in COLUMNS if column[0] not in NARROW_KEYS)


def cells(c: CommitteeProgress, narrow: bool = False) -> tuple[Cell, ...]:
    """A committee's cells in `COLUMNS` order (`NARROW_COLUMNS` when `narrow`); new shortages
    and pending rejects in red, so they are not missed."""
    batches = "/".join(str(c.batch_count(states)) for states in (WAITING, WORKING, DONE))
    short: Cell = str(c.short_lines)
    if c.unseen:
        short = Text(_("{count} ({new} new)", count=c.short_lines, new=c.unseen), "bold red")
    rejects: Cell = Text(str(c.rejects), "bold red") if c.rejects else "0"
    row = (
        c.name,
        f"{c.orders:,}",
        f"{c.unbatched:,}" if c.unbatched else "",
        batches,
        f"{c.percent}%" if c.percent is not None else "",
        short,
        format_fen(c.refund_fen) if c.refund_fen else "",
        rejects,
        f"{c.bags:,}/{c.crated:,}" if c.crated else f"{c.bags:,}",
        f"{c.crates_closed}/{c.crates_loaded}" if c.crates_closed else "",
    )
    if not narrow:
        return row
    shown = zip(row, COLUMNS, strict=True)
    return tuple(cell for cell, column in shown if column in NARROW_COLUMNS)


def totals(d: Dashboard) -> str:
    """The bar under the table: the day in one line (two at 80 columns)."""
    rows = d.committees
    units = sum(c.units for c in rows)
    percent = sum(c.picked for c in rows) * 100 // units if units else 0
    jobs = d.print_jobs
    orders = sum(c.orders for c in rows)
    rejects = sum(c.rejects for c in rows) + d.rejects_elsewhere
    bags = sum(c.bags for c in rows)
    return _n(
        "{orders} order ({unbatched} to plan) · batches waiting/working/done"
        " {waiting}/{working}/{done}"
        " · {percent}% picked · {short} short ({new} new) · refunds {refunds}"
        " · {rejects} · {bags} · print queue {queued} waiting, {failed} failed",
        "{orders} orders ({unbatched} to plan) · batches waiting/working/done"
        " {waiting}/{working}/{done}"
        " · {percent}% picked · {short} short ({new} new) · refunds {refunds}"
        " · {rejects} · {bags} · print queue {queued} waiting, {failed} failed",
        orders,
        orders=f"{orders:,}",
        unbatched=f"{sum(c.unbatched for c in rows):,}",
        waiting=sum(c.batch_count(WAITING) for c in rows),
        working=sum(c.batch_count(WORKING) for c in rows),
        done=sum(c.batch_count(DONE) for c in rows),
        percent=percent,
        short=sum(c.short_lines for c in rows),
        new=sum(c.unseen for c in rows),
        refunds=format_fen(sum(c.refund_fen for c in rows)),
        rejects=_n("{n} reject", "{n} rejects", rejects, n=rejects),
        bags=_n("{n} bag", "{n} bags", bags, n=f"{bags:,}"),
        queued=jobs.get(PrintJobState.QUEUED, 0) + jobs.get(PrintJobState.SENDING, 0),
        # A held job may have printed: it wants the lead as much as a failed one.
        failed=jobs.get(PrintJobState.FAILED, 0) + jobs.get(PrintJobState.HELD, 0),
    )
