"""What every command shares: the `main` group, `--db`/`--config`, JSON output, tables."""

from __future__ import annotations

import functools
import importlib
import json
import logging
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from picker.errors import InputError, PickerError
from picker.i18n import _, detect_language, set_language
from printers.errors import PrinterError

EXIT_OK, EXIT_USAGE, EXIT_REJECTS, EXIT_CONFLICT = 0, 2, 3, 4

F = TypeVar("F", bound=Callable[..., Any])

log = logging.getLogger(__name__)


def warehouse_options(fn: F, *, deferred: bool = False) -> F:
    """`--db` and `--config`, shared by every command; the command receives a `Warehouse`.

    `deferred`: it receives a `DeferredWarehouse`, which loads the use cases on first use.
    """

    @click.option(
        "--db",
        "db_path",
        envvar="PICKER_DB",
        default="picker.db",
        show_default=True,
        type=click.Path(dir_okay=False, path_type=Path),
        help="Warehouse database file (env PICKER_DB).",
    )
    @click.option(
        "--config",
        "config_path",
        envvar="PICKER_CONFIG",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Settings file, TOML (env PICKER_CONFIG).",
    )
    @functools.wraps(fn)
    def wrapper(db_path: Path, config_path: Path | None, **kwargs: Any) -> Any:
        # Imported here: `picker --help` and the app's first frame should not wait for them.
        from picker.app.config import load_settings

        ctx = click.get_current_context()
        try:
            start_log(ctx, db_path)
            settings = load_settings(config_path)
            if settings.lang and not click.get_current_context().find_root().params.get("lang"):
                set_language(settings.lang)
            if deferred:
                return fn(DeferredWarehouse(db_path, settings), **kwargs)
            from picker.app.warehouse import Warehouse

            return fn(Warehouse(db_path, settings), **kwargs)
        except (PickerError, PrinterError) as exc:
            log.info("%s: %s", ctx.command_path, exc.message, exc_info=exc)
            click.secho(_("error: {message}", message=exc.message), fg="red", err=True)
            sys.exit(exc.exit_code)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception:
            log.exception("%s failed", ctx.command_path)
            raise

    return wrapper  # type: ignore[return-value]


def start_log(ctx: click.Context, db_path: Path) -> None:
    """Log to `--log` or beside the database until the command ends (`picker.logs`).

    A default log file that cannot be opened is done without: the database beside it has
    the same problem, and its error says more. An unusable `--log` is an `InputError`.
    """
    from picker.logs import log_path_for, start_logging, stop_logging

    root = ctx.find_root()
    explicit = root.params.get("log_path")
    try:
        start_logging(Path(explicit) if explicit else log_path_for(db_path))
    except OSError as exc:
        if explicit:
            raise InputError(
                _("cannot write the log file {path}: {error}", path=explicit,
                  error=exc.strerror or exc)
            ) from None  # fmt: skip
        return
    root.call_on_close(stop_logging)


def json_option(fn: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")(fn)


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


#: Which module of `picker.cli` holds each command. A module is imported only when one of its
#: commands runs (or for `--help`), so `picker` opens the app without loading every use case.
#: `tests/test_cli.py` checks this map against what the modules register.
COMMAND_MODULES: dict[str, str] = {
    "tui": "app", "serve": "app",
    "demo": "intake", "import": "intake", "orders": "intake",
    "pull": "feed", "feeds": "feed", "watch": "feed", "resolve": "feed",
    "batch": "floor", "batches": "floor", "claim": "floor", "release": "floor",
    "takeover": "floor", "cancel": "floor", "scan": "floor",
    "print": "printing", "printers": "printing", "queue": "printing",
    "routes": "dispatch", "assign": "dispatch", "missing": "dispatch", "load": "dispatch",
    "unload": "dispatch", "depart": "dispatch", "pod": "dispatch",
    "crate": "crates",
    "settle": "accounts", "audit": "accounts", "stats": "accounts",
}  # fmt: skip


class _Group(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMAND_MODULES) | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMAND_MODULES:
            importlib.import_module(f"picker.cli.{COMMAND_MODULES[cmd_name]}")
        return self.commands.get(cmd_name)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_paragraph()
        formatter.write_text(
            "Exit codes: 0 ok, 2 usage or unreadable input, 3 done with rejected rows, 4 conflict."
        )


@click.group(cls=_Group, invoke_without_command=True)
@click.option("--lang", help="Interface language: zh_CN (default) or en.")
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False),
    help="Warehouse database file for the app or any command.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="Settings file for the app or any command.",
)
@click.option(
    "--log",
    "log_path",
    envvar="PICKER_LOG",
    type=click.Path(dir_okay=False),
    help="Log file (env PICKER_LOG; default: the database file's name + .log).",
)
@click.version_option(package_name="picker")
@click.pass_context
def main(
    ctx: click.Context,
    lang: str | None,
    db_path: str | None,
    config_path: str | None,
    log_path: str | None,
) -> None:
    """picker: the warehouse side of community produce supply.

    With no command it opens the terminal app on the warehouse file.

    \b
    Example:
      picker demo --db demo.db && picker --db demo.db
    """
    try:
        set_language(detect_language(lang))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--lang") from None
    # `picker --db X import ...` and `picker import --db X ...` mean the same.
    shared = {k: v for k, v in (("db_path", db_path), ("config_path", config_path)) if v}
    if shared:
        ctx.default_map = {name: dict(shared) for name in main.list_commands(ctx)}
    if ctx.invoked_subcommand is None:
        tui = main.get_command(ctx, "tui")
        assert tui is not None
        ctx.invoke(tui)


def format_table(headers: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    """Columns aligned by display width (a Chinese character takes two cells).

    Measured as the terminal shows it, by Rich's `cell_len` as the app's tables are; paper
    has its own measure (`printers.document.printed_width`: `·` takes two columns there).
    """
    from rich.cells import cell_len as width

    cols = [max(width(r[i]) for r in [headers, *rows]) for i in range(len(headers))]

    def fmt(row: tuple[str, ...]) -> str:
        cells = []
        for i, cell in enumerate(row):
            pad = " " * (cols[i] - width(cell))
            cells.append(pad + cell if i >= 2 else cell + pad)
        return "  ".join(cells).rstrip()

    return "\n".join([fmt(headers), *(fmt(r) for r in rows)])


def operator_option(fn: F) -> F:
    return click.option("--operator", required=True, help="Operator code, e.g. P001.")(fn)


def terminal_option(fn: F) -> F:
    return click.option(
        "--terminal",
        envvar="PICKER_TERMINAL",
        default="",
        help="Terminal name (env PICKER_TERMINAL).",
    )(fn)


def deferred_warehouse_options(fn: F) -> F:
    """`warehouse_options` for the terminal app, whose first frame needs no use case."""
    return warehouse_options(fn, deferred=True)


class DeferredWarehouse:
    """Stands in for a `Warehouse` until something other than its path or settings is used.

    The app's sign-in screen needs only those two; importing every use case (and with them
    sqlite-utils, Pillow, the printer stack) before the first frame made terminals slow to
    open over SSH. The real `Warehouse` is made once, by whichever thread asks first.
    """

    def __init__(self, path: Path, settings: Any) -> None:
        self.path = path
        self.settings = settings
        self._real: Any = None
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        # Only called for attributes the proxy lacks: everything but path and settings.
        with self.__dict__["_lock"]:
            if self.__dict__["_real"] is None:
                from picker.app.warehouse import Warehouse

                self.__dict__["_real"] = Warehouse(self.path, self.settings)
        return getattr(self.__dict__["_real"], name)
