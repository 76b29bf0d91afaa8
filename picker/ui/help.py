"""F1: the keys of the screen underneath, from its bindings that have an id."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any, ClassVar

from rich.text import Text
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from picker.i18n import N_, _
from picker.ui import localize_bindings


def key_help(app: App[Any], screen: Screen[Any]) -> list[tuple[str, str, str]]:
    """(keys, description, tooltip) of the screen's active bindings that have an id, i.e. ours.

    Textual's own widget bindings (cursor keys and the like) carry no id and English text,
    so they are left out. Keys bound to the same id are shown together: `/ f`.
    """
    keys: dict[str, list[str]] = {}
    text: dict[str, tuple[str, str]] = {}
    for active in screen.active_bindings.values():
        binding = active.binding
        if binding.id is None or not binding.description:
            continue
        shown = app.get_key_display(binding)
        if shown not in keys.setdefault(binding.id, []):
            keys[binding.id].append(shown)
        text.setdefault(binding.id, (binding.description, binding.tooltip))
    return [(" ".join(keys[i]), *text[i]) for i in keys]


class HelpScreen(ModalScreen[None]):
    """The keys of the screen underneath. F1, Escape or q closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q", "dismiss", N_("Close"), id="help.close")
    ]

    def __init__(self, keys: Iterable[tuple[str, str, str]]) -> None:
        super().__init__()
        localize_bindings(self)
        self.keys = list(keys)

    def compose(self) -> ComposeResult:
        width = max((len(k) for k, _d, _t in self.keys), default=0)
        text = Text()
        for keys, description, tooltip in self.keys:
            text.append(f"{keys:>{width}}  ", style="bold")
            text.append(description)
            if tooltip:
                text.append(f"  {tooltip}", style="dim")
            text.append("\n")
        text.rstrip()
        with Vertical(id="help") as box:
            box.border_title = _("Keys")
            box.border_subtitle = _("Esc closes")
            yield Static(text)


class KeyedApp(App[None]):
    """An app with F1 help on every screen and a command palette of the screen's bindings."""

    def action_help(self) -> None:
        """Show the keys of the active screen (a no-op if help is already open)."""
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(key_help(self, self.screen)))

    def action_command_palette(self) -> None:
        """Textual's palette, with the search prompt in the user's language."""
        if self.use_command_palette and not isinstance(self.screen, CommandPalette):
            self.push_screen(
                CommandPalette(placeholder=_("Search for commands…"), id="--command-palette")
            )

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Every binding of the screen with an id, translated, plus the theme switcher."""
        done: set[str] = set()
        for active in screen.active_bindings.values():
            b = active.binding
            if b.id is None or b.id in done or b.action == "command_palette":
                continue
            done.add(b.id)
            help_text = b.tooltip or b.description
            yield SystemCommand(
                b.description, help_text, partial(self.run_action, b.action, active.node)
            )
        yield SystemCommand(_("Theme"), _("Change the colour theme"), self.action_change_theme)
