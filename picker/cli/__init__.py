"""The command line: thin click commands over `Warehouse`. Docstrings are the `--help`.

`main` lives in `picker.cli.common`; each module here registers the commands of one area,
loaded when one of its commands is used (`COMMAND_MODULES`).
"""

import importlib

from picker.cli.common import (
    COMMAND_MODULES,
    EXIT_CONFLICT,
    EXIT_OK,
    EXIT_REJECTS,
    EXIT_USAGE,
    json_option,
    main,
    warehouse_options,
)

__all__ = [
    "COMMAND_MODULES",
    "EXIT_CONFLICT",
    "EXIT_OK",
    "EXIT_REJECTS",
    "EXIT_USAGE",
    "json_option",
    "load_all",
    "main",
    "warehouse_options",
]


def load_all() -> None:
    """Register every command now (for tests and tools that walk `main.commands`)."""
    for module in sorted(set(COMMAND_MODULES.values())):
        importlib.import_module(f"picker.cli.{module}")
