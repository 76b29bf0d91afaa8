"""The terminal app, in a terminal or in a browser."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from picker.cli.common import deferred_warehouse_options, main, warehouse_options

if TYPE_CHECKING:
    from picker.app.warehouse import Warehouse


@main.command()
@click.option(
    "--terminal",
    envvar="PICKER_TERMINAL",
    default="",
    help="This terminal's name in claims (env PICKER_TERMINAL; default: the host name).",
)
@deferred_warehouse_options
def tui(wh: Warehouse, terminal: str) -> None:
    """Open the terminal app (the default when no command is given).

    It starts at sign-in: scan a badge, or type an operator code and PIN.

    \b
    Example:
      picker tui --db demo.db --terminal T3
    """
    from picker.ui.app import make_app

    make_app(wh, terminal=terminal or None).run()


@main.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Keep 127.0.0.1 unless the network is trusted.",
)
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="TCP port."
)
@warehouse_options
def serve(wh: Warehouse, host: str, port: int) -> None:
    """Serve the terminal app in a browser (textual-serve): one app process per browser tab.

    textual-serve has no authentication of its own: the app's sign-in (badge, or operator
    code and PIN) is the only gate, so it listens on 127.0.0.1 by default. Reach it from
    other machines through an SSH tunnel or a TLS reverse proxy, or bind --host 0.0.0.0
    only on a trusted warehouse network. Claims made in a tab carry the terminal name
    `web@HOST` unless PICKER_TERMINAL is set.

    \b
    Example:
      picker serve --db demo.db --port 8000   # then open http://127.0.0.1:8000
    """
    import os
    import socket

    from textual_serve.server import Server

    from picker.i18n import current_language

    params = click.get_current_context().params
    command = [sys.executable, "-m", "picker", "--lang", current_language()]
    command += ["--db", str(wh.path.resolve())]
    if params.get("config_path"):
        command += ["--config", str(Path(params["config_path"]).resolve())]
    if log_path := click.get_current_context().find_root().params.get("log_path"):
        command += ["--log", str(Path(log_path).resolve())]
    os.environ.setdefault("PICKER_TERMINAL", f"web@{socket.gethostname()}")
    server = Server(
        shlex.join([*command, "tui"]), host=host, port=port, title=wh.settings.warehouse_name
    )
    server.serve()
