"""The pack screen's two tables: the current household's items, and the batch's households in
hand-out order with the current one, the packed ones, cancellations and shortages marked."""

from __future__ import annotations

from rich.text import Text

from picker.i18n import N_, _
from picker.ui.pack_view import PackView
from picker.ui.units import quantity

#: (column key, header, numeric) for `LiveTable`; a blank header stays blank
ITEM_COLUMNS = (("mark", " ", False), ("product", N_("Product"), False),
                ("qty", N_("In bag"), False), ("note", N_("Note"), False))  # fmt: skip
HOUSEHOLD_COLUMNS = (("mark", " ", False), ("door", N_("Door"), False),
                     ("name", N_("Name"), False), ("order", N_("Order"), False),
                     ("note", N_("Note"), False))  # fmt: skip


def item_rows(view: PackView, scale: bool) -> list[tuple[str | Text, ...]]:
    """The current household's items; a weighed one says how it gets its weight (`scale`:
    the terminal has a bench scale), a short one in red."""
    rows: list[tuple[str | Text, ...]] = []
    for i in view.items:
        note = Text()
        if i.weighed:
            hint = _("weigh it or scan its label") if scale else _("scan the scale label")
            note.append(_("{grams} g", grams=i.grams) if i.grams else hint)
        if i.short:
            note.append((" " if note else "") + _("{qty} short", qty=i.short), "bold red")
        rows.append((i.mark(), i.name, quantity(i.needed, i.unit, f"{i.packed}/{i.needed}"), note))
    return rows


def household_rows(view: PackView) -> dict[str, tuple[Text, ...]]:
    """The households by order number, in hand-out order: ✓ packed, ▶ current, ✗ cancelled."""
    rows: dict[str, tuple[Text, ...]] = {}
    passed = True
    for h in view.households:
        if h is view.current:
            passed = False
        if h.cancelled:
            mark, style, note = Text("✗", "red"), "strike dim", _("cancelled: do not pack")
        else:
            mark = (
                Text("▶", "bold")
                if h is view.current
                else Text("✓" if passed else "·", "green" if passed else "")
            )
            style, note = ("bold" if h is view.current else ""), ""
        if h.shorted:
            note = (note + " " if note else "") + _("has shortages")
        rows[h.order_no] = (
            mark,
            Text(h.door, style),
            Text(h.name, style),
            Text(h.order_no, style),
            Text(note, "red"),
        )
    return rows
