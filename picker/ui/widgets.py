"""Small parts the sign-in, board, dashboard and print-queue screens share.

`bind` writes a binding with its id on one line; `LiveTable` updates in place, without
flicker; `MessageLine` is the red (and green) line under it; `PromptScreen` asks for one
value (a file path, a bag id, an operator code). Reading a screen's data in a worker is
`picker.ui.live`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingsMap, BindingType
from textual.containers import Vertical
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Input, Label, Static
from textual.widgets.data_table import CursorType

from picker.domain.auth import SignedIn
from picker.domain.model import Role
from picker.i18n import N_, _
from picker.ui import localize_bindings

if TYPE_CHECKING:
    pass


def hide_from_footer(node: DOMNode, ids: tuple[str, ...]) -> None:
    """Keep these bindings working but out of the footer (a refusal still explains itself).

    Call after `localize_bindings`."""
    node._bindings = BindingsMap.from_keys(
        {
            key: [replace(b, show=False) if b.id in ids else b for b in bindings]
            for key, bindings in node._bindings.key_to_bindings.items()
        }
    )


def bind(
    keys: str, action: str, description: str, tooltip: str, binding_id: str, *, show: bool = True
) -> Binding:
    """A binding with its tooltip and id (for keymaps), on one line."""
    return Binding(keys, action, description, tooltip=tooltip, show=show, id=binding_id)


ROLE_LABELS = {Role.PICKER: N_("picker"), Role.LEAD: N_("shift lead"), Role.DRIVER: N_("driver")}


def role_label(role: Role) -> str:
    """A role as people say it, in the current language."""
    return _(ROLE_LABELS[role])


def refusal_text(operator: SignedIn, refusal: str) -> str:
    """Why not, and who is signed in: what a refused operator reads."""
    who = _(
        "You are signed in as {name} ({role}).",
        name=operator.name,
        role=role_label(operator.role),
    )
    return f"{refusal} {who}"


def require_lead(screen: Screen[Any], operator: SignedIn, refusal: str) -> bool:
    """True for a shift lead; for anyone else a red line (and the bell) on the screen saying
    why not and who is signed in."""
    if operator.role is Role.LEAD:
        return True
    screen.query_one(MessageLine).error(refusal_text(operator, refusal))
    return False


class MessageLine(Static):
    """One line of feedback: red with the terminal bell for a refusal, green for done."""

    DEFAULT_CSS = """
    MessageLine {
        height: 1;
        padding: 0 1;
        color: $text-muted;
    }
    MessageLine.-error {
        color: $text-error;
        background: $error-muted;
        text-style: bold;
    }
    MessageLine.-ok {
        color: $text-success;
        background: $success-muted;
    }
    """

    def __init__(self, text: str = "", *, id: str | None = "message") -> None:
        super().__init__(text, id=id, markup=False)

    def error(self, text: str) -> None:
        """A red line and the bell: something was refused or failed."""
        self._show(text, "-error")
        self.app.bell()

    def ok(self, text: str) -> None:
        """A green line: something was done."""
        self._show(text, "-ok")

    def outcome(self, text: str, ok: bool) -> None:
        """Green when `ok`, else red with the bell."""
        if ok:
            self.ok(text)
        else:
            self.error(text)

    def info(self, text: str) -> None:
        """A plain line."""
        self._show(text, "")

    @property
    def text(self) -> str:
        return str(self.content)

    def _show(self, text: str, kind: str) -> None:
        self.set_class(kind == "-error", "-error")
        self.set_class(kind == "-ok", "-ok")
        self.update(text)


Cell = str | Text


class RowTable(DataTable[Text]):
    """A table whose cursor picks rows: Home and End go to the first and the last row
    (DataTable's own Home and End scroll sideways when the cursor is on rows)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        bind("home", "scroll_top", N_("First row"), N_("Go to the first row"), "list.first",
             show=False),
        bind("end", "scroll_bottom", N_("Last row"), N_("Go to the last row"), "list.last",
             show=False),
    ]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        localize_bindings(self)


