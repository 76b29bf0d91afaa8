"""The one logging set-up: records at INFO and above, tracebacks included, go to one file.

The file is `<database>.log` beside the warehouse file, or the one `picker --log PATH` names.
A person sees an error as one line (`error: ...` from a command, a red line in the app);
the log keeps its traceback for whoever looks into it later. The file is created readable
by its owner only: a traceback can carry names, phone numbers and addresses of orders.

Modules log through `logging.getLogger(__name__)` as usual; only the CLI's entry (and
through it the app) calls `start_logging`.
"""

from __future__ import annotations

import errno
import io
import logging
import os
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"

_handler: logging.FileHandler | None = None


def log_path_for(database: Path) -> Path:
    """Where the log of a warehouse file goes by default: `picker.db` -> `picker.db.log`."""
    return database.with_name(database.name + ".log")


def start_logging(path: Path, level: int = logging.INFO) -> Path:
    """Send records at `level` and above to `path` (appended to; created mode 0600).

    Replaces the file of an earlier call, so commands run one after another in one process
    (the tests) each log to their own database's file. The file is made when the first
    record comes; `OSError` now when it could not be written.
    """
    global _handler
    path = Path(path)
    if _handler is not None and _handler.baseFilename == os.path.abspath(path):
        return path
    if not path.parent.is_dir():
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(path.parent))
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    if not os.access(path if path.exists() else path.parent, os.W_OK):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
    handler = _PrivateFileHandler(path, encoding="utf-8", delay=True)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.setLevel(level)
    stop_logging()
    root = logging.getLogger()
    root.addHandler(handler)
    if root.getEffectiveLevel() > level:
        root.setLevel(level)
    _handler = handler
    return path


class _PrivateFileHandler(logging.FileHandler):
    """Opens its file on the first record (a command that logs nothing leaves no file), and
    creates it mode 0600: `os.open` sets the mode on creation, the umask can only narrow it."""

    def _open(self) -> io.TextIOWrapper:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        return open(fd, "a", encoding=self.encoding, errors=self.errors)


def stop_logging() -> None:
    """Close the log file, if one is open; records go nowhere afterwards."""
    global _handler
    if _handler is not None:
        logging.getLogger().removeHandler(_handler)
        _handler.close()
        _handler = None


def current_log() -> Path | None:
    """The file records go to now (None: not logging)."""
    return Path(_handler.baseFilename) if _handler is not None else None
