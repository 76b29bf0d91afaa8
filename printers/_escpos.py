"""The one place python-escpos is imported, configured first.

On import, python-escpos 3.1 calls `logging.basicConfig()` (a stderr handler on the root
logger, which would scribble over a running TUI) and leaves a new temporary directory behind
on every run: `environ.get("ESCPOS_CAPABILITIES_PICKLE_DIR", mkdtemp())` calls mkdtemp even
when the variable is set. Import it from here only.
"""

from __future__ import annotations

import fcntl
import logging
import os
import stat
import tempfile
from pathlib import Path


def _pickle_dir() -> str:
    """A private cache directory: the capabilities pickle is loaded with `pickle.load`, so it
    must not live where another user could write it."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    for candidate in (
        os.path.join(base, "picker", "escpos"),
        os.path.join(tempfile.gettempdir(), f"picker-escpos-{os.getuid()}"),
    ):
        try:
            os.makedirs(candidate, mode=0o700, exist_ok=True)
            info = os.stat(candidate)
        except OSError:
            continue
        if info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return candidate
    return tempfile.mkdtemp(prefix="picker-escpos-")


def _import_quietly() -> None:
    pickle_dir = os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", _pickle_dir())
    root = logging.getLogger()
    # basicConfig() does nothing when the root logger has a handler: lend it one meanwhile.
    placeholder = logging.NullHandler()
    lent = not root.handlers
    if lent:
        root.addHandler(placeholder)
    # escpos.capabilities does `from tempfile import mkdtemp` when imported: hand it one
    # that creates nothing for the moment of the import.
    mkdtemp = tempfile.mkdtemp
    tempfile.mkdtemp = lambda *args, **kwargs: pickle_dir  # type: ignore[assignment]
    # The first import writes the capabilities pickle; another process importing at that
    # moment would read it half-written (EOFError). Take turns on a lock in the same place.
    with open(os.path.join(pickle_dir, ".import.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            import escpos.printer  # noqa: F401
        finally:
            tempfile.mkdtemp = mkdtemp
            fcntl.flock(lock, fcntl.LOCK_UN)
        if lent:
            root.removeHandler(placeholder)
    quiet = logging.getLogger("escpos")
    quiet.addHandler(logging.NullHandler())
    quiet.propagate = False


_import_quietly()

from escpos.constants import QR_ECLEVEL_M  # noqa: E402
from escpos.printer import Dummy  # noqa: E402

__all__ = ["QR_ECLEVEL_M", "Dummy"]