class LiveTable(RowTable):
    """A table refreshed in place: only changed cells are redrawn while the rows stay the
    same; when rows come or go it is rebuilt and the cursor stays on its row's key.

    `columns` are (key, header, numeric); headers are translated here, numbers right-aligned.
    Column widths are set from the content on each rebuild: DataTable's own auto-width
    caches cells rendered before it measures new rows, and shows them cut short.
    """

    def __init__(
        self,
        columns: Sequence[tuple[str, str, bool]],
        *,
        id: str,
        cursor_type: CursorType = "row",
        zebra_stripes: bool = True,
    ) -> None:
        super().__init__(id=id, cursor_type=cursor_type, zebra_stripes=zebra_stripes)
        self.spec = tuple(columns)
        self.shown: dict[str, tuple[Cell, ...]] = {}
        """The rows on screen, by key."""
        self.widths: list[int] = []
        """The width of each column, in cells."""

    def on_mount(self) -> None:
        self.show({})

    def _cell(self, i: int, value: Cell) -> Text:
        text = value.copy() if isinstance(value, Text) else Text(value)
        text.justify = "right" if self.spec[i][2] else "left"
        return text

    def show(self, rows: Mapping[str, tuple[Cell, ...]]) -> None:
        """Bring the table to `rows` (key -> cells in column order), touching what changed."""
        widths = [
            max([cell_len(_(label)), *(cell_len(str(r[i])) for r in rows.values())])
            for i, (_key, label, _numeric) in enumerate(self.spec)
        ]
        fits = all(w <= old for w, old in zip(widths, self.widths, strict=False))
        if self.widths and fits and list(rows) == list(self.shown):
            for key, values in rows.items():
                for i, value in enumerate(values):
                    if value != self.shown[key][i]:
                        self.update_cell(key, self.spec[i][0], self._cell(i, value))
        else:
            selected = self.selected_key()
            self.clear(columns=True)
            for (key, label, numeric), width in zip(self.spec, widths, strict=True):
                header = Text(_(label), justify="right" if numeric else "left")
                self.add_column(header, key=key, width=width)
            for key, values in rows.items():
                self.add_row(*(self._cell(i, v) for i, v in enumerate(values)), key=key)
            if selected is not None and selected in rows:
                self.move_cursor(row=list(rows).index(selected), animate=False)
            self.widths = widths
        self.shown = dict(rows)

    def selected_key(self) -> str | None:
        """The key of the highlighted row."""
        if not self.row_count:
            return None
        return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value


class PromptScreen(ModalScreen[str | None]):
    """Ask for one value; Enter gives it (stripped), Escape gives None."""

    DEFAULT_CSS = """
    PromptScreen {
        align: center middle;
    }
    PromptScreen > Vertical {
        width: 64;
        max-width: 100%;
        height: auto;
        padding: 1 2;
        border: round $primary;
        background: $surface;
    }
    PromptScreen Input {
        margin-top: 1;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", N_("Cancel"), id="prompt.cancel")
    ]

    def __init__(self, title: str, label: str, value: str = "", placeholder: str = "") -> None:
        super().__init__()
        localize_bindings(self)
        self.prompt_title = title
        self.label = label
        self.value = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.prompt_title
            box.border_subtitle = _("Enter confirms · Esc cancels")
            yield Label(self.label)
            yield Input(self.value, placeholder=self.placeholder, id="prompt-value")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        """Close without a value."""
        self.dismiss(None)


class RowsFooter(Footer):
    """A compact footer that lays its keys out on at least `rows` rows, and on as many more
    (up to `MAX_ROWS`) as the terminal's width needs, so that no key's description is cut:
    a screen with more keys than 80 columns hold on one row (the shift lead's dashboard,
    the routes screen, the crating screen in English) shows them all. F1 lists them too."""

    DEFAULT_CSS = """
    RowsFooter {
        layout: grid;
    }
    """
    #: More rows than this would take the screen's own lines; F1 lists every key.
    MAX_ROWS = 4
    #: Cells kept free on the first row for the palette key docked right (`▏^p 命令`).
    PALETTE_CELLS = 14

    def __init__(self, rows: int = 2) -> None:
        super().__init__(compact=True)
        self.rows = rows
        self.styles.height = rows
        self._width = 0

    def compose(self) -> ComposeResult:
        keys = list(super().compose())
        yield from keys
        # Footer.compose sets one grid row of every key; the palette key is docked right.
        # Columns as wide as their widest key (key, space, description, margin): a grid's
        # `auto` measures wide characters short.
        labels = [
            f"{getattr(k, 'key_display', '')} {getattr(k, 'description', '')} "
            for k in keys
            if not k.has_class("-command-palette")
        ]
        self._width = width = self.app.size.width
        for rows in range(self.rows, self.MAX_ROWS + 1):
            columns = max(1, -(-len(labels) // rows))
            widths = [
                max(map(cell_len, labels[c::columns])) for c in range(min(columns, len(labels)))
            ]
            if sum(widths) + self.PALETTE_CELLS <= width:
                break
        self.styles.height = rows
        self.styles.grid_size_columns = columns
        self.styles.grid_columns = " ".join(map(str, widths)) or "auto"

    def on_resize(self) -> None:
        """Lay the keys out again for the new width."""
        if self.app.size.width != self._width:
            self.refresh(recompose=True)
