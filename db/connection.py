"""Connections: one per thread, WAL, foreign keys, a busy timeout and durable commits.

Transactions (`write`, `savepoint`) are in `db.transaction`, which the migrations use too."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils

BUSY_TIMEOUT_MS = 10_000


def connect(path: str | Path, *, migrate: bool = True) -> sqlite_utils.Database:
    """Open the warehouse file, creating and migrating it if needed.

    The driver is put in autocommit mode (`isolation_level=None`) so that transactions are
    only the ones this project opens, with `write()`; sqlite-utils' own `atomic()` nests
    inside them as savepoints.
    """
    # sqlite-utils loads with the first connection, not with every import of the project.
    import sqlite_utils

    conn = sqlite3.connect(
        str(path), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=True
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    # An acknowledged scan must survive a power cut, not only a crash.
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    db = sqlite_utils.Database(conn)
    if migrate:
        from db.migrations import migrate as apply_migrations

        apply_migrations(db)
    return db
