"""The terminal app (Textual). The only package that imports Textual.

Screens get a `Warehouse` from the app and call it only from thread workers; results come
back as messages. Binding descriptions are marked with `N_()` and translated per instance by
`localize_bindings`, because class-level `BINDINGS` are built at import time, before
`--lang` is known.
"""

from __future__ import annotations

from dataclasses import replace

from textual.binding import BindingsMap
from textual.dom import DOMNode

from picker.i18n import _


def localize_bindings(node: DOMNode) -> None:
    """Translate the descriptions and tooltips of `node`'s bindings into the current language.

    Call it in `__init__`, after `super().__init__()`. Textual copies the class bindings into
    each instance (`_bindings`); there is no public hook for translating them.
    """
    node._bindings = BindingsMap.from_keys(
        {
            key: [
                replace(
                    b,
                    description=_(b.description) if b.description else "",
                    tooltip=_(b.tooltip) if b.tooltip else "",
                )
                for b in bindings
            ]
            for key, bindings in node._bindings.key_to_bindings.items()
        }
    )
