"""What every service of one warehouse file shares: its path, settings, clock and connection.

A `Context` opens one database connection per thread, so TUI workers and CLI commands can
call the same services alike. The services receive it (and the other services they need)
when `Warehouse` composes them; settings and clock stay settable, and every service reads
them through the context, so a change is seen by all.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import db
from db import catalog as catalog_rows
from picker.app.config import Settings
from picker.domain.model import SHANGHAI, Catalog

if TYPE_CHECKING:
    import sqlite_utils

Clock = Callable[[], datetime]


def shanghai_now() -> datetime:
    return datetime.now(SHANGHAI)


class Context:
    """One warehouse file as the services see it."""

    def __init__(
        self,
        path: str | Path,
        settings: Settings | None = None,
        clock: Clock = shanghai_now,
    ) -> None:
        self.path = Path(path)
        self.settings = settings or Settings()
        self.clock = clock
        self._local = threading.local()

    @property
    def db(self) -> sqlite_utils.Database:
        """This thread's connection, opened (and the schema migrated) on first use."""
        conn = getattr(self._local, "db", None)
        if conn is None:
            conn = db.connect(self.path)
            self._local.db = conn
        return conn

    def close(self) -> None:
        """Close this thread's connection (a worker thread ending)."""
        conn = getattr(self._local, "db", None)
        if conn is not None:
            conn.close()
            self._local.db = None

    def now(self) -> str:
        """The clock's time as stored in the log tables (milliseconds)."""
        return self.clock().isoformat(timespec="milliseconds")

    def stamp(self, when: datetime | None = None) -> str:
        """A time (the clock's by default) as the print queue stores it: Shanghai time."""
        return (when or self.clock()).astimezone(SHANGHAI).isoformat(timespec="milliseconds")

    def catalog(self) -> Catalog:
        """Committees, products, locations and operators as stored now."""
        return catalog_rows.load_catalog(self.db)


class Service:
    """One area's use cases over a `Context`.

    The accessors read the context on every call: a test or the CLI that sets other
    settings or another clock on the warehouse changes them for every service.
    """

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    @property
    def db(self) -> sqlite_utils.Database:
        return self.ctx.db

    @property
    def settings(self) -> Settings:
        return self.ctx.settings

    def clock(self) -> datetime:
        return self.ctx.clock()

    def now(self) -> str:
        return self.ctx.now()

    def catalog(self) -> Catalog:
        return self.ctx.catalog()
