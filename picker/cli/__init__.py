"""The command line: thin click commands over `Warehouse`. Docstrings are the `--help`.

`main` lives in `picker.cli.common`; each module here registers the commands of one area.
"""

from picker.cli import accounts, app, crates, dispatch, feed, floor, intake, printing
from picker.cli.common import (
    EXIT_CONFLICT,
    EXIT_OK,
    EXIT_REJECTS,
    EXIT_USAGE,
    json_option,
    main,
    warehouse_options,
)

__all__ = [
    "EXIT_CONFLICT",
    "EXIT_OK",
    "EXIT_REJECTS",
    "EXIT_USAGE",
    "accounts",
    "app",
    "crates",
    "dispatch",
    "feed",
    "floor",
    "intake",
    "json_option",
    "main",
    "printing",
    "warehouse_options",
]
