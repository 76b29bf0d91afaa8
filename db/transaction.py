"""Transactions: `write()` takes the write lock up front, `savepoint()` nests inside it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils


@contextmanager
def write(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """A read-then-write transaction that takes the write lock up front.

    A deferred transaction that reads first fails at once with SQLITE_BUSY_SNAPSHOT when
    another process wrote in between, and the busy timeout cannot help it. `BEGIN IMMEDIATE`
    waits for the lock instead.
    """
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


@contextmanager
def savepoint(db: sqlite_utils.Database, name: str) -> Iterator[sqlite_utils.Database]:
    """A part of the caller's `write()` transaction that is undone alone when it raises.

    The exception goes on to the caller, who may catch it and commit the rest.
    """
    conn = db.conn
    conn.execute(f"SAVEPOINT {name}")
    try:
        yield db
    except BaseException:
        conn.execute(f"ROLLBACK TO {name}")
        raise
    finally:
        conn.execute(f"RELEASE {name}")
