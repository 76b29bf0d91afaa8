"""The warehouse's data: connections, migrations and every SQL statement of the project."""

from __future__ import annotations

from typing import Any

from db.connection import connect
from db.transaction import savepoint, write

__all__ = ["MIGRATIONS", "connect", "migrate", "savepoint", "write"]


def __getattr__(name: str) -> Any:
    # The migrations pull in sqlite-utils; load them with the first connection, not on import.
    if name in ("MIGRATIONS", "migrate"):
        from db import migrations

        return getattr(migrations, name)
    raise AttributeError(name)
